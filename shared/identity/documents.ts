// Brazilian document numbers and e-mail addresses as people write them. A CPF or CNPJ is one only when its
// check digits are right (a random 11-digit number passes about once in a hundred); punctuation is free.

/** Digits of a CPF written with or without its dots and hyphen ("123.456.789-09", "12345678909"). */
const CPF_TEXT = /^\d{3}[.\s]?\d{3}[.\s]?\d{3}[-.\s/]?\d{2}$/;

/** The 11 digits of a valid CPF, or null: wrong shape, wrong check digits, or one digit repeated (000… 999…). */
export function parseCpf(text: string): string | null {
  const trimmed = text.trim();
  if (!CPF_TEXT.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  return isValidCpf(digits) ? digits : null;
}

/** Whether 11 digits are a CPF: the two check digits of the Receita Federal's modulo-11 rule. */
export function isValidCpf(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  const d = [...digits].map(Number);
  const check = (length: number): number => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += d[i]! * (length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return check(9) === d[9] && check(10) === d[10];
}

export function formatCpf(digits: string): string {
  return `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9)}`;
}

/**
 * A CNPJ's 14 characters: numeric ("11.222.333/0001-81") or, since July 2026, alphanumeric — the first 12
 * characters digits or capital letters, the last 2 check digits ("12.ABC.345/01DE-35").
 */
const CNPJ_TEXT = /^[\dA-Z]{2}[.\s]?[\dA-Z]{3}[.\s]?[\dA-Z]{3}[/\s]?[\dA-Z]{4}[-.\s]?\d{2}$/;

/** The 14 characters of a valid CNPJ (capitals, no punctuation), or null. */
export function parseCnpj(text: string): string | null {
  const trimmed = text.trim().toUpperCase();
  if (!CNPJ_TEXT.test(trimmed)) return null;
  const value = trimmed.replace(/[.\s/-]/g, '');
  return isValidCnpj(value) ? value : null;
}

/**
 * Whether 14 characters are a CNPJ: modulo-11 check digits over the first 12 and 13 characters, each
 * character worth its code minus 48 (a digit its value, "A" 17 … "Z" 42: the alphanumeric rule, which is
 * the numeric one for digits). One digit repeated is not a CNPJ.
 */
export function isValidCnpj(value: string): boolean {
  if (!/^[\dA-Z]{12}\d{2}$/.test(value) || /^(\d)\1{13}$/.test(value)) return false;
  const worth = [...value].map((c) => c.charCodeAt(0) - 48);
  const check = (length: number): number => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += worth[i]! * (((length - 1 - i) % 8) + 2);
    const rest = sum % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  return check(12) === worth[12] && check(13) === worth[13];
}

export function formatCnpj(value: string): string {
  return `${value.slice(0, 2)}.${value.slice(2, 5)}.${value.slice(5, 8)}/${value.slice(8, 12)}-${value.slice(12)}`;
}

/** A CEP: "01310-100", "01.310-100", "01310100", each optionally after "CEP" ("CEP: 01310-100"). */
const CEP_TEXT = /^(?:CEP[:\s]*)?(\d{2})\.?(\d{3})[-\s]?(\d{3})$/i;

/** The 8 digits of a postal code (CEP), or null; 00000-000 is none. */
export function parseCep(text: string): string | null {
  const match = CEP_TEXT.exec(text.trim());
  if (!match) return null;
  const digits = `${match[1]}${match[2]}${match[3]}`;
  return digits === '00000000' ? null : digits;
}

export function formatCep(digits: string): string {
  return `${digits.slice(0, 5)}-${digits.slice(5)}`;
}

/** local@domain.tld with letters of any script; the same pattern finds addresses inside a text. */
export const EMAIL_PATTERN = String.raw`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}`;
const EMAIL_TEXT = new RegExp(`^${EMAIL_PATTERN}$`, 'u');

/**
 * An e-mail address as compared: trimmed, "mailto:" and surrounding <> dropped, lower case (the whole
 * address: no provider delivers Ana@ and ana@ to two people). Null when it is not an address.
 */
export function parseEmail(text: string): string | null {
  const clean = text
    .trim()
    .replace(/^mailto:/i, '')
    .replace(/^<(.*)>$/, '$1')
    .trim();
  return EMAIL_TEXT.test(clean) ? clean.toLowerCase() : null;
}
