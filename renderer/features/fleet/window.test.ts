import { describe, expect, it } from 'vitest';
import { inWindow, spansYears, windowOf } from './window.ts';

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

  it('keeps only the days inside it, and says when the axis needs years', () => {
    const series = ['2025-12-30', '2026-01-02', '2026-11-27', '2062-03-01'].map((day) => ({ day, count: 1 }));
    const w = { from: '2025-12-31', to: '2026-11-27' };
    expect(inWindow(series, w).map((d) => d.day)).toEqual(['2026-01-02', '2026-11-27']);
    expect(spansYears(inWindow(series, w))).toBe(false);
    expect(spansYears(series)).toBe(true);
  });
});
