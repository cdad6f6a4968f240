// Telephone numbers as people write them. A Brazilian number is +55, a two-digit area code (DDD) and a
// subscriber number: 8 digits for a landline (starting 2–5), 9 for a mobile (a 9 in front of the 8 digits
// mobiles had before 2016). People drop the +55, the area code, the ninth digit, or write the trunk "0"
// (and a carrier code) of a long-distance call; they punctuate with spaces, dots, hyphens and parentheses.
//
// The rule: two Brazilian numbers are the same when their last 8 digits are equal and, when both give an
// area code, the area codes are equal. The ninth digit and the country code never decide: "+55 (11)
// 98765-4321", "11987654321", "987654321", "(11) 8765-4321" and "8765-4321" are one number; "(21)
// 98765-4321" is another than "(11) 98765-4321" but the same as "98765-4321". Other countries' numbers
// (a + and another country code) are compared on all their digits.

/** Every area code (DDD) Anatel assigns. */
const AREA_CODES = new Set(
  (
    '11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55 ' +
    '61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99'
  ).split(' '),
);

export function isAreaCode(digits: string): boolean {
  return AREA_CODES.has(digits);
}

export type Phone =
  | {
      kind: 'br';
      /** The DDD, when the number gave one. */
      areaCode: string | null;
      /** The subscriber number as written: 8 digits, or 9 with the mobile's leading 9. */
      subscriber: string;
      /** Its last 8 digits: what identifies the line with or without the ninth digit. */
      core: string;
    }
  | { kind: 'intl'; /** Country code and number, digits only (no +). */ digits: string };

/** Characters people write inside a number, beside its digits. */
const PHONE_TEXT = /^\+?[\d\s().\-/]+$/;

/** A Brazilian subscriber number: 8 digits not starting 0 or 1, or 9 starting with 9. */
function subscriber(digits: string): boolean {
  return /^[2-9]\d{7}$/.test(digits) || /^9\d{8}$/.test(digits);
}

function brazilian(areaCode: string | null, number: string): Phone | null {
  if (areaCode !== null && !isAreaCode(areaCode)) return null;
  if (!subscriber(number)) return null;
  return { kind: 'br', areaCode, subscriber: number, core: number.slice(-8) };
}

/**
 * A number as a person typed it, or null when it is not one: +55 or not, with or without the area code
 * (also "0 11 …" and "0 21 11 …" with the trunk 0 and a carrier code), with or without the ninth digit,
 * punctuated any way. A + with another country code gives an international number (8 to 15 digits).
 * Letters, an unknown area code or a subscriber number no line has (0800 numbers, 7 digits) are not.
 */
export function parsePhone(text: string): Phone | null {
  const trimmed = text.trim().replace(/^tel:/i, '');
  if (!PHONE_TEXT.test(trimmed)) return null;
  if ((trimmed.match(/\+/g) ?? []).length > 1) return null;
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) {
    if (digits.startsWith('55')) return nationalWithCountry(digits.slice(2));
    return digits.length >= 8 && digits.length <= 15 && !digits.startsWith('0')
      ? { kind: 'intl', digits }
      : null;
  }
  return national(digits);
}

function nationalWithCountry(rest: string): Phone | null {
  if (rest.length === 10 || rest.length === 11) return brazilian(rest.slice(0, 2), rest.slice(2));
  return null;
}

/** Digits without a +: a subscriber number, DDD + number, 0 + DDD + number, 0 + carrier + DDD + number, 55 + DDD + number. */
function national(digits: string): Phone | null {
  switch (digits.length) {
    case 8:
    case 9:
      return brazilian(null, digits);
    case 10: // DDD + 8 digits
    case 11: // DDD + 9 digits, or 0 + DDD + 8 digits
      if (digits.startsWith('0')) return brazilian(digits.slice(1, 3), digits.slice(3));
      return brazilian(digits.slice(0, 2), digits.slice(2));
    case 12: // 55 + DDD + 8 digits, or 0 + DDD + 9 digits
      if (digits.startsWith('55')) return nationalWithCountry(digits.slice(2));
      return digits.startsWith('0') ? brazilian(digits.slice(1, 3), digits.slice(3)) : null;
    case 13: // 55 + DDD + 9 digits, or 0 + carrier + DDD + 8 digits
      if (digits.startsWith('55')) return nationalWithCountry(digits.slice(2));
      return digits.startsWith('0') ? brazilian(digits.slice(3, 5), digits.slice(5)) : null;
    case 14: // 0 + carrier + DDD + 9 digits
      return digits.startsWith('0') ? brazilian(digits.slice(3, 5), digits.slice(5)) : null;
    default:
      return null;
  }
}

/** The canonical way to write a number: "+55 11 98765-4321", "98765-4321", "+44 2079460958". */
export function formatPhone(phone: Phone): string {
  if (phone.kind === 'intl') return `+${phone.digits}`;
  const s = phone.subscriber;
  const local = `${s.slice(0, -4)}-${s.slice(-4)}`;
  return phone.areaCode ? `+55 ${phone.areaCode} ${local}` : local;
}

/**
 * Keys under which a stored number is indexed. A lookup with `phoneQueryKeys(query)` meets one of them
 * exactly when `samePhone(query, stored)`: a number with an area code is found by the same area code or
 * by a query without one; a number without an area code is found by any query with the same last 8 digits.
 */
export function phoneIndexKeys(phone: Phone): string[] {
  if (phone.kind === 'intl') return [`intl:${phone.digits}`];
  return [`br:${phone.areaCode ?? '?'}:${phone.core}`, `br:*:${phone.core}`];
}

/** Keys to look a number up with; see phoneIndexKeys. */
export function phoneQueryKeys(phone: Phone): string[] {
  if (phone.kind === 'intl') return [`intl:${phone.digits}`];
  if (phone.areaCode === null) return [`br:*:${phone.core}`];
  return [`br:${phone.areaCode}:${phone.core}`, `br:?:${phone.core}`];
}

/** The rule above: same last 8 digits, and the same area code when both have one (other countries: all digits). */
export function samePhone(a: Phone, b: Phone): boolean {
  if (a.kind === 'intl' || b.kind === 'intl')
    return a.kind === 'intl' && b.kind === 'intl' && a.digits === b.digits;
  return a.core === b.core && (a.areaCode === null || b.areaCode === null || a.areaCode === b.areaCode);
}
