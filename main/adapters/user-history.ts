import { basename, dirname } from 'node:path';
import type { ConversationRef, MessagePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { isChatId } from '../../shared/contract/primitives.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { textOrNull } from '../sqlite/values.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { pageMessages } from './per-chat-messages.ts';
import { CHAT_DIR_PATTERN, displayName } from './per-chat-schema.ts';
import { latest, toIso } from '../sources/time.ts';
import { tableIfAny, pickColumn, type SchemaObject } from '../sqlite/catalog.ts';
import type { Chart, FigureTable } from '../sources/types.ts';
import { COUNT_WINDOW, dayExpr } from './stats.ts';
import type { ConversationList, PageInput } from './types.ts';

// The English-teacher bot (seed 000): the unified legacy user_history.db (every chat in one file, keyed
// by chat_id) and a single chat's conversations.db. Messages reuse per-chat-messages.ts, filtered by chat_id.
//
// Order: a thread reads in time order by the one rule of sources/thread-order.ts (ids that run against time
// included), with its fast path: the bot's schema has no index on messages.chat_id, and when ids follow
// time a page walks the rowid b-tree backwards from the cursor and stops after `limit` matches.

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

function parseChatId(conversationId: string): bigint {
  if (!isChatId(conversationId))
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
    const id = textOrNull(row.chatId);
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
      const id = textOrNull(p.chat_id);
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

export function userHistoryMessages(db: ReadableDb, conversationId: string, request: PageInput): MessagePage {
  const chatId = parseChatId(conversationId);
  messagesTable(db);
  // In time order even when the file's ids run against time: the one thread rule (sources/thread-order.ts).
  return pageMessages(
    { db, filter: { sql: 'chat_id = ?', params: [chatId] } },
    { before: request.before, after: request.after, at: request.at, limit: request.limit },
  );
}

/** The one conversation of a chat's conversations.db: its chat id from the folder name, else from its rows. */
export function perChatConversation(db: ReadableDb, path: string): ConversationRef {
  const messages = messagesTable(db);
  const folder = CHAT_DIR_PATTERN.exec(basename(dirname(path)));
  let id = folder?.[1] ?? null;
  if (id === null && pickColumn(messages, ['chat_id'])) {
    id = textOrNull(
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
  return pageMessages(
    { db },
    { before: request.before, after: request.after, at: request.at, limit: request.limit },
  );
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
