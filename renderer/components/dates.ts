// Day values typed in the UI language's own order (pt-BR and en-GB: dd/mm/yyyy; en-US would be
// mm/dd/yyyy), kept as ISO days (YYYY-MM-DD) everywhere else. A native <input type="date"> follows the
// browser's locale, not the app's language, which is why the fields are text with this parser.

export type DayPart = 'day' | 'month' | 'year';

/** The order of day, month and year in `locale`'s short numeric date. */
export function dayOrder(locale: string): DayPart[] {
  const parts = new Intl.DateTimeFormat(locale, {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: 'UTC',
  }).formatToParts(new Date(Date.UTC(2001, 10, 22)));
  const order = parts
    .map((p) => p.type)
    .filter((type): type is DayPart => type === 'day' || type === 'month' || type === 'year');
  return order.length === 3 ? order : ['day', 'month', 'year'];
}

/** '22/11/2001' (in `locale`'s order) → '2001-11-22'; null when it is not a real day. */
export function parseLocalDay(text: string, locale: string): string | null {
  const pieces = text.trim().split(/[./\-\s]+/);
  if (pieces.length !== 3 || pieces.some((p) => !/^\d+$/.test(p))) return null;
  // An ISO day typed as such is accepted in any language.
  if (pieces[0]!.length === 4) return validDay(+pieces[0]!, +pieces[1]!, +pieces[2]!);
  const order = dayOrder(locale);
  const value: Record<DayPart, number> = { day: 0, month: 0, year: 0 };
  order.forEach((part, i) => (value[part] = Number(pieces[i])));
  if (value.year < 100) value.year += 2000;
  return validDay(value.year, value.month, value.day);
}

function validDay(year: number, month: number, day: number): string | null {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCMonth() !== month - 1) return null;
  return d.toISOString().slice(0, 10);
}

/** '2001-11-22' → '22/11/2001' in `locale`'s order. */
export function formatLocalDay(iso: string, locale: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  const value: Record<DayPart, string> = { year: m[1]!, month: m[2]!, day: m[3]! };
  return dayOrder(locale)
    .map((p) => value[p])
    .join('/');
}
