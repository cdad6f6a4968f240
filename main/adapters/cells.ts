import type { Cell } from '../../shared/domain.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';

/** Text cells are cut at this many characters (Unicode code points, as SQLite's substr counts). */
export const TEXT_CUT = 500;
/** Blob cells show a hex preview of this many bytes. */
export const BLOB_PREVIEW = 64;
/** The SQL result-column budget: SQLite refuses more than 2000 columns in a result by default. */
const MAX_RESULT_COLUMNS = 1900;

/**
 * SQL that reads one column as a page cell: the value cut inside SQLite (so a 100 MB text never crosses
 * into JavaScript for a page of 100 rows) and its full length (`length()` reads only the record header).
 * Two result columns per table column.
 */
export function cellExprs(column: string): string[] {
  const q = quoteIdent(column);
  return [
    cutExpr(q, TEXT_CUT, BLOB_PREVIEW),
    `CASE WHEN typeof(${q}) IN ('text', 'blob') THEN length(${q}) END`,
  ];
}

/**
 * A value cut inside SQLite: text to `textMax` characters, blobs to `blobMax` bytes, other types unchanged.
 * (substr() of an empty blob is NULL, so values short enough are returned as they are.)
 */
export function cutExpr(q: string, textMax: number, blobMax: number): string {
  return `CASE typeof(${q}) WHEN 'text' THEN CASE WHEN length(${q}) > ${textMax} THEN substr(${q}, 1, ${textMax}) ELSE ${q} END WHEN 'blob' THEN CASE WHEN length(${q}) > ${blobMax} THEN substr(${q}, 1, ${blobMax}) ELSE ${q} END ELSE ${q} END`;
}

/** Whether a table is narrow enough for the two-expressions-per-column form; wider ones are cut in JS. */
export function fitsCutForm(columnCount: number): boolean {
  return columnCount * 2 + 1 <= MAX_RESULT_COLUMNS;
}

/** Count of Unicode code points (what SQLite's length() and substr() count for text). */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

function cutCodePoints(text: string, max: number): string {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) {
      if (n === max) return text.slice(0, i);
      n++;
    }
  }
  return text;
}

/**
 * A value read with `.safeIntegers(true)` as a typed cell. `fullLength` is SQLite's length() of the
 * value when the query computed it (cut form); otherwise the value is complete and cut here.
 */
export function toCell(value: unknown, fullLength?: unknown): Cell {
  if (value === null || value === undefined) return { t: 'null' };
  if (typeof value === 'bigint') return { t: 'int', v: value.toString() };
  if (typeof value === 'number') {
    // With safe integers on, INTEGER values arrive as bigint: a number here is a REAL.
    // SQLite can hold ±Infinity as REAL (1e999); JSON cannot: shown as text.
    if (!Number.isFinite(value))
      return { t: 'text', v: String(value), length: String(value).length, truncated: false };
    return { t: 'real', v: value };
  }
  if (typeof value === 'string') {
    const known =
      typeof fullLength === 'bigint' || typeof fullLength === 'number' ? Number(fullLength) : null;
    const cut = known === null ? cutCodePoints(value, TEXT_CUT) : value;
    const length = Math.max(known ?? 0, codePoints(value));
    return { t: 'text', v: cut, length, truncated: length > codePoints(cut) };
  }
  if (value instanceof Uint8Array) {
    const known =
      typeof fullLength === 'bigint' || typeof fullLength === 'number' ? Number(fullLength) : null;
    const length = Math.max(known ?? 0, value.length);
    const preview = value.subarray(0, BLOB_PREVIEW);
    return {
      t: 'blob',
      hex: Buffer.from(preview).toString('hex'),
      length,
      truncated: length > preview.length,
    };
  }
  const text = String(value);
  return {
    t: 'text',
    v: cutCodePoints(text, TEXT_CUT),
    length: codePoints(text),
    truncated: codePoints(text) > TEXT_CUT,
  };
}
