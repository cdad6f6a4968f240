import type { ChatSummary, Finding, ScanResult } from '../../shared/domain.ts';
import type { JobContext } from '../jobs/job.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { listChats } from './layout.ts';
import { findingFromError, scanItemOf, type ScanItem } from './summary.ts';

export type CountsRead = 'whole' | 'partial' | 'unread';

export interface ScanOptions {
  pool: WorkerPool;
  now?: Date;
  /**
   * Also called for each chat with its findings, and whether its counts are the whole chat's, what could
   * be read of a damaged conversations.db ('partial'), or nothing ('unread': it could not be read at all).
   */
  onVisit?: (chatId: string, findings: Finding[], counts: CountsRead, queryMs: number | null) => void;
  /** Keep the rows for the result (default true); false when they only go out as events. */
  keepRows?: boolean;
}

/**
 * Lists every chat of a root with exact counts. Chats are read in worker threads, and each row is
 * emitted as soon as it is read (the UI fills the table while the scan runs). Results come back in the
 * root's order. A damaged chat is a row with health `error`, never a failed scan.
 */
export async function scanRoot(
  root: string,
  ctx: JobContext<ChatSummary>,
  options: ScanOptions,
): Promise<ScanResult> {
  const { chats, skipped } = listChats(root);
  const nowMs = (options.now ?? new Date()).getTime();
  const items: ScanItem[] = chats.map((c) => scanItemOf(c, nowMs));
  const keep = options.keepRows !== false;
  const rows: (ChatSummary | null)[] = new Array(keep ? items.length : 0).fill(null);
  let done = 0;
  ctx.progress(0, items.length, null);
  await options.pool.map('scan.chat', items, {
    signal: ctx.signal,
    onResult: (index, outcome) => {
      const item = items[index]!;
      done++;
      if (!outcome.ok) {
        // A failure outside the per-file handling (should not happen): the chat is still listed.
        const f = findingFromError(new Error(outcome.message), 'conversations.db');
        const row: ChatSummary = {
          chatId: item.chatId,
          name: null,
          level: null,
          messages: null,
          sessions: null,
          counts: 'unread',
          countsReason: { code: f.code, file: f.file },
          lastActive: null,
          sizeBytes: 0,
          health: 'error',
          ...(item.tree === undefined ? {} : { tree: item.tree }),
        };
        if (keep) rows[index] = row;
        options.onVisit?.(item.chatId, [f], 'unread', null);
        ctx.emit(row);
      } else {
        if (keep) rows[index] = outcome.value.summary;
        const { findings, unread, partial, queryMs } = outcome.value;
        options.onVisit?.(item.chatId, findings, unread ? 'unread' : partial ? 'partial' : 'whole', queryMs);
        ctx.emit(outcome.value.summary);
      }
      ctx.progress(done, items.length, item.chatId);
    },
  });
  return {
    root,
    chats: rows.filter((r): r is ChatSummary => r !== null),
    skipped,
  };
}
