/** SQLite's CURRENT_TIMESTAMP text ('2025-08-06 02:30:00', UTC) and ISO strings both become ISO-8601 UTC. */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') {
    // Unix seconds or milliseconds.
    const ms = value > 1e12 ? value : value * 1000;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  const text = String(value).trim();
  if (plainUtc(text)) return `${text.slice(0, 10)}T${text.slice(11)}Z`;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (m) {
    const d = new Date(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
    if (!Number.isNaN(d.getTime())) return d.toISOString().replace('.000Z', 'Z');
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`;
  return text;
}

/** Later of two ISO timestamps (either may be null). */
export function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

export function daysBetween(earlierIso: string, now: Date): number {
  const t = Date.parse(earlierIso);
  return Number.isNaN(t) ? 0 : (now.getTime() - t) / 86_400_000;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const PLAIN_UTC = /^\d{4}-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * "2026-11-28 03:04:05", SQLite's CURRENT_TIMESTAMP (UTC), the form of nearly every timestamp the bots
 * write, with every field in range: its ISO form is a matter of two characters, where the general path
 * parses it into a Date and formats it again (a few microseconds, three times per chat in a scan).
 */
function plainUtc(text: string): boolean {
  const m = PLAIN_UTC.exec(text);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  const year = Number(text.slice(0, 4));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  return (
    days !== undefined &&
    day >= 1 &&
    day <= days &&
    Number(m[3]) < 24 &&
    Number(m[4]) < 60 &&
    Number(m[5]) < 60
  );
}
