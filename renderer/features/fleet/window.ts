import { axisRange, fillRange, type DayRange } from '../../components/series.ts';

/** The dashboard's date window: a preset of the last N days (up to today), everything, or custom dates. */
export type WindowPreset = '30' | '90' | '365' | 'all' | 'custom';
export const WINDOW_PRESETS: WindowPreset[] = ['30', '90', '365', 'all', 'custom'];

export interface DateWindow {
  /** Inclusive YYYY-MM-DD bounds; null for open. */
  from: string | null;
  to: string | null;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function windowOf(preset: WindowPreset, custom: DateWindow, now: number): DateWindow {
  if (preset === 'all') return { from: null, to: null };
  if (preset === 'custom') return custom;
  return { from: isoDay(now - (Number(preset) - 1) * DAY_MS), to: isoDay(now) };
}

export function inWindow<T extends { day: string }>(series: readonly T[], w: DateWindow): T[] {
  return series.filter((d) => (w.from === null || d.day >= w.from) && (w.to === null || d.day <= w.to));
}

type DayCount = { day: string; count: number };

/**
 * The dashboard's three day series over the chosen window, on one axis range: from the window's start
 * (or the root's first day) to its end (or today), every day drawn. A day without a row is a true 0:
 * the fleet counts every chat it could read, and no chat had a message or a first message that day.
 */
export function dayChartSeries(
  m: { activeUsersPerDay: DayCount[]; newUsersPerDay: DayCount[]; messagesPerDay: DayCount[] },
  w: DateWindow,
  now: number,
): { range: DayRange | null; active: DayCount[]; created: DayCount[]; messages: DayCount[] } {
  const all = [m.activeUsersPerDay, m.newUsersPerDay, m.messagesPerDay];
  const range = axisRange(
    w,
    all.flatMap((s) => inWindow(s, w).map((d) => d.day)),
    isoDay(now),
  );
  const fill = (s: DayCount[]) => (range ? fillRange(s, range, (day) => ({ day, count: 0 })) : []);
  return {
    range,
    active: fill(m.activeUsersPerDay),
    created: fill(m.newUsersPerDay),
    messages: fill(m.messagesPerDay),
  };
}
