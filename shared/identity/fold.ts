// Text as people compare it: accents and case do not matter ("Joao" finds "João", "JOSÉ" finds "José"),
// runs of white space are one space. One fold for names, the ordinary `search` and the subject search, so
// what one finds the other finds too.

const COMBINING_MARK = /\p{M}/gu;
const SPACE_RUN = /\s+/gu;
/** Typographic apostrophes written in names (D’Ávila, O‘Neill) compare as the plain one. */
const APOSTROPHES = /[\u2018\u2019\u02bc\u00b4]/gu;
/** Lower-casing a whole word writes a Greek final sigma as ς, one letter at a time as σ: both compare as σ. */
const FINAL_SIGMA = /ς/gu;

const SPACE = /\s/u;

function isSpace(char: string): boolean {
  const code = char.charCodeAt(0);
  if (code < 0x80) return code === 32 || (code >= 9 && code <= 13);
  return SPACE.test(char);
}

/** One code point folded: decomposed (NFD), combining marks dropped, lower case. */
function foldCodePoint(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : char;
  return char
    .normalize('NFD')
    .replace(COMBINING_MARK, '')
    .replace(APOSTROPHES, "'")
    .toLowerCase()
    .replace(FINAL_SIGMA, 'σ');
}

/**
 * A text folded for comparison: accents dropped (NFD, combining marks removed), lower case, typographic
 * apostrophes as `'`, white space collapsed to single spaces and trimmed. `foldForSearch(query)` is a
 * substring of `foldForSearch(text)` exactly when the ordinary search finds the query in the text.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(COMBINING_MARK, '')
    .replace(APOSTROPHES, "'")
    .toLowerCase()
    .replace(FINAL_SIGMA, 'σ')
    .replace(SPACE_RUN, ' ')
    .trim();
}

/** A folded text and, for each of its UTF-16 units, the index in the original text it came from. */
export interface FoldedText {
  folded: string;
  /** `origin[i]` is where `folded[i]` starts in the original; `origin[folded.length]` is its length. */
  origin: number[];
}

/**
 * `foldForSearch` that remembers where each folded unit came from, so a match found in the folded text
 * is marked (highlighted, masked) in the original: `original.slice(origin[start], origin[end])`. White
 * space is collapsed but not trimmed, so offsets stay meaningful at both ends.
 */
export function foldWithOrigin(text: string): FoldedText {
  const pieces: string[] = [];
  const origin: number[] = [];
  let inSpace = false;
  for (let at = 0; at < text.length;) {
    const code = text.codePointAt(at)!;
    const width = code > 0xffff ? 2 : 1;
    if (code < 0x80 ? code === 32 || (code >= 9 && code <= 13) : isSpace(String.fromCodePoint(code))) {
      if (!inSpace) {
        pieces.push(' ');
        origin.push(at);
      }
      inSpace = true;
    } else {
      const piece =
        code < 0x80
          ? code >= 65 && code <= 90
            ? String.fromCharCode(code + 32)
            : text[at]!
          : foldedCodePoint(code);
      // A lone combining mark folds to nothing and does not end a run of spaces.
      if (piece !== '') inSpace = false;
      pieces.push(piece);
      for (let i = 0; i < piece.length; i++) origin.push(at);
    }
    at += width;
  }
  origin.push(text.length);
  return { folded: pieces.join(''), origin };
}

/** Folded code points met so far (a text's accented letters are few; each is folded once). */
const FOLDED = new Map<number, string>();

function foldedCodePoint(code: number): string {
  let folded = FOLDED.get(code);
  if (folded === undefined) {
    folded = foldCodePoint(String.fromCodePoint(code));
    if (FOLDED.size < 4096) FOLDED.set(code, folded);
  }
  return folded;
}

/** Where `needle` occurs in `text`, compared folded; spans are offsets in the original text. */
export function findFolded(text: string, needle: string): { start: number; end: number }[] {
  const query = foldForSearch(needle);
  if (!query) return [];
  const { folded, origin } = foldWithOrigin(text);
  const spans: { start: number; end: number }[] = [];
  for (let i = folded.indexOf(query); i !== -1; i = folded.indexOf(query, i + query.length))
    spans.push({ start: origin[i]!, end: origin[i + query.length]! });
  return spans;
}

/**
 * A person's name folded: `foldForSearch`, with the punctuation between parts (hyphens, dots, commas)
 * taken as spaces ("Ana-Clara" and "Ana Clara" are the same name), the apostrophe of "D'Ávila" kept.
 */
export function foldName(name: string): string {
  return foldForSearch(name.replace(/[^\p{L}\p{M}\p{N}'\u2018\u2019\u02bc\s]+/gu, ' '));
}

/** The parts of a name as compared: folded words, in order ("Maria  da Conceição" → maria, da, conceicao). */
export function nameParts(name: string): string[] {
  return foldName(name)
    .split(' ')
    .filter((part) => part.length > 0);
}

/**
 * Whether a name a person typed finds a stored name: every part of the query is a part of the name, in
 * any order, accents and case aside — "Joao" finds "João Pedro Souza", "souza joão" finds it too, "Jo"
 * does not (whole parts only, so a first name does not find every name containing its letters).
 */
export function nameMatches(query: string, name: string): boolean {
  const wanted = nameParts(query);
  if (wanted.length === 0) return false;
  const have = new Set(nameParts(name));
  return wanted.every((part) => have.has(part));
}
