// `backup ROOT --out-dir DIR --keep N`: a nightly archive into a folder of archives. Each new archive is
// verified right after it is written; a verified one gets a record beside it (<archive>.verified.json, with
// its size and sha256), and only archives with a matching record count. The newest N verified are kept;
// older verified ones are removed only after the new one verified, never when the new one is incomplete,
// so the last verified archive is never removed. Archives without a record (manual copies, a run that was
// killed) are never counted and never removed: they are listed for the operator.

import {
  fstatSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { RotateResult, RotatedArchive } from '../../shared/contract/maintenance.ts';
import { AppError } from '../../shared/errors.ts';
import { createBackup } from '../backup/create.ts';
import { backupSingleFile, isSingleFileSource } from '../backup/single.ts';
import { crashPoint, fsyncDir, fsyncFile, tempBeside, unlinkIfExists } from '../fs/files.ts';
import { hashFile } from '../fs/files.ts';
import { verifyArchive } from '../backup/verify.ts';
import { readNoFollow } from '../fs/entry.ts';
import { trackTemp } from '../fs/temp.ts';
import type { JobContext } from '../jobs/job.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { stamp } from './archive.ts';
import { archiveIntact } from './figures.ts';

export interface RotateOptions {
  root: string;
  outDir: string;
  keep: number;
  pool: WorkerPool;
  now?: Date;
  /** Tests: runs after the new archive is written, before it is verified. */
  afterArchiveWritten?: (archive: string) => void;
}

export const RECORD_SUFFIX = '.verified.json';
/** A record names its archive's chats: a few MB for the largest fleets; anything larger is not ours. */
const RECORD_MAX_BYTES = 32 * 1024 * 1024;
const ARCHIVE_NAME = /^backup-.+-(\d{8}T\d{6}Z)(?:-\d+)?\.tar\.gz$/;

export interface VerifiedRecord {
  archive: string;
  sizeBytes: number;
  sha256: string;
  verifiedAt: string;
  createdAt: string;
  /**
   * The chats the archive holds a healthy file of (what "last backed up" is computed from); [] for an
   * archive of one SQLite file. Absent in records written before it existed: their chats are unknown.
   */
  chats?: string[];
}

function writeRecord(archive: string, record: VerifiedRecord): void {
  const target = `${archive}${RECORD_SUFFIX}`;
  const staged = tempBeside(target, 'new');
  const untrack = trackTemp(staged);
  writeFileSync(staged, `${JSON.stringify(record, null, 1)}\n`, { flag: 'wx' });
  fsyncFile(staged);
  renameSync(staged, target);
  untrack();
}

/** The archive's record, if it exists and still matches the archive's size. */
export function readRecord(archive: string): VerifiedRecord | null {
  try {
    const text = recordText(`${archive}${RECORD_SUFFIX}`);
    if (text === null) return null;
    const record = JSON.parse(text) as VerifiedRecord;
    if (record.archive !== basename(archive)) return null;
    const st = lstatSync(archive);
    if (!st.isFile() || st.size !== record.sizeBytes) return null;
    return record;
  } catch {
    return null;
  }
}

/**
 * A record's text, or null for anything but a regular file (a link or a FIFO named like a record is never
 * followed or waited on: the chat list reads records on the app's main thread). Another user's record is
 * read: a nightly cron may run as another user than the app.
 */
function recordText(path: string): string | null {
  return readNoFollow(path, (fd) => {
    const st = fstatSync(fd);
    return st.isFile() && st.size <= RECORD_MAX_BYTES ? readFileSync(fd, 'utf8') : null;
  });
}

export function listRotated(outDir: string): { verified: RotatedArchive[]; unverified: string[] } {
  const verified: RotatedArchive[] = [];
  const unverified: string[] = [];
  for (const name of readdirSync(outDir)) {
    if (!ARCHIVE_NAME.test(name)) continue;
    const path = join(outDir, name);
    const record = readRecord(path);
    if (record) verified.push({ path, sizeBytes: record.sizeBytes, createdAt: record.createdAt });
    else unverified.push(path);
  }
  // Newest first: by creation time, then by name (the counter of two archives in one second).
  verified.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.path.localeCompare(a.path));
  return { verified, unverified: unverified.sort() };
}

function archivePath(outDir: string, root: string, now: Date): string {
  const base = `backup-${basename(root) || 'root'}-${stamp(now)}`;
  let candidate = join(outDir, `${base}.tar.gz`);
  for (let i = 1; statSync(candidate, { throwIfNoEntry: false }); i++)
    candidate = join(outDir, `${base}-${i}.tar.gz`);
  return candidate;
}

export async function backupRotate(
  options: RotateOptions,
  ctx: JobContext<{ step: string; detail: string | null }>,
): Promise<RotateResult> {
  if (!Number.isInteger(options.keep) || options.keep < 1)
    throw new AppError('invalid_input', '--keep must be a whole number of at least 1');
  const root = resolve(options.root);
  const outDir = resolve(options.outDir);
  const st = statSync(outDir, { throwIfNoEntry: false });
  if (!st?.isDirectory())
    throw new AppError('not_found', `${options.outDir}: no such folder for the archives`);
  const now = options.now ?? new Date();
  const archive = archivePath(outDir, root, now);
  ctx.emit({ step: 'writing the archive', detail: archive });
  const jobCtx = {
    signal: ctx.signal,
    progress: (d: number, t: number | null, c: string | null) => ctx.progress(d, t, c),
    emit: () => {},
  };
  // A single SQLite file (`user_history.db`) rotates like a root: backup-<file>-<timestamp>.tar.gz.
  const backup = isSingleFileSource(root)
    ? await backupSingleFile({ file: root, out: archive, now }, jobCtx)
    : await createBackup({ root, out: archive, pool: options.pool, now }, jobCtx);
  crashPoint('rotate:written');
  options.afterArchiveWritten?.(archive);
  ctx.emit({ step: 'verifying the archive', detail: archive });
  ctx.progress(0, null, 'verifying');
  const verdict = await verifyArchive(
    { archive },
    { signal: ctx.signal, progress: () => {}, emit: () => {} },
  );
  const base = {
    outDir,
    archive,
    archiveBytes: backup.archiveBytes,
    chats: backup.chats,
    failed: backup.failed,
    damaged: backup.damaged,
  };
  if (!archiveIntact(verdict)) {
    const listed = listRotated(outDir);
    return { ...base, verified: false, kept: listed.verified, removed: [], unverified: listed.unverified };
  }
  const { sha256, size } = hashFile(archive);
  writeRecord(archive, {
    archive: basename(archive),
    sizeBytes: size,
    sha256,
    verifiedAt: new Date().toISOString(),
    createdAt: now.toISOString(),
    chats: [
      ...new Set(verdict.files.filter((f) => f.chatId !== '' && !f.damagedAtBackup).map((f) => f.chatId)),
    ],
  });
  fsyncDir(outDir);
  crashPoint('rotate:recorded');
  const listed = listRotated(outDir);
  // An incomplete archive (chats that could not be copied) is kept but removes nothing older.
  if (backup.failed.length > 0)
    return { ...base, verified: true, kept: listed.verified, removed: [], unverified: listed.unverified };
  const kept = listed.verified.slice(0, options.keep);
  if (!kept.some((k) => k.path === archive))
    throw new AppError('internal', `${archive} is verified but not among the newest: nothing removed`);
  const removed = listed.verified.slice(options.keep);
  for (const old of removed) {
    ctx.emit({ step: 'removing an old archive', detail: old.path });
    unlinkIfExists(old.path);
    crashPoint('rotate:removed');
    unlinkIfExists(`${old.path}${RECORD_SUFFIX}`);
  }
  if (removed.length > 0) fsyncDir(outDir);
  return { ...base, verified: true, kept, removed, unverified: listed.unverified };
}
