import type { FleetRefreshResult } from '../../shared/contract/fleet.ts';
import { INACTIVE_DAYS, type Finding } from '../../shared/domain.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { compareIds, listChats, type ChatLocation } from '../store/layout.ts';
import { scanItemOf, type ScanItem } from '../store/summary.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { FanOut } from '../workers/tasks.ts';
import type { FleetIndex } from './index.ts';
import { sameChatIdentity, withFindings, type VisitOutcome } from './visit.ts';

export interface RefreshOptions {
  /** Where each chat is read: the process's pool, or its fan-out from the worker the refresh runs in. */
  pool: FanOut & { readonly size: number };
  now?: Date;
  /** From this many chats on, their files are stat'ed in the workers (default IDENTITY_IN_WORKERS_MIN). */
  identityInWorkersFrom?: number;
}

/** Rows are written (and an event sent) at least this often while chats are being read. */
const FLUSH_MS = 150;
const FLUSH_ROWS = 500;
/** Chats of the index compared with the listing (and their files stat'ed) between two yields. */
const IDENTITY_SLICE = 2000;
/**
 * From this many chats on, their files are stat'ed in the workers (a slice at a time, both cores): at
 * 100,000 chats the stats are ~2 s on one thread, and starting the workers costs ~0.3 s.
 */
const IDENTITY_IN_WORKERS_MIN = 20_000;
/** Up to this many chats to read are read without the worker pool. */
const INLINE_MAX = 8;
const inlinePool = new WorkerPool(0);

/**
 * Brings a root's fleet index up to date. A `readdir` of the chats folder and a few `lstat`s per chat
 * (in the workers) find what is new, changed or gone; only new and changed chats are read, in one visit
 * each (figures and quick check), across the worker pool. New chats are listed at once as `unchecked`,
 * changed ones keep their old figures marked `unchecked` until read. Each event says how many rows were
 * written; the rows themselves are read from the index (fleet.page), so nothing is sent twice.
 * A cancelled refresh leaves the chats it did not reach `unchecked`.
 */
export async function refreshIndex(
  index: FleetIndex,
  ctx: JobContext<{ updated: number }>,
  options: RefreshOptions,
): Promise<FleetRefreshResult> {
  const root = index.root;
  const { chats, skipped } = listChats(root);
  const nowMs = (options.now ?? new Date()).getTime();
  // A chat last active before this gets its `inactive` finding without any change on disk.
  const inactiveBefore = new Date(nowMs - INACTIVE_DAYS * 86_400_000).toISOString();
  ctx.progress(0, null, null);

  // What changed, walking the index beside the listing, both in chat-id text order (SQLite's): an lstat of
  // each chat folder and of the files it held (see sameIdentity), on this thread up to
  // IDENTITY_IN_WORKERS_MIN chats (starting workers would cost more than the stats), a slice of the index
  // at a time, yielding between slices so requests for the list's pages are answered meanwhile.
  const listed = [...chats].sort((a, b) => (a.chatId < b.chatId ? -1 : a.chatId > b.chatId ? 1 : 0));
  const changed: ChatLocation[] = [];
  const fresh: ChatLocation[] = [];
  const vanished: string[] = [];
  const listedUnchecked = new Set<string>();
  const inWorkers =
    listed.length >= (options.identityInWorkersFrom ?? IDENTITY_IN_WORKERS_MIN) && options.pool.size > 0;
  let next = 0;
  for (let after: string | null = null; ;) {
    const slice = index.statesAfter(after, IDENTITY_SLICE);
    const toCompare: { chat: ChatLocation; identity: string }[] = [];
    for (const s of slice) {
      while (next < listed.length && listed[next]!.chatId < s.chatId) fresh.push(listed[next++]!);
      const c = listed[next];
      if (c?.chatId !== s.chatId) {
        vanished.push(s.chatId);
        continue;
      }
      next++;
      const stale = s.lastActive !== '' && s.lastActive < inactiveBefore && !s.inactive;
      if (s.health === 'unchecked') {
        // Listed but not read yet: read it, but leave its row as it is when we write (another process
        // refreshing the same index may have read it since; marking it unchecked again would hide that row
        // from the other process's list).
        changed.push(c);
        listedUnchecked.add(c.chatId);
      } else if (stale) changed.push(c);
      // A chat with copies in other trees (rare) is compared here, copies included.
      else if (inWorkers && !c.copies && !s.identity.includes('\n'))
        toCompare.push({ chat: c, identity: s.identity });
      else if (!sameChatIdentity(c, s.identity)) changed.push(c);
    }
    if (toCompare.length > 0)
      await options.pool.map(
        'fleet.same',
        toCompare.map(({ chat, identity }) => ({ dir: chat.dir, identity })),
        {
          signal: ctx.signal,
          // A chat whose stats failed is read again, as one whose files changed.
          onResult: (i, outcome) => {
            if (!outcome.ok || !outcome.value) changed.push(toCompare[i]!.chat);
          },
        },
      );
    if (slice.length < IDENTITY_SLICE) break;
    after = slice[slice.length - 1]!.chatId;
    await new Promise((r) => setImmediate(r));
    throwIfCancelled(ctx.signal);
  }
  while (next < listed.length) fresh.push(listed[next++]!);

  // Every chat folder is a chat, an empty one too (an error row: its files are missing).
  const known = new Set(changed.map((c) => c.chatId));
  const toVisit = [...changed, ...fresh].sort((a, b) => compareIds(a.chatId, b.chatId));
  index.transaction(() => {
    for (const id of vanished) index.remove(id);
    for (const c of toVisit) {
      if (listedUnchecked.has(c.chatId)) continue;
      if (known.has(c.chatId)) index.markUnchecked(c.chatId);
      else index.addUnchecked(c.chatId, c.tree);
    }
  });
  if (vanished.length + toVisit.length > 0) ctx.emit({ updated: vanished.length + toVisit.length });

  const items: ScanItem[] = toVisit.map((c) => scanItemOf(c, nowMs));
  let pending: { chatId: string; outcome: VisitOutcome }[] = [];
  let lastFlush = Date.now();
  const flush = (): void => {
    if (pending.length === 0) return;
    index.writeVisits(pending, new Date(nowMs).toISOString());
    ctx.emit({ updated: pending.length });
    pending = [];
    lastFlush = Date.now();
  };
  let done = 0;
  ctx.progress(0, items.length, null);
  try {
    // A handful of chats is read on this thread: starting the workers would cost more.
    const pool = items.length <= INLINE_MAX ? inlinePool : options.pool;
    if (items.length > 0)
      await pool.map('fleet.visit', items, {
        signal: ctx.signal,
        onResult: (i, outcome) => {
          if (ctx.signal.aborted) return;
          const item = items[i]!;
          done++;
          if (!outcome.ok) {
            // A failure outside the per-file handling: the chat stays listed as unchecked.
            ctx.progress(done, items.length, item.chatId);
            return;
          }
          const value = known.has(item.chatId)
            ? keepDamageBehindLock(outcome.value, index.chat(item.chatId).findings)
            : outcome.value;
          pending.push({ chatId: item.chatId, outcome: value });
          if (pending.length >= FLUSH_ROWS || Date.now() - lastFlush >= FLUSH_MS) flush();
          ctx.progress(done, items.length, item.chatId);
        },
      });
  } finally {
    flush();
  }
  throwIfCancelled(ctx.signal);
  const allSkipped = [...skipped].sort((a, b) => a.path.localeCompare(b.path));
  index.setSkipped(allSkipped);
  index.setMeta('refreshedAt', new Date().toISOString());
  const counts = index.counts();
  return {
    root,
    total: counts.ok + counts.warning + counts.error + counts.unchecked,
    counts,
    visited: items.length,
    removed: vanished.length,
    rebuilt: index.rebuilt,
    skipped: allSkipped,
  };
}

/**
 * A root's first opening: every chat folder is listed in the index at once, as `unchecked`, so the list's
 * first page has its rows before any chat is read (the refresh then reads them). Does nothing once the index has been refreshed or holds rows.
 */
export function listIntoIndex(index: FleetIndex): void {
  if (index.meta('refreshedAt') !== null) return;
  const counts = index.counts();
  if (counts.ok + counts.warning + counts.error + counts.unchecked > 0) return;
  const { chats } = listChats(index.root);
  index.transaction(() => {
    for (const c of chats) index.addUnchecked(c.chatId, c.tree);
  });
}

/**
 * A DB held locked by another program could not be checked this time: the lock says nothing about
 * damage, so damage found in that file by the previous check is kept (and says so) rather than dropped.
 * A damaged chat is never listed as better than its worst known finding because its bot was writing.
 */
export function keepDamageBehindLock(outcome: VisitOutcome, before: readonly Finding[]): VisitOutcome {
  if (outcome.kind !== 'chat') return outcome;
  const lockedFiles = new Set(outcome.findings.filter((f) => f.code === 'locked').map((f) => f.file));
  if (lockedFiles.size === 0) return outcome;
  const have = new Set(outcome.findings.map((f) => `${f.code}\u0000${f.file}`));
  const kept = before
    .filter((f) => f.severity === 'error' && lockedFiles.has(f.file) && !have.has(`${f.code}\u0000${f.file}`))
    .map((f) => ({
      ...f,
      message: f.message.includes(LOCKED_NOTE) ? f.message : `${f.message} ${LOCKED_NOTE}`,
    }));
  return kept.length === 0 ? outcome : withFindings(outcome, [...kept, ...outcome.findings]);
}

const LOCKED_NOTE = '(Found by the previous check; the file was locked by another program this time.)';
