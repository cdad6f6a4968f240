import { join } from 'node:path';
import type { SearchHit, SearchSummary } from '../../shared/contract/fleet.ts';
import type { MessageRole } from '../../shared/domain.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { openForCheck } from '../integrity/attach.ts';
import { listChats, treeNamed } from '../store/layout.ts';
import { CONVERSATIONS_DB } from '../adapters/per-chat-schema.ts';
import { toIso } from '../sources/time.ts';
import type { WorkerPool } from '../workers/pool.ts';

export interface SearchOptions {
  query: string;
  role?: 'user' | 'bot';
  /** ISO date: messages on or after it. */
  from?: string;
  /** ISO date: messages up to the end of that day. */
  to?: string;
  /** Hits sent at most (the total is always counted). */
  limit: number;
  /** Only the copies in this chat tree of the root (`data/chats`); every copy of every chat when absent. */
  tree?: string;
}

/** One chat to search (a worker-thread item). */
export interface ChatSearchItem extends Omit<SearchOptions, 'limit'> {
  chatId: string;
  dir: string;
  /** Set when the root has more than one chat tree: each hit says it. */
  tree?: string;
  /** Hits returned at most for this chat. */
  limit: number;
}

export interface ChatSearchResult {
  /** False when the chat's conversations.db cannot be read (it is not counted as searched). */
  searched: boolean;
  count: number;
  hits: SearchHit[];
}

const SNIPPET_CHARS = 160;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function dayAfter(date: string): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The text around the first match (SQLite's LIKE folds ASCII case only; so does this). */
export function snippetOf(content: string, query: string): string {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const at = Math.max(0, fold(content).indexOf(fold(query)));
  const start = Math.max(0, at - Math.floor((SNIPPET_CHARS - query.length) / 2));
  const end = Math.min(content.length, start + SNIPPET_CHARS);
  const text = content.slice(start, end).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${text}${end < content.length ? '…' : ''}`;
}

function roleOf(messageType: unknown): MessageRole {
  if (messageType === 'user') return 'user';
  if (messageType === 'system') return 'system';
  return 'bot';
}

/** Every message of one chat whose content contains the query: the exact count, and the first hits. */
export function searchChatTask(item: ChatSearchItem): ChatSearchResult {
  const where = ["content LIKE ? ESCAPE '\\'"];
  const params: unknown[] = [`%${escapeLike(item.query)}%`];
  if (item.role === 'user') where.push("message_type = 'user'");
  if (item.role === 'bot') where.push("(message_type IS NULL OR message_type <> 'user')");
  // Timestamps are SQLite's 'YYYY-MM-DD HH:MM:SS' or ISO text: compared as ISO text.
  if (item.from) {
    where.push("replace(timestamp, ' ', 'T') >= ?");
    params.push(item.from.slice(0, 10));
  }
  if (item.to) {
    where.push("replace(timestamp, ' ', 'T') < ?");
    params.push(dayAfter(item.to));
  }
  let opened;
  try {
    opened = openForCheck(join(item.dir, CONVERSATIONS_DB), { busyTimeoutMs: 1000 });
  } catch {
    return { searched: false, count: 0, hits: [] };
  }
  const { db } = opened;
  try {
    const rows = db
      .prepare(
        `SELECT id, timestamp, message_type, content FROM messages WHERE ${where.join(' AND ')} ORDER BY id`,
      )
      .raw()
      .iterate(...params) as IterableIterator<[number, unknown, unknown, string]>;
    let count = 0;
    const hits: SearchHit[] = [];
    for (const [id, timestamp, type, content] of rows) {
      count++;
      if (hits.length < item.limit) {
        hits.push({
          chatId: item.chatId,
          ...(item.tree !== undefined ? { tree: item.tree } : {}),
          messageId: id,
          timestamp: toIso(timestamp),
          role: roleOf(type),
          snippet: snippetOf(String(content), item.query),
        });
      }
    }
    return { searched: true, count, hits };
  } catch {
    // A damaged table: the chat's health says so; its messages cannot be searched.
    return { searched: false, count: 0, hits: [] };
  } finally {
    db.close();
  }
}

/**
 * Searches every chat of a root in the worker pool. Hits are emitted in the root's order (chat by chat,
 * message id within a chat) as soon as every chat before them is done, up to `limit`; the total is exact.
 */
export async function searchRoot(
  root: string,
  options: SearchOptions,
  ctx: JobContext<SearchHit>,
  pool: WorkerPool,
): Promise<SearchSummary> {
  const { chats, trees } = listChats(root);
  const onlyTree = options.tree === undefined ? null : treeNamed(root, options.tree).tree;
  const base = {
    query: options.query,
    role: options.role,
    from: options.from,
    to: options.to,
    limit: options.limit,
  };
  // One chat tree (the usual root): each chat as listed. More: every copy of a chat (the other copies
  // right after it), each hit saying its tree, so the messages of the older copy are found too.
  const items: ChatSearchItem[] =
    trees.length === 1
      ? chats.map((c) => ({ chatId: c.chatId, dir: c.dir, ...base }))
      : chats.flatMap((c) =>
          [{ tree: c.tree, dir: c.dir }, ...(c.copies ?? [])]
            .filter((copy) => onlyTree === null || copy.tree === onlyTree)
            .map((copy) => ({ chatId: c.chatId, dir: copy.dir, tree: copy.tree, ...base })),
        );
  const results: (ChatSearchResult | null)[] = new Array<ChatSearchResult | null>(items.length).fill(null);
  let next = 0;
  let sent = 0;
  let totalHits = 0;
  let chatsSearched = 0;
  let done = 0;
  ctx.progress(0, items.length, null);
  await pool.map('fleet.search', items, {
    signal: ctx.signal,
    onResult: (i, outcome) => {
      if (ctx.signal.aborted) return;
      done++;
      results[i] = outcome.ok ? outcome.value : { searched: false, count: 0, hits: [] };
      while (next < results.length && results[next] !== null) {
        const r = results[next]!;
        results[next] = { searched: r.searched, count: r.count, hits: [] }; // hits no longer needed
        next++;
        if (r.searched) chatsSearched++;
        totalHits += r.count;
        for (const hit of r.hits) {
          if (sent >= options.limit) break;
          ctx.emit(hit);
          sent++;
        }
      }
      ctx.progress(done, items.length, items[i]!.chatId);
    },
  });
  throwIfCancelled(ctx.signal);
  return { query: options.query, chatsSearched, totalHits, capped: totalHits > sent };
}
