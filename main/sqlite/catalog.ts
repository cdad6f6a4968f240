import type { ColumnInfo } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from './identifiers.ts';
import type { ReadableDb } from './open.ts';

// The SQLite catalog, generic over every file (a mechanism: kinds and the Source model both read it).
// What a file holds, read from sqlite_schema and pragma_table_xinfo(?) with bound parameters.
// Names found here are untrusted: they reach SQL text only through quoteIdent, and only after they were
// read back from the file itself (so a name the caller made up never becomes SQL).

export interface SchemaObject {
  name: string;
  type: 'table' | 'view';
  /** CREATE VIRTUAL TABLE (fts5, rtree, ...). */
  virtual: boolean;
  columns: ColumnInfo[];
  /**
   * How this object's rowid is addressed: `rowid`, `_rowid_` or `oid` (the first no column shadows),
   * or null for views, WITHOUT ROWID tables and tables whose columns shadow all three names.
   */
  rowidName: string | null;
  /** Why the object cannot be read (a virtual table of a module this build lacks, an unusable name...). */
  error: string | null;
}

const ROWID_ALIASES = ['rowid', '_rowid_', 'oid'] as const;

interface SchemaRow {
  type: string;
  name: string;
  sql: string | null;
}

/** Tables and views in creation order (sqlite_schema order), internal ones (sqlite_sequence, ...) included. */
export function listObjects(db: ReadableDb): SchemaObject[] {
  const rows = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY rowid")
    .all() as SchemaRow[];
  return rows.map((row) => describeObject(db, row));
}

/** The object named exactly `name`, or a not_found error a person understands. */
export function findObject(db: ReadableDb, name: string): SchemaObject {
  const row = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?")
    .get(name) as SchemaRow | undefined;
  if (!row) throw new AppError('not_found', `this file has no table or view named ${JSON.stringify(name)}`);
  return describeObject(db, row);
}

/** Lower-cased column names of a table, or null when the file has no such table (detection helper). */
export function columnSet(db: ReadableDb, table: string): Set<string> | null {
  try {
    const names = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
    return names.length === 0 ? null : new Set(names.map((n) => n.toLowerCase()));
  } catch {
    return null;
  }
}

/** Picks the first of `candidates` (lower-case) that the table has; the table's own spelling is returned. */
export function pickColumn(object: SchemaObject, candidates: readonly string[]): string | null {
  for (const candidate of candidates) {
    const found = object.columns.find((c) => c.name.toLowerCase() === candidate);
    if (found) return found.name;
  }
  return null;
}

/** The object if the file has a table (not a view) of that name, case-insensitively; else null. */
export function tableIfAny(db: ReadableDb, name: string): SchemaObject | null {
  const row = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE")
    .get(name) as SchemaRow | undefined;
  return row ? describeObject(db, row) : null;
}

function describeObject(db: ReadableDb, row: SchemaRow): SchemaObject {
  const type = row.type === 'view' ? 'view' : 'table';
  const virtual = type === 'table' && /^\s*create\s+virtual\s+table/i.test(row.sql ?? '');
  const object: SchemaObject = { name: row.name, type, virtual, columns: [], rowidName: null, error: null };
  try {
    quoteIdent(row.name);
  } catch {
    object.error = 'the name is too long or contains a NUL character';
    return object;
  }
  try {
    const cols = db
      .prepare('SELECT name, type, "notnull" AS nn, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid')
      .all(row.name) as { name: string; type: string | null; nn: number; pk: number; hidden: number }[];
    // hidden = 1: a virtual table's hidden column (fts5's rank, ...); generated columns (2, 3) are shown.
    object.columns = cols
      .filter((c) => c.hidden !== 1)
      .map((c) => ({ name: c.name, type: c.type ?? '', notNull: c.nn === 1, primaryKey: c.pk > 0 }));
  } catch (error) {
    object.error = error instanceof Error ? error.message : String(error);
    return object;
  }
  if (type === 'table') object.rowidName = rowidNameOf(db, object);
  return object;
}

function rowidNameOf(db: ReadableDb, object: SchemaObject): string | null {
  const taken = new Set(object.columns.map((c) => c.name.toLowerCase()));
  const alias = ROWID_ALIASES.find((a) => !taken.has(a));
  if (!alias) return null;
  try {
    // Fails for WITHOUT ROWID tables ("no such column"): they are paged by position instead.
    db.prepare(`SELECT ${alias} FROM ${quoteIdent(object.name)} LIMIT 0`);
    return alias;
  } catch {
    return null;
  }
}
