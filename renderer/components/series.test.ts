import { describe, expect, it } from 'vitest';
import { bucketFor, bucketize, bucketStart, fillDays, spanDays } from './series.ts';

describe('fillDays', () => {
  it('fills the quiet days between the first and the last with zeros, in order', () => {
    const filled = fillDays(
      [
        { day: '2025-03-03', count: 2 },
        { day: '2025-02-27', count: 5 },
      ],
      (day) => ({ day, count: 0 }),
    );
    expect(filled).toEqual([
      { day: '2025-02-27', count: 5 },
      { day: '2025-02-28', count: 0 },
      { day: '2025-03-01', count: 0 },
      { day: '2025-03-02', count: 0 },
      { day: '2025-03-03', count: 2 },
    ]);
  });

  it('leaves very long spans and single points alone', () => {
    const long = [
      { day: '2000-01-01', count: 1 },
      { day: '2020-01-01', count: 1 },
    ];
    expect(fillDays(long, (day) => ({ day, count: 0 }))).toEqual(long);
    expect(fillDays([{ day: '2025-01-01', count: 1 }], (day) => ({ day, count: 0 }))).toHaveLength(1);
  });
});

describe('bucketing by range', () => {
  it('chooses days, weeks or months by the span', () => {
    expect(bucketFor(spanDays('2026-01-01', '2026-03-31'))).toBe('day');
    expect(bucketFor(spanDays('2025-01-01', '2026-06-30'))).toBe('week');
    expect(bucketFor(spanDays('1989-01-01', '2026-06-30'))).toBe('month');
  });

  it('starts weeks on Monday and months on the 1st', () => {
    expect(bucketStart('2026-11-27', 'week')).toBe('2026-11-23'); // a Friday → its Monday
    expect(bucketStart('2026-11-23', 'week')).toBe('2026-11-23');
    expect(bucketStart('2026-11-27', 'month')).toBe('2026-11-01');
  });

  it('sums into buckets, keeps the totals, and draws quiet months as zero', () => {
    const days = [
      { day: '2026-01-05', user: 2, bot: 3 },
      { day: '2026-01-20', user: 1, bot: 1 },
      { day: '2026-04-02', user: 4, bot: 0 },
    ];
    const months = bucketize(days, ['user', 'bot'], 'month');
    expect(months.map((m) => m.day)).toEqual(['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01']);
    expect(months[0]).toEqual({ day: '2026-01-01', user: 3, bot: 4 });
    expect(months[1]).toEqual({ day: '2026-02-01', user: 0, bot: 0 });
    const total = (rows: { user: number; bot: number }[]) => rows.reduce((n, r) => n + r.user + r.bot, 0);
    expect(total(months)).toBe(total(days));
    expect(total(bucketize(days, ['user', 'bot'], 'week'))).toBe(total(days));
  });
});
