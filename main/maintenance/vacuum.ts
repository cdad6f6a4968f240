// `vacuum`: give back the free pages of DBs that have many (seed 000's vacuum_databases), without ever
// risking a row, while the bot may open and write the DB at any instant. The DB file is never replaced
// (a file renamed over a DB that a connection opened meanwhile pairs its -wal with the wrong file: issue 21);
// SQLite does all the writing, under its own locks. Per DB:
//   1. politeness, not safety: while another process has the DB open (holders.ts) it is skipped, retried
//      until --wait runs out, then refused. Correctness does not depend on it (a bot can open it right after);
//   2. enough free disk space for the backup, VACUUM's temporary copy and its journal/WAL, or it is refused;
//   3. the backup: VACUUM INTO a tracked temporary file beside the DB (one read transaction: a consistent
//      copy), fsynced, quick_checked, then linked to `<name>.bak-<time>` (never over an existing name);
//   4. on one connection with a busy timeout: a digest of every table (digest.ts) and PRAGMA data_version
//      while we hold the write lock, then plain VACUUM on the live file (SQLite's own locks and journal: in
//      WAL mode it goes through the WAL, a kill leaves a hot journal or uncommitted frames that SQLite rolls
//      back), in WAL mode a TRUNCATE checkpoint (best effort: a reader of the bot's can delay it), then
//      data_version, the digest again and quick_check in one read transaction;
//   5. if data_version did not move, no other connection committed in between and the digests must be equal
//      (a difference is reported as a failure, the backup named); if it moved, the bot wrote meanwhile, the
//      rows cannot be compared one by one and the outcome says so (quick_check still must pass).
// The journal mode stays what it was. VACUUM's own temporary copy is a file SQLite unlinks as it opens it,
// so even a kill leaves none. A kill at any point leaves the DB as SQLite left it: old or vacuumed,
// complete (crash tests in vacuum-crash.test.ts); the next run removes a half-written backup copy.

import { setTimeout as delay } from 'node:timers/promises';
import { existsSync, linkSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { VacuumCandidate, VacuumOutcome, VacuumResult } from '../../shared/contract/maintenance.ts';
import { AppError } from '../../shared/errors.ts';
import {
  backupName,
  crashPoint,
  fsyncDir,
  fsyncFile,
  removeQuietly,
  removeStaleTemps,
  sizeOrNull,
  tempBeside,
} from '../fs/files.ts';
import { isBusy, quickCheck, quickCheckFile } from '../sqlite/file.ts';
import { freeBytes } from '../backup/tar.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { withReadonly } from '../sqlite/open.ts';
import { openForWrite, type WritableDb } from '../sqlite/write.ts';
import { chatCopy, listChats, treeNamed, type ChatLocation } from '../store/layout.ts';
import { humanSize } from '../store/metadata.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { digestDb, digestDifferences } from './digest.ts';
import { describeHolders, findHolders } from './holders.ts';

export interface VacuumOptions {
  root: string;
  chatIds?: readonly string[] | undefined;
  /** Only the chats' copies in this chat tree of the root (`data/chats`), as `show --tree`. */
  tree?: string | undefined;
  minFreePercent: number;
  dryRun: boolean;
  /** How long to wait for another process to let go of a DB (ms). */
  waitMs: number;
  /** Only these DB paths (what a confirmed preview listed). */
  paths?: readonly string[] | undefined;
  /**
   * Closes this process's own cached connections to a DB (the app's read-only cache) before it is checked
   * for other holders: ours would count as one.
   */
  closeOwnConnections?: (path: string) => void;
  /** Vacuum even while another process has the DB open (tests: safety must not depend on that check). */
  evenIfOpen?: boolean;
  /** Tests: see VacuumHooks. */
  beforeVacuum?: VacuumHooks['beforeVacuum'];
  freeBytes?: VacuumHooks['freeBytes'];
  /** Run each DB's work in this pool's worker threads (the app); absent: in this thread (the CLI). */
  pool?: WorkerPool | undefined;
}

const DB_FILES = [PROFILE_DB, CONVERSATIONS_DB] as const;

export function selectChats(
  root: string,
  chatIds: readonly string[] | undefined,
  tree?: string,
): ChatLocation[] {
  if (chatIds && chatIds.length > 0)
    return [...new Set(chatIds)].map((chatId) => ({ chatId, ...chatCopy(root, chatId, tree) }));
  const { chats } = listChats(root);
  if (tree === undefined) return chats;
  const wanted = treeNamed(root, tree).tree;
  return chats.flatMap((c) =>
    [{ tree: c.tree, dir: c.dir }, ...(c.copies ?? [])]
      .filter((copy) => copy.tree === wanted)
      .map((copy) => ({ chatId: c.chatId, ...copy })),
  );
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
  tree?: string,
): Promise<{ candidates: VacuumCandidate[]; unreadable: { path: string; reason: string }[] }> {
  const candidates: VacuumCandidate[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  for (const [i, chat] of selectChats(root, chatIds, tree).entries()) {
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

/** One DB to vacuum, as a worker item (plain data). */
export interface VacuumItem {
  chatId: string;
  file: VacuumCandidate['file'];
  path: string;
  /** SQLite's busy timeout for each of our statements (ms); the caller retries a busy attempt. */
  lockWaitMs: number;
  /** Skip the "another process has it open" politeness (tests: safety must not depend on it). */
  evenIfOpen: boolean;
}

export type VacuumAttempt = VacuumOutcome | { busy: string };

export interface VacuumHooks {
  closeOwnConnections?: (path: string) => void;
  /** Tests: runs between the first digest and VACUUM (where a bot's commit moves data_version). */
  beforeVacuum?: (path: string) => void;
  /** Tests: the free bytes of a folder's file system (default: statfs). */
  freeBytes?: (dir: string) => number | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where SQLite puts its temporary files (its own order of choice on Unix). */
function sqliteTempDir(): string {
  const candidates = [process.env.SQLITE_TMPDIR, process.env.TMPDIR, '/var/tmp', '/usr/tmp', '/tmp'];
  for (const dir of candidates) if (dir && existsSync(dir)) return dir;
  return tmpdir();
}

/**
 * Why there is not enough free space, or null. Beside the DB: the backup and VACUUM's rollback journal or
 * WAL frames (each about the compacted size); in SQLite's temp folder: VACUUM's temporary copy (the same).
 * Counted together when both are on one file system; a tenth more and 1 MB to spare.
 */
function spaceShortfall(
  path: string,
  compactBytes: number,
  free: (dir: string) => number | null,
): string | null {
  const dir = dirname(path);
  const temp = sqliteTempDir();
  const need = (bytes: number): number => Math.ceil(bytes * 1.1) + 1024 * 1024;
  let sameDevice = false;
  try {
    sameDevice = statSync(dir).dev === statSync(temp).dev;
  } catch {
    // unknown: judged separately
  }
  const checks: [string, number][] = sameDevice
    ? [[dir, need(3 * compactBytes)]]
    : [
        [dir, need(2 * compactBytes)],
        [temp, need(compactBytes)],
      ];
  for (const [where, bytes] of checks) {
    const available = free(where);
    if (available !== null && available < bytes)
      return `not enough free space in ${where} (about ${humanSize(bytes)} needed for the backup and VACUUM, ${humanSize(available)} free); nothing was changed`;
  }
  return null;
}

/** Makes `temp` the backup `<name>.bak-<time>`: linked under a new name (never over one), then unlinked. */
function keepAsBackup(path: string, temp: string): string {
  for (;;) {
    const bak = backupName(path, new Date());
    try {
      linkSync(temp, bak);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    unlinkSync(temp);
    fsyncDir(dirname(path));
    return bak;
  }
}

/**
 * The backup: a consistent copy of the DB as it is now (VACUUM INTO runs in one read transaction), fsynced,
 * quick_checked, kept as `<name>.bak-<time>`. Throws what went wrong (the temporary file is removed).
 */
function takeBackup(db: WritableDb, path: string, label: string): string {
  const temp = tempBeside(path, 'new');
  const untrack = trackTemp(temp);
  try {
    db.prepare('VACUUM INTO ?').run(temp);
    crashPoint('vacuum:copied');
    fsyncFile(temp);
    const integrity = quickCheckFile(temp);
    if (integrity !== 'ok')
      throw new AppError('corrupt', `the backup copy of ${label} fails quick_check (${integrity})`);
    const bak = keepAsBackup(path, temp);
    untrack();
    return bak;
  } catch (error) {
    removeTemp(temp);
    throw error;
  }
}

/** PRAGMA data_version and the digest of every table, in one transaction of `db` (`begin` says which). */
function digestNow(db: WritableDb, begin: 'BEGIN' | 'BEGIN IMMEDIATE', check: boolean) {
  db.exec(begin);
  try {
    // The first read starts the snapshot that data_version, the digest and quick_check all see.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    const dataVersion = Number(db.pragma('data_version', { simple: true }));
    const digest = digestDb(db);
    const integrity = check ? quickCheck(db) : 'ok';
    return { dataVersion, digest, integrity };
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
  }
}

/**
 * One attempt, synchronous (a worker task): the whole sequence at the top of this file, or `{ busy }` when
 * another process has the DB open or its lock could not be had before anything was changed (the caller
 * waits and retries, listening for cancel).
 */
export function vacuumAttempt(item: VacuumItem, hooks: VacuumHooks = {}): VacuumAttempt {
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
  if (!item.evenIfOpen) {
    const open = findHolders([path]);
    if (open.holders.length > 0) return { busy: `${label} is open in ${describeHolders(open.holders)}` };
  }
  let db: WritableDb;
  try {
    db = openForWrite(path, { fileMustExist: true, busyTimeoutMs: item.lockWaitMs });
  } catch (error) {
    if (isBusy(error)) return { busy: `${label} is locked by another program` };
    return outcome('failed', `${label}: ${message(error)}; nothing was changed`);
  }
  try {
    return vacuumOpen(db, item, label, outcome, hooks);
  } finally {
    db.close();
  }
}

function vacuumOpen(
  db: WritableDb,
  item: VacuumItem,
  label: string,
  outcome: (s: VacuumOutcome['status'], r: string | null, e?: Partial<VacuumOutcome>) => VacuumOutcome,
  hooks: VacuumHooks,
): VacuumAttempt {
  const { path } = item;
  let backup: string | null = null;
  let before: ReturnType<typeof digestNow>;
  // Until VACUUM starts nothing of the DB has changed: a busy lock or an error drops our backup and says so.
  try {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const usedPages =
      Number(db.pragma('page_count', { simple: true })) -
      Number(db.pragma('freelist_count', { simple: true }));
    const short = spaceShortfall(path, usedPages * pageSize, hooks.freeBytes ?? freeBytes);
    if (short) return outcome('refused', short);
    backup = takeBackup(db, path, label);
    crashPoint('vacuum:backed-up');
    // While we hold the write lock nobody commits: the digest and data_version describe the same state.
    before = digestNow(db, 'BEGIN IMMEDIATE', false);
    crashPoint('vacuum:digested');
  } catch (error) {
    if (backup) removeQuietly(backup);
    if (isBusy(error)) return { busy: `${label} is being written by another program` };
    return outcome('failed', `${label}: ${message(error)}; nothing was changed`);
  }
  hooks.beforeVacuum?.(path);
  try {
    db.exec('VACUUM');
  } catch (error) {
    // VACUUM is one transaction: SQLite rolls a failed one back. Busy (it never started): our backup is
    // dropped and the caller retries; any other failure keeps the backup and names it.
    if (isBusy(error)) {
      removeQuietly(backup);
      return { busy: `${label} is being written by another program` };
    }
    return outcome(
      'failed',
      `${label}: VACUUM failed (${message(error)}); SQLite rolls it back, the backup taken before is ${backup}`,
      { backup },
    );
  }
  crashPoint('vacuum:vacuumed');
  const notes: string[] = [];
  if (journalModeOf(db) === 'wal') {
    // Folds the WAL (the whole compacted DB) back into the file, which then shrinks. It waits for the bot's
    // readers only briefly: its writes wait meanwhile.
    db.pragma('busy_timeout = 500');
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    db.pragma(`busy_timeout = ${item.lockWaitMs}`);
    if (row?.busy)
      notes.push(
        'another program was reading it, so the file shrinks at the next checkpoint (the space is in the -wal until then)',
      );
  }
  crashPoint('vacuum:checkpointed');
  let after: ReturnType<typeof digestNow> | null = null;
  let readError = '';
  for (let attempt = 0; attempt < 5 && !after; attempt++) {
    try {
      after = digestNow(db, 'BEGIN', true);
    } catch (error) {
      readError = message(error);
      if (!isBusy(error)) break;
    }
  }
  crashPoint('vacuum:checked');
  const bytesAfter = (sizeOrNull(path) ?? 0) + (sizeOrNull(`${path}-wal`) ?? 0);
  const extra = { bytesAfter, backup };
  if (!after)
    return outcome(
      'failed',
      `${label} was vacuumed but could not be read back (${readError}); the backup taken before is ${backup}`,
      extra,
    );
  if (after.integrity !== 'ok')
    return outcome(
      'failed',
      `${label} fails quick_check after VACUUM (${after.integrity}); the backup taken before is ${backup}`,
      extra,
    );
  const tables = Object.keys(before.digest.tables).length;
  if (after.dataVersion === before.dataVersion) {
    const diffs = digestDifferences(before.digest, after.digest);
    if (diffs.length > 0)
      return outcome(
        'failed',
        `${label} does not hold the same rows after VACUUM: ${diffs.join('; ')}; the backup taken before is ${backup}`,
        extra,
      );
    return outcome('vacuumed', notes.length > 0 ? notes.join('; ') : null, {
      ...extra,
      tablesCompared: tables,
    });
  }
  notes.unshift(
    'another program wrote to it during the vacuum, so its rows could not be compared one by one before and after; quick_check is ok',
  );
  return outcome('vacuumed', notes.join('; '), extra);
}

function journalModeOf(db: WritableDb): string {
  return String(db.pragma('journal_mode', { simple: true })).toLowerCase();
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
  options: Pick<
    VacuumOptions,
    'waitMs' | 'evenIfOpen' | 'beforeVacuum' | 'freeBytes' | 'closeOwnConnections' | 'pool'
  >,
  signal: AbortSignal,
): Promise<VacuumOutcome> {
  const item: VacuumItem = {
    chatId: candidate.chatId,
    file: candidate.file,
    path: candidate.path,
    // Like any writer, each statement waits a little for the bot's lock (even with --wait 0); never for
    // long, since while we wait for its readers in rollback-journal mode its new reads wait for us.
    lockWaitMs: Math.min(Math.max(options.waitMs, 1000), 2000),
    evenIfOpen: options.evenIfOpen ?? false,
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

export async function runVacuum(
  options: VacuumOptions,
  ctx: JobContext<VacuumOutcome>,
): Promise<VacuumResult> {
  const root = resolve(options.root);
  ctx.progress(0, null, 'measuring free pages');
  const planned = await planVacuum(root, options.chatIds, options.minFreePercent, ctx.signal, options.tree);
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
