import { describe, expect, it } from 'vitest';
import { dayChartSeries, inWindow, windowOf } from './window.ts';

const now = Date.parse('2026-11-27T10:00:00Z');

describe('the dashboard date window', () => {
  it('defaults to the last N days up to today, or everything, or custom dates', () => {
    expect(windowOf('90', { from: null, to: null }, now)).toEqual({ from: '2026-08-30', to: '2026-11-27' });
    expect(windowOf('all', { from: null, to: null }, now)).toEqual({ from: null, to: null });
    expect(windowOf('custom', { from: '2025-01-01', to: null }, now)).toEqual({
      from: '2025-01-01',
      to: null,
    });
  });

  it('keeps only the days inside it', () => {
    const series = ['2025-12-30', '2026-01-02', '2026-11-27', '2062-03-01'].map((day) => ({ day, count: 1 }));
    const w = { from: '2025-12-31', to: '2026-11-27' };
    expect(inWindow(series, w).map((d) => d.day)).toEqual(['2026-01-02', '2026-11-27']);
  });

  it('draws the three day charts over the whole window: up to today, every day, 0 where nothing happened', () => {
    const today = Date.parse('2026-12-07T10:00:00Z');
    const metrics = {
      // New users stopped on 22 Oct; messages went on until 5 Dec.
      newUsersPerDay: [
        { day: '2026-10-20', count: 2 },
        { day: '2026-10-22', count: 1 },
      ],
      activeUsersPerDay: [{ day: '2026-12-05', count: 3 }],
      messagesPerDay: [
        { day: '2026-06-01', count: 50 },
        { day: '2026-12-05', count: 40 },
      ],
    };
    const ninety = dayChartSeries(metrics, windowOf('90', { from: null, to: null }, today), today);
    expect(ninety.range).toEqual({ from: '2026-09-09', to: '2026-12-07' });
    for (const s of [ninety.created, ninety.active, ninety.messages]) {
      expect(s).toHaveLength(90);
      expect(s[0]!.day).toBe('2026-09-09');
      expect(s.at(-1)!.day).toBe('2026-12-07');
    }
    expect(ninety.created.reduce((n, d) => n + d.count, 0)).toBe(3);
    expect(ninety.messages.reduce((n, d) => n + d.count, 0)).toBe(40); // June is outside the window
    // Everything: from the root's first day to today.
    const all = dayChartSeries(metrics, windowOf('all', { from: null, to: null }, today), today);
    expect(all.range).toEqual({ from: '2026-06-01', to: '2026-12-07' });
    expect(all.created[0]).toEqual({ day: '2026-06-01', count: 0 });
    // A root with nothing to draw.
    const none = { newUsersPerDay: [], activeUsersPerDay: [], messagesPerDay: [] };
    expect(dayChartSeries(none, windowOf('all', { from: null, to: null }, today), today).range).toBeNull();
  });
});
