import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { PROJECT_ROOT } from './server.ts';

// What the walk reads on a screen: the app's own words only. User data (message texts, names, file names,
// SQL, paths) is marked `translate="no"` by the screens (and <code>/<pre>/<kbd>/<samp> are computer text
// by their meaning): it may be in any language, so it is left out.

/**
 * English words that never occur in Portuguese UI text (no "a", "no", "do", "for", "as": those are
 * Portuguese words too). One of them in pt-BR means an English sentence or label leaked.
 */
export const ENGLISH_WORDS = [
  'the', 'is', 'are', 'was', 'were', 'could', 'cannot', 'not', 'with', 'from', 'days', 'day', 'rows', 'row',
  'has', 'have', 'been', 'this', 'that', 'these', 'those', 'of', 'and', 'to', 'into', 'it', 'its', 'be', 'by',
  'which', 'will', 'would', 'should', 'than', 'there', 'your', 'you', 'over', 'outside', 'inactive',
  'missing', 'damaged', 'empty', 'entries', 'entry', 'skipped', 'sessions', 'messages', 'found', 'before',
  'after', 'future', 'timestamps', 'database', 'file', 'charts', 'only', 'when', 'what', 'today', 'read',
  'restore', 'rebuild', 'recover', 'history', 'review', 'archive', 'archiving',
]; // prettier-ignore

/** Last parts of a dotted word that make it a file name, not a translation key. */
const FILE_ENDINGS = new Set(
  'db wal db-wal sqlite sqlite3 json jsonl gz tar tgz zip csv png md txt sql js ts html log bak'.split(' '),
);

function englishFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...englishFiles(path));
    else if (name === 'en.json') out.push(path);
  }
  return out;
}

/** Every group of translation keys ("advice", "chat.tab", "fleet"): a dotted word starting with one is a raw key. */
export function keyGroups(): string[] {
  const groups = new Set<string>();
  const walk = (value: unknown, prefix: string) => {
    if (!value || typeof value !== 'object') return;
    if (prefix) groups.add(prefix);
    for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
  };
  for (const file of englishFiles(join(PROJECT_ROOT, 'renderer')))
    walk(JSON.parse(readFileSync(file, 'utf8')), '');
  return [...groups];
}

export interface WordingProblems {
  rawKeys: string[];
  english: string[];
  plurals: string[];
  clippedChips: string[];
}

/**
 * Reads the page as a person would (visible text, tooltips, accessible names; user data left out) and
 * returns what is wrong with its words, and the chips whose text is cut by their box.
 */
export async function wordingProblems(page: Page, lang: string, groups: string[]): Promise<WordingProblems> {
  return page.evaluate(
    ({ lang, groups, english, fileEndings }) => {
      const userData = '[translate="no"], code, pre, kbd, samp, textarea, script, style, noscript';
      // The language switch names the other language in that language, on purpose (and says so with
      // `lang`). Anything else in English is a leak, even when marked lang="en".
      const skip = (el: Element) => el.closest(userData) !== null || el.closest('.lang-toggle') !== null;
      const texts: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        const text = node.textContent?.trim();
        if (!parent || !text || skip(parent)) continue;
        if (!parent.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
        texts.push(text);
      }
      for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder]')) {
        if (skip(el) || !el.checkVisibility()) continue;
        for (const attr of ['title', 'aria-label', 'placeholder']) {
          const value = el.getAttribute(attr)?.trim();
          if (value) texts.push(value);
        }
      }
      const groupSet = new Set(groups);
      const endings = new Set(fileEndings);
      const words = new Set(english);
      const rawKeys = new Set<string>();
      const found = new Set<string>();
      const plurals = new Set<string>();
      for (const text of texts) {
        for (const m of text.matchAll(/(?<![\w.])[a-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)+(?![\w.])/g)) {
          const parts = m[0].split('.');
          if (endings.has(parts.at(-1)!.toLowerCase())) continue;
          // Under a known group of keys, or shaped like one (a key whose group is missing altogether).
          const known = parts.some((_, i) => i > 0 && groupSet.has(parts.slice(0, i).join('.')));
          const keyLike = parts.every((part) => /^[a-z][a-zA-Z]*(_[a-z]+)*$/.test(part));
          if (known || keyLike) rawKeys.add(m[0]);
        }
        if (
          /\(s\)|\b1 (sessions|rows|chats|messages|entries|days|files|problems|findings|alerts)\b/i.test(text)
        )
          plurals.add(text.slice(0, 120));
        if (/\b1 (sessões|linhas|mensagens|entradas|dias|arquivos|problemas|alertas|achados)\b/i.test(text))
          plurals.add(text.slice(0, 120));
        if (lang === 'pt-BR') {
          // Identifiers (snake_case, --options, file.names) and all-capital words (SQL, acronyms) are not prose.
          const prose = text.replace(/\S*_\S*|[\w-]+\.[A-Za-z][\w.-]*|--[\w-]+/g, ' ');
          const hit = (prose.match(/\p{L}+/gu) ?? []).find(
            (w) => w !== w.toUpperCase() && words.has(w.toLowerCase()),
          );
          if (hit) found.add(`"${hit}" in: ${text.slice(0, 140)}`);
        }
      }
      // A chip cut by a box that hides what overflows it ("Change…" at 1024 px): part of it shows.
      const clippedChips: string[] = [];
      for (const chip of document.body.querySelectorAll<HTMLElement>('.chip')) {
        if (!chip.checkVisibility()) continue;
        const r = chip.getBoundingClientRect();
        let cut = chip.scrollWidth > chip.clientWidth + 1;
        let where = 'its own box';
        // Per axis, only a box that hides what overflows it, up to the first box that scrolls on that axis
        // (scrolled out of view is not cut: the person scrolls to it).
        let scrollsX = false;
        let scrollsY = false;
        for (let box = chip.parentElement; box && !cut; box = box.parentElement) {
          const style = getComputedStyle(box);
          const clipX = !scrollsX && /hidden|clip/.test(style.overflowX);
          const clipY = !scrollsY && /hidden|clip/.test(style.overflowY);
          scrollsX ||= /auto|scroll/.test(style.overflowX);
          scrollsY ||= /auto|scroll/.test(style.overflowY);
          if (!clipX && !clipY) continue;
          const b = box.getBoundingClientRect();
          const shows = r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top;
          const cutX = clipX && (r.left < b.left - 0.5 || r.right > b.right + 0.5);
          const cutY = clipY && (r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5);
          cut = shows && (cutX || cutY);
          where = `${Math.round(b.width)}×${Math.round(b.height)} px .${box.className.split(' ')[0]}`;
        }
        if (cut)
          clippedChips.push(
            `${(chip.textContent ?? '').trim().slice(0, 40)}" (${Math.round(r.width)}×${Math.round(r.height)} px at ${Math.round(r.left)},${Math.round(r.top)}, cut by ${where})`,
          );
      }
      return { rawKeys: [...rawKeys], english: [...found], plurals: [...plurals], clippedChips };
    },
    { lang, groups, english: ENGLISH_WORDS, fileEndings: [...FILE_ENDINGS] },
  );
}
