// The one way Chat Inspector replaces a file of a data root (restore, recover into place, migrate --force,
// metadata rebuild). At every instant the target path holds either the complete old file or the complete
// new one, and the old one is kept as `<name>.bak-<time>`:
//
//   1. the new file is already complete beside the target (same folder), fsynced and checked;
//   2. quiesce the old DB: a writable connection with a busy timeout takes the write lock (BEGIN IMMEDIATE:
//      a live writer makes it wait, then refuse) and closes; as the last connection, its close checkpoints
//      the -wal into the DB file and removes -wal/-shm. If they are still there, another process holds the
//      DB open (and its -wal was left alone): wait, then refuse ("in use by the bot"). A file SQLite cannot open (the damaged file being replaced)
//      is not quiesced; its -wal/-journal/-shm are moved aside with its backup instead;
//   3. hard-link the old file to `.bak-<time>` (a copy where links are impossible), fsync the folder; a
//      `.bak-*` that already is the old file (a run killed after this step left it) is reused, so running
//      again after a crash never makes a second backup of the same file;
//   4. rename the new file over the target (atomic), fsync the folder.
// A stale -wal is never left beside a new DB (SQLite would replay it into the new file): by step 4 the old
// DB has no -wal (checkpointed and removed, or moved aside).

import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { openForWrite, type WritableDb } from '../sqlite/write.ts';
import { readHeader } from '../sqlite/header.ts';
import { backupName, crashPoint, fsyncDir, fsyncFile } from '../fs/files.ts';
import { hashFile } from '../fs/files.ts';
import { isBusy } from '../sqlite/file.ts';

export interface SwapOptions {
  /** What to call the owner of the file in messages ("chat 123"). */
  label: string;
  /** How long to wait for a live writer to let go (ms). */
  waitMs: number;
  now?: Date;
  /** Treat the target as a DB to quiesce (false for metadata.json). */
  sqlite: boolean;
}

const SIDECARS = ['-wal', '-shm', '-journal'] as const;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function inUse(label: string): AppError {
  return new AppError('locked', `${label} is in use by the bot; stop it or try again`);
}

type QuiesceOutcome = 'clean' | 'busy' | 'unreadable';

function tryQuiesce(target: string, busyMs: number): QuiesceOutcome {
  if (!readHeader(target).ok) return 'unreadable';
  let db: WritableDb;
  try {
    db = openForWrite(target, { fileMustExist: true, busyTimeoutMs: busyMs });
  } catch (error) {
    return isBusy(error) ? 'busy' : 'unreadable';
  }
  let outcome: QuiesceOutcome = 'clean';
  try {
    // Takes the write lock (a live writer makes this wait for busyMs, then fail busy), and rolls back a hot
    // journal a crashed writer left (SQLite's own recovery: the committed state is what remains).
    db.exec('BEGIN IMMEDIATE');
    db.exec('COMMIT');
  } catch (error) {
    outcome = isBusy(error) ? 'busy' : 'unreadable';
  } finally {
    try {
      db.close();
    } catch {
      // closing never matters more than the outcome
    }
  }
  // No explicit checkpoint: the LAST connection to close checkpoints the -wal into the DB and removes -wal
  // and -shm. If they remain, someone else has the DB open, and nothing of theirs was touched.
  if (outcome === 'clean' && (existsSync(`${target}-wal`) || existsSync(`${target}-shm`))) outcome = 'busy';
  return outcome;
}

/**
 * Makes sure nobody writes the DB and its whole content is in the main file. Waits up to waitMs for a live
 * writer, then throws AppError('locked'). Returns false when SQLite cannot open the file (damaged).
 */
export function quiesce(target: string, options: Pick<SwapOptions, 'label' | 'waitMs'>): boolean {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const left = deadline - Date.now();
    const outcome = tryQuiesce(target, Math.max(50, Math.min(left, 2000)));
    if (outcome === 'clean') return true;
    if (outcome === 'unreadable') return false;
    if (Date.now() >= deadline) throw inUse(options.label);
    sleep(Math.min(250, Math.max(10, deadline - Date.now())));
  }
}

/** Checks (without changing anything but SQLite's own recovery) that a DB could be replaced now. */
export function assertNotInUse(target: string, options: Pick<SwapOptions, 'label' | 'waitMs'>): void {
  if (existsSync(target)) quiesce(target, options);
}

function keepOld(target: string, bak: string): void {
  try {
    linkSync(target, bak);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK' && code !== 'ENOSYS')
      throw error;
    // No hard links here: a full copy, made durable before the swap.
    copyFileSync(target, bak);
    fsyncFile(bak);
  }
}

const BAK_SUFFIX = /^\.bak-\d{8}T\d{6}Z(?:-\d+)?$/;

/**
 * A `<name>.bak-<time>` beside `target` that already holds exactly the target (the same inode, or where
 * links were impossible, the same bytes), or null. Found only when an earlier run stopped between keeping
 * the old file and putting the new one in place.
 */
export function existingBackupOf(target: string): string | null {
  const dir = dirname(target);
  const prefix = basename(target);
  const st = statSync(target);
  let sha: string | null = null;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !BAK_SUFFIX.test(name.slice(prefix.length))) continue;
    const path = join(dir, name);
    const bak = lstatSync(path);
    if (!bak.isFile()) continue;
    if (bak.ino === st.ino && bak.dev === st.dev) return path;
    if (st.nlink === 1 && bak.nlink === 1 && bak.size === st.size) {
      sha ??= hashFile(target).sha256;
      if (hashFile(path).sha256 === sha) return path;
    }
  }
  return null;
}

/** Gives the new file the old one's permissions and (where allowed) owner, so the bot can still write it. */
function inheritOwnership(staged: string, from: string): void {
  try {
    const st = statSync(from);
    chmodSync(staged, st.mode & 0o7777);
    if (typeof process.getuid === 'function' && process.getuid() === 0) chownSync(staged, st.uid, st.gid);
  } catch {
    // best effort
  }
}

/**
 * Puts `staged` (complete, fsynced, checked, in the target's folder) at `target`. Returns the backup of the
 * file it replaced, or null when there was none.
 */
export function swapInto(target: string, staged: string, options: SwapOptions): { backup: string | null } {
  const dir = dirname(target);
  if (dirname(staged) !== dir) throw new AppError('internal', `${staged} is not beside ${target}`);
  crashPoint('swap:start');
  if (!existsSync(target)) {
    // A new file: link fails if the path appeared meanwhile (never clobber what we did not see).
    try {
      linkSync(staged, target);
      unlinkSync(staged);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new AppError(
          'conflict',
          `${target} appeared while it was being restored; nothing was replaced`,
        );
      }
      renameSync(staged, target);
    }
    crashPoint('swap:added');
    fsyncDir(dir);
    return { backup: null };
  }
  if (options.sqlite) quiesce(target, options);
  crashPoint('swap:quiesced');
  inheritOwnership(staged, target);
  let bak = existingBackupOf(target);
  if (bak === null) {
    bak = backupName(target, options.now);
    keepOld(target, bak);
  }
  crashPoint('swap:linked');
  // Whatever sidecars remain belong to a file SQLite could not open: they go with its backup, before the
  // new file arrives, so they can never be replayed into it.
  for (const suffix of SIDECARS) {
    if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${bak}${suffix}`);
  }
  fsyncDir(dir);
  crashPoint('swap:backed-up');
  renameSync(staged, target);
  crashPoint('swap:renamed');
  fsyncDir(dir);
  crashPoint('swap:done');
  return { backup: bak };
}
