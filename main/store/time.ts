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
