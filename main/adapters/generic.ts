import type { Cell, TableInfo, TablePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { readHeader } from '../sqlite/header.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { cellExprs, cutExpr, fitsCutForm, toCell } from './cells.ts';
import { prettyJson } from './json.ts';
import { findObject, listObjects, type SchemaObject } from '../sqlite/catalog.ts';

// The generic browser: works on any SQLite file. Time limits without an interrupt (better-sqlite3 has
// no sqlite3_interrupt or progress handler): every statement here is bounded by construction —
// counts stop at COUNT_CAP + 1 rows, table pages walk the rowid b-tree from a key (`rowid > ?`),
// objects without a rowid are paged by position up to MAX_OFFSET rows, and cells are cut inside SQLite.
// The one thing no cap bounds is a view whose definition aggregates a big table: its first row costs
// the whole aggregation. View counts are therefore read row by row and stop after VIEW_COUNT_BUDGET_MS.

/** Datasette's rule: counts stop here; the UI shows ">10000". */
export const COUNT_CAP = 10_000;
/** Views and WITHOUT ROWID tables are paged by position (OFFSET) and only this far. */
export const MAX_OFFSET = 100_000;
/** `file.cell` returns at most this much text (characters) or blob (bytes, shown as hex). */
export const CELL_TEXT_CAP = 2_000_000;
export const CELL_BLOB_CAP = 1_000_000;
const VIEW_COUNT_BUDGET_MS = 500;

/** The label of the key column every page starts with for objects paged by position (a 1-based row number). */
export const POSITION_KEY = '#';

export interface CountResult {
  rowCount: number;
  rowCountCapped: boolean;
}

export function countRows(db: ReadableDb, object: SchemaObject): CountResult {
  if (object.error) return { rowCount: 0, rowCountCapped: false };
  const q = quoteIdent(object.name);
  if (object.type === 'table') {
    const n = db
      .prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${q} LIMIT ${COUNT_CAP + 1})`)
      .pluck()
      .get() as number;
    return { rowCount: Math.min(n, COUNT_CAP), rowCountCapped: n > COUNT_CAP };
  }
  const started = Date.now();
  let n = 0;
  for (const _ of db
    .prepare(`SELECT 1 FROM ${q} LIMIT ${COUNT_CAP + 1}`)
    .pluck()
    .iterate()) {
    n++;
    if (n % 256 === 0 && Date.now() - started > VIEW_COUNT_BUDGET_MS)
      return { rowCount: n, rowCountCapped: true };
  }
  return { rowCount: Math.min(n, COUNT_CAP), rowCountCapped: n > COUNT_CAP };
}

/** Every table and view with columns and capped counts; an object that cannot be read is listed empty. */
export function describeTables(db: ReadableDb, objects: SchemaObject[] = listObjects(db)): TableInfo[] {
  return objects.map((object) => {
    let counts: CountResult = { rowCount: 0, rowCountCapped: false };
    try {
      counts = countRows(db, object);
    } catch (error) {
      // A broken view or a virtual table whose module is missing: listed, not counted. A damaged file is
      // not shown as "0 rows": the open fails with `corrupt` (recover is the way forward).
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB|IOERR)/.test(code)) throw error;
    }
    return { name: object.name, type: object.type, columns: object.columns, ...counts };
  });
}

/** Journal mode as the file declares it (an `immutable` open reports "delete" even for a WAL file). */
export function journalModeOf(db: ReadableDb, path: string): string {
  try {
    const header = readHeader(path);
    if (header.ok && header.wal) return 'wal';
  } catch {
    // fall back to the connection's view
  }
  return String(db.pragma('journal_mode', { simple: true }));
}

export function pageSizeOf(db: ReadableDb): number {
  return Number(db.pragma('page_size', { simple: true }));
}

const KEY_PATTERN = /^-?\d{1,20}$/;

function parseKey(value: string, what: string): bigint {
  if (!KEY_PATTERN.test(value))
    throw new AppError(
      'invalid_input',
      `${what} must be a whole number, not ${JSON.stringify(value.slice(0, 40))}`,
    );
  return BigInt(value);
}

function selectList(object: SchemaObject): { sql: string; cut: boolean } {
  const cut = fitsCutForm(object.columns.length);
  const exprs = object.columns.flatMap((c) => (cut ? cellExprs(c.name) : [quoteIdent(c.name)]));
  return { sql: exprs.length > 0 ? exprs.join(', ') : 'NULL', cut };
}

function rowCells(row: unknown[], offset: number, object: SchemaObject, cut: boolean): Cell[] {
  const cells: Cell[] = [];
  for (let i = 0; i < object.columns.length; i++) {
    cells.push(cut ? toCell(row[offset + 2 * i], row[offset + 2 * i + 1]) : toCell(row[offset + i]));
  }
  return cells;
}

/**
 * A page of any table or view. Tables with a rowid: keyset on the rowid (`after` = the last rowid seen),
 * so page 1,000 costs what page 1 costs. Views and WITHOUT ROWID tables: by position, `after` = "@<rows seen>",
 * and no further than MAX_OFFSET rows. The first column of every page is the row key — the rowid (named
 * as the table addresses it) or POSITION_KEY (1-based row number) — which is what `file.cell` takes.
 */
export function readTablePage(
  db: ReadableDb,
  table: string,
  after: string | undefined,
  limit: number,
): TablePage {
  const object = findObject(db, table);
  if (object.error) throw new AppError('corrupt', `${table} cannot be read: ${object.error}`);
  const q = quoteIdent(object.name);
  const { sql: list, cut } = selectList(object);
  const names = object.columns.map((c) => c.name);
  if (object.rowidName) {
    if (after?.startsWith('@'))
      throw new AppError('invalid_input', 'this table is paged by rowid: pass the last rowid as the cursor');
    const key = object.rowidName;
    const where = after === undefined ? '' : `WHERE ${key} > ?`;
    const params: unknown[] = after === undefined ? [] : [parseKey(after, 'the cursor')];
    const rows = db
      .prepare(`SELECT ${key}, ${list} FROM ${q} ${where} ORDER BY ${key} LIMIT ?`)
      .safeIntegers(true)
      .raw(true)
      .all(...params, limit + 1) as unknown[][];
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown[shown.length - 1];
    return {
      table: object.name,
      columns: [key, ...names],
      rows: shown.map((r) => [toCell(r[0]), ...rowCells(r, 1, object, cut)]),
      nextCursor: more && last ? String(last[0]) : null,
    };
  }
  let offset = 0;
  if (after !== undefined) {
    if (!after.startsWith('@'))
      throw new AppError(
        'invalid_input',
        'this table has no rowid and is paged by position: pass the cursor you were given',
      );
    offset = Number(parseKey(after.slice(1), 'the cursor'));
    if (offset < 0) throw new AppError('invalid_input', 'the cursor cannot be negative');
  }
  if (offset >= MAX_OFFSET)
    return { table: object.name, columns: [POSITION_KEY, ...names], rows: [], nextCursor: null };
  const take = Math.min(limit, MAX_OFFSET - offset);
  const rows = db
    .prepare(`SELECT ${list} FROM ${q} LIMIT ? OFFSET ?`)
    .safeIntegers(true)
    .raw(true)
    .all(take + 1, offset) as unknown[][];
  const more = rows.length > take && offset + take < MAX_OFFSET;
  const shown = rows.slice(0, take);
  return {
    table: object.name,
    columns: [POSITION_KEY, ...names],
    rows: shown.map((r, i) => [{ t: 'int', v: String(offset + i + 1) }, ...rowCells(r, 0, object, cut)]),
    nextCursor: more ? `@${offset + shown.length}` : null,
  };
}

/**
 * One full cell: text (JSON objects and arrays pretty-printed), integers exact, blobs as hex.
 * `rowid` is the page's key column: the rowid, or the 1-based row number for objects without one.
 * Capped at CELL_TEXT_CAP characters / CELL_BLOB_CAP bytes, with a last line saying so.
 */
export function readCellValue(
  db: ReadableDb,
  table: string,
  rowid: string,
  column: string,
): { text: string; isJson: boolean } {
  const object = findObject(db, table);
  if (object.error) throw new AppError('corrupt', `${table} cannot be read: ${object.error}`);
  const col = object.columns.find((c) => c.name === column);
  if (!col)
    throw new AppError('not_found', `${JSON.stringify(table)} has no column named ${JSON.stringify(column)}`);
  const q = quoteIdent(object.name);
  const c = quoteIdent(col.name);
  const key = parseKey(rowid, 'the row key');
  const list = `typeof(${c}) AS t, ${cutExpr(c, CELL_TEXT_CAP, CELL_BLOB_CAP)} AS v, length(${c}) AS n`;
  let row: { t: string; v: unknown; n: bigint | null } | undefined;
  if (object.rowidName) {
    row = db
      .prepare(`SELECT ${list} FROM ${q} WHERE ${object.rowidName} = ?`)
      .safeIntegers(true)
      .get(key) as typeof row;
  } else {
    if (key < 1n || key > BigInt(MAX_OFFSET))
      throw new AppError(
        'invalid_input',
        `row numbers of ${JSON.stringify(table)} go from 1 to ${MAX_OFFSET}`,
      );
    row = db
      .prepare(`SELECT ${list} FROM ${q} LIMIT 1 OFFSET ?`)
      .safeIntegers(true)
      .get(key - 1n) as typeof row;
  }
  if (!row)
    throw new AppError('not_found', `row ${rowid} of ${JSON.stringify(table)} does not exist (any more)`);
  const length = row.n === null ? 0 : Number(row.n);
  if (row.t === 'null') return { text: 'NULL', isJson: false };
  if (row.t === 'integer' || row.t === 'real') return { text: String(row.v), isJson: false };
  if (row.t === 'blob') {
    const bytes = row.v as Buffer;
    const hex = bytes.toString('hex');
    return {
      text: length > bytes.length ? `${hex}\n… cut: the first ${bytes.length} of ${length} bytes` : hex,
      isJson: false,
    };
  }
  const text = String(row.v);
  if (length > CELL_TEXT_CAP)
    return { text: `${text}\n… cut: the first ${CELL_TEXT_CAP} of ${length} characters`, isJson: false };
  const pretty = prettyJson(text);
  return pretty === null ? { text, isJson: false } : { text: pretty, isJson: true };
}
