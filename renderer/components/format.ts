import i18next from 'i18next';

// Formatting follows the UI language (numbers, dates) and the machine's time zone.

const locale = () => (i18next.language === 'pt-BR' ? 'pt-BR' : 'en-GB');

/** The locale dates and numbers are written in (the UI language's). */
export const uiLocale = locale;

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function fmt<T>(key: string, make: () => T): T {
  const k = `${locale()}|${key}`;
  let f = cache.get(k) as T | undefined;
  if (!f) {
    f = make();
    cache.set(k, f as never);
  }
  return f;
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return fmt(
    `n${digits}`,
    () => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }),
  ).format(n);
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '—';
  return fmt(
    'pct',
    () => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }),
  ).format(fraction);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value, unit === 0 ? 0 : value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

function toDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(iso: string | null | undefined): string {
  const d = toDate(iso);
  if (!d) return iso ?? '—';
  return fmt(
    'dt',
    () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }),
  ).format(d);
}

export function formatDate(iso: string | null | undefined): string {
  const d = toDate(iso);
  if (!d) return iso ?? '—';
  return fmt('d', () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' })).format(d);
}

export function formatLongDate(iso: string | null | undefined): string {
  const d = toDate(iso);
  if (!d) return iso ?? '—';
  return fmt(
    'ld',
    () =>
      new Intl.DateTimeFormat(locale(), { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' }),
  ).format(d);
}

export function formatTime(iso: string | null | undefined): string {
  const d = toDate(iso);
  if (!d) return '';
  return fmt('t', () => new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' })).format(d);
}

/** A day key 'YYYY-MM-DD' as a short axis label. */
export function formatDay(day: string): string {
  const d = toDate(`${day}T12:00:00Z`);
  if (!d) return day;
  return fmt(
    'day',
    () => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', timeZone: 'UTC' }),
  ).format(d);
}

/** "22 Nov 2001": a day with its year, for ranges that span years. */
export function formatDayYear(day: string): string {
  const d = toDate(`${day.slice(0, 10)}T12:00:00Z`);
  if (!d) return day;
  return fmt(
    'dayYear',
    () =>
      new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
  ).format(d);
}

/** "Nov 2001": a month bucket. */
export function formatMonth(day: string): string {
  const d = toDate(`${day.slice(0, 7)}-15T12:00:00Z`);
  if (!d) return day;
  return fmt(
    'month',
    () => new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' }),
  ).format(d);
}

export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  const d = toDate(iso);
  if (!d) return '—';
  const rtf = fmt('rel', () => new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', style: 'short' }));
  const seconds = (d.getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(Math.round(seconds), 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 86400 * 60) return rtf.format(Math.round(seconds / 86400), 'day');
  if (abs < 86400 * 730) return rtf.format(Math.round(seconds / (86400 * 30.44)), 'month');
  return rtf.format(Math.round(seconds / (86400 * 365.25)), 'year');
}

/** Seconds as m:ss (voice notes). */
export function formatClock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Seconds with one decimal (response times). */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  return `${formatNumber(seconds, seconds < 10 ? 1 : 0)} s`;
}

export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined || Number.isNaN(minutes)) return '—';
  if (minutes < 60) return `${formatNumber(minutes, minutes < 10 ? 1 : 0)} min`;
  return `${formatNumber(minutes / 60, 1)} h`;
}

export const CEFR_LEVELS = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const;

/** A1..C2 → 1..6 (null when not a CEFR level). */
export function levelNumber(level: string | null | undefined): number | null {
  if (!level) return null;
  const i = CEFR_LEVELS.indexOf(level.trim().toUpperCase() as (typeof CEFR_LEVELS)[number]);
  return i === -1 ? null : i + 1;
}

export function levelName(n: number): string {
  return CEFR_LEVELS[Math.round(n) - 1] ?? '';
}

export function displayName(
  p: { firstName?: string | null; lastName?: string | null; username?: string | null } | null | undefined,
): string | null {
  if (!p) return null;
  const full = [p.firstName, p.lastName].filter(Boolean).join(' ').trim();
  return full || (p.username ? `@${p.username}` : null);
}
