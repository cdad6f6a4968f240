import { describe, expect, it } from 'vitest';
import { fillDays } from './series.ts';

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
