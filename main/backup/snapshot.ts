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

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { openReadonly } from '../sqlite/open.ts';
import type { ReadableDb, Reader } from '../sqlite/readable.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../store/schema.ts';
import { removeQuietly, sizeOrNull } from './fs.ts';
import type { LayoutFile, ManifestFile } from './manifest.ts';
import {
  describeError,
  hashFile,
  journalModeOfFile,
  openImmutable,
  quickCheck,
  rowCounts,
} from './sqlite-util.ts';

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
  skipped: { path: string; reason: string }[];
}

/** DBs up to this size (with their -wal) are copied in memory. */
export const INLINE_MAX_BYTES = 16 * 1024 * 1024;
/** How many times a copy is retried when the file changed under an `immutable` read (the bot woke up). */
const IMMUTABLE_RETRIES = 3;

const UNREADABLE_CODES = new Set(['not_sqlite', 'empty_file', 'truncated']);

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
    countError = describeError(error);
  }
  if (check) return { integrity: quickCheck(db), rowCounts: counts };
  return {
    integrity: countError ? `rows cannot be counted (${countError})` : 'unchecked',
    rowCounts: counts,
  };
}

async function consistentCopy(source: string, tmpPath: string, check: boolean): Promise<DbCopy> {
  for (let attempt = 0; ; attempt++) {
    const before = statSync(source);
    const inline = before.size + (sizeOrNull(`${source}-wal`) ?? 0) <= INLINE_MAX_BYTES;
    const { db, mode } = openReadonly(source);
    let copy: DbCopy;
    try {
      const raw = db;
      if (inline) {
        // One read transaction (BEGIN starts it at serialize's first read): the copy, its quick_check and its
        // row counts all see the same snapshot.
        raw.exec('BEGIN');
        try {
          const data = raw.serialize();
          copy = { data, tmpPath: null, ...checkAndCount(raw, check) };
        } finally {
          endRead(raw);
        }
      } else {
        await raw.backup(tmpPath, { progress: () => 0x7fffffff });
        copy = { data: null, tmpPath, integrity: 'unchecked', rowCounts: null };
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
  return data[18] === 2 || data[19] === 2 ? 'wal' : 'delete';
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

async function copyDb(
  source: string,
  name: LayoutFile,
  tmpPath: string,
  check: boolean,
): Promise<SnapshotFile> {
  const mtimeMs = statSync(source).mtimeMs;
  let reason: string;
  try {
    const copy = await consistentCopy(source, tmpPath, check);
    const rest = { copiedBy: 'online-backup' as const, integrity: copy.integrity, rowCounts: copy.rowCounts };
    return copy.data
      ? fromData(name, copy.data, mtimeMs, rest)
      : fromFile(name, copy.tmpPath!, mtimeMs, rest);
  } catch (error) {
    removeQuietly(tmpPath);
    reason =
      error instanceof AppError && UNREADABLE_CODES.has(error.code)
        ? `${error.code}: ${error.message.replace(/^.*?: /, '')}`
        : `unreadable by SQLite: ${describeError(error).replace(/^.*?: /, '')}`;
  }
  // SQLite cannot read it: keep its exact bytes (and say so), so the backup loses nothing.
  const rest = { copiedBy: 'raw-copy' as const, integrity: reason, rowCounts: null };
  if (statSync(source).size <= INLINE_MAX_BYTES) return fromData(name, readFileSync(source), mtimeMs, rest);
  copyFileSync(source, tmpPath);
  return fromFile(name, tmpPath, mtimeMs, rest);
}

/** The worker task: a consistent copy of one chat's layout files. */
export async function snapshotChatTask(item: SnapshotChatItem): Promise<SnapshotChatResult> {
  const files: SnapshotFile[] = [];
  const skipped: SnapshotChatResult['skipped'] = [];
  for (const name of [PROFILE_DB, CONVERSATIONS_DB] as const) {
    const source = join(item.dir, name);
    if (!existsSync(source)) {
      skipped.push({ path: source, reason: 'missing in the source' });
      continue;
    }
    files.push(await copyDb(source, name, join(item.tmpDir, `${item.chatId}-${name}`), item.check ?? false));
  }
  const metaSource = join(item.dir, METADATA_JSON);
  try {
    const mtimeMs = statSync(metaSource).mtimeMs;
    files.push(
      fromData(METADATA_JSON, readFileSync(metaSource), mtimeMs, {
        copiedBy: 'file-copy',
        integrity: 'ok',
        rowCounts: null,
      }),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    skipped.push({ path: metaSource, reason: 'missing in the source' });
  }
  return { chatId: item.chatId, files, skipped };
}
