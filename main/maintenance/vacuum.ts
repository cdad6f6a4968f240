// `vacuum`: give back the free pages of DBs that have many (seed 000's vacuum_databases), without ever
// risking a row. Per DB:
//   1. nobody else may hold it: no other process has it open (holders.ts), the swap path's quiesce finds no
//      live -wal/-shm and no lock, and we take the write lock ourselves (BEGIN IMMEDIATE). Otherwise it is
//      refused, or retried until --wait runs out;
//   2. while we hold the write lock (nobody can change it, readers still can), a read-only connection runs
//      VACUUM INTO a temporary file beside it (tracked: removed on exit or signal, and by removeStaleTemps
//      after a crash), the copy gets the original's journal mode, is fsynced and quick_checked;
//   3. every table's row count and content digest (digest.ts) must equal the original's;
//   4. the lock is released and the copy is swapped in through the restore path (swap.ts): atomic rename,
//      the original kept as <name>.bak-<time> — that hard link is the backup taken before anything changes;
//   5. the kept original is digested again: if the bot wrote in the instant between our lock and the swap's,
//      the original (with its new rows) is put back.
// A kill at any point leaves the DB old or new, both complete (crash tests in vacuum.test.ts).

import { setTimeout as delay } from 'node:timers/promises';
import { copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { VacuumCandidate, VacuumOutcome, VacuumResult } from '../../shared/contract/maintenance.ts';
import { AppError } from '../../shared/errors.ts';
import { crashPoint, fsyncFile, removeStaleTemps, sizeOrNull, tempBeside } from '../backup/fs.ts';
import { journalModeOfFile, openImmutable, quickCheckFile } from '../backup/sqlite-util.ts';
import { quiesce, swapInto } from '../backup/swap.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { withReadonly } from '../sqlite/open.ts';
import { openForWrite, type WritableDb } from '../sqlite/write.ts';
import { chatCopy, listChats, type ChatLocation } from '../store/layout.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../store/schema.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { digestDb, digestDifferences, type DbDigest } from './digest.ts';
import { describeHolders, findHolders } from './holders.ts';

export interface VacuumOptions {
  root: string;
  chatIds?: readonly string[] | undefined;
  minFreePercent: number;
  dryRun: boolean;
  /** How long to wait for another process to let go of a DB (ms). */
  waitMs: number;
  /** Only these DB paths (what a confirmed preview listed). */
  paths?: readonly string[] | undefined;
  /**
   * Closes this process's own cached connections to a DB (the app's read-only cache): called before the DB
   * is checked for other holders and again right before the swap. A connection left open would keep the
   * -wal/-shm alive (refused as "in use") or keep reading the replaced file.
   */
  closeOwnConnections?: (path: string) => void;
  /** Tests: runs after our lock is released, right before the swap (where a bot could slip a write in). */
  beforeSwap?: (path: string) => void;
  /** Run each DB's work in this pool's worker threads (the app); absent: in this thread (the CLI). */
  pool?: WorkerPool | undefined;
}

const DB_FILES = [PROFILE_DB, CONVERSATIONS_DB] as const;

export function selectChats(root: string, chatIds: readonly string[] | undefined): ChatLocation[] {
  if (chatIds && chatIds.length > 0)
    return [...new Set(chatIds)].map((chatId) => ({ chatId, ...chatCopy(root, chatId) }));
  return listChats(root).chats;
}

/** Page figures of one DB, read-only. */
export function measureDb(chatId: string, file: (typeof DB_FILES)[number], path: string): VacuumCandidate {
  return withReadonly(path, (db) => {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pageCount = Number(db.pragma('page_count', { simple: true }));
    const freePages = Number(db.pragma('freelist_count', { simple: true }));
    return {
      chatId,
      file,
      path,
      sizeBytes: (sizeOrNull(path) ?? 0) + (sizeOrNull(`${path}-wal`) ?? 0),
      pageSize,
      pageCount,
      freePages,
      freePercent: pageCount > 0 ? Math.round((freePages / pageCount) * 1000) / 10 : 0,
      reclaimableBytes: freePages * pageSize,
    };
  });
}

/** Measures every DB of the chats (read-only); yields to the event loop now and then so cancel is heard. */
export async function planVacuum(
  root: string,
  chatIds: readonly string[] | undefined,
  minFreePercent: number,
  signal?: AbortSignal,
): Promise<{ candidates: VacuumCandidate[]; unreadable: { path: string; reason: string }[] }> {
  const candidates: VacuumCandidate[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  for (const [i, chat] of selectChats(root, chatIds).entries()) {
    if (i % 64 === 63) await yieldToEventLoop();
    if (signal) throwIfCancelled(signal);
    for (const file of DB_FILES) {
      const path = join(chat.dir, file);
      if (sizeOrNull(path) === null) continue;
      try {
        const m = measureDb(chat.chatId, file, path);
        if (m.freePages > 0 && m.freePercent >= minFreePercent) candidates.push(m);
      } catch (error) {
        unreadable.push({ path, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return { candidates, unreadable };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type Acquired = { lock: WritableDb } | { busy: string } | { unreadable: string };

function isBusyError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** One attempt at holding the DB alone: no other process has it open, and we have its write lock. */
function tryAcquire(path: string, label: string): Acquired {
  const before = findHolders([path]);
  if (before.holders.length > 0) return { busy: `${label} is open in ${describeHolders(before.holders)}` };
  try {
    // The restore path's own check: takes and releases the write lock, and as the last connection folds a
    // -wal into the file; -wal/-shm that remain mean another connection (maybe on another machine or user).
    if (!quiesce(path, { label, waitMs: 0 })) return { unreadable: `${label} cannot be opened by SQLite` };
  } catch (error) {
    if (error instanceof AppError && error.code === 'locked') return { busy: error.message };
    throw error;
  }
  let lock: WritableDb;
  try {
    lock = openForWrite(path, { fileMustExist: true, busyTimeoutMs: 0 });
  } catch (error) {
    if (isBusyError(error)) return { busy: `${label} is locked by another program` };
    return { unreadable: `${label}: ${(error as Error).message}` };
  }
  try {
    lock.exec('BEGIN IMMEDIATE');
  } catch (error) {
    lock.close();
    if (isBusyError(error)) return { busy: `${label} is being written by another program` };
    return { unreadable: `${label}: ${(error as Error).message}` };
  }
  // Someone may have opened it between the scan and the lock.
  const after = findHolders([path]);
  if (after.holders.length > 0) {
    release(lock);
    return { busy: `${label} is open in ${describeHolders(after.holders)}` };
  }
  return { lock };
}

function release(lock: WritableDb): void {
  try {
    if (lock.inTransaction) lock.exec('ROLLBACK');
  } finally {
    lock.close();
  }
}

function digestFile(path: string): DbDigest {
  const db = openImmutable(path);
  try {
    return digestDb(db);
  } finally {
    db.close();
  }
}

/**
 * The copy, made while `lock` holds the original's write lock: VACUUM INTO, the original's journal mode,
 * fsync, quick_check, and the row digests compared. Returns the original's digest.
 */
function makeCheckedCopy(path: string, temp: string, label: string): DbDigest {
  const wal = journalModeOfFile(path) === 'wal';
  // A second connection of ours (VACUUM cannot run inside the lock's transaction): it only reads the
  // original, under the read lock the write lock still allows, and writes nothing but the new file.
  const copier = openForWrite(path, { fileMustExist: true, busyTimeoutMs: 2000 });
  let before: DbDigest;
  try {
    copier.prepare('VACUUM INTO ?').run(temp);
    before = digestDb(copier);
  } finally {
    copier.close();
  }
  crashPoint('vacuum:copied');
  if (wal) {
    // VACUUM INTO always writes a rollback-journal file; the bot's DB stays in WAL mode.
    const w = openForWrite(temp, { fileMustExist: true });
    try {
      w.pragma('journal_mode = WAL');
    } finally {
      w.close();
    }
  }
  fsyncFile(temp);
  const integrity = quickCheckFile(temp);
  if (integrity !== 'ok')
    throw new AppError('corrupt', `the vacuumed copy of ${label} fails quick_check (${integrity})`);
  const diffs = digestDifferences(before, digestFile(temp));
  if (diffs.length > 0)
    throw new AppError('internal', `the vacuumed copy of ${label} does not match: ${diffs.join('; ')}`);
  crashPoint('vacuum:checked');
  return before;
}

/** One DB to vacuum, as a worker item (plain data). */
export interface VacuumItem {
  chatId: string;
  file: VacuumCandidate['file'];
  path: string;
  /** How long the swap waits for the bot to let go between our lock and its own (ms). */
  swapWaitMs: number;
}

export type VacuumAttempt = VacuumOutcome | { busy: string };

/**
 * One attempt, synchronous (a worker task): if the DB is free, the whole sequence at the top of this file;
 * if another process holds it, `{ busy }` at once (the caller waits and retries, listening for cancel).
 */
export function vacuumAttempt(
  item: VacuumItem,
  hooks: Pick<VacuumOptions, 'beforeSwap' | 'closeOwnConnections'> = {},
): VacuumAttempt {
  const { path } = item;
  const label = `chat ${item.chatId} ${item.file}`;
  const bytesBefore = (sizeOrNull(path) ?? 0) + (sizeOrNull(`${path}-wal`) ?? 0);
  const outcome = (
    status: VacuumOutcome['status'],
    reason: string | null,
    extra: Partial<VacuumOutcome> = {},
  ): VacuumOutcome => ({
    chatId: item.chatId,
    file: item.file,
    path,
    status,
    reason,
    bytesBefore,
    bytesAfter: null,
    backup: null,
    tablesCompared: 0,
    ...extra,
  });
  removeStaleTemps(dirname(path));
  hooks.closeOwnConnections?.(path);
  const got = tryAcquire(path, label);
  if ('busy' in got) return got;
  if ('unreadable' in got) return outcome('failed', got.unreadable);
  const lock = got.lock;
  crashPoint('vacuum:locked');
  const temp = tempBeside(path, 'new');
  const untrack = trackTemp(temp);
  let before: DbDigest;
  try {
    before = makeCheckedCopy(path, temp, label);
  } catch (error) {
    release(lock);
    removeTemp(temp);
    return outcome(
      'failed',
      `${error instanceof Error ? error.message : String(error)}; nothing was changed`,
    );
  }
  release(lock);
  hooks.closeOwnConnections?.(path);
  hooks.beforeSwap?.(path);
  let backup: string | null;
  try {
    ({ backup } = swapInto(path, temp, { label, waitMs: item.swapWaitMs, sqlite: true, now: new Date() }));
    untrack();
  } catch (error) {
    removeTemp(temp);
    const reason = error instanceof Error ? error.message : String(error);
    return outcome(error instanceof AppError && error.code === 'locked' ? 'refused' : 'failed', reason);
  }
  const tablesCompared = Object.keys(before.tables).length;
  if (backup) {
    // A write in the instant between our lock and the swap's would be in the kept original only.
    const kept = digestFile(backup);
    if (digestDifferences(before, kept).length > 0) return putBack(path, backup, label, outcome);
  }
  return outcome('vacuumed', null, { bytesAfter: sizeOrNull(path), backup, tablesCompared });
}

/** The worker task: one attempt, no hooks (functions do not cross threads). */
export function vacuumAttemptTask(item: VacuumItem): VacuumAttempt {
  return vacuumAttempt(item);
}

/**
 * Vacuums one DB (see the top of this file), retrying while another process holds it until `waitMs` ran
 * out; with a pool, each attempt runs in a worker thread so the app's main thread stays free. Never throws
 * for the DB's own problems: they are outcomes.
 */
export async function vacuumDb(
  candidate: Pick<VacuumCandidate, 'chatId' | 'file' | 'path'>,
  options: Pick<VacuumOptions, 'waitMs' | 'beforeSwap' | 'closeOwnConnections' | 'pool'>,
  signal: AbortSignal,
): Promise<VacuumOutcome> {
  const item: VacuumItem = {
    chatId: candidate.chatId,
    file: candidate.file,
    path: candidate.path,
    swapWaitMs: Math.min(options.waitMs, 2000),
  };
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    throwIfCancelled(signal);
    const attempt = options.pool
      ? await attemptInPool(options.pool, item, options, signal)
      : vacuumAttempt(item, options);
    if (!('busy' in attempt)) return attempt;
    if (Date.now() >= deadline)
      return {
        chatId: item.chatId,
        file: item.file,
        path: item.path,
        status: 'refused',
        reason: `${attempt.busy}; nothing was changed`,
        bytesBefore: (sizeOrNull(item.path) ?? 0) + (sizeOrNull(`${item.path}-wal`) ?? 0),
        bytesAfter: null,
        backup: null,
        tablesCompared: 0,
      };
    await delay(Math.min(250, Math.max(10, deadline - Date.now())));
  }
}

async function attemptInPool(
  pool: WorkerPool,
  item: VacuumItem,
  options: Pick<VacuumOptions, 'closeOwnConnections'>,
  signal: AbortSignal,
): Promise<VacuumAttempt> {
  // This thread's cached connections are closed here; the worker has none of its own.
  options.closeOwnConnections?.(item.path);
  let result: VacuumAttempt | null = null;
  await pool.map('maintenance.vacuumDb', [item], {
    signal,
    onResult: (_k, outcome) => {
      result = outcome.ok
        ? outcome.value
        : {
            chatId: item.chatId,
            file: item.file,
            path: item.path,
            status: 'failed',
            reason: outcome.message,
            bytesBefore: sizeOrNull(item.path) ?? 0,
            bytesAfter: null,
            backup: null,
            tablesCompared: 0,
          };
    },
  });
  if (!result) throw new AppError('internal', `no answer from the worker for ${item.path}`);
  return result;
}

function putBack(
  path: string,
  backup: string,
  label: string,
  outcome: (s: VacuumOutcome['status'], r: string | null, e?: Partial<VacuumOutcome>) => VacuumOutcome,
): VacuumOutcome {
  const staged = tempBeside(path, 'new');
  const untrack = trackTemp(staged);
  copyFileSync(backup, staged);
  fsyncFile(staged);
  const { backup: vacuumedKept } = swapInto(path, staged, {
    label,
    waitMs: 10_000,
    sqlite: true,
    now: new Date(),
  });
  untrack();
  return outcome(
    'failed',
    `${label} was written while it was being vacuumed: the original (with the new rows) was put back` +
      (vacuumedKept ? `; the vacuumed copy is ${vacuumedKept}` : ''),
    { bytesAfter: sizeOrNull(path), backup },
  );
}

export async function runVacuum(
  options: VacuumOptions,
  ctx: JobContext<VacuumOutcome>,
): Promise<VacuumResult> {
  const root = resolve(options.root);
  ctx.progress(0, null, 'measuring free pages');
  const planned = await planVacuum(root, options.chatIds, options.minFreePercent, ctx.signal);
  const only = options.paths ? new Set(options.paths.map((p) => resolve(p))) : null;
  const candidates = only ? planned.candidates.filter((c) => only.has(resolve(c.path))) : planned.candidates;
  const { unreadable } = planned;
  const outcomes: VacuumOutcome[] = [];
  if (!options.dryRun) {
    for (const [i, candidate] of candidates.entries()) {
      ctx.progress(i, candidates.length, candidate.path);
      // Each DB's work is synchronous: between DBs the event loop runs (progress, cancel requests).
      await yieldToEventLoop();
      const result = await vacuumDb(candidate, options, ctx.signal);
      outcomes.push(result);
      ctx.emit(result);
    }
    ctx.progress(candidates.length, candidates.length, null);
  }
  const bytesBefore = candidates.reduce((sum, c) => sum + c.sizeBytes, 0);
  const bytesAfter = options.dryRun
    ? candidates.reduce((sum, c) => sum + c.sizeBytes - c.reclaimableBytes, 0)
    : candidates.reduce((sum, c) => {
        const done = outcomes.find((o) => o.path === c.path);
        return sum + (done?.status === 'vacuumed' ? (done.bytesAfter ?? c.sizeBytes) : c.sizeBytes);
      }, 0);
  return {
    root,
    dryRun: options.dryRun,
    minFreePercent: options.minFreePercent,
    candidates,
    unreadable,
    outcomes,
    bytesBefore,
    bytesAfter,
  };
}
