import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { jsonSafeValue } from '../sqlite/values.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { decodeIdCursor } from './keyset.ts';
import type {
  ConversationPage,
  ConversationQuery,
  MessageHit,
  MessageSearchQuery,
  QueryResult,
  SourceConversation,
  SourceMessage,
  SourceMessagePage,
} from './types.ts';

// Helpers shared by the file-backed Sources (a per-chat root, a single SQLite file).

/** Most recent activity first, then id: the order every Source lists conversations in. */
export function compareConversations(a: SourceConversation, b: SourceConversation): number {
  const x = a.lastActivity ?? '';
  const y = b.lastActivity ?? '';
  return x < y ? 1 : x > y ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Search (id or title contains, any case), keyset on (lastActivity, id) over an already-read list. */
export function conversationPage(all: SourceConversation[], query: ConversationQuery): ConversationPage {
  const needle = query.search?.trim().toLowerCase();
  let list = needle
    ? all.filter((c) => c.id.toLowerCase().includes(needle) || c.title.toLowerCase().includes(needle))
    : all;
  list = [...list].sort(compareConversations);
  if (query.after) {
    const [last, id] = decodeCursor(query.after, 2);
    const mark: SourceConversation = {
      id: String(id),
      title: '',
      messages: 0,
      lastActivity: last === null ? null : String(last),
    };
    list = list.filter((c) => compareConversations(c, mark) > 0);
  }
  const shown = list.slice(0, query.limit);
  const end = shown[shown.length - 1];
  return {
    conversations: shown,
    next: list.length > query.limit && end ? encodeCursor([end.lastActivity, end.id]) : null,
  };
}

/** A message-key cursor of the SQLite kinds (main/sources/keyset.ts). */
export const numericCursor = decodeIdCursor;

type ForwardPager = (conversationId: string, after: number | undefined, limit: number) => SourceMessagePage;

/** A search hit when the message's text contains `needle` (lower case), with a snippet around it. */
export function hitOf(conversationId: string, message: SourceMessage, needle: string): MessageHit | null {
  const text = message.text ?? '';
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return null;
  const start = Math.max(0, at - 50);
  return {
    conversationId,
    messageId: message.id,
    timestamp: message.timestamp,
    role: message.role,
    snippet: `${start > 0 ? '…' : ''}${text.slice(start, at + needle.length + 70)}`,
  };
}

/** Text search by reading the conversations' messages page by page (file stores without a text index). */
export function scanSearch(ids: string[], query: MessageSearchQuery, page: ForwardPager): MessageHit[] {
  const needle = query.text.trim().toLowerCase();
  if (!needle) return [];
  const hits: MessageHit[] = [];
  for (const id of ids) {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const p = page(id, after, 1000);
      for (const m of p.messages) {
        const hit = hitOf(id, m, needle);
        if (!hit) continue;
        hits.push(hit);
        if (hits.length >= query.limit) return hits;
      }
      if (p.newer === null || p.messages.length === 0) break;
      after = numericCursor(p.newer)!;
    }
  }
  return hits;
}

/**
 * One statement on a read-only connection. The read handle (main/sqlite/readable.ts) refuses at prepare
 * anything SQLite says could write, and the file is opened read-only besides: a write never runs.
 */
export function sqliteQuery(db: ReadableDb, sql: string, limit: number): QueryResult {
  let statement;
  try {
    statement = db.prepare(sql);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/read-only|readonly/i.test(message))
      throw new AppError('read_only', `refused: Chat Inspector only reads (${message})`);
    throw new AppError('invalid_input', message);
  }
  if (!statement.reader)
    throw new AppError('invalid_input', 'this statement returns no rows; nothing to show');
  const columns = statement.columns().map((c) => c.name);
  const rows: unknown[][] = [];
  let truncated = false;
  for (const row of statement.raw(true).safeIntegers(true).iterate() as Iterable<unknown[]>) {
    if (rows.length >= limit) {
      truncated = true;
      break;
    }
    rows.push(row.map(jsonSafeValue));
  }
  return { columns, rows, truncated };
}
