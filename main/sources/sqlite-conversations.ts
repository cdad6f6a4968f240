import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { latest, toIso } from './time.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { ConversationPage, ConversationQuery, SourceConversation } from './types.ts';

// Conversations of a chat-like SQLite file as SQL keyset pages: the file's kind gives its conversations as
// one relation (id, title, subtitle, messages, sort key: main/sources/sqlite-file.ts), ordered most recent activity
// first then id, and a page is `WHERE (key, id) after the cursor ... LIMIT n`. JavaScript receives one
// page, never the whole list.

type Row = {
  id: string;
  title: string;
  subtitle: string | null;
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
    subtitle: row.subtitle,
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
