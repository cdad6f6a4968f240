import { pathToFileURL } from 'node:url';
import type Database from '../sqlite/driver.ts';
import {
  openReadonly,
  requireHeader,
  requireRegularSideFiles,
  toAppError,
  type OpenedDb,
  type OpenReadonlyOptions,
  type ReadableDb,
} from '../sqlite/open.ts';
import { openAttachHost, readable } from '../sqlite/readable.ts';

// The integrity check opens two small DBs per chat, tens of thousands of times: a new connection and a
// fresh compile of every statement each time cost more than the quick_check itself. So each thread keeps
// ONE in-memory connection, ATTACHes the file to check read-only under a fixed name, runs statements it
// compiled once (SQLite recompiles them cheaply after the attach; the JavaScript objects are reused), and
// DETACHes it. Only the plain cases take this path, with the same rules as openReadonly:
//   - a rollback-journal file with no -journal and no -wal: attached `mode=ro` (shared lock while reading);
//   - a WAL file whose -wal is absent (closed cleanly): attached `immutable=1` (no -wal/-shm created).
// Everything else (a -wal or -journal beside the file) goes through openReadonly itself.

/** The schema name the file to check is attached under. */
export const CHECK_SCHEMA = 'chk';

interface Shared {
  conn: Database.Database;
  statements: Map<string, Database.Statement>;
  attached: boolean;
  timeoutMs: number;
}

let shared: Shared | null = null;
const schemas = new WeakMap<object, string>();

/** The schema to qualify a check's own statements with: `chk` for an attached file, `main` otherwise. */
export function schemaOf(db: ReadableDb): string {
  return schemas.get(db) ?? 'main';
}

function state(timeoutMs: number): Shared {
  if (!shared) {
    // An empty in-memory main DB: unqualified table names in the scan's figure queries resolve to the
    // attached file (SQLite searches main, temp, then attached schemas).
    shared = {
      conn: openAttachHost(timeoutMs),
      statements: new Map(),
      attached: false,
      timeoutMs,
    };
  } else if (shared.timeoutMs !== timeoutMs) {
    shared.conn.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
    shared.timeoutMs = timeoutMs;
  }
  return shared;
}

function statement(s: Shared, sql: string): Database.Statement {
  let stmt = s.statements.get(sql);
  if (!stmt) {
    stmt = s.conn.prepare(sql);
    if (s.statements.size > 256) s.statements.clear();
    s.statements.set(sql, stmt);
  } else if (stmt.reader) {
    // Another caller may have switched the shared statement to raw/pluck rows: back to plain objects.
    stmt.raw(false).pluck(false).expand(false);
  }
  return stmt;
}

function detach(s: Shared): void {
  if (!s.attached) return;
  s.attached = false;
  try {
    statement(s, `DETACH ${CHECK_SCHEMA}`).run();
  } catch (error) {
    // Not attached after all (a failed ATTACH): nothing to undo.
    if (/no such database/i.test(error instanceof Error ? error.message : '')) return;
    // Still attached (a statement left running?): start afresh rather than risk the next file.
    if (shared === s) shared = null;
    try {
      s.conn.close();
    } catch {
      // already unusable
    }
  }
}

/** `file://` + the path, by hand when it has nothing to escape (pathToFileURL costs more than the check). */
export function fileUrl(path: string): string {
  return /^\/[A-Za-z0-9/._-]*$/.test(path) ? `file://${path}` : pathToFileURL(path).href;
}

/**
 * Opens a DB for the integrity check: same verdicts and errors as openReadonly (header problems, locked,
 * damaged), same guarantee of leaving no trace, but on the thread's shared connection where it can.
 * Close the returned db before opening the next one.
 */
export function openForCheck(path: string, options: OpenReadonlyOptions = {}): OpenedDb {
  const header = requireHeader(path);
  const sides = requireRegularSideFiles(path);
  const s = state(options.busyTimeoutMs ?? 2000);
  if (s.attached || sides['-wal'] || (!header.wal && sides['-journal'])) {
    return openReadonly(path, options);
  }
  const uri = `${fileUrl(path)}?${header.wal ? 'immutable=1' : 'mode=ro'}`;
  try {
    s.attached = true;
    statement(s, `ATTACH ? AS ${CHECK_SCHEMA}`).run(uri);
  } catch (error) {
    detach(s);
    throw toAppError(error, path);
  }
  // The read handle checks every statement; ATTACH/DETACH above run on the connection itself.
  const db = readable(s.conn, {
    name: path,
    compile: (sql) => statement(s, sql),
    close: () => detach(s),
    pragmas: false,
  });
  schemas.set(db, CHECK_SCHEMA);
  return { db, mode: header.wal ? 'immutable' : 'shared' };
}

/** Closes the thread's shared connection (tests; a worker thread just ends). */
export function closeCheckConnection(): void {
  if (!shared) return;
  detach(shared);
  shared.conn.close();
  shared = null;
}
