import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HandlerContext } from '../api/context.ts';
import { outputDir } from '../api/handlers/backup.ts';
import { DEMO_DIR_NAME, ensureDemoRoot } from '../fixtures/demo-root.ts';
import { ensureOwnDir, readOwnFile, setAside, writeOwnFile } from './own-file.ts';

// The one guard of Chat Inspector's own files and folders: nothing but a regular file of ours is opened
// (a FIFO never blocks, /dev/zero is never read), nothing is written through a link, a killed writer's
// temp file is removed by the next write, and what cannot be used is set aside with one line.

let dir: string;
let notices: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-own-file-'));
  notices = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    notices.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('readOwnFile', () => {
  it('opens only a regular file of at most maxBytes; a FIFO, a link, /dev/zero are named, not opened', () => {
    writeFileSync(join(dir, 'ok.json'), '{}');
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    symlinkSync(join(dir, 'ok.json'), join(dir, 'link.json'));
    writeFileSync(join(dir, 'big.json'), Buffer.alloc(2048, 0x20));
    expect(readOwnFile(join(dir, 'ok.json'), 1024)).toEqual({ kind: 'content', bytes: Buffer.from('{}') });
    expect(readOwnFile(join(dir, 'none.json'), 1024)).toEqual({ kind: 'absent' });
    expect(readOwnFile(join(dir, 'fifo.json'), 1024)).toEqual({
      kind: 'unusable',
      reason: 'is a named pipe (FIFO)',
    });
    for (const name of ['zero.json', 'link.json'])
      expect(readOwnFile(join(dir, name), 1024)).toEqual({
        kind: 'unusable',
        reason: 'is a symbolic link (not followed)',
      });
    expect(readOwnFile(join(dir, 'big.json'), 1024)).toEqual({
      kind: 'unusable',
      reason: 'is 2 KB, more than the 1 KB such a file may hold',
    });
  });
});

describe('writeOwnFile', () => {
  it('replaces a link or a FIFO at the path instead of writing through it, leaving no temp file', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'mine');
    symlinkSync(target, join(dir, 'a.json'));
    execFileSync('mkfifo', [join(dir, 'b.json')]);
    writeOwnFile(join(dir, 'a.json'), 'A');
    writeOwnFile(join(dir, 'b.json'), 'B');
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect(lstatSync(join(dir, 'a.json')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe('B');
    expect(lstatSync(join(dir, 'a.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json', 'target']);
  });

  it("removes the temp file a killed writer left (its process is gone), never a live one's", () => {
    // pid 2^22+1 is above Linux's pid_max: no such process.
    const dead = join(dir, '.a.json.new-4194305-0123abcd');
    const live = join(dir, `.a.json.new-${process.pid}-0123abcd`);
    writeFileSync(dead, 'half');
    writeFileSync(live, 'in progress');
    writeOwnFile(join(dir, 'a.json'), 'A');
    expect(readdirSync(dir).sort()).toEqual([live.slice(dir.length + 1), 'a.json'].sort());
  });
});

describe('setAside and own folders', () => {
  it('moves a link itself (never followed) and says so in one line', () => {
    const outside = mkdtempSync(join(tmpdir(), 'ci-own-out-'));
    try {
      symlinkSync(outside, join(dir, 'uploads'));
      ensureOwnDir(join(dir, 'uploads'));
      expect(lstatSync(join(dir, 'uploads')).isDirectory()).toBe(true);
      const aside = readdirSync(dir).find((n) => n.startsWith('uploads.unusable-'))!;
      expect(lstatSync(join(dir, aside)).isSymbolicLink()).toBe(true);
      expect(notices).toEqual([
        `chat-inspector: ${join(dir, 'uploads')} is a symbolic link (not followed), not a folder; it was set aside as ${aside} and is made again\n`,
      ]);
      expect(setAside(join(dir, 'nothing'), 'is odd')).toMatchObject({ ok: false, code: 'ENOENT' });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('backups/, exports/, recovered/ and the demo root: a link there is set aside, never written or browsed', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const home = join(dir, 'home');
    mkdirSync(home);
    for (const kind of ['backups', 'exports', 'recovered'] as const) {
      symlinkSync(outside, join(home, kind));
      expect(outputDir({ userDataDir: home } as HandlerContext, kind)).toBe(join(home, kind));
      expect(lstatSync(join(home, kind)).isDirectory()).toBe(true);
    }
    symlinkSync(outside, join(home, DEMO_DIR_NAME));
    expect(await ensureDemoRoot(home)).toBe(join(home, DEMO_DIR_NAME));
    expect(lstatSync(join(home, DEMO_DIR_NAME)).isDirectory()).toBe(true);
    expect(readdirSync(join(home, DEMO_DIR_NAME)).length).toBeGreaterThan(0);
    expect(readdirSync(outside)).toEqual([]);
  });
});
