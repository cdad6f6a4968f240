// One chat's consistent copy for a backup, made in a worker thread, with each file's sha256, row counts and
// integrity verdict for the manifest (quick_check with --check; by default only whether every table can be
// counted, since verify runs quick_check on every DB of the archive anyway).
//
// A DB is copied through SQLite itself from a read-only connection (main/sqlite/open.ts: it never creates
// -wal/-shm in the root, reads rows that live only in the -wal, and opens a cleanly closed WAL file
// `immutable`), so a bot writing at the same time is neither blocked nor able to tear the copy:
// - up to INLINE_MAX_BYTES: sqlite3_serialize inside one read transaction, and the row counts (and quick_check)
//   in that same transaction (so they describe exactly the copied bytes). No temp file: the copy goes to the
//   archive from memory. This avoids the online backup API's fsyncs of its destination file, which cost more
//   than everything else together on a root of thousands of small chats (measured: 10x slower than tar).
// - larger files: the online backup API (db.backup) into the private temp folder, all pages in one step
//   (one read transaction: a busy writer cannot make it restart forever), then checked there.
// A file SQLite cannot read at all (not a DB, empty, cut short) is kept byte for byte and marked, so a
// backup never loses anything.
//
// A bot writing a rollback-journal DB (journal_mode=DELETE) locks the whole file for each commit, and its
// header and size change under a reader. So a copy attempt that meets a lock ("database is locked"), a
// journal coming and going ("unable to open database file") or a header caught mid-write (a false
// "truncated") is retried, with short randomized waits (a fixed rhythm can miss every gap between a busy
// writer's commits), for up to COPY_BUDGET_MS (or the --wait given). Once the read lock is held, the copy is one read transaction:
// the writer waits for it (its busy timeout; the copy of a 50 MB DB takes a fraction of a second) and never
// fails. A DB still locked at the end of the budget is reported as locked and left out, never archived as
// "damaged"; only a file that fails the same way while nobody changes it is kept raw and marked damaged.
//
// Nothing but a regular file is opened: each layout file (and a DB's -wal/-shm/-journal) is lstat'ed first;
// a folder, FIFO, socket, device or link in its place is reported (not backed up, with the reason) and the
// chat's healthy files are backed up all the same.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { entryAt, kindOf, NO_FOLLOW_READ_FLAGS, notAFileMessage } from '../fs/entry.ts';
import { headerSaysWal } from '../sqlite/header.ts';
import { openReadonly, toAppError } from '../sqlite/open.ts';
import type { ReadableDb, Reader } from '../sqlite/readable.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { removeQuietly, sizeOrNull } from '../fs/files.ts';
import type { LayoutFile, ManifestFile } from './manifest.ts';
import { errorMessage } from '../../shared/errors.ts';
import { hashFile } from '../fs/files.ts';
import { journalModeOfFile, openImmutable, quickCheck, rowCounts } from '../sqlite/file.ts';

export interface SnapshotChatItem {
  chatId: string;
  dir: string;
  /** Private folder for copies of large files (deleted by the caller). */
  tmpDir: string;
  /**
   * Also run quick_check on each copy (default false: verify runs it on every archive anyway). Without it a
   * table that cannot be counted still marks the file damaged.
   */
  check?: boolean;
  /** How long to keep trying for a consistent read of a DB another program keeps locked (ms). */
  lockWaitMs?: number;
}

export interface SnapshotFile extends Omit<ManifestFile, 'path' | 'chatId'> {
  /** The copy: in memory for files up to INLINE_MAX_BYTES, else a file in the private temp folder. */
  data: Uint8Array | null;
  tmpPath: string | null;
  mtimeMs: number;
}

export interface SnapshotChatResult {
  chatId: string;
  files: SnapshotFile[];
  /** Layout files the chat does not have. */
  skipped: { path: string; reason: string }[];
  /** Files that should have been backed up but could not be (not a regular file, locked), and why. */
  notBackedUp: { path: string; reason: string }[];
}

/** DBs up to this size (with their -wal) are copied in memory. */
export const INLINE_MAX_BYTES = 16 * 1024 * 1024;
/** How many times a copy is retried when the file changed under an `immutable` read (the bot woke up). */
const IMMUTABLE_RETRIES = 3;
/** How long a copy keeps trying to get a consistent read of a DB a writer keeps busy. */
export const COPY_BUDGET_MS = 30_000;
/** How long a hot journal nobody touches is waited for (the bot, restarted, would recover it at once). */
const HOT_JOURNAL_GRACE_MS = 2000;

/** SQLite's own wait for a lock within one attempt (then our randomized wait, then another attempt). */
const ATTEMPT_BUSY_MS = 25;

const UNREADABLE_CODES = new Set(['not_sqlite', 'empty_file', 'truncated']);

/** Thrown when a DB stayed locked for the whole budget: reported and left out, never kept as "damaged". */
class StillLocked extends Error {
  readonly waitedMs: number;
  constructor(message: string, waitedMs: number) {
    super(message);
    this.waitedMs = waitedMs;
  }
}

function isLockError(error: AppError): boolean {
  return error.code === 'locked';
}

/** What changes when a writer commits: size, mtime, and the presence of its rollback journal. */
function writeStamp(source: string): string {
  const st = entryAt(source).stats;
  return `${st?.size}:${st?.mtimeMs}:${existsSync(`${source}-journal`)}`;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface DbCopy {
  data: Buffer | null;
  tmpPath: string | null;
  integrity: string;
  rowCounts: Record<string, number> | null;
}

/** Row counts and the integrity verdict: quick_check when asked, else whether every table could be counted. */
function checkAndCount(
  db: Reader,
  check: boolean,
): { integrity: string; rowCounts: Record<string, number> | null } {
  let counts: Record<string, number> | null = null;
  let countError: string | null = null;
  try {
    counts = rowCounts(db);
  } catch (error) {
    countError = errorMessage(error);
  }
  if (check) return { integrity: quickCheck(db), rowCounts: counts };
  return {
    integrity: countError ? `rows cannot be counted (${countError})` : 'unchecked',
    rowCounts: counts,
  };
}

/**
 * Copies a DB consistently, retrying what a live writer causes (see the top of this file) until
 * COPY_BUDGET_MS. Throws StillLocked when the lock never came free, or the error of a file that fails the
 * same way while it does not change (damaged).
 */
async function consistentCopy(
  source: string,
  tmpPath: string,
  check: boolean,
  budgetMs: number,
): Promise<DbCopy> {
  const deadline = Date.now() + budgetMs;
  let lastStamp = writeStamp(source);
  let stableFailures = 0;
  // Once a lock was met, a failure at the end of the budget is the lock's doing (a journal that comes and
  // goes makes other errors in between): the DB is reported locked, never kept raw as "damaged".
  let lockMessage: string | null = null;
  // A hot journal is SQLite's word that no writer holds the file (a live one would make it busy): only the
  // bot's next write recovers it. Waited for briefly, not for the whole budget.
  let hotSince: number | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      return await copyOnce(source, tmpPath, check);
    } catch (raw) {
      // SQLite's codes as the stable ones a person reads: a hot journal a crashed writer left is `locked`.
      const error = toAppError(raw, source);
      removeQuietly(tmpPath);
      const locked = isLockError(error);
      if (locked) lockMessage = error.message;
      const stamp = writeStamp(source);
      const writing = stamp !== lastStamp || existsSync(`${source}-journal`);
      const hot = locked && /hot journal/.test(error.message) && stamp === lastStamp;
      hotSince = hot ? (hotSince ?? Date.now()) : null;
      lastStamp = stamp;
      if (hotSince !== null && Date.now() - hotSince >= Math.min(HOT_JOURNAL_GRACE_MS, budgetMs))
        throw new StillLocked(error.message, Date.now() - hotSince);
      // The same failure on a file nobody is changing: it is what the file is, not a writer's doing.
      if (!locked && !writing && ++stableFailures >= 2) throw error;
      if (Date.now() >= deadline) {
        if (lockMessage !== null) throw new StillLocked(lockMessage, budgetMs);
        throw error;
      }
      // Randomized and short at first: a busy writer leaves only brief gaps between its commits.
      await pause(1 + Math.random() * Math.min(100, 4 * 2 ** Math.min(attempt, 5)));
    }
  }
}

async function copyOnce(source: string, tmpPath: string, check: boolean): Promise<DbCopy> {
  for (let attempt = 0; ; attempt++) {
    const before = statSync(source);
    const inline = before.size + (sizeOrNull(`${source}-wal`) ?? 0) <= INLINE_MAX_BYTES;
    const { db, mode } = openReadonly(source, { busyTimeoutMs: ATTEMPT_BUSY_MS, probe: false });
    let copy: DbCopy;
    try {
      const raw = db;
      // One read transaction, its lock taken by the first read: the copy (and, in memory, its quick_check and
      // row counts) all see the same snapshot, and no commit can land in the middle of it.
      raw.exec('BEGIN');
      try {
        raw.prepare('SELECT count(*) FROM sqlite_schema').get();
        if (inline) {
          const data = raw.serialize();
          copy = { data, tmpPath: null, ...checkAndCount(raw, check) };
        } else {
          await raw.backup(tmpPath, { progress: () => 0x7fffffff });
          if (!existsSync(`${source}-wal`)) matchHeader(source, tmpPath);
          copy = { data: null, tmpPath, integrity: 'unchecked', rowCounts: null };
        }
      } finally {
        endRead(raw);
      }
    } finally {
      db.close();
    }
    if (mode === 'immutable') {
      // An immutable read ignores locks; if the bot started writing meanwhile, copy again through its locks.
      const after = statSync(source);
      if (existsSync(`${source}-wal`) || after.mtimeMs !== before.mtimeMs || after.size !== before.size) {
        removeQuietly(tmpPath);
        if (attempt >= IMMUTABLE_RETRIES) throw new Error('the file kept changing while it was copied');
        continue;
      }
    }
    if (copy.tmpPath) {
      const copied = openImmutable(copy.tmpPath);
      try {
        Object.assign(copy, checkAndCount(copied, check));
      } finally {
        copied.close();
      }
    }
    return copy;
  }
}

/**
 * The online backup API bumps the copy's change counter and schema cookie (header bytes 24-27, 40-43,
 * 92-99), so the copy of an unchanged DB would never hash like the DB itself and a restore would call it
 * changed. Under the read lock the file is exactly the DB (no -wal): those bytes are taken from it, and the
 * copy is then the DB byte for byte.
 */
function matchHeader(source: string, copy: string): void {
  const header = Buffer.alloc(100);
  const src = openSync(source, NO_FOLLOW_READ_FLAGS);
  try {
    if (readSync(src, header, 0, 100, 0) !== 100) return;
  } finally {
    closeSync(src);
  }
  const dst = openSync(copy, 'r+');
  try {
    for (const [start, end] of [
      [24, 28],
      [40, 44],
      [92, 100],
    ] as const)
      writeSync(dst, header, start, end - start, start);
  } finally {
    closeSync(dst);
  }
}

/** Ends the read transaction (after a corruption error COMMIT can fail; ROLLBACK then ends it). */
function endRead(db: ReadableDb): void {
  try {
    db.exec('COMMIT');
  } catch {
    try {
      db.exec('ROLLBACK');
    } catch {
      // the connection closes next anyway
    }
  }
}

function sha256Of(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function journalModeOfData(data: Uint8Array): string | null {
  if (data.length < 100 || Buffer.from(data.subarray(0, 16)).toString('latin1') !== 'SQLite format 3\u0000')
    return null;
  return headerSaysWal(data) ? 'wal' : 'delete';
}

function fromData(
  name: LayoutFile,
  data: Buffer,
  mtimeMs: number,
  rest: Pick<SnapshotFile, 'copiedBy' | 'integrity' | 'rowCounts'>,
): SnapshotFile {
  return {
    name,
    data,
    tmpPath: null,
    mtimeMs,
    size: data.length,
    sha256: sha256Of(data),
    journalMode: name === METADATA_JSON ? null : journalModeOfData(data),
    ...rest,
  };
}

function fromFile(
  name: LayoutFile,
  tmpPath: string,
  mtimeMs: number,
  rest: Pick<SnapshotFile, 'copiedBy' | 'integrity' | 'rowCounts'>,
): SnapshotFile {
  const { sha256, size } = hashFile(tmpPath);
  let journalMode: string | null;
  try {
    journalMode = journalModeOfFile(tmpPath);
  } catch {
    journalMode = null;
  }
  return { name, data: null, tmpPath, mtimeMs, size, sha256, journalMode, ...rest };
}

/**
 * The bytes of a regular file, read through one descriptor opened without following links (and without
 * blocking on a FIFO swapped in meanwhile): into memory, or with `to` into that file.
 */
function readRegular(path: string, to?: string): Buffer | null {
  const fd = openSync(path, NO_FOLLOW_READ_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new AppError('invalid_input', notAFileMessage(path, kindOf(st)));
    const out = to === undefined ? null : openSync(to, 'wx', 0o600);
    const chunks: Buffer[] = [];
    const buf = Buffer.allocUnsafe(1024 * 1024);
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        if (out === null) chunks.push(Buffer.from(buf.subarray(0, n)));
        else writeSync(out, buf, 0, n);
      }
    } finally {
      if (out !== null) closeSync(out);
    }
    return out === null ? Buffer.concat(chunks) : null;
  } finally {
    closeSync(fd);
  }
}

async function copyDb(
  source: string,
  name: LayoutFile,
  tmpPath: string,
  check: boolean,
  budgetMs: number,
): Promise<SnapshotFile | { notBackedUp: string }> {
  const mtimeMs = statSync(source).mtimeMs;
  let reason: string;
  try {
    const copy = await consistentCopy(source, tmpPath, check, budgetMs);
    const rest = { copiedBy: 'online-backup' as const, integrity: copy.integrity, rowCounts: copy.rowCounts };
    return copy.data
      ? fromData(name, copy.data, mtimeMs, rest)
      : fromFile(name, copy.tmpPath!, mtimeMs, rest);
  } catch (error) {
    removeQuietly(tmpPath);
    if (error instanceof StillLocked) {
      return {
        notBackedUp: `locked: ${error.message.replace(/^.*?: /, '')} (still so after ${Math.round(error.waitedMs / 1000)} s); it was not backed up`,
      };
    }
    reason =
      error instanceof AppError && UNREADABLE_CODES.has(error.code)
        ? `${error.code}: ${error.message.replace(/^.*?: /, '')}`
        : `unreadable by SQLite: ${errorMessage(error).replace(/^.*?: /, '')}`;
  }
  // SQLite cannot read it: keep its exact bytes (and say so), so the backup loses nothing.
  const rest = { copiedBy: 'raw-copy' as const, integrity: reason, rowCounts: null };
  if (statSync(source).size <= INLINE_MAX_BYTES) return fromData(name, readRegular(source)!, mtimeMs, rest);
  readRegular(source, tmpPath);
  return fromFile(name, tmpPath, mtimeMs, rest);
}

/** Why a layout file (or a DB's sidecar) cannot be backed up without opening something else, or null. */
function notRegular(path: string, sidecars: readonly string[]): string | null {
  for (const p of [path, ...sidecars.map((s) => `${path}${s}`)]) {
    const kind = entryAt(p).kind;
    if (kind !== 'file' && kind !== 'missing') return notAFileMessage(p, kind).replace(/^.*?: /, '');
  }
  return null;
}

/** The worker task: a consistent copy of one chat's layout files (each one judged on its own). */
export async function snapshotChatTask(item: SnapshotChatItem): Promise<SnapshotChatResult> {
  const files: SnapshotFile[] = [];
  const skipped: SnapshotChatResult['skipped'] = [];
  const notBackedUp: SnapshotChatResult['notBackedUp'] = [];
  const dirKind = entryAt(item.dir).kind;
  if (dirKind !== 'directory') {
    const reason =
      dirKind === 'missing'
        ? 'the chat folder is missing'
        : notAFileMessage(item.dir, dirKind).replace(/^.*?: /, '');
    return { chatId: item.chatId, files, skipped, notBackedUp: [{ path: item.dir, reason }] };
  }
  for (const name of [PROFILE_DB, CONVERSATIONS_DB] as const) {
    const source = join(item.dir, name);
    if (entryAt(source).kind === 'missing') {
      skipped.push({ path: source, reason: 'missing in the source' });
      continue;
    }
    const bad = notRegular(source, ['-wal', '-shm', '-journal']);
    if (bad) {
      notBackedUp.push({ path: source, reason: bad });
      continue;
    }
    try {
      const copy = await copyDb(
        source,
        name,
        join(item.tmpDir, `${item.chatId}-${name}`),
        item.check ?? false,
        item.lockWaitMs ?? COPY_BUDGET_MS,
      );
      if ('notBackedUp' in copy) notBackedUp.push({ path: source, reason: copy.notBackedUp });
      else files.push(copy);
    } catch (error) {
      notBackedUp.push({ path: source, reason: errorMessage(error).replace(/^.*?: /, '') });
    }
  }
  const metaSource = join(item.dir, METADATA_JSON);
  const metaKind = entryAt(metaSource).kind;
  if (metaKind === 'missing') skipped.push({ path: metaSource, reason: 'missing in the source' });
  else if (metaKind !== 'file')
    notBackedUp.push({
      path: metaSource,
      reason: notAFileMessage(metaSource, metaKind).replace(/^.*?: /, ''),
    });
  else {
    try {
      const mtimeMs = statSync(metaSource).mtimeMs;
      files.push(
        fromData(METADATA_JSON, readRegular(metaSource)!, mtimeMs, {
          copiedBy: 'file-copy',
          integrity: 'ok',
          rowCounts: null,
        }),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        skipped.push({ path: metaSource, reason: 'missing in the source' });
      else notBackedUp.push({ path: metaSource, reason: errorMessage(error).replace(/^.*?: /, '') });
    }
  }
  return { chatId: item.chatId, files, skipped, notBackedUp };
}

/**
 * A consistent copy of one SQLite file that is not part of a chat (`user_history.db`, the clinic bot's DB),
 * made exactly as a chat's DB is (copyDb: a read transaction, retried while a writer keeps it locked; raw
 * bytes if SQLite cannot read it). The layout name given to copyDb only says "a DB, not metadata.json".
 */
export async function snapshotSingleDb(
  source: string,
  tmpPath: string,
  check: boolean,
  budgetMs: number = COPY_BUDGET_MS,
): Promise<Omit<SnapshotFile, 'name'> | { notBackedUp: string }> {
  const bad = notRegular(source, ['-wal', '-shm', '-journal']);
  if (bad) return { notBackedUp: bad };
  const copy = await copyDb(source, CONVERSATIONS_DB, tmpPath, check, budgetMs);
  if ('notBackedUp' in copy) return copy;
  const { name: _layoutName, ...rest } = copy;
  return rest;
}
