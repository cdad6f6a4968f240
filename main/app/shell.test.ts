import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import Database from '../sqlite/driver.ts';
import { checkDroppedPath } from './drop.ts';
import { isAppUrl, isOutsideUrl, rootArgument } from './origin.ts';

// The Electron shell's decisions that do not need Electron: which senders and URLs are ours, which
// dropped paths may be opened, which argument is the root.

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-shell-'));
  mkdirSync(join(base, 'root'));
  const db = new Database(join(base, 'good.db'));
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
  db.close();
  writeFileSync(
    join(base, 'notes.txt'),
    'hello, not a database at all, but longer than a header would be..........................................',
  );
  writeFileSync(join(base, 'empty.db'), '');
  // A damaged database still starts with the magic: it must be openable (inspecting those is the point).
  writeFileSync(
    join(base, 'cut.db'),
    Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(40)]),
  );
  symlinkSync(join(base, 'root'), join(base, 'link-to-root'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return 'no error';
}

describe('checkDroppedPath', () => {
  it('accepts folders and SQLite files, damaged ones included', () => {
    expect(checkDroppedPath(join(base, 'root'))).toBe(join(base, 'root'));
    expect(checkDroppedPath(join(base, 'link-to-root'))).toBe(join(base, 'link-to-root'));
    expect(checkDroppedPath(join(base, 'good.db'))).toBe(join(base, 'good.db'));
    expect(checkDroppedPath(join(base, 'cut.db'))).toBe(join(base, 'cut.db'));
  });

  it('refuses other files, missing paths and anything that is not an absolute path', () => {
    expect(codeOf(() => checkDroppedPath(join(base, 'notes.txt')))).toBe('not_sqlite');
    expect(codeOf(() => checkDroppedPath(join(base, 'empty.db')))).toBe('empty_file');
    expect(codeOf(() => checkDroppedPath(join(base, 'missing.db')))).toBe('not_found');
    for (const bad of [
      '',
      'relative/path',
      42,
      null,
      undefined,
      { path: '/' },
      `${base}/x\0y`,
      `/${'a'.repeat(5000)}`,
    ]) {
      expect(codeOf(() => checkDroppedPath(bad))).toBe('invalid_input');
    }
  });
});

describe('app origin', () => {
  it('recognises only app://chat-inspector URLs', () => {
    expect(isAppUrl('app://chat-inspector/')).toBe(true);
    expect(isAppUrl('app://chat-inspector/index.html#/chat?id=1')).toBe(true);
    for (const url of [
      'app://evil/',
      'app://chat-inspector.evil.com/',
      'app://user:pw@chat-inspector/',
      'http://chat-inspector/',
      'https://127.0.0.1/',
      'file:///etc/passwd',
      'devtools://devtools/bundled/inspector.html',
      'about:blank',
      '',
      'garbage',
      null,
      undefined,
    ]) {
      expect(isAppUrl(url), String(url)).toBe(false);
    }
  });

  it('blocks every network and file request, never the app, data: or devtools', () => {
    for (const url of [
      'http://example.com/',
      'HTTPS://x/',
      'ws://127.0.0.1:1/',
      'wss://x/',
      'file:///etc/passwd',
      'ftp://x/',
    ]) {
      expect(isOutsideUrl(url), url).toBe(true);
    }
    for (const url of [
      'app://chat-inspector/assets/a.js',
      'data:image/png;base64,AAAA',
      'blob:app://chat-inspector/1',
      'devtools://devtools/x',
    ]) {
      expect(isOutsideUrl(url), url).toBe(false);
    }
  });
});

describe('rootArgument', () => {
  it('takes the first non-switch argument after the app path (development) or the executable (packaged)', () => {
    expect(rootArgument(['/x/electron', 'dist/electron-main.js', '/data/root'], false)).toBe('/data/root');
    expect(rootArgument(['/x/electron', '.', '--no-sandbox', '/data/root'], false)).toBe('/data/root');
    expect(rootArgument(['/x/electron', 'dist/electron-main.js'], false)).toBeNull();
    expect(rootArgument(['/opt/Chat Inspector/chat-inspector', '/data/root'], true)).toBe('/data/root');
    expect(rootArgument(['/opt/Chat Inspector/chat-inspector', '--enable-logging'], true)).toBeNull();
  });
});
