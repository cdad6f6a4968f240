import type { Cell } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { toCell } from '../adapters/cells.ts';
import { openReadonly, toAppError } from '../sqlite/open.ts';

// Runs one statement on a read-only connection: in a worker thread (main/query/runner.ts terminates the
// thread at its deadline, since better-sqlite3 has no interrupt), or inline in tests.

export interface StatementRequest {
  path: string;
  sql: string;
  params: unknown[];
  /** Rows kept at most; one more is read to know whether there were more. */
  rowCap: number;
  /** cells: typed, long values cut (for the grid); csv / json: the full values as a file's text. */
  output: 'cells' | 'csv' | 'json';
  /** Kept for callers' clarity: every statement must pass sqlite3_stmt_readonly on the read handle. */
  requireReadonly: boolean;
}

export type StatementResult =
  | { output: 'cells'; columns: string[]; rows: Cell[][]; capped: boolean; elapsedMs: number }
  | { output: 'csv' | 'json'; text: string; rowCount: number; capped: boolean; elapsedMs: number };

export function runStatement(request: StatementRequest): StatementResult {
  const { db } = openReadonly(request.path);
  const started = performance.now();
  try {
    let stmt;
    try {
      // The read handle compiles only what SQLite marks read-only (sqlite3_stmt_readonly), and refuses
      // ATTACH and pragma assignments besides.
      stmt = db.prepare(request.sql);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_input')
        throw new AppError(
          'invalid_input',
          `This statement would change the database or the connection, and the console only reads (${error.message}).`,
        );
      throw error;
    }
    if (!stmt.reader) throw new AppError('invalid_input', 'This statement returns no rows: run a SELECT.');
    stmt.raw(true).safeIntegers(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows: unknown[][] = [];
    let capped = false;
    for (const row of stmt.iterate(...request.params) as Iterable<unknown[]>) {
      if (rows.length === request.rowCap) {
        capped = true;
        break;
      }
      rows.push(row);
    }
    const elapsedMs = Math.round(performance.now() - started);
    if (request.output === 'cells')
      return { output: 'cells', columns, rows: rows.map((r) => r.map((v) => toCell(v))), capped, elapsedMs };
    const text = request.output === 'csv' ? toCsv(columns, rows) : toJson(columns, rows);
    return { output: request.output, text, rowCount: rows.length, capped, elapsedMs };
  } catch (error) {
    throw toAppError(error, request.path);
  } finally {
    db.close();
  }
}

/** A value as export text: integers exact, blobs as hex, text as it is (UTF-8, no escapes). */
function plain(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  return String(value);
}

function csvField(value: unknown): string {
  const v = plain(value);
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header row and CRLF line ends (what spreadsheets expect). */
export function toCsv(columns: string[], rows: unknown[][]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** An array of objects, one per row; a column name that repeats gets its position added. */
export function toJson(columns: string[], rows: unknown[][]): string {
  const seen = new Map<string, number>();
  const keys = columns.map((c) => {
    const n = seen.get(c) ?? 0;
    seen.set(c, n + 1);
    return n === 0 ? c : `${c}_${n + 1}`;
  });
  const objects = rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, plain(row[i])])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}
