import { quoteIdent } from '../sqlite/identifiers.ts';

/** Aggregations over event tables read at most this many of the newest rows (bounded work, no full scans). */
export const RECENT_ROWS = 50_000;
/** Conversation lists count messages over at most this many of the newest rows. */
export const COUNT_WINDOW = 500_000;

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN for an empty array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Ascending copy without NaN. */
export function sortedNumbers(values: Iterable<number>): number[] {
  return [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
}

/**
 * SQL for the UTC day (YYYY-MM-DD) of a timestamp column that may hold text ('2025-08-06 02:30:00',
 * ISO) or Unix seconds/milliseconds; NULL when it is neither.
 */
export function dayExpr(column: string): string {
  const c = quoteIdent(column);
  return `CASE WHEN typeof(${c}) = 'text' AND ${c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN substr(${c}, 1, 10)
    WHEN typeof(${c}) IN ('integer', 'real') THEN date(CASE WHEN ${c} > 100000000000 THEN ${c} / 1000 ELSE ${c} END, 'unixepoch') END`;
}

export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** A truthy flag as SQLAlchemy, PostgreSQL dumps and hand-written SQLite store it. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  if (typeof value === 'string') return ['1', 'true', 't', 'yes', 'y'].includes(value.trim().toLowerCase());
  return value === true;
}

export function fmt(value: number, digits = 1): string {
  if (Number.isNaN(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function statusClass(code: unknown): string {
  const n = num(code);
  if (Number.isNaN(n) || n < 100 || n > 599) return 'other';
  return `${Math.floor(n / 100)}xx`;
}

/** Points of a per-day series, ordered by day. */
export function dayPoints(byDay: Map<string, number>): { x: string; y: number }[] {
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([x, y]) => ({ x, y }));
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
