import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
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
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../shared/domain.ts';
import { generateRoot } from '../fixtures/index.ts';
import { CLI, listTree, NODE, REPO } from '../testing/cli.ts';
import { indexPathFor } from './index-db.ts';
import { chatFindings } from './show.ts';

// The fleet index is one of Chat Inspector's own files (main/fs/own-file.ts). A link in its place (to a
// file anywhere, or dangling), a folder, a FIFO, a read-only file, a link in place of fleet-index/: set
// aside (a link moved itself, never written through) and made again, with one line on stderr naming the
// file; where it cannot be made (a read-only folder), `scan` reads every chat as with --no-index and says
// so. `scan` exits 0 with the right rows either way. Before the guard: a link to an empty file outside
// was written through, and a folder, a FIFO or a read-only file made `scan` exit 2 naming no file.

const base = mkdtempSync(join(tmpdir(), 'ci-own-index-'));
// Readable by the other user the read-only trials run as (a root user ignores permissions).
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));
const gen = generateRoot(join(base, 'root'), { chats: 4, broken: ['not_sqlite'], strays: true, seed: 5 });
const root = gen.root;

/** Another user to run as when this is root, so that read-only means read-only. */
const OTHER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;

let homes = 0;
function freshHome(): string {
  const home = join(base, `home-${++homes}`);
  mkdirSync(home);
  if (OTHER) chownSync(home, OTHER.uid, OTHER.gid);
  return home;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function scan(home: string, ...extra: string[]): Run {
  const run = spawnSync(NODE, [CLI, 'scan', root, '--json', ...extra], {
    encoding: 'utf8',
    cwd: REPO,
    timeout: 60_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, CHAT_INSPECTOR_HOME: home },
    ...(OTHER ?? {}),
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function rows(stdout: string): ScanResult {
  const result = JSON.parse(stdout) as ScanResult & { summary?: Record<string, unknown> };
  const chats = [...result.chats].sort((a, b) => a.chatId.localeCompare(b.chatId));
  // The summary's measured query time differs between two runs: only its kind is compared.
  const summary = result.summary && { ...result.summary, averageQueryMs: expect.any(Number) };
  return { ...result, chats, ...(summary ? { summary } : {}) } as ScanResult;
}

const truth = rows(scan(freshHome(), '--no-index').stdout);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const indexOf = (home: string) => indexPathFor(home, root);

/** Makes the home's fleet-index/ folder, belonging to the user the trials run as. */
function indexFolder(home: string): void {
  const dir = dirname(indexOf(home));
  mkdirSync(dir);
  if (OTHER) chownSync(dir, OTHER.uid, OTHER.gid);
}

/** A home whose index was made by a first scan (as the user the trials run as). */
function indexedHome(): string {
  const home = freshHome();
  expect(scan(home).code).toBe(0);
  return home;
}

/** Runs `scan` and checks it exits 0 with the full pass's rows and exactly one line on stderr. */
function scanSaysOneLine(home: string): string {
  const run = scan(home);
  expect(run.stderr).not.toMatch(/\n.+\n/);
  expect(lines(run.stderr)).toHaveLength(1);
  expect(run.code).toBe(0);
  expect(rows(run.stdout)).toEqual(truth);
  return lines(run.stderr)[0]!;
}

describe('the fleet index guarded as an own file', () => {
  it('a link to a file outside the home: the file is unchanged byte for byte, the index made again', () => {
    const emptyOutside = join(base, 'outside-empty');
    writeFileSync(emptyOutside, '');
    // A sound index of the same root, kept elsewhere: SQLite would have used and updated it in place.
    const indexOutside = join(base, 'outside-index.sqlite');
    copyFileSync(indexOf(indexedHome()), indexOutside);
    for (const outside of [emptyOutside, indexOutside]) {
      const before = readFileSync(outside);
      const home = freshHome();
      indexFolder(home);
      symlinkSync(outside, indexOf(home));
      const line = scanSaysOneLine(home);
      expect(line).toContain(indexOf(home));
      expect(line).toMatch(/is a symbolic link \(not followed\); it was set aside as .*\.unusable-/);
      expect(readFileSync(outside).equals(before)).toBe(true);
      expect(lstatSync(indexOf(home)).isFile()).toBe(true);
    }
  });

  it.each([
    ['a folder', (path: string) => mkdirSync(path), /is a directory/],
    ['a dangling link', (path: string) => symlinkSync(join(base, 'nowhere'), path), /symbolic link/],
    ['a FIFO', (path: string) => void execFileSync('mkfifo', [path]), /named pipe/],
  ])('%s in place of the index: set aside, made again, one line naming it', (_kind, make, said) => {
    const home = freshHome();
    indexFolder(home);
    make(indexOf(home));
    const line = scanSaysOneLine(home);
    expect(line).toContain(indexOf(home));
    expect(line).toMatch(said);
    expect(lstatSync(indexOf(home)).isFile()).toBe(true);
    // Nothing was made behind the dangling link.
    expect(readdirSync(base).filter((n) => n.startsWith('nowhere'))).toEqual([]);
  });

  it('a FIFO in place of its -wal file: set aside before SQLite opens it', () => {
    const home = indexedHome();
    execFileSync('mkfifo', [`${indexOf(home)}-wal`]);
    expect(scanSaysOneLine(home)).toMatch(/sqlite-wal is a named pipe \(FIFO\); it was set aside/);
  });

  it('a read-only index: set aside and made again', () => {
    const home = indexedHome();
    chmodSync(indexOf(home), 0o444);
    expect(scanSaysOneLine(home)).toMatch(/sqlite is read-only; it was set aside/);
    expect(lstatSync(indexOf(home)).mode & 0o200).toBe(0o200);
  });

  it('a read-only folder: every chat is read as with --no-index, one line naming the index', () => {
    const missing = freshHome();
    indexFolder(missing);
    chmodSync(dirname(indexOf(missing)), 0o555);
    const readOnly = indexedHome();
    chmodSync(indexOf(readOnly), 0o444);
    chmodSync(dirname(indexOf(readOnly)), 0o555);
    for (const home of [missing, readOnly]) {
      const before = listTree(home);
      const line = scanSaysOneLine(home);
      expect(line).toContain(`the fleet index ${indexOf(home)} cannot be used`);
      expect(line).toMatch(/every chat is read instead, as with --no-index/);
      expect(listTree(home)).toEqual(before);
    }
  });

  it('a link in place of fleet-index/: the folder it points to is untouched', () => {
    const outside = join(base, 'outside-folder');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep.txt'), 'mine\n');
    const home = freshHome();
    symlinkSync(outside, join(home, 'fleet-index'));
    expect(scanSaysOneLine(home)).toMatch(
      /fleet-index is a symbolic link.*set aside as fleet-index\.unusable-/,
    );
    expect(readdirSync(outside)).toEqual(['keep.txt']);
    expect(lstatSync(join(home, 'fleet-index')).isDirectory()).toBe(true);
  });

  it("one chat's findings never open (or make) an index that is not a regular file: the chat is checked", () => {
    const home = freshHome();
    indexFolder(home);
    execFileSync('mkfifo', [indexOf(home)]);
    const found = chatFindings(root, gen.chats[0]!.chatId, home, new Date());
    expect(found?.source).toBe('check');
    expect(lstatSync(indexOf(home)).isFIFO()).toBe(true);
    expect(readdirSync(dirname(indexOf(home)))).toHaveLength(1);
  });
});
