import { describe, expect, it } from 'vitest';
import { toIso } from './time.ts';

/** The general path alone: parse into a Date, format it again (what toIso did for every timestamp). */
function byDate(text: string): string | null {
  const d = new Date(`${text.slice(0, 10)}T${text.slice(11)}Z`);
  return Number.isNaN(d.getTime()) ? text : d.toISOString().replace('.000Z', 'Z');
}

describe('toIso', () => {
  it('turns SQLite CURRENT_TIMESTAMP text into the same ISO form the Date round trip gives', () => {
    expect(toIso('2026-11-28 03:04:05')).toBe('2026-11-28T03:04:05Z');
    expect(toIso('2024-02-29 23:59:59')).toBe('2024-02-29T23:59:59Z');
  });

  it('agrees with the Date round trip on every edge of the calendar and the clock', () => {
    const years = ['0000', '1900', '1999', '2000', '2023', '2024', '2100', '9999'];
    const months = ['00', '01', '02', '04', '12', '13'];
    const days = ['00', '01', '28', '29', '30', '31', '32'];
    const times = ['00:00:00', '23:59:59', '24:00:00', '12:60:00', '12:00:60', '99:99:99'];
    let compared = 0;
    for (const y of years)
      for (const m of months)
        for (const d of days)
          for (const t of times) {
            const text = `${y}-${m}-${d} ${t}`;
            expect(toIso(text), text).toBe(byDate(text));
            compared++;
          }
    expect(compared).toBe(years.length * months.length * days.length * times.length);
  });

  it('leaves other forms to the general path', () => {
    expect(toIso('2026-11-28T03:04:05.250Z')).toBe('2026-11-28T03:04:05.250Z');
    expect(toIso('2026-11-28 03:04')).toBe('2026-11-28T03:04:00Z');
    expect(toIso('2026-11-28 03:04:05+02:00')).toBe('2026-11-28T01:04:05Z');
    expect(toIso('2026-11-28')).toBe('2026-11-28T00:00:00Z');
    expect(toIso('yesterday')).toBe('yesterday');
    expect(toIso(1_700_000_000)).toBe('2023-11-14T22:13:20.000Z');
    expect(toIso('')).toBeNull();
  });
});
