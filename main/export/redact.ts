// Masking of personal data in exports (export --redact, a subject's bundle): e-mail addresses, CPFs and
// CNPJs (only with valid check digits, punctuated or not), CEPs, phone numbers (+55 in every written form,
// and other countries'), the chat's own names (accents and case aside: "Joao" masks "João") and capitalised
// common Brazilian first names. What is an identifier is decided by shared/identity (the same rules the
// subject search uses). Replacements are visible tokens ([cpf], [phone], [name], …) so a reader knows
// something was there.

import {
  findIdentifiers,
  foldForSearch,
  foldWithOrigin,
  type TextIdentifierKind,
} from '../../shared/identity/index.ts';

export const MASK = {
  phone: '[phone]',
  email: '[email]',
  name: '[name]',
  cpf: '[cpf]',
  cnpj: '[cnpj]',
  cep: '[cep]',
} as const satisfies Record<TextIdentifierKind | 'name', string>;

/** Common Brazilian first names (IBGE's most frequent), matched only when capitalised as a name. */
export const COMMON_BR_FIRST_NAMES: readonly string[] = [
  'Maria',
  'José',
  'Ana',
  'João',
  'Antônio',
  'Antonio',
  'Francisco',
  'Carlos',
  'Paulo',
  'Pedro',
  'Lucas',
  'Luiz',
  'Luis',
  'Marcos',
  'Luís',
  'Gabriel',
  'Rafael',
  'Daniel',
  'Marcelo',
  'Bruno',
  'Eduardo',
  'Felipe',
  'Raimundo',
  'Rodrigo',
  'Manoel',
  'Mateus',
  'Matheus',
  'André',
  'Fernando',
  'Fábio',
  'Leonardo',
  'Gustavo',
  'Guilherme',
  'Leandro',
  'Tiago',
  'Thiago',
  'Anderson',
  'Ricardo',
  'Márcio',
  'Jorge',
  'Sebastião',
  'Alexandre',
  'Roberto',
  'Edson',
  'Diego',
  'Vitor',
  'Sérgio',
  'Cláudio',
  'Renato',
  'Vinícius',
  'Vinicius',
  'Igor',
  'Caio',
  'Henrique',
  'Arthur',
  'Davi',
  'Heitor',
  'Bernardo',
  'Samuel',
  'Enzo',
  'Lorenzo',
  'Miguel',
  'Murilo',
  'Otávio',
  'Wesley',
  'Adriana',
  'Juliana',
  'Márcia',
  'Fernanda',
  'Patrícia',
  'Patricia',
  'Aline',
  'Sandra',
  'Camila',
  'Amanda',
  'Bruna',
  'Jéssica',
  'Jessica',
  'Letícia',
  'Leticia',
  'Júlia',
  'Julia',
  'Luciana',
  'Vanessa',
  'Mariana',
  'Gabriela',
  'Vera',
  'Vitória',
  'Larissa',
  'Cláudia',
  'Beatriz',
  'Rita',
  'Luana',
  'Sônia',
  'Renata',
  'Eliane',
  'Carolina',
  'Cristiane',
  'Simone',
  'Daniela',
  'Débora',
  'Raquel',
  'Priscila',
  'Natália',
  'Tatiane',
  'Rafaela',
  'Isabela',
  'Isabella',
  'Sofia',
  'Helena',
  'Valentina',
  'Manuela',
  'Heloísa',
  'Lorena',
  'Lívia',
  'Yasmin',
  'Roberta',
  'Bianca',
  'Carla',
  'Fabiana',
  'Michele',
  'Kelly',
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface RedactorOptions {
  /** The chat's own names: first name, last name, username (matched case-insensitively). */
  names?: (string | null | undefined)[];
  /** Also mask capitalised common Brazilian first names (default true). */
  commonNames?: boolean;
}

export type Redact = (text: string) => string;

interface Span {
  start: number;
  end: number;
  token: string;
}

const NOT_ASCII = /[^\t\n\r -~]/;

/** The spans of `pattern` matched in the folded text, as offsets of the original. */
function foldedSpans(
  original: string,
  { folded, origin }: { folded: string; origin: number[] | null },
  pattern: RegExp,
  keep?: (written: string) => boolean,
): Span[] {
  const spans: Span[] = [];
  for (const match of folded.matchAll(pattern)) {
    const start = origin ? origin[match.index]! : match.index;
    const end = origin ? origin[match.index + match[0].length]! : match.index + match[0].length;
    if (end > start && (!keep || keep(original.slice(start, end))))
      spans.push({ start, end, token: MASK.name });
  }
  return spans;
}

/** An alternation of folded words, longest first, matched whole (no letter, digit or _ either side). */
function wordsPattern(words: Iterable<string>, prefix: string): RegExp | null {
  const sorted = [...new Set(words)]
    .sort((a, b) => b.length - a.length)
    .map((word) => escapeRegExp(word).replace(/ /g, '\\s+'));
  return sorted.length ? new RegExp(`${prefix}(?:${sorted.join('|')})(?![\\p{L}\\p{N}_])`, 'gu') : null;
}

/** A first name after São, Santo or Santa is a place (São Paulo, Santo André, Santa Maria), not a person. */
const NOT_A_SAINT = '(?<!\\b(?:sao|santo|santa|sto\\.|sta\\.) )';

/** Written as a name: a capital first letter, not all in capitals ("Maria", not "maria" nor "MARIA"). */
function capitalised(word: string): boolean {
  const first = word.charAt(0);
  return first !== first.toLowerCase() && word !== word.toUpperCase();
}

export function createRedactor(options: RedactorOptions = {}): Redact {
  const own = new Set<string>();
  for (const raw of options.names ?? []) {
    if (!raw) continue;
    const clean = foldForSearch(raw.replace(/^@/, ''));
    if (clean.length >= 2) own.add(clean);
    // A full name also masks its parts ("Ana Souza" → "Ana", "Souza").
    for (const part of clean.split(' ')) if (part.length >= 3) own.add(part);
  }
  // Compared folded, so "Joao", "JOÃO" and "joão" are the chat's "João"; an @ in front goes with the name.
  const ownRe = wordsPattern(own, '(?<![\\p{L}\\p{N}_@])@?');
  const commonRe =
    options.commonNames === false
      ? null
      : wordsPattern(COMMON_BR_FIRST_NAMES.map(foldForSearch), `(?<![\\p{L}\\p{N}_])${NOT_A_SAINT}`);
  return (text: string): string => {
    if (!text) return text;
    const spans: Span[] = findIdentifiers(text).map((f) => ({
      start: f.start,
      end: f.end,
      token: MASK[f.kind],
    }));
    if (ownRe || commonRe) {
      // Printable ASCII folds to its lower case, offset for offset (most English messages): no map needed.
      const folded = !NOT_ASCII.test(text)
        ? { folded: text.toLowerCase(), origin: null }
        : foldWithOrigin(text);
      if (ownRe) spans.push(...foldedSpans(text, folded, ownRe));
      if (commonRe) spans.push(...foldedSpans(text, folded, commonRe, capitalised));
    }
    if (spans.length === 0) return text;
    // Identifiers first (an address holding a name is an address), then names where nothing else is.
    const chosen: Span[] = [];
    for (const span of spans)
      if (chosen.every((c) => span.end <= c.start || span.start >= c.end)) chosen.push(span);
    chosen.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const span of chosen) {
      out += text.slice(at, span.start) + span.token;
      at = span.end;
    }
    return out + text.slice(at);
  };
}

/** Applies a redactor to every string inside a JSON-like value (corrections, vocabulary, context). */
export function redactDeep(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out;
  }
  return value;
}
