// Small SQLite helpers for the write operations: private read-only opens of our own copies, integrity
// checks, row counts, journal mode. None of them is used on a file of the data root except through open.ts.

import { closeSync, openSync, readSync } from 'node:fs';
import { headerSaysWal } from './header.ts';
import { quoteIdent } from './identifiers.ts';
import { openPrivateReadonly, type ReadableDb, type Reader } from './readable.ts';

/**
 * Opens a file that nobody else writes (a private copy or a staged temporary file) without locks and
 * without creating -wal/-shm/-journal beside it.
 */
export function openImmutable(path: string): ReadableDb {
  return openPrivateReadonly(path);
}

/** 'ok', or the first problems quick_check reports (or the error that stopped it). */
export function quickCheck(db: Reader, maxErrors = 5): string {
  try {
    const rows = db.prepare(`PRAGMA quick_check(${maxErrors})`).pluck().all() as string[];
    if (rows.length === 1 && rows[0] === 'ok') return 'ok';
    // One line: it ends up in one-line errors and reports.
    return rows.join('; ').replace(/\s*\n\s*/g, '; ') || 'quick_check returned nothing';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** quick_check of a private file: 'ok' or what is wrong. */
export function quickCheckFile(path: string): string {
  let db: ReadableDb;
  try {
    db = openImmutable(path);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  try {
    return quickCheck(db);
  } finally {
    db.close();
  }
}

export function tableNames(db: Reader): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
}

/**
 * Rows per table (every table of sqlite_schema, internal ones included), in two statements (names, then all
 * counts at once: preparing a statement costs more than counting a small table). Throws when a table is
 * unreadable.
 */
export function rowCounts(db: Reader): Record<string, number> {
  const names = tableNames(db);
  const out: Record<string, number> = {};
  if (names.length === 0) return out;
  const row = db
    .prepare(`SELECT ${names.map((n) => `(SELECT count(*) FROM ${quoteIdent(n)})`).join(', ')}`)
    .raw(true)
    .get() as number[];
  names.forEach((name, i) => {
    out[name] = Number(row[i]);
  });
  return out;
}

/** 'wal' when the file's header says WAL (bytes 18/19 = 2), 'delete' otherwise. */
export function journalModeOfFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(20);
    readSync(fd, h, 0, 20, 0);
    return headerSaysWal(h) ? 'wal' : 'delete';
  } finally {
    closeSync(fd);
  }
}

export function sqliteErrorCode(error: unknown): string {
  return (error as { code?: string } | null)?.code ?? '';
}

export function isBusy(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}
