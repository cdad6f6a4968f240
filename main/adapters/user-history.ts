import { basename, dirname } from 'node:path';
import type { ConversationRef, MessagePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { mapMessageRow, pageMessages } from '../store/messages.ts';
import { CHAT_DIR_PATTERN } from '../store/schema.ts';
import { displayName } from '../store/summary.ts';
import { latest, toIso } from '../store/time.ts';
import { tableIfAny, pickColumn, type SchemaObject } from './schema.ts';
import { COUNT_WINDOW, dayExpr, type Chart, type FigureTable } from './stats.ts';
import type { ConversationList, PageInput } from './types.ts';

// The English-teacher bot (seed 000): the unified legacy user_history.db (every chat in one file, keyed
// by chat_id) and a single chat's conversations.db. Messages reuse store/messages.ts, filtered by chat_id.
//
// Order: a thread reads in time order. When the bot wrote the file, ids follow time and a chat's page is
// `chat_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, which SQLite runs as
// "SEARCH messages USING INTEGER PRIMARY KEY (rowid<?)": it walks the rowid b-tree backwards from the cursor
// and stops after `limit` matches — no sort, no OFFSET, cost proportional to the rows walked over (the bot's
// schema has no index on messages.chat_id). Files whose ids do not follow time (rows copied in from an export
// newest first, merged files) are paged by (time, id) instead: one scan of the table per page, a top-N sort.
// Which of the two a chat needs is found once per connection and file state (max id), by one scan.

const CHAT_ID = /^-?\d{1,20}$/;
/** Messages per day and users are computed over at most this many of the newest messages. */
const METRICS_WINDOW = 200_000;

function messagesTable(db: ReadableDb): SchemaObject {
  const table = tableIfAny(db, 'messages');
  if (!table) throw new AppError('not_found', 'this file has no messages table');
  return table;
}

/** `SELECT cols FROM t` over the newest `n` rows (by rowid when the table has one). */
function newest(table: SchemaObject, columns: string, n: number): string {
  const q = quoteIdent(table.name);
  return table.rowidName
    ? `SELECT ${columns} FROM ${q} ORDER BY ${table.rowidName} DESC LIMIT ${n}`
    : `SELECT ${columns} FROM ${q} LIMIT ${n}`;
}

const idText = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'bigint' ? v.toString() : String(v);

function parseChatId(conversationId: string): bigint {
  if (!CHAT_ID.test(conversationId))
    throw new AppError(
      'invalid_input',
      `a chat id is a number, not ${JSON.stringify(conversationId.slice(0, 40))}`,
    );
  return BigInt(conversationId);
}

export function userHistoryConversations(db: ReadableDb, limit: number): ConversationList {
  const messages = messagesTable(db);
  const ts = pickColumn(messages, ['timestamp', 'created_at']);
  const counted = db
    .prepare(
      `SELECT chat_id AS chatId, count(*) AS n, max(ts) AS last
       FROM (${newest(messages, `chat_id, ${ts ? quoteIdent(ts) : 'NULL'} AS ts`, COUNT_WINDOW)}) GROUP BY chat_id`,
    )
    .safeIntegers(true)
    .all() as { chatId: unknown; n: bigint; last: unknown }[];
  const byChat = new Map<string, ConversationRef>();
  let windowRows = 0;
  for (const row of counted) {
    windowRows += Number(row.n);
    const id = idText(row.chatId);
    if (id === null) continue;
    byChat.set(id, {
      id,
      title: `Chat ${id}`,
      subtitle: `chat ${id}`,
      messages: Number(row.n),
      lastActive: toIso(row.last),
    });
  }
  const profileTable = tableIfAny(db, 'user_profile');
  if (profileTable) {
    const profiles = db
      .prepare(`SELECT * FROM ${quoteIdent(profileTable.name)} LIMIT ${COUNT_WINDOW}`)
      .safeIntegers(true)
      .all() as Record<string, unknown>[];
    for (const p of profiles) {
      const id = idText(p.chat_id);
      if (id === null) continue;
      const ref = byChat.get(id) ?? {
        id,
        title: `Chat ${id}`,
        subtitle: `chat ${id}`,
        messages: 0,
        lastActive: null,
      };
      const name = displayName(p);
      if (name) ref.title = name;
      if (typeof p.current_level === 'string' && p.current_level)
        ref.subtitle = `chat ${id} · level ${p.current_level}`;
      ref.lastActive = latest(
        ref.lastActive,
        toIso(typeof p.last_active === 'bigint' ? Number(p.last_active) : p.last_active),
      );
      byChat.set(id, ref);
    }
  }
  const all = [...byChat.values()].sort(
    (a, b) => (b.lastActive ?? '').localeCompare(a.lastActive ?? '') || a.id.localeCompare(b.id),
  );
  return { conversations: all.slice(0, limit), capped: all.length > limit || windowRows >= COUNT_WINDOW };
}

export function userHistoryMessages(
  db: ReadableDb,
  conversationId: string,
  request: PageInput & { at?: string | undefined },
): MessagePage {
  const chatId = parseChatId(conversationId);
  const table = messagesTable(db);
  const ts = pickColumn(table, ['timestamp', 'created_at']);
  const order = ts ? idOrder(db, chatId, ts) : 'forward';
  if (ts && order !== 'forward') return pageByTime(db, chatId, ts, request, order === 'backward');
  return pageMessages(
    { db, filter: { sql: 'chat_id = ?', params: [chatId] } },
    { before: request.before, after: request.after, at: request.at, limit: request.limit },
  );
}

/**
 * A message's time as one comparable number (Unix seconds): text in any form SQLite's date functions read,
 * or Unix seconds / milliseconds. Rows without a readable time sort first.
 */
function timeKey(column: string): string {
  const c = quoteIdent(column);
  return `coalesce(CASE WHEN typeof(${c}) IN ('integer', 'real')
      THEN (CASE WHEN ${c} > 100000000000 THEN ${c} / 1000.0 ELSE ${c} END)
      ELSE (julianday(${c}) - 2440587.5) * 86400.0 END, -1e18)`;
}

/**
 * How a chat's ids relate to time: 'forward' when no message is older than one with a smaller id (the fast,
 * id-ordered path fits), 'backward' when they mostly run against it (messages of the same second are then
 * ordered by id downwards too), 'mixed' otherwise.
 */
type IdOrder = 'forward' | 'backward' | 'mixed';

/** Per connection: chat id → its IdOrder, valid while the file's max id is the same. */
const orderCache = new WeakMap<object, { maxId: unknown; chats: Map<string, IdOrder> }>();

function idOrder(db: ReadableDb, chatId: bigint, ts: string): IdOrder {
  const maxId = db.prepare('SELECT max(id) FROM messages').safeIntegers(true).pluck().get();
  let entry = orderCache.get(db);
  if (!entry || entry.maxId !== maxId) {
    entry = { maxId, chats: new Map() };
    orderCache.set(db, entry);
  }
  const key = chatId.toString();
  const known = entry.chats.get(key);
  if (known !== undefined) return known;
  const steps = db
    .prepare(
      `SELECT coalesce(sum(k < previous), 0) AS back, coalesce(sum(k > previous), 0) AS forth
        FROM (SELECT ${timeKey(ts)} AS k, lag(${timeKey(ts)}) OVER (ORDER BY id) AS previous
        FROM messages WHERE chat_id = ?)`,
    )
    .get(chatId) as { back: number; forth: number };
  const order: IdOrder = steps.back === 0 ? 'forward' : steps.back > steps.forth ? 'backward' : 'mixed';
  entry.chats.set(key, order);
  return order;
}

/**
 * Keyset paging on (time, id) — (time, -id) when ids run backwards, so messages of the same second keep
 * their order: the newest page by default, older than `before`, newer than `after`, or from `at`.
 */
function pageByTime(
  db: ReadableDb,
  chatId: bigint,
  ts: string,
  request: PageInput & { at?: string | undefined },
  backward: boolean,
): MessagePage {
  const k = timeKey(ts);
  const tie = backward ? '(-id)' : 'id';
  const tieOf = (id: unknown): number => (backward ? -Number(id) : Number(id));
  const from = `SELECT *, ${k} AS "ci$time" FROM messages WHERE chat_id = ?`;
  /** The time of the cursor's message; `after` 0 or below (no message has it) starts at the beginning. */
  const keyOf = (id: number, allowStart = false): number => {
    const row = db.prepare(`SELECT ${k} FROM messages WHERE id = ? AND chat_id = ?`).pluck().get(id, chatId);
    if (row !== undefined) return Number(row);
    if (allowStart && id <= 0) return -Infinity;
    throw new AppError('not_found', `message ${id} is no longer in this chat; reload the conversation`);
  };
  type Row = Record<string, unknown>;
  let rows: Row[];
  if (request.after !== undefined) {
    rows = db
      .prepare(`${from} AND (${k}, ${tie}) > (?, ?) ORDER BY ${k} ASC, ${tie} ASC LIMIT ?`)
      .all(chatId, keyOf(request.after, true), tieOf(request.after), request.limit) as Row[];
  } else if (request.before !== undefined) {
    rows = (
      db
        .prepare(`${from} AND (${k}, ${tie}) < (?, ?) ORDER BY ${k} DESC, ${tie} DESC LIMIT ?`)
        .all(chatId, keyOf(request.before), tieOf(request.before), request.limit) as Row[]
    ).reverse();
  } else if (request.at !== undefined) {
    rows = db
      .prepare(`${from} AND ${k} >= ? ORDER BY ${k} ASC, ${tie} ASC LIMIT ?`)
      .all(chatId, atKey(request.at), request.limit) as Row[];
    if (rows.length === 0) return pageByTime(db, chatId, ts, { limit: request.limit }, backward);
  } else {
    rows = (
      db.prepare(`${from} ORDER BY ${k} DESC, ${tie} DESC LIMIT ?`).all(chatId, request.limit) as Row[]
    ).reverse();
  }
  const messages = rows.map(mapMessageRow);
  if (rows.length === 0) return { messages, olderCursor: null, newerCursor: null };
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const exists = (cmp: '<' | '>', row: Row): boolean =>
    db
      .prepare(`SELECT 1 FROM messages WHERE chat_id = ? AND (${k}, ${tie}) ${cmp} (?, ?) LIMIT 1`)
      .get(chatId, row['ci$time'], tieOf(row.id)) !== undefined;
  return {
    messages,
    olderCursor: exists('<', first) ? Number(first.id) : null,
    newerCursor: exists('>', last) ? Number(last.id) : null,
  };
}

/** An ISO date or datetime from the UI or the CLI as the same Unix-seconds key. */
function atKey(at: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(at.trim()) ? `${at.trim()}T00:00:00Z` : at.trim());
  if (Number.isNaN(ms)) throw new AppError('invalid_input', `${at.slice(0, 40)}: give a date as YYYY-MM-DD`);
  return ms / 1000;
}

/** The one conversation of a chat's conversations.db: its chat id from the folder name, else from its rows. */
export function perChatConversation(db: ReadableDb, path: string): ConversationRef {
  const messages = messagesTable(db);
  const folder = CHAT_DIR_PATTERN.exec(basename(dirname(path)));
  let id = folder?.[1] ?? null;
  if (id === null && pickColumn(messages, ['chat_id'])) {
    id = idText(
      db
        .prepare(`${newest(messages, 'chat_id', 1)}`)
        .safeIntegers(true)
        .pluck()
        .get(),
    );
  }
  id ??= 'messages';
  const q = quoteIdent(messages.name);
  const n = Number(db.prepare(`SELECT count(*) FROM ${q}`).pluck().get());
  const ts = pickColumn(messages, ['timestamp', 'created_at']);
  const last = ts
    ? db
        .prepare(newest(messages, quoteIdent(ts), 1))
        .pluck()
        .get()
    : null;
  return { id, title: `Chat ${id}`, subtitle: 'conversations.db', messages: n, lastActive: toIso(last) };
}

export function perChatMessages(
  db: ReadableDb,
  path: string,
  conversationId: string,
  request: PageInput,
): MessagePage {
  const only = perChatConversation(db, path);
  if (conversationId !== only.id)
    throw new AppError('not_found', `this file holds chat ${only.id}, not ${conversationId.slice(0, 40)}`);
  return pageMessages({ db }, { before: request.before, after: request.after, limit: request.limit });
}

/** Messages per day (user/bot), and for the unified file active users per day and the busiest users. */
export function messageMetrics(
  db: ReadableDb,
  withUsers: boolean,
): { charts: Chart[]; tables: FigureTable[] } {
  const messages = messagesTable(db);
  const ts = pickColumn(messages, ['timestamp', 'created_at']);
  if (!ts) return { charts: [], tables: [] };
  const type = pickColumn(messages, ['message_type']);
  const chat = pickColumn(messages, ['chat_id']);
  const inner = newest(
    messages,
    `${dayExpr(ts)} AS day, ${type ? quoteIdent(type) : 'NULL'} AS type, ${chat ? quoteIdent(chat) : 'NULL'} AS chat`,
    METRICS_WINDOW,
  );
  const rows = db
    .prepare(
      `SELECT day, coalesce(sum(type = 'user'), 0) AS user, coalesce(sum(type IS NOT 'user' AND type IS NOT 'system'), 0) AS bot,
              count(DISTINCT chat) AS users
       FROM (${inner}) WHERE day IS NOT NULL GROUP BY day ORDER BY day`,
    )
    .all() as { day: string; user: number; bot: number; users: number }[];
  const charts: Chart[] = [
    {
      id: 'messages-per-day',
      title: 'Messages per day',
      unit: 'messages',
      type: 'bar',
      series: [
        { name: 'user', points: rows.map((r) => ({ x: r.day, y: r.user })) },
        { name: 'bot', points: rows.map((r) => ({ x: r.day, y: r.bot })) },
      ],
    },
  ];
  const tables: FigureTable[] = [];
  if (withUsers) {
    charts.push({
      id: 'active-users-per-day',
      title: 'Active users per day',
      unit: 'users',
      type: 'line',
      series: [{ name: 'users', points: rows.map((r) => ({ x: r.day, y: r.users })) }],
    });
    const users = userHistoryConversations(db, 5000)
      .conversations.sort((a, b) => b.messages - a.messages)
      .slice(0, 100);
    tables.push({
      id: 'users',
      title: 'Users (most messages first)',
      columns: ['Chat', 'Name', 'Messages', 'Last active'],
      rows: users.map((u) => [u.id, u.title, String(u.messages), u.lastActive ?? '—']),
    });
  }
  return { charts, tables };
}
