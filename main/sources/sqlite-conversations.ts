import { AppError } from '../../shared/errors.ts';
import { pickColumn, tableIfAny, type SchemaObject } from '../adapters/schema.ts';
import { COUNT_WINDOW } from '../adapters/stats.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { latest, toIso } from '../store/time.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { ConversationPage, ConversationQuery, SourceConversation } from './types.ts';

// Conversations of a chat-like SQLite file (seed 000's user_history, seed 004's duiliocode, seed 001's clinic
// fallback) as SQL keyset pages: the file's conversations are one relation (id, title, messages, sort key),
// ordered most recent activity first then id, and a page is `WHERE (key, id) after the cursor ... LIMIT n`.
// JavaScript receives one page, never the whole list. The figures are the adapters' (main/adapters): counts
// over the newest COUNT_WINDOW rows, titles from the profile / phone / session, the same conversation ids.

/** A conversation relation: rows (id TEXT, title TEXT, n INTEGER, ck TEXT sort key, raw_a, raw_b). */
interface Relation {
  sql: string;
}

/**
 * A time value as a sortable UTC text, for the instants toIso (main/store/time.ts) reads: Unix seconds or
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
function userHistoryRelation(db: ReadableDb): Relation {
  const messages = tableIfAny(db, 'messages');
  if (!messages) throw new AppError('not_found', 'this file has no messages table');
  const ts = pickColumn(messages, ['timestamp', 'created_at']);
  const counted = `SELECT chat_id AS cid, count(*) AS n, max(ts) AS last
    FROM (${newest(messages, `chat_id, ${ts ? quoteIdent(ts) : 'NULL'} AS ts`, COUNT_WINDOW)}) GROUP BY chat_id`;
  const profile = tableIfAny(db, 'user_profile');
  if (!profile || !pickColumn(profile, ['chat_id'])) {
    return {
      sql: `SELECT CAST(cid AS TEXT) AS id, 'Chat ' || CAST(cid AS TEXT) AS title, n, ${sortKey('last')} AS ck,
              last AS raw_a, NULL AS raw_b
            FROM (${counted}) WHERE cid IS NOT NULL`,
    };
  }
  const first = nonEmptyText(`p.${col(profile, ['first_name'])}`);
  const lastName = nonEmptyText(`p.${col(profile, ['last_name'])}`);
  const username = `p.${col(profile, ['username'])}`;
  const full = `(CASE WHEN ${first} IS NOT NULL AND ${lastName} IS NOT NULL THEN ${first} || ' ' || ${lastName} ELSE coalesce(${first}, ${lastName}) END)`;
  const name = `coalesce(${full}, CASE WHEN typeof(${username}) = 'text' AND ${username} <> '' THEN '@' || ${username} END)`;
  const active = `p.${col(profile, ['last_active'])}`;
  const id = `CAST(coalesce(m.cid, p.chat_id) AS TEXT)`;
  return {
    sql: `SELECT ${id} AS id, coalesce(${name}, 'Chat ' || ${id}) AS title, coalesce(m.n, 0) AS n,
            ${later(sortKey('m.last'), sortKey(active))} AS ck, m.last AS raw_a, ${active} AS raw_b
          FROM (${counted}) m
          FULL OUTER JOIN (SELECT * FROM ${quoteIdent(profile.name)} LIMIT ${COUNT_WINDOW}) p ON p.chat_id = m.cid
          WHERE coalesce(m.cid, p.chat_id) IS NOT NULL`,
  };
}

/** Seed 004: one conversation per (user_id, session_id), its id the JSON pair (or #rowid when too long). */
function duilioRelation(db: ReadableDb): Relation {
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
  return {
    sql: `SELECT CASE WHEN length(${pair}) <= 200 THEN ${pair} ELSE '#' || coalesce(min(k), 0) END AS id,
            coalesce(CAST(s AS TEXT), '(no session)') AS title, count(*) AS n, ${sortKey('max(ts)')} AS ck,
            max(ts) AS raw_a, NULL AS raw_b
          FROM (${inner}) GROUP BY u, s`,
  };
}

/** Seed 001's SQLite fallback: `conversations` rows, counted in `conversation_messages`, titled by phone. */
function clinicRelation(db: ReadableDb): Relation {
  const conversations = tableIfAny(db, 'conversations');
  const messages = tableIfAny(db, 'conversation_messages');
  if (!conversations || !messages)
    throw new AppError('not_found', 'this file has no conversations / conversation_messages tables');
  const key = pickColumn(conversations, ['id', 'conversation_id']);
  const keyExpr = key ? quoteIdent(key) : (conversations.rowidName ?? 'NULL');
  const listed = newest(
    conversations,
    `${keyExpr} AS k, ${col(conversations, ['phone', 'phone_number'])} AS phone,
     ${col(conversations, ['updated_at', 'last_message_at', 'last_interaction', 'created_at'])} AS updated`,
    COUNT_WINDOW,
  );
  const counted = `SELECT CAST(c AS TEXT) AS cid, count(*) AS n, max(ts) AS last FROM (${newest(
    messages,
    `${col(messages, ['conversation_id'])} AS c, ${col(messages, ['created_at', 'timestamp', 'sent_at', 'received_at'])} AS ts`,
    COUNT_WINDOW,
  )}) GROUP BY 1`;
  return {
    sql: `SELECT CAST(c.k AS TEXT) AS id, coalesce(CAST(c.phone AS TEXT), 'conversation ' || CAST(c.k AS TEXT)) AS title,
            coalesce(m.n, 0) AS n, ${later(sortKey('c.updated'), sortKey('m.last'))} AS ck,
            c.updated AS raw_a, m.last AS raw_b
          FROM (${listed}) c LEFT JOIN (${counted}) m ON m.cid = CAST(c.k AS TEXT)
          WHERE c.k IS NOT NULL AND CAST(c.k AS TEXT) <> ''`,
  };
}

const RELATIONS: Record<string, (db: ReadableDb) => Relation> = {
  user_history: userHistoryRelation,
  duiliocode: duilioRelation,
  clinic: clinicRelation,
};

/** The conversation relation of a chat-like file kind (built once per open: it reads the schema), or null. */
export function conversationRelation(db: ReadableDb, kind: string): string | null {
  const build = RELATIONS[kind];
  return build ? build(db).sql : null;
}

type Row = {
  id: string;
  title: string;
  n: number | bigint;
  ck: string | null;
  raw_a: unknown;
  raw_b: unknown;
};

const rawTime = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

function conversationOf(row: Row): SourceConversation {
  return {
    id: row.id,
    title: row.title,
    messages: Number(row.n),
    lastActivity: latest(toIso(rawTime(row.raw_a)), toIso(rawTime(row.raw_b))),
  };
}

/** LIKE with the needle's own % and _ taken literally. */
const likePattern = (needle: string) => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of a file's conversations: most recent activity first (no activity last), then id; keyset on
 * (sort key, id); `search` keeps those whose id or title contains the text (any case).
 */
export function conversationKeysetPage(
  db: ReadableDb,
  relation: string,
  query: ConversationQuery,
): ConversationPage {
  const where: string[] = [];
  const params: unknown[] = [];
  const needle = query.search?.trim().toLowerCase();
  if (needle) {
    where.push("(lower(id) LIKE ? ESCAPE '\\' OR lower(title) LIKE ? ESCAPE '\\')");
    params.push(likePattern(needle), likePattern(needle));
  }
  if (query.after) {
    const [ck, id] = decodeCursor(query.after, 2);
    if ((ck !== null && typeof ck !== 'string') || typeof id !== 'string')
      throw new AppError(
        'invalid_input',
        'that cursor is not one this source gave out: start from the first page',
      );
    if (ck === null) {
      where.push('(ck IS NULL AND id > ?)');
      params.push(id);
    } else {
      where.push('(ck < ? OR (ck = ? AND id > ?) OR ck IS NULL)');
      params.push(ck, ck, id);
    }
  }
  const sql = `SELECT * FROM (${relation}) ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ck IS NULL, ck DESC, id LIMIT ?`;
  const rows = db
    .prepare(sql)
    .safeIntegers(true)
    .all(...params, query.limit + 1) as Row[];
  const shown = rows.slice(0, query.limit);
  const end = shown[shown.length - 1];
  return {
    conversations: shown.map(conversationOf),
    next: rows.length > query.limit && end ? encodeCursor([end.ck, end.id]) : null,
  };
}

/** One conversation's figures by id; null when it is not there. */
export function conversationById(db: ReadableDb, relation: string, id: string): SourceConversation | null {
  const sql = `SELECT * FROM (${relation}) WHERE id = ? LIMIT 1`;
  const rows = db.prepare(sql).safeIntegers(true).all(id) as Row[];
  return rows[0] ? conversationOf(rows[0]) : null;
}
