import { describe, expect, it } from 'vitest';
import {
  addDays,
  axisRange,
  bucketFor,
  bucketize,
  bucketStart,
  fillRange,
  lastDaysRange,
  spanDays,
} from './series.ts';

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

describe('a chart axis spans the chosen range', () => {
  const zero = (day: string) => ({ day, count: 0 });

  it("takes the window's bounds; an open start is the first day with data, an open end today", () => {
    const days = ['2026-10-01', '2026-10-22'];
    expect(axisRange({ from: '2026-09-09', to: '2026-12-07' }, days, '2026-12-07')).toEqual({
      from: '2026-09-09',
      to: '2026-12-07',
    });
    expect(axisRange({ from: null, to: null }, days, '2026-12-07')).toEqual({
      from: '2026-10-01',
      to: '2026-12-07',
    });
    expect(axisRange({ from: null, to: null }, [], '2026-12-07')).toBeNull();
    expect(axisRange({ from: '2026-12-08', to: '2026-12-07' }, days, '2026-12-07')).toBeNull();
  });

  it('draws every day of the range: the data where there is some, zero between and after it', () => {
    // New users last seen on 22 Oct in a window that runs to 7 Dec: the axis still ends on 7 Dec.
    const filled = fillRange(
      [
        { day: '2026-10-22', count: 2 },
        { day: '2026-10-20', count: 1 },
        { day: '2026-09-01', count: 9 }, // before the window: left out
      ],
      { from: '2026-10-20', to: '2026-12-07' },
      zero,
    );
    expect(filled[0]).toEqual({ day: '2026-10-20', count: 1 });
    expect(filled[1]).toEqual({ day: '2026-10-21', count: 0 });
    expect(filled[2]).toEqual({ day: '2026-10-22', count: 2 });
    expect(filled.at(-1)).toEqual({ day: '2026-12-07', count: 0 });
    expect(filled).toHaveLength(spanDays('2026-10-20', '2026-12-07'));
    expect(filled.reduce((n, d) => n + d.count, 0)).toBe(3);
  });

  it('keeps a very long range to its data with a zero at each end, so the axis still spans it', () => {
    const filled = fillRange(
      [{ day: '2010-06-01', count: 4 }],
      { from: '2000-01-01', to: '2026-12-07' },
      zero,
    );
    expect(filled).toEqual([zero('2000-01-01'), { day: '2010-06-01', count: 4 }, zero('2026-12-07')]);
  });

  it("counts a chat's window back from its last day, across months and years", () => {
    const series = [{ day: '2026-01-10' }, { day: '2025-11-02' }];
    expect(lastDaysRange(series, 30)).toEqual({ from: '2025-12-12', to: '2026-01-10' });
    expect(lastDaysRange(series, null)).toEqual({ from: '2025-11-02', to: '2026-01-10' });
    expect(lastDaysRange([], 30)).toBeNull();
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
  });
});
