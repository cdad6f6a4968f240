import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppError } from '../../shared/errors.ts';
import { PlaceAccess } from './places.ts';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-places-'));
  mkdirSync(join(base, 'root', 'chats', 'chat_1'), { recursive: true });
  writeFileSync(join(base, 'root', 'chats', 'chat_1', 'profile.db'), '');
  mkdirSync(join(base, 'other'));
  writeFileSync(join(base, 'other', 'secret.db'), '');
  writeFileSync(join(base, 'single.db'), '');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as AppError).code;
  }
  return 'no error';
};

describe('PlaceAccess', () => {
  it('allows a chosen root and the files inside it', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'root'), 'cli');
    expect(places.requireRoot(join(base, 'root'))).toBe(join(base, 'root'));
    expect(places.requireFile(join(base, 'root', 'chats', 'chat_1', 'profile.db'))).toMatch(/profile\.db$/);
  });

  it('refuses everything else, existing or not, with the same code', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'root'), 'cli');
    expect(codeOf(() => places.requireRoot(join(base, 'other')))).toBe('forbidden_path');
    expect(codeOf(() => places.requireFile(join(base, 'other', 'secret.db')))).toBe('forbidden_path');
    expect(codeOf(() => places.requireFile(join(base, 'root', '..', 'other', 'secret.db')))).toBe(
      'forbidden_path',
    );
    expect(codeOf(() => places.requireRoot('/no/such/place'))).toBe('forbidden_path');
    expect(codeOf(() => places.requireRoot(join(base, 'root', 'chats')))).toBe('forbidden_path');
    expect(codeOf(() => places.requireFile(join(base, 'other', 'missing.db')))).toBe('forbidden_path');
  });

  it('says not_found for a missing file inside a chosen root', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'root'), 'cli');
    expect(codeOf(() => places.requireFile(join(base, 'root', 'chats', 'chat_1', 'gone.db')))).toBe(
      'not_found',
    );
  });

  it('does not follow a symbolic link out of a chosen root', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'root'), 'cli');
    symlinkSync(join(base, 'other', 'secret.db'), join(base, 'root', 'link.db'));
    expect(codeOf(() => places.requireFile(join(base, 'root', 'link.db')))).toBe('forbidden_path');
  });

  it('a chosen file is allowed alone, not its folder', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'single.db'), 'dialog');
    expect(places.requireFile(join(base, 'single.db'))).toBe(join(base, 'single.db'));
    expect(codeOf(() => places.requireRoot(base))).toBe('forbidden_path');
    expect(codeOf(() => places.requireFile(join(base, 'other', 'secret.db')))).toBe('forbidden_path');
  });

  it('writes new files only inside a chosen root', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'root'), 'cli');
    expect(places.requireWritableTarget(join(base, 'root', 'export.json'))).toBe(
      join(base, 'root', 'export.json'),
    );
    expect(codeOf(() => places.requireWritableTarget(join(base, 'other', 'x.json')))).toBe('forbidden_path');
  });

  it('remembers recent places across runs, but not the demo', () => {
    const userDataDir = join(base, 'home');
    const first = new PlaceAccess({ userDataDir });
    first.add(join(base, 'root'), 'dialog');
    first.add(join(base, 'other'), 'demo');
    const second = new PlaceAccess({ userDataDir });
    expect(second.list().map((p) => [p.path, p.source])).toEqual([[join(base, 'root'), 'recent']]);
    expect(second.requireRoot(join(base, 'root'))).toBe(join(base, 'root'));
  });

  it('select only accepts known places', () => {
    const places = new PlaceAccess();
    places.add(join(base, 'root'), 'cli');
    places.add(join(base, 'single.db'), 'dialog');
    expect(places.select(join(base, 'root')).kind).toBe('root');
    expect(places.current?.path).toBe(join(base, 'root'));
    expect(codeOf(() => places.select(join(base, 'other')))).toBe('forbidden_path');
  });
});

describe('the recent list (recent.json, one of Chat Inspector own files)', () => {
  it('a link in its place is not followed: its places are not trusted, its target never written', () => {
    const home = join(base, 'home');
    mkdirSync(home);
    const outside = join(base, 'outside-recent.json');
    const planted = JSON.stringify([
      { path: join(base, 'other'), kind: 'root', label: 'other', source: 'recent' },
    ]);
    writeFileSync(outside, planted);
    symlinkSync(outside, join(home, 'recent.json'));
    const tmpTarget = join(base, 'tmp-target');
    writeFileSync(tmpTarget, 'not yours');
    symlinkSync(tmpTarget, join(home, 'recent.json.tmp'));
    const places = new PlaceAccess({ userDataDir: home });
    expect(places.list()).toEqual([]);
    expect(codeOf(() => places.requireRoot(join(base, 'other')))).toBe('forbidden_path');
    places.add(join(base, 'root'), 'dialog');
    expect(readFileSync(outside, 'utf8')).toBe(planted);
    expect(readFileSync(tmpTarget, 'utf8')).toBe('not yours');
    expect(lstatSync(join(home, 'recent.json')).isFile()).toBe(true);
    expect(new PlaceAccess({ userDataDir: home }).list().map((p) => p.path)).toEqual([join(base, 'root')]);
  });
});
