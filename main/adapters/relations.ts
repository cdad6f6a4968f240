import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { pickColumn, tableIfAny, type SchemaObject } from '../sqlite/catalog.ts';
import { COUNT_WINDOW } from './stats.ts';

// The conversations of the chat-like file kinds (seed 000's user_history, seed 004's duiliocode, seed 001's
// clinic fallback) as one SQL relation each: rows (id TEXT, title TEXT, subtitle TEXT, n INTEGER, ck TEXT
// sort key, raw_a, raw_b), which the SQLite file Source pages by keyset (main/sources/sqlite-conversations.ts). The figures
// are the adapters': counts over the newest COUNT_WINDOW rows, titles from the profile / phone / session,
// the same conversation ids.

/**
 * A time value as a sortable UTC text, for the instants toIso (main/sources/time.ts) reads: Unix seconds or
 * milliseconds, SQLite's 'YYYY-MM-DD HH:MM:SS' and ISO-8601 with or without an offset. NULL otherwise.
 */
function sortKey(expr: string): string {
  return `(CASE WHEN ${expr} IS NULL OR ${expr} = '' THEN NULL
    WHEN typeof(${expr}) IN ('integer', 'real')
      THEN strftime('%Y-%m-%dT%H:%M:%fZ', CASE WHEN ${expr} > 1e12 THEN ${expr} / 1000.0 ELSE ${expr} END, 'unixepoch')
    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ${expr}) END)`;
}

/** The later of two sort keys, either may be NULL (SQLite's max(a, b) is NULL when one is). */
function later(a: string, b: string): string {
  return `(CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL OR ${a} >= ${b} THEN ${a} ELSE ${b} END)`;
}

function newest(table: SchemaObject, columns: string, n: number): string {
  const q = quoteIdent(table.name);
  return table.rowidName
    ? `SELECT ${columns} FROM ${q} ORDER BY ${table.rowidName} DESC LIMIT ${n}`
    : `SELECT ${columns} FROM ${q} LIMIT ${n}`;
}

const col = (table: SchemaObject, names: readonly string[]): string => {
  const name = pickColumn(table, names);
  return name ? quoteIdent(name) : 'NULL';
};

const nonEmptyText = (expr: string) =>
  `(CASE WHEN typeof(${expr}) = 'text' AND trim(${expr}) <> '' THEN ${expr} END)`;

/** Seed 000: chats of `messages` (by chat_id) and of `user_profile`, titled by the profile's name. */
export function userHistoryRelation(db: ReadableDb): string {
  const messages = tableIfAny(db, 'messages');
  if (!messages) throw new AppError('not_found', 'this file has no messages table');
  const ts = pickColumn(messages, ['timestamp', 'created_at']);
  const counted = `SELECT chat_id AS cid, count(*) AS n, max(ts) AS last
    FROM (${newest(messages, `chat_id, ${ts ? quoteIdent(ts) : 'NULL'} AS ts`, COUNT_WINDOW)}) GROUP BY chat_id`;
  const profile = tableIfAny(db, 'user_profile');
  if (!profile || !pickColumn(profile, ['chat_id'])) {
    return `SELECT CAST(cid AS TEXT) AS id, 'Chat ' || CAST(cid AS TEXT) AS title,
              'chat ' || CAST(cid AS TEXT) AS subtitle, n, ${sortKey('last')} AS ck,
              last AS raw_a, NULL AS raw_b
            FROM (${counted}) WHERE cid IS NOT NULL`;
  }
  const first = nonEmptyText(`p.${col(profile, ['first_name'])}`);
  const lastName = nonEmptyText(`p.${col(profile, ['last_name'])}`);
  const username = `p.${col(profile, ['username'])}`;
  const full = `(CASE WHEN ${first} IS NOT NULL AND ${lastName} IS NOT NULL THEN ${first} || ' ' || ${lastName} ELSE coalesce(${first}, ${lastName}) END)`;
  const name = `coalesce(${full}, CASE WHEN typeof(${username}) = 'text' AND ${username} <> '' THEN '@' || ${username} END)`;
  const active = `p.${col(profile, ['last_active'])}`;
  const id = `CAST(coalesce(m.cid, p.chat_id) AS TEXT)`;
  const level = nonEmptyText(`p.${col(profile, ['current_level'])}`);
  const subtitle = `'chat ' || ${id} || coalesce(' · level ' || ${level}, '')`;
  return `SELECT ${id} AS id, coalesce(${name}, 'Chat ' || ${id}) AS title, ${subtitle} AS subtitle,
            coalesce(m.n, 0) AS n,
            ${later(sortKey('m.last'), sortKey(active))} AS ck, m.last AS raw_a, ${active} AS raw_b
          FROM (${counted}) m
          FULL OUTER JOIN (SELECT * FROM ${quoteIdent(profile.name)} LIMIT ${COUNT_WINDOW}) p ON p.chat_id = m.cid
          WHERE coalesce(m.cid, p.chat_id) IS NOT NULL`;
}

/** Seed 004: one conversation per (user_id, session_id), its id the JSON pair (or #rowid when too long). */
export function duilioRelation(db: ReadableDb): string {
  const table = tableIfAny(db, 'conversation_history');
  if (!table) throw new AppError('not_found', 'this file has no conversation_history table');
  const k = table.rowidName ?? 'NULL';
  const inner = newest(
    table,
    `${col(table, ['user_id'])} AS u, ${col(table, ['session_id'])} AS s, ${col(table, ['created_at', 'timestamp'])} AS ts, ${k} AS k`,
    COUNT_WINDOW,
  );
  // JSON.stringify([user, session]) of the adapter's text values: json_array of the values as text.
  const pair = 'json_array(CAST(u AS TEXT), CAST(s AS TEXT))';
  return `SELECT CASE WHEN length(${pair}) <= 200 THEN ${pair} ELSE '#' || coalesce(min(k), 0) END AS id,
            coalesce(CAST(s AS TEXT), '(no session)') AS title, 'user ' || CAST(u AS TEXT) AS subtitle, count(*) AS n, ${sortKey('max(ts)')} AS ck,
            max(ts) AS raw_a, NULL AS raw_b
          FROM (${inner}) GROUP BY u, s`;
}

/** Seed 001's SQLite fallback: `conversations` rows, counted in `conversation_messages`, titled by phone. */
export function clinicRelation(db: ReadableDb): string {
  const conversations = tableIfAny(db, 'conversations');
  const messages = tableIfAny(db, 'conversation_messages');
  if (!conversations || !messages)
    throw new AppError('not_found', 'this file has no conversations / conversation_messages tables');
  const key = pickColumn(conversations, ['id', 'conversation_id']);
  const keyExpr = key ? quoteIdent(key) : (conversations.rowidName ?? 'NULL');
  const listed = newest(
    conversations,
    `${keyExpr} AS k, ${col(conversations, ['phone', 'phone_number'])} AS phone,
     ${col(conversations, ['updated_at', 'last_message_at', 'last_interaction', 'created_at'])} AS updated,
     ${col(conversations, ['patient_name', 'name', 'contact_name', 'user_name'])} AS name,
     ${col(conversations, ['state', 'status', 'current_state', 'stage'])} AS state`,
    COUNT_WINDOW,
  );
  const counted = `SELECT CAST(c AS TEXT) AS cid, count(*) AS n, max(ts) AS last FROM (${newest(
    messages,
    `${col(messages, ['conversation_id'])} AS c, ${col(messages, ['created_at', 'timestamp', 'sent_at', 'received_at'])} AS ts`,
    COUNT_WINDOW,
  )}) GROUP BY 1`;
  // The patient's name and the conversation's state, each where it has one, joined by " · ".
  const name = `nullif(CAST(c.name AS TEXT), '')`;
  const state = `nullif(CAST(c.state AS TEXT), '')`;
  return `SELECT CAST(c.k AS TEXT) AS id, coalesce(CAST(c.phone AS TEXT), 'conversation ' || CAST(c.k AS TEXT)) AS title,
            coalesce(${name} || ' · ' || ${state}, ${name}, ${state}) AS subtitle, coalesce(m.n, 0) AS n, ${later(sortKey('c.updated'), sortKey('m.last'))} AS ck,
            c.updated AS raw_a, m.last AS raw_b
          FROM (${listed}) c LEFT JOIN (${counted}) m ON m.cid = CAST(c.k AS TEXT)
          WHERE c.k IS NOT NULL AND CAST(c.k AS TEXT) <> ''`;
}
