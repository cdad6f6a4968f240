import { randomBytes } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError, errorMessage } from '../../shared/errors.ts';
import { entryAt, notAFileMessage } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import Database from './driver.ts';
import { readHeader, type HeaderVerdict } from './header.ts';
import { readable, type ReadableDb } from './readable.ts';

/**
 * A connection that can only read (main/sqlite/readable.ts): its statements have no `run`, and any statement
 * SQLite does not mark read-only is refused. The only way to a writable one is `openForWrite`
 * (main/sqlite/write.ts), used by explicit write operations that take a backup first.
 */
export type { ReadableDb };

export interface OpenReadonlyOptions {
  /** How long to wait for a writer's lock before reporting `locked` (ms). */
  busyTimeoutMs?: number;
  /** Read the schema at open so a damaged file fails here, with its file named (default true). */
  probe?: boolean;
}

/** Where an open would leave a trace, it is opened in a way that cannot: how it was opened, for reports. */
export type OpenMode = 'shared' | 'immutable' | 'snapshot';

export interface OpenedDb {
  db: ReadableDb;
  mode: OpenMode;
}

/** The file's header, or the AppError that names what is wrong with the file before SQLite sees it. */
export function requireHeader(path: string): Extract<HeaderVerdict, { ok: true }> {
  const header = readHeader(path);
  if (!header.ok) {
    throw new AppError(
      header.code === 'missing_file' ? 'not_found' : header.code,
      `${path}: ${header.message}`,
    );
  }
  return header;
}

/** The files SQLite opens beside a database by name (it would block on a FIFO there, or follow a link). */
const SIDE_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/**
 * Which side files exist as regular files. One that is anything else (a FIFO, a link, a folder...) is
 * `not_a_file`, and the database is not opened at all: SQLite would open it by name and hang or follow it.
 */
export function requireRegularSideFiles(path: string): Record<(typeof SIDE_SUFFIXES)[number], boolean> {
  const present = { '-wal': false, '-shm': false, '-journal': false };
  for (const suffix of SIDE_SUFFIXES) {
    const side = `${path}${suffix}`;
    const { kind } = entryAt(side);
    if (kind === 'file') present[suffix] = true;
    else if (kind !== 'missing') throw new AppError('not_a_file', notAFileMessage(side, kind));
  }
  return present;
}

/**
 * Opens an SQLite file for reading without ever changing the data root:
 * - rollback-journal files open read-only as usual;
 * - WAL files whose -wal and -shm exist (a bot is running, or crashed) open read-only and share the
 *   bot's index, so rows that live only in the -wal are read, and readers never block the writer;
 * - WAL files with no -wal (the bot closed cleanly) open `immutable`, because a plain read-only open
 *   would create -wal/-shm files in the user's folder;
 * - a -wal without its -shm cannot be read in place without creating the -shm, so the DB and its -wal
 *   are copied to a private temporary folder and read there (the copy is removed on close).
 * Throws AppError with the file's problem (not_sqlite, empty_file, truncated, not_found) before SQLite sees it.
 */
export function openReadonly(path: string, options: OpenReadonlyOptions = {}): OpenedDb {
  // A bot that closes its last connection checkpoints and deletes its -wal (and -shm) between our look
  // at the side files and our use of them; the files then say which way to open, so look again.
  for (let attempt = 1; ; attempt++) {
    try {
      return openReadonlyOnce(path, options);
    } catch (error) {
      if (!(error instanceof SideFilesChanged) || attempt >= 5) {
        throw error instanceof SideFilesChanged ? toAppError(error.cause, path) : error;
      }
    }
  }
}

/** The -wal vanished while it was being copied: the side files must be looked at again. */
class SideFilesChanged extends Error {}

function openReadonlyOnce(path: string, options: OpenReadonlyOptions): OpenedDb {
  const header = requireHeader(path);
  const sides = requireRegularSideFiles(path);
  const walExists = sides['-wal'];
  const shmExists = walExists && sides['-shm'];
  const timeout = options.busyTimeoutMs ?? 2000;
  let raw: Database.Database | undefined;
  let mode: OpenMode = 'shared';
  let snapshotDir: string | null = null;
  try {
    if (header.wal && !walExists) {
      mode = 'immutable';
      raw = new Database(`${pathToFileURL(path).href}?immutable=1`, { readonly: true, fileMustExist: true });
    } else if (walExists && !shmExists) {
      mode = 'snapshot';
      // A private copy of someone's data: tracked, so a crash or Ctrl-C cannot leave it in /tmp.
      // Tracked before it exists, so a signal arriving the moment it is created still removes it.
      snapshotDir = join(tmpdir(), `chat-inspector-snap-${process.pid}-${randomBytes(6).toString('hex')}`);
      trackTemp(snapshotDir);
      mkdirSync(snapshotDir, { mode: 0o700 });
      const copy = join(snapshotDir, basename(path));
      copyFileSync(path, copy);
      try {
        copyFileSync(`${path}-wal`, `${copy}-wal`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw new SideFilesChanged('wal gone', { cause: error });
        throw error;
      }
      raw = new Database(copy, { readonly: true, fileMustExist: true, timeout });
    } else {
      raw = new Database(path, { readonly: true, fileMustExist: true, timeout });
    }
    // Fails fast on a file whose header looked fine but whose schema cannot be read.
    if (options.probe !== false) raw.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    raw?.close();
    if (snapshotDir) removeTemp(snapshotDir);
    if (error instanceof SideFilesChanged) throw error;
    throw toAppError(error, path);
  }
  if (snapshotDir) {
    const dir = snapshotDir;
    const close = raw.close.bind(raw);
    raw.close = () => {
      const result = close();
      removeTemp(dir);
      return result;
    };
  }
  return { db: readable(raw), mode };
}

/** Runs `fn` with a read-only connection and always closes it. */
export function withReadonly<T>(
  path: string,
  fn: (db: ReadableDb, mode: OpenMode) => T,
  options?: OpenReadonlyOptions,
): T {
  const { db, mode } = openReadonly(path, options);
  try {
    return fn(db, mode);
  } catch (error) {
    throw toAppError(error, path);
  } finally {
    db.close();
  }
}

/** Maps SQLite's error codes onto the stable codes a person reads. */
export function toAppError(error: unknown, path: string): AppError {
  if (error instanceof AppError) return error;
  const sqliteCode = (error as { code?: string }).code ?? '';
  const message = errorMessage(error);
  if (sqliteCode.startsWith('SQLITE_BUSY') || sqliteCode.startsWith('SQLITE_LOCKED')) {
    return new AppError('locked', `${path}: the database is locked by another program (${message})`);
  }
  if (sqliteCode === 'SQLITE_NOTADB')
    return new AppError('not_sqlite', `${path}: the file is not an SQLite database`);
  if (sqliteCode.startsWith('SQLITE_CORRUPT'))
    return new AppError('corrupt', `${path}: the database is damaged (${message})`);
  if (sqliteCode === 'SQLITE_IOERR_SHORT_READ')
    return new AppError('truncated', `${path}: the file is cut short (${message})`);
  if (sqliteCode === 'SQLITE_CANTOPEN')
    return new AppError('not_found', `${path}: cannot open the file (${message})`);
  if (sqliteCode === 'SQLITE_READONLY_ROLLBACK' || sqliteCode === 'SQLITE_READONLY_RECOVERY') {
    return new AppError(
      'locked',
      `${path}: a crashed writer left a hot journal; it must be recovered by the bot first`,
    );
  }
  if (sqliteCode.startsWith('SQLITE_')) return new AppError('corrupt', `${path}: ${message}`);
  return new AppError('internal', `${path}: ${message}`);
}

/**
 * Size of a DB plus its -wal, as a person thinks of "the database's size". Read with `lstat`: a link or
 * a FIFO in the DB's place counts as no file (its size is not the database's); the open names it.
 */
export function fileSizes(path: string): { sizeBytes: number; walBytes: number; exists: boolean } {
  const regularSize = (p: string): number | null => {
    const stats = lstatSync(p, { throwIfNoEntry: false });
    return stats?.isFile() ? stats.size : null;
  };
  const sizeBytes = regularSize(path);
  if (sizeBytes === null) return { sizeBytes: 0, walBytes: 0, exists: false };
  return { sizeBytes, walBytes: regularSize(`${path}-wal`) ?? 0, exists: true };
}
