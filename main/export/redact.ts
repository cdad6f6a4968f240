// Masking of personal data in exports: phone numbers (Brazilian and international), e-mail addresses and
// names (the chat's own first/last/username, plus capitalised common Brazilian first names).
// Replacements are visible tokens ([phone], [email], [name]) so a reader knows something was there.

export const MASK = { phone: '[phone]', email: '[email]', name: '[name]' } as const;

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

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;

/**
 * Phone candidates: an optional +country code, an optional (area code), then digits in groups separated by
 * single spaces, dots or hyphens. Validated afterwards so dates, decimals, prices and ids are left alone.
 */
const PHONE =
  /(?<![\p{L}\p{N}+/.,:-])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d+(?:[\s.-]\d+)*(?![\p{L}\p{N}]|[.,:-]\d)/gu;

function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return false;
  if (/^\d{4}-\d{2}-\d{2}/.test(candidate) || /^\d{2}[./-]\d{2}[./-]\d{4}$/.test(candidate)) return false; // dates
  const international = candidate.startsWith('+');
  const areaCode = /\(\d{2,4}\)/.test(candidate);
  const groups = candidate
    .replace(/^\+\s?\d{1,3}[\s.-]?/, '')
    .replace(/\(\d{2,4}\)[\s.-]?/, '')
    .split(/[\s.-]/);
  if (international) return digits.length >= 8;
  if (groups.length === 1 && !areaCode) {
    // A bare digit run: only Brazil's shapes (DDD + 8/9 digits, mobiles start with 9; or 55 + DDD + number).
    return /^[1-9]{2}9?\d{8}$/.test(digits)
      ? digits.length === 10 || digits[2] === '9'
      : /^55[1-9]{2}9?\d{8}$/.test(digits);
  }
  // Grouped: every group but a leading DDD has 2+ digits, and the last one 4 (BR) or 3+ (elsewhere).
  if (groups.some((g, i) => g.length < 2 && i > 0) || (groups[0]?.length ?? 0) < 2) return false;
  const last = groups[groups.length - 1] ?? '';
  return last.length >= 3 && (areaCode || groups.length >= 2);
}

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

export function createRedactor(options: RedactorOptions = {}): Redact {
  const own = new Set<string>();
  for (const raw of options.names ?? []) {
    if (!raw) continue;
    const clean = raw.replace(/^@/, '').trim();
    if (clean.length >= 2) own.add(clean);
    // A full name also masks its parts ("Ana Souza" → "Ana", "Souza").
    for (const part of clean.split(/\s+/)) if (part.length >= 3) own.add(part);
  }
  const sorted = [...own].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const ownRe = sorted.length
    ? new RegExp(`(?<![\\p{L}\\p{N}_@])@?(?:${sorted.join('|')})(?![\\p{L}\\p{N}_])`, 'giu')
    : null;
  const commonRe =
    options.commonNames === false
      ? null
      : new RegExp(
          `(?<![\\p{L}\\p{N}_])(?:${[...COMMON_BR_FIRST_NAMES]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|')})(?![\\p{L}\\p{N}_])`,
          'gu',
        );
  return (text: string): string => {
    if (!text) return text;
    let out = text.replace(EMAIL, MASK.email);
    out = out.replace(PHONE, (m) => (looksLikePhone(m) ? MASK.phone : m));
    if (ownRe) out = out.replace(ownRe, MASK.name);
    if (commonRe) out = out.replace(commonRe, MASK.name);
    return out;
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
