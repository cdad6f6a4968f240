/**
 * Day series from the store only hold days with activity; charts need the empty days too, or a quiet
 * month collapses into one tick. Fills every missing day between the first and the last with `zero(day)`.
 * Series spanning more than `maxDays` are returned as they are (too many points to draw usefully).
 */
export function fillDays<T extends { day: string }>(
  series: readonly T[],
  zero: (day: string) => T,
  maxDays = 1500,
): T[] {
  if (series.length < 2) return [...series];
  const sorted = [...series].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const first = Date.parse(`${sorted[0]!.day}T00:00:00Z`);
  const last = Date.parse(`${sorted[sorted.length - 1]!.day}T00:00:00Z`);
  if (Number.isNaN(first) || Number.isNaN(last)) return sorted;
  const span = Math.round((last - first) / 86_400_000) + 1;
  if (span > maxDays || span <= sorted.length) return sorted;
  const byDay = new Map(sorted.map((d) => [d.day, d]));
  const out: T[] = [];
  for (let i = 0; i < span; i++) {
    const day = new Date(first + i * 86_400_000).toISOString().slice(0, 10);
    out.push(byDay.get(day) ?? zero(day));
  }
  return out;
}
