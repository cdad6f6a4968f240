import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryAt, guardInsideRoot, requireRegularFile } from './entry.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-entry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('entryAt', () => {
  it('names every kind without following links or opening anything', () => {
    writeFileSync(join(dir, 'f'), 'x');
    mkdirSync(join(dir, 'd'));
    symlinkSync(join(dir, 'f'), join(dir, 'l'));
    execFileSync('mkfifo', [join(dir, 'p')]);
    expect(entryAt(join(dir, 'f')).kind).toBe('file');
    expect(entryAt(join(dir, 'd')).kind).toBe('directory');
    expect(entryAt(join(dir, 'l')).kind).toBe('symlink');
    expect(entryAt(join(dir, 'p')).kind).toBe('fifo');
    expect(entryAt(join(dir, 'nope')).kind).toBe('missing');
    expect(() => requireRegularFile(join(dir, 'p'))).toThrow(/named pipe/);
    expect(() => requireRegularFile(join(dir, 'l'))).toThrow(/symbolic link/);
  });
});

describe('guardInsideRoot', () => {
  it('refuses escapes and any link on the way, allows paths not yet made', () => {
    const outside = mkdtempSync(join(tmpdir(), 'ci-out-'));
    try {
      mkdirSync(join(dir, 'chat_1'));
      symlinkSync(outside, join(dir, 'chat_2'));
      expect(guardInsideRoot(dir, 'chat_1/profile.db')).toBe(join(dir, 'chat_1', 'profile.db'));
      expect(guardInsideRoot(dir, 'chat_3/new.db')).toBe(join(dir, 'chat_3', 'new.db'));
      expect(() => guardInsideRoot(dir, '../x')).toThrow(/outside the data root/);
      expect(() => guardInsideRoot(dir, 'chat_2/profile.db')).toThrow(/symbolic link/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
