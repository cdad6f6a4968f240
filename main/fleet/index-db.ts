import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { ensureOwnDir, ownFileState, setAside } from '../fs/own-file.ts';
import { openOwnFile, type WritableDb } from '../sqlite/write.ts';

// The fleet index of one data root: an SQLite file in Chat Inspector's own folder (never in the root),
// in WAL mode so two windows or a CLI run can read and write it at the same time. A file that is not
// ours, of another schema version, for another root, or damaged is removed and made again: the index is
// a cache of what the root says, never trusted over it.

/** PRAGMA application_id of an index file ('CIFX'). */
export const FLEET_APP_ID = 0x43494658;
/** PRAGMA user_version: bump when the tables change; an older file is rebuilt. */
export const FLEET_SCHEMA_VERSION = 5;
/** How long a writer waits for another process's write to finish. */
const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chats (
  chat_id TEXT PRIMARY KEY,
  id_sort REAL NOT NULL,
  name TEXT,
  name_fold TEXT NOT NULL,
  level TEXT,
  level_sort INTEGER NOT NULL,
  messages INTEGER NOT NULL, -- -1: unknown (conversations.db unread, or not visited yet): sent as null
  sessions INTEGER NOT NULL, -- -1: unknown, as messages
  last_active TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  health TEXT NOT NULL,
  health_rank INTEGER NOT NULL,
  partial INTEGER NOT NULL, -- 0 complete, 1 partial counts, 2 conversations.db unread
  counts_reason TEXT, -- JSON {code, file}: the finding that made the counts partial or unread
  locked TEXT, -- JSON {file, message} when a DB was held by another program
  codes TEXT NOT NULL,
  findings TEXT NOT NULL,
  identity TEXT NOT NULL,
  checked_at TEXT,
  tree TEXT NOT NULL, -- the chat tree holding the chat (store/layout.ts), relative to the root
  copies TEXT, -- JSON [{tree, lastActive}] of the chat's copies in other trees; NULL: none
  query_ms REAL, -- how long the visit's reads took (the fleet's average query time); NULL: not read
  meta_last_backup TEXT -- metadata.json's database_info.last_backup (ISO); NULL: none
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chat_codes (code TEXT NOT NULL, chat_id TEXT NOT NULL, PRIMARY KEY (code, chat_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, code TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chats_by_id ON chats (id_sort, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_name ON chats (name_fold, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_level ON chats (level_sort, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_messages ON chats (messages, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_sessions ON chats (sessions, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_last_active ON chats (last_active, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_size ON chats (size_bytes, chat_id);
CREATE INDEX IF NOT EXISTS chats_by_health ON chats (health_rank, chat_id);
`;

/** The index file of a root: named by a hash of its absolute path, in `<userData>/fleet-index/`. */
export function indexPathFor(userDataDir: string, root: string): string {
  const key = createHash('sha256').update(root).digest('hex').slice(0, 32);
  return join(userDataDir, 'fleet-index', `${key}.sqlite`);
}

export interface OpenedIndex {
  db: WritableDb;
  /** The file was missing, foreign, damaged or of another version, and was made again. */
  rebuilt: boolean;
}

/** The index and the files SQLite keeps beside it: it opens them itself, so each is checked first. */
const INDEX_SUFFIXES = ['', '-wal', '-shm', '-journal'];

function removeIndexFiles(path: string): void {
  for (const suffix of INDEX_SUFFIXES) rmSync(`${path}${suffix}`, { force: true });
}

/**
 * The index cannot be used or made (a read-only folder, a link in place of fleet-index/ that cannot be
 * moved): the caller reads the root without it, saying so in one line that names the file.
 */
export class FleetIndexUnavailable extends AppError {
  readonly path: string;
  constructor(path: string, why: string) {
    super('forbidden_path', `the fleet index ${path} cannot be used (${why})`);
    this.path = path;
  }
}

/**
 * Sets aside each of the index's files that is not a regular, writable file of ours — a link (moved itself,
 * never written through), a folder, a FIFO, a read-only or another user's file — so SQLite, which opens
 * them following links and blocking on a FIFO, only ever meets regular files or nothing.
 */
function setAsideUnusableFiles(path: string, why?: string): void {
  for (const suffix of INDEX_SUFFIXES) {
    const file = `${path}${suffix}`;
    const state = ownFileState(file, { writable: true });
    const reason = state.kind === 'unusable' ? state.reason : state.kind === 'file' ? why : undefined;
    if (reason === undefined) continue;
    const moved = setAside(file, reason);
    if (!moved.ok)
      throw new FleetIndexUnavailable(file, `it ${reason} and could not be set aside: ${moved.code}`);
  }
}

/** SQLite could not open or write the file (no permission, read-only, an I/O error): not a damaged index. */
function cannotOpen(error: unknown): string | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(CANTOPEN|READONLY|PERM|IOERR|AUTH)/.test(code)) return null;
  return `${(error as Error).message} (${code})`;
}

/** Why an existing file cannot be used as this root's index, or null when it can. */
function unusable(db: WritableDb, root: string): string | null {
  const tables = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
  if (tables === 0) return null; // a new, empty file
  if (db.pragma('application_id', { simple: true }) !== FLEET_APP_ID) return 'not a fleet index';
  if (db.pragma('user_version', { simple: true }) !== FLEET_SCHEMA_VERSION) return 'another version';
  const check = db.pragma('quick_check(1)', { simple: true });
  if (check !== 'ok') return 'damaged';
  const stored = db.prepare("SELECT value FROM meta WHERE key = 'root'").pluck().get();
  if (stored !== undefined && stored !== root) return 'another root';
  return null;
}

function tryOpen(path: string, root: string, ownDir: string): WritableDb | null {
  let db: WritableDb | null = null;
  try {
    // Chat Inspector's own file, never in a data root: kept up to date by read operations too.
    db = openOwnFile(path, ownDir, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    if (unusable(db, root) !== null) {
      db.close();
      return null;
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Creating the tables and stamping the file is one transaction: a second process that opens the
    // same new file waits for it and then finds a complete index.
    db.transaction(() => {
      db!.exec(SCHEMA);
      db!.pragma(`application_id = ${FLEET_APP_ID}`);
      db!.pragma(`user_version = ${FLEET_SCHEMA_VERSION}`);
      db!.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('root', ?)").run(root);
    }).immediate();
    return db;
  } catch (error) {
    try {
      db?.close();
    } catch {
      // already unusable
    }
    const code = (error as { code?: unknown }).code;
    // Damage or a file that is not SQLite: rebuilt. Anything else (busy past the timeout, a full disk,
    // no permission) is a real error the caller reports.
    if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) return null;
    throw error;
  }
}

/**
 * Opens (creating or rebuilding when needed) the index of `root` at `path`. Its folder must be a real
 * folder of ours and its files regular files of ours (else set aside); one SQLite cannot open or write is
 * set aside and made again; when even that fails, `FleetIndexUnavailable`.
 */
export function openIndexDb(path: string, root: string, ownDir: string): OpenedIndex {
  try {
    ensureOwnDir(dirname(path));
  } catch (error) {
    throw new FleetIndexUnavailable(path, (error as Error).message);
  }
  setAsideUnusableFiles(path);
  let db: WritableDb | null = null;
  try {
    db = tryOpen(path, root, ownDir);
  } catch (error) {
    const why = cannotOpen(error);
    if (why === null) throw error;
    setAsideUnusableFiles(path, `could not be opened for writing: ${why}`);
  }
  if (db) return { db: openedAsChecked(db, path), rebuilt: false };
  removeIndexFiles(path);
  let fresh: WritableDb | null;
  try {
    fresh = tryOpen(path, root, ownDir);
  } catch (error) {
    const why = cannotOpen(error);
    throw why === null ? error : new FleetIndexUnavailable(path, `it could not be made: ${why}`);
  }
  if (!fresh) throw new FleetIndexUnavailable(path, 'it could not be made again');
  return { db: openedAsChecked(fresh, path), rebuilt: true };
}

/** A link or a FIFO swapped in between the check and SQLite's open: the index is not used. */
function openedAsChecked(db: WritableDb, path: string): WritableDb {
  for (const suffix of INDEX_SUFFIXES) {
    const state = ownFileState(`${path}${suffix}`);
    if (state.kind !== 'unusable') continue;
    db.close();
    throw new FleetIndexUnavailable(`${path}${suffix}`, `it ${state.reason} since it was checked`);
  }
  return db;
}
