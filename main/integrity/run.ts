import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { SkippedEntry } from '../../shared/domain.ts';
import type { ChatCheck, CheckCounts, CheckMode, IntegrityReport } from '../../shared/contract/integrity.ts';
import { AppError } from '../../shared/errors.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { chatDir, listChats, treeNamed, type ChatCopy } from '../store/layout.ts';
import { CONVERSATIONS_DB } from '../adapters/per-chat-schema.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { failedCheck, type ChatCheckItem } from './chat.ts';
import type { FileCheckItem } from './file.ts';

export interface CheckOptions {
  pool: WorkerPool;
  /** Full mode: integrity_check, foreign_key_check and orphan rows on top of the quick checks. */
  full?: boolean;
  /** Only these chats (ids as in chat_<id>); every chat of the root when absent or empty. */
  chatIds?: readonly string[];
  /**
   * A root with more than one chat tree: also check the chats' copies in the other trees (each result
   * saying its tree), so damage to the older copy is not left unseen.
   */
  otherCopies?: boolean;
  /** Only the copies in this chat tree (`data/chats`), as `show --tree`. */
  tree?: string;
  /** Clock for the inactive check. */
  now?: Date;
  /** How long to wait for a writer's lock before a file is reported `locked` (ms). */
  busyTimeoutMs?: number;
  /** Items per worker message (tuning; the pool picks one when absent). */
  batchSize?: number;
}

export function countStatuses(chats: readonly Pick<ChatCheck, 'status'>[]): CheckCounts {
  const counts: CheckCounts = { ok: 0, warning: 0, error: 0 };
  for (const c of chats) counts[c.status]++;
  return counts;
}

function modeOf(options: CheckOptions): CheckMode {
  return options.full ? 'full' : 'quick';
}

/**
 * Checks every chat of a data root (or the chosen ones) in worker threads. Each chat's result is
 * emitted as soon as it is known; the report lists them in the root's order. A damaged or locked file
 * is a finding, never a failed run. Reads only: nothing under the root is created, changed or deleted.
 */
export async function checkRoot(
  root: string,
  ctx: JobContext<ChatCheck>,
  options: CheckOptions,
): Promise<IntegrityReport> {
  const startedAt = new Date();
  const { chats, skipped, trees } = listChats(root);
  const onlyTree = options.tree === undefined ? null : treeNamed(root, options.tree).tree;
  const severalTrees = trees.length > 1;
  // Every copy to check, in the root's order, a chat's other copies right after it. One tree (the usual
  // root): the listing as it is.
  const copiesOf = (c: (typeof chats)[number]): ChatCopy[] =>
    !severalTrees
      ? [c]
      : [{ tree: c.tree, dir: c.dir }, ...(options.otherCopies || onlyTree ? (c.copies ?? []) : [])].filter(
          (copy) => onlyTree === null || copy.tree === onlyTree,
        );
  let selected = chats;
  if (options.chatIds && options.chatIds.length > 0) {
    const byId = new Map(chats.map((c) => [c.chatId, c]));
    const unknown = options.chatIds.filter(
      (id) => !byId.has(id) || (onlyTree !== null && copiesOf(byId.get(id)!).length === 0),
    );
    // A chat folder that is a link (or not a folder) gets the one guard's message, as for every per-chat operation.
    for (const id of unknown) chatDir(root, id, onlyTree ?? undefined);
    if (unknown.length > 0) {
      throw new AppError(
        'not_found',
        `chat ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? '...' : ''} is not in ${root}`,
      );
    }
    const wanted = new Set(options.chatIds);
    selected = chats.filter((c) => wanted.has(c.chatId));
  }
  const nowMs = (options.now ?? new Date()).getTime();
  const full = options.full === true;
  const items: (ChatCheckItem & { tree?: string })[] = selected.flatMap((c) =>
    copiesOf(c).map((copy) => ({
      chatId: c.chatId,
      dir: copy.dir,
      ...(severalTrees ? { tree: copy.tree } : {}),
      nowMs,
      full,
      busyTimeoutMs: options.busyTimeoutMs,
    })),
  );
  const results: (ChatCheck | null)[] = new Array<ChatCheck | null>(items.length).fill(null);
  const extraSkipped: SkippedEntry[] = [];
  let done = 0;
  ctx.progress(0, items.length, null);
  await options.pool.map('integrity.chat', items, {
    signal: ctx.signal,
    batchSize: options.batchSize,
    onResult: (index, outcome) => {
      // Batches already on their way back after a cancel are dropped.
      if (ctx.signal.aborted) return;
      const item = items[index]!;
      done++;
      let check: ChatCheck | null;
      if (!outcome.ok) {
        check = failedCheck(item.chatId, CONVERSATIONS_DB, outcome.message);
      } else {
        check = outcome.value.check;
        extraSkipped.push(...(outcome.value.skipped ?? []));
      }
      if (check) {
        if (item.tree !== undefined) check = { ...check, tree: item.tree };
        results[index] = check;
        ctx.emit(check);
      }
      ctx.progress(done, items.length, item.chatId);
    },
  });
  throwIfCancelled(ctx.signal);
  const checked = results.filter((r): r is ChatCheck => r !== null);
  return {
    chats: checked,
    summary: countStatuses(checked),
    root,
    mode: modeOf(options),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    skipped: [...skipped, ...extraSkipped].sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/** Checks one SQLite file (legacy, foreign, per-chat or any other), off the main thread. */
export async function checkFile(
  path: string,
  ctx: JobContext<ChatCheck>,
  options: Omit<CheckOptions, 'chatIds' | 'now'>,
): Promise<IntegrityReport> {
  const startedAt = new Date();
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // a missing file is a finding of the check itself
  }
  if (isDir) throw new AppError('invalid_input', `${path}: is a folder; check it as a data root`);
  const item: FileCheckItem = { path, full: options.full === true, busyTimeoutMs: options.busyTimeoutMs };
  ctx.progress(0, 1, path);
  let report: IntegrityReport | null = null;
  await options.pool.map('integrity.file', [item], {
    signal: ctx.signal,
    onResult: (_index, outcome) => {
      const check = outcome.ok
        ? outcome.value.check
        : failedCheck(basename(path), basename(path), outcome.message);
      ctx.emit(check);
      ctx.progress(1, 1, path);
      report = {
        chats: [check],
        summary: countStatuses([check]),
        root: path,
        mode: modeOf(options),
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        skipped: outcome.ok ? (outcome.value.skipped ?? []) : [],
        ...(outcome.ok ? { fileKind: outcome.value.kind } : {}),
      };
    },
  });
  throwIfCancelled(ctx.signal);
  if (!report) throw new AppError('internal', `${path}: the check gave no result`);
  return report;
}
