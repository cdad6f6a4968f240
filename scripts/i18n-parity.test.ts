import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlertKind } from '../shared/contract/maintenance.ts';
import { FindingCode } from '../shared/domain.ts';

// Every translation file pair of the renderer (the app's and each feature's i18n folder): the same keys
// in English and Brazilian Portuguese, no empty text, and the same {{placeholders}} in both.

const RENDERER = join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer');

function englishFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...englishFiles(path));
    else if (name === 'en.json') out.push(path);
  }
  return out;
}

function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, String(value));
  return out;
}

/** i18next plural forms: pt-BR and en both use _one / _other; "_many" etc. would still have to match. */
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]).sort();

const pairs = englishFiles(RENDERER).map((en) => ({
  name: relative(RENDERER, dirname(en)),
  en: flatten(JSON.parse(readFileSync(en, 'utf8'))),
  pt: flatten(JSON.parse(readFileSync(join(dirname(en), 'pt-BR.json'), 'utf8'))),
}));

describe('translations', () => {
  it('finds the app strings and every feature that has its own', () => {
    expect(pairs.map((p) => p.name)).toEqual(expect.arrayContaining(['i18n', 'features/integrity/i18n']));
  });

  for (const pair of pairs) {
    it(`${pair.name}: the same keys in en and pt-BR`, () => {
      const missingInPt = [...pair.en.keys()].filter((k) => !pair.pt.has(k));
      const missingInEn = [...pair.pt.keys()].filter((k) => !pair.en.has(k));
      expect({ missingInPt, missingInEn }).toEqual({ missingInPt: [], missingInEn: [] });
    });

    it(`${pair.name}: no empty text, the same placeholders in both`, () => {
      const problems: string[] = [];
      for (const [key, en] of pair.en) {
        const pt = pair.pt.get(key);
        if (pt === undefined) continue;
        if (!en.trim() || !pt.trim()) problems.push(`${key}: empty`);
        if (placeholders(en).join() !== placeholders(pt).join())
          problems.push(`${key}: {{${placeholders(en).join(',')}}} vs {{${placeholders(pt).join(',')}}}`);
      }
      expect(problems).toEqual([]);
    });
  }
});

// Keys built from a code at run time (`code.${f.code}`) are not seen by a search for literal keys: each
// code main/ can send must have its entry, or the screen shows the raw key (`advice.clock_skew` did).
describe('keys built from codes', () => {
  const pair = (name: string) => pairs.find((p) => p.name === name)!;
  const app = pair('i18n');
  const words = [
    ...FindingCode.options.map((c) => ({ in: pair('features/integrity/i18n'), key: `code.${c}` })),
    ...AlertKind.options.map((k) => ({ in: pair('features/maintenance/i18n'), key: `alerts.kind_${k}` })),
    ...['health', 'db_large', 'inactive'].map((k) => ({ in: app, key: `fleet.kind.${k}` })),
    ...['link', 'not_a_folder', 'bad_name', 'hidden'].map((k) => ({ in: app, key: `skippedEntry.${k}` })),
    ...['symlink', 'directory', 'fifo', 'socket', 'device', 'other'].map((k) => ({
      in: app,
      key: `finding.entryKind.${k}`,
    })),
  ];
  /** A key or its plural forms. */
  const has = (map: Map<string, string>, key: string) =>
    map.has(key) || (map.has(`${key}_one`) && map.has(`${key}_other`));

  it('every finding code, alert kind, fleet alert kind and skipped entry code has its words in both languages', () => {
    const missing = words.filter((w) => !has(w.in.en, w.key) || !has(w.in.pt, w.key)).map((w) => w.key);
    expect(missing).toEqual([]);
  });

  it('every finding code has its sentence (renderer/i18n/findings.ts words them all)', () => {
    const missing = FindingCode.options.filter(
      (c) => !has(app.en, `finding.${c}`) || !has(app.pt, `finding.${c}`),
    );
    expect(missing).toEqual([]);
  });

  it('no "(s)" plural: counts use i18next plural forms', () => {
    const bad = pairs.flatMap((p) =>
      [...p.en, ...p.pt].filter(([, text]) => /\w\(s\)/.test(text)).map(([key]) => `${p.name}: ${key}`),
    );
    expect(bad).toEqual([]);
  });
});
