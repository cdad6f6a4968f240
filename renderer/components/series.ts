// Day series for charts: the days an axis spans (a chosen window, filled day by day where 0 is a true
// count) and their buckets (days, weeks, months) when the range is long.

export type Bucket = 'day' | 'week' | 'month';

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Math.floor(Date.parse(`${day.slice(0, 10)}T00:00:00Z`) / DAY_MS);

/** Days between two ISO days, both counted. */
export function spanDays(first: string, last: string): number {
  return dayNumber(last) - dayNumber(first) + 1;
}

/** A bar per day up to four months, per week up to two years, per month beyond: always a readable count. */
export function bucketFor(days: number): Bucket {
  return days <= 120 ? 'day' : days <= 731 ? 'week' : 'month';
}

/** The first day of the bucket `day` falls in: itself, its week's Monday, or its month's first day. */
export function bucketStart(day: string, bucket: Bucket): string {
  if (bucket === 'day') return day.slice(0, 10);
  if (bucket === 'month') return `${day.slice(0, 7)}-01`;
  const n = dayNumber(day);
  // 1970-01-01 was a Thursday: Monday-based weekday is (n + 3) mod 7.
  const monday = n - ((n + 3) % 7);
  return new Date(monday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Sums a day series into buckets (empty buckets included, so gaps show as zero), keyed by the bucket's
 * first day.
 */
export function bucketize<K extends string>(
  series: readonly ({ day: string } & Record<K, number>)[],
  keys: readonly K[],
  bucket: Bucket,
): ({ day: string } & Record<K, number>)[] {
  if (series.length === 0) return [];
  const sums = new Map<string, Record<K, number>>();
  for (const row of series) {
    const key = bucketStart(row.day, bucket);
    let sum = sums.get(key);
    if (!sum) sums.set(key, (sum = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>));
    for (const k of keys) sum[k] += row[k];
  }
  const ordered = [...sums.keys()].sort();
  const out: ({ day: string } & Record<K, number>)[] = [];
  const zero = () => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  let cursor = ordered[0]!;
  const last = ordered[ordered.length - 1]!;
  // Walk bucket by bucket so quiet periods are drawn as zero, not skipped.
  for (let guard = 0; cursor <= last && guard < 20_000; guard++) {
    out.push({ day: cursor, ...(sums.get(cursor) ?? zero()) });
    cursor = nextBucket(cursor, bucket);
  }
  return out;
}

function nextBucket(start: string, bucket: Bucket): string {
  const d = new Date(`${start}T00:00:00Z`);
  if (bucket === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + (bucket === 'week' ? 7 : 1));
  return d.toISOString().slice(0, 10);
}

/** Inclusive YYYY-MM-DD bounds of what a chart's x axis shows. */
export interface DayRange {
  from: string;
  to: string;
}

/** `day` moved by `days` (negative: earlier). */
export function addDays(day: string, days: number): string {
  return new Date((dayNumber(day) + days) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The days an axis spans: the chosen window's own bounds, so a quiet end of the range is drawn (the axis
 * of a 90-day window ends today, not on the last day something happened). An open start is the data's
 * first day, an open end `today`. Null when there is nothing to draw (no data and no start).
 */
export function axisRange(
  window: { from: string | null; to: string | null },
  days: readonly string[],
  today: string,
): DayRange | null {
  let first: string | null = null;
  for (const d of days) if (first === null || d < first) first = d;
  const from = window.from ?? first;
  const to = window.to ?? today;
  if (from === null || from > to) return null;
  return { from, to };
}

/**
 * Every day of `range` in order: the series' own rows, `zero(day)` for the days between. Only for counts
 * where a missing day truly is 0 (a day nobody wrote), never for days whose data is unknown. Past
 * `maxDays` the range is too long to draw day by day: the rows inside it are kept with a zero at each end,
 * so the axis still spans the range.
 */
export function fillRange<T extends { day: string }>(
  series: readonly T[],
  range: DayRange,
  zero: (day: string) => T,
  maxDays = 4000,
): T[] {
  const inside = series
    .filter((d) => d.day >= range.from && d.day <= range.to)
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const span = spanDays(range.from, range.to);
  if (span > maxDays) {
    const out = [...inside];
    if (out[0]?.day !== range.from) out.unshift(zero(range.from));
    if (out.at(-1)?.day !== range.to) out.push(zero(range.to));
    return out;
  }
  const byDay = new Map(inside.map((d) => [d.day, d]));
  const out: T[] = [];
  for (let i = 0; i < span; i++) {
    const day = addDays(range.from, i);
    out.push(byDay.get(day) ?? zero(day));
  }
  return out;
}

/**
 * The last `days` days up to the series' last day (a chat's "last 90 days" counts back from its last
 * message, not from today), or from its first day when `days` is null. Null for an empty series.
 */
export function lastDaysRange(series: readonly { day: string }[], days: number | null): DayRange | null {
  let first: string | null = null;
  let last: string | null = null;
  for (const d of series) {
    if (first === null || d.day < first) first = d.day;
    if (last === null || d.day > last) last = d.day;
  }
  if (first === null || last === null) return null;
  return { from: days === null ? first : addDays(last, -(days - 1)), to: last };
}
