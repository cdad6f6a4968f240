// Personal identifiers inside a free text (a message, a title, a note): e-mail addresses, CPFs and CNPJs
// with valid check digits, CEPs, and telephone numbers. Used to mask them (export --redact, a subject's
// bundle) and to find a person mentioned in messages. Built to leave alone what only looks like one: dates,
// times, amounts ("R$ 1.234.567,89"), decimals, versions, ids and timestamps.

import { EMAIL_PATTERN, isValidCnpj, isValidCpf, parseEmail } from './documents.ts';
import { parsePhone, type Phone } from './phone.ts';

export type TextIdentifierKind = 'email' | 'cpf' | 'cnpj' | 'cep' | 'phone';

export interface FoundIdentifier {
  kind: TextIdentifierKind;
  /** Offsets in the text: `text.slice(start, end)` is what was written. */
  start: number;
  end: number;
  /** Compared form: the address in lower case, the digits of a CPF/CEP, the 14 characters of a CNPJ. */
  value: string;
  /** The parsed number, for a phone. */
  phone?: Phone;
}

// A candidate starts where no letter, digit or underscore is just before it, nor a digit and a separator
// (so "1.123.456.789-09" is not read from its second character); it ends likewise.
const BEFORE = String.raw`(?<![\p{L}\p{N}_])(?<!\d[.,/-])`;
const AFTER = String.raw`(?![\p{L}\p{N}_])(?![.,/-]\d)`;

const EMAIL = new RegExp(EMAIL_PATTERN, 'gu');
const CPF = new RegExp(String.raw`${BEFORE}\d{3}\.?\d{3}\.?\d{3}-?\d{2}${AFTER}`, 'gu');
/** Numeric or alphanumeric (capital letters) CNPJ, punctuated or not. */
const CNPJ = new RegExp(
  String.raw`${BEFORE}[\dA-Z]{2}\.?[\dA-Z]{3}\.?[\dA-Z]{3}\/?[\dA-Z]{4}-?\d{2}${AFTER}`,
  'gu',
);
/** 01310-100 and 01.310-100 anywhere; 8 bare digits only after the word CEP. */
const CEP_PUNCTUATED = new RegExp(String.raw`${BEFORE}\d{2}\.?\d{3}-\d{3}${AFTER}`, 'gu');
const CEP_LABELLED = new RegExp(String.raw`(?<=\bCEP[\s:.]{0,3})\d{8}${AFTER}`, 'giu');

/**
 * Telephone candidates: an optional + and country code, an optional (area code) or (0xx), then digits in
 * groups separated by single spaces, dots or hyphens. A number may follow a slash (wa.me/5511987654321).
 */
const PHONE = new RegExp(
  String.raw`(?<![\p{L}\p{N}_+.,:-])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\s?\d{2,4}\s?\)\s?[.-]?)?\d+(?:[\s.-]\d+)*(?![\p{L}\p{N}_]|[.,:/-]\d)`,
  'gu',
);

/** Words after which a bare 8 or 9 digit run is a phone number ("cel 987654321", "zap: 98765432"). */
const PHONE_LABEL =
  /(?:\b(?:tel|telefone|fone|cel|celular|whats|whatsapp|zap|contato|ligar|liga|ligue|n[uú]mero|phone|mobile|call)\b)[\s.:]*$/iu;
/** Words after which a bare digit run is an id or a time, never a phone ("id 1134567890", "ts 1723456789"). */
const ID_LABEL =
  /(?:#|\b(?:id|ids|ts|timestamp|epoch|unix|pedido|order|protocolo|ref|c[oó]digo|code|n[º°]|nr|nf|nota|boleto|conta|ag[eê]ncia|rg|cnh|matr[ií]cula)\b)[\s.:=#-]*$/iu;

function bareDigits(candidate: string): boolean {
  return /^\d+$/.test(candidate);
}

/** A telephone candidate at `start` of `text` read as a number, or null (dates, ids, amounts, …). */
function readPhone(text: string, start: number, candidate: string): Phone | null {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return null;
  if (/^\d{4}-\d{2}-\d{2}/.test(candidate) || /^\d{2}[.-]\d{2}[.-]\d{4}$/.test(candidate)) return null; // dates
  const before = text.slice(Math.max(0, start - 24), start);
  if (bareDigits(candidate)) {
    if (ID_LABEL.test(before)) return null;
    const phone = parsePhone(candidate);
    if (!phone || phone.kind !== 'br') return null;
    // A bare run: DDD + mobile, a number with 55 or the trunk 0, or a landline's DDD + 8 digits (starting
    // 2–5: an 8-digit run starting 6–9 with a DDD in front is as likely an id or a timestamp). Without
    // an area code (8 or 9 digits, like most ids) only after a word saying it is a phone.
    if (phone.areaCode === null) return PHONE_LABEL.test(before) ? phone : null;
    if (digits.length === 10) return /^[2-5]/.test(phone.subscriber) ? phone : null;
    return phone;
  }
  const phone = parsePhone(candidate);
  if (phone && phone.kind === 'br') return groupedLikeBrazil(candidate) ? phone : null;
  if (phone && phone.kind === 'intl') return groupedLikeAPhone(candidate, true) ? phone : null;
  // Written without a +: another country's number in groups ("415 555 2671"), read on its digits.
  return groupedLikeAPhone(candidate, false) ? { kind: 'intl', digits } : null;
}

/**
 * A Brazilian number ends with its last four digits in a group, or with the whole subscriber number (with
 * or without its area code: "+5511987654321", "+55 11 987654321").
 */
function groupedLikeBrazil(candidate: string): boolean {
  const national = candidate.replace(/^\+\s?55[\s.-]?/, '');
  const last =
    national
      .split(/[\s.()-]+/)
      .filter(Boolean)
      .pop() ?? '';
  return last.length === 4 || (last.length >= 8 && last.length <= 11);
}

/** Groups of 2+ digits (a leading area code aside), the last of 3+, at least two of them or an (area code). */
function groupedLikeAPhone(candidate: string, international: boolean): boolean {
  if (international) return true;
  const areaCode = /\(\s?\d{2,4}\s?\)/.test(candidate);
  const groups = candidate
    .replace(/\(\s?\d{2,4}\s?\)[\s.-]?/, '')
    .split(/[\s.-]/)
    .filter(Boolean);
  if (groups.some((g) => g.length < 2)) return false;
  const last = groups[groups.length - 1] ?? '';
  return last.length >= 3 && (areaCode || groups.length >= 2);
}

function collect(
  text: string,
  pattern: RegExp,
  read: (match: string, start: number) => Omit<FoundIdentifier, 'start' | 'end'> | null,
): FoundIdentifier[] {
  const found: FoundIdentifier[] = [];
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    const item = read(match[0], start);
    if (item) found.push({ ...item, start, end: start + match[0].length });
  }
  return found;
}

function phoneFound(phone: Phone, start: number, end: number): FoundIdentifier {
  const value = phone.kind === 'br' ? `${phone.areaCode ?? ''}${phone.subscriber}` : phone.digits;
  return { kind: 'phone', start, end, value, phone };
}

/**
 * The phone numbers among the candidates. A candidate that is no number as a whole may hold one beside
 * other figures written next to it ("CPF 529.982.247-25 11 98765-4321", "pedido 123 (11) 3456-7890"): its
 * space-separated parts are read again, the longest run of parts that is a number first, left to right.
 */
function phonesIn(text: string): FoundIdentifier[] {
  const found: FoundIdentifier[] = [];
  for (const match of text.matchAll(PHONE)) {
    const start = match.index;
    const whole = readPhone(text, start, match[0]);
    if (whole) {
      found.push(phoneFound(whole, start, start + match[0].length));
      continue;
    }
    const parts = [...match[0].matchAll(/\S+/g)].map((p) => ({
      start: start + p.index,
      end: start + p.index + p[0].length,
    }));
    if (parts.length < 2) continue;
    for (let i = 0; i < parts.length;) {
      let taken = 0;
      for (let j = parts.length - 1; j >= i && !taken; j--) {
        if (i === 0 && j === parts.length - 1) continue; // the whole: read already
        const from = parts[i]!.start;
        const to = parts[j]!.end;
        const phone = readPhone(text, from, text.slice(from, to));
        if (phone) {
          found.push(phoneFound(phone, from, to));
          taken = j - i + 1;
        }
      }
      i += taken || 1;
    }
  }
  return found;
}

/** The order a kind wins when two overlap at the same place and length. */
const PRIORITY: Record<TextIdentifierKind, number> = { email: 0, cnpj: 1, cpf: 2, cep: 3, phone: 4 };

/**
 * Every identifier in `text`, in order, none overlapping: where two candidates overlap the longer one
 * wins (an address holding digits is an address), then the stronger kind (check digits before a phone's
 * shape: an 11-digit run that is a valid CPF is a CPF).
 */
export function findIdentifiers(text: string): FoundIdentifier[] {
  if (!text) return [];
  const hasAt = text.includes('@');
  // Every kind but an address has 8 digits or more: most messages have fewer and are done here.
  if (!hasAt && !atLeastDigits(text, 8)) return [];
  const candidates: FoundIdentifier[] = hasAt
    ? collect(text, EMAIL, (m) => {
        const value = parseEmail(m);
        return value ? { kind: 'email', value } : null;
      })
    : [];
  if (atLeastDigits(text, 8))
    candidates.push(
      ...collect(text, CNPJ, (m) => {
        const value = m.replace(/[./-]/g, '');
        return isValidCnpj(value) ? { kind: 'cnpj', value } : null;
      }),
      ...collect(text, CPF, (m) => {
        const value = m.replace(/\D/g, '');
        return isValidCpf(value) ? { kind: 'cpf', value } : null;
      }),
      ...collect(text, CEP_PUNCTUATED, (m) => ({ kind: 'cep', value: m.replace(/\D/g, '') })),
      ...(/cep/i.test(text)
        ? collect(text, CEP_LABELLED, (m) => (m === '00000000' ? null : { kind: 'cep', value: m }))
        : []),
      ...phonesIn(text),
    );
  if (candidates.length <= 1) return candidates;
  candidates.sort(
    (a, b) => b.end - b.start - (a.end - a.start) || PRIORITY[a.kind] - PRIORITY[b.kind] || a.start - b.start,
  );
  const chosen: FoundIdentifier[] = [];
  for (const candidate of candidates)
    if (chosen.every((c) => candidate.end <= c.start || candidate.start >= c.end)) chosen.push(candidate);
  return chosen.sort((a, b) => a.start - b.start);
}

/** Whether `text` holds at least `count` digits (counted until there are enough). */
function atLeastDigits(text: string, count: number): boolean {
  let seen = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57 && ++seen >= count) return true;
  }
  return false;
}
