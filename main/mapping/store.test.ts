import { execFileSync, spawnSync } from 'node:child_process';
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
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMapping } from '../../shared/contract/mapping.ts';
import { generateChatLogs } from '../fixtures/frameworks.ts';
import { CLI, NODE, REPO } from '../testing/cli.ts';
import { MAPPINGS_FILE, savedMapping, saveMapping } from './store.ts';

// mappings.json is one of Chat Inspector's own files (main/fs/own-file.ts): a FIFO, a link (to /dev/zero or
// anywhere) or a pre-made link at a temp name is never opened, followed or written through; it is set
// aside with one line and the mappings start afresh. On the code before the guard a FIFO hung
// `conversations`, /dev/zero ate gigabytes, a link was followed and a `.tmp` link written through.

const base = mkdtempSync(join(tmpdir(), 'ci-map-store-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const logsPath = join(base, 'data', 'support.db');
mkdirSync(join(base, 'data'));
generateChatLogs(logsPath, { conversations: 4, seed: 3 });
const MAPPING: ChatMapping = {
  table: 'chat_logs',
  conversation: 'conv_id',
  time: 'created_at',
  role: 'sender',
  text: 'body',
};

let homes = 0;
function freshHome(): string {
  const home = join(base, `home-${++homes}`);
  mkdirSync(home);
  return home;
}

/** `conversations FILE --json` in a child with a deadline and at most 2 GB of address space. */
function conversations(home: string): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(
    'sh',
    ['-c', 'ulimit -v 2000000; exec "$@"', 'sh', NODE, CLI, 'conversations', logsPath, '--json'],
    {
      encoding: 'utf8',
      cwd: REPO,
      timeout: 30_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, CHAT_INSPECTOR_HOME: home },
    },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const linesOf = (text: string) => text.split('\n').filter((l) => l !== '');

describe('mappings.json guarded as an own file', () => {
  const plain = conversations(freshHome());

  it.each([
    ['a FIFO', (path: string) => void execFileSync('mkfifo', [path])],
    ['a link to /dev/zero', (path: string) => symlinkSync('/dev/zero', path)],
  ])('%s: conversations answers as without it, one line sets it aside', (_kind, make) => {
    expect(plain.code).not.toBeNull();
    const home = freshHome();
    make(join(home, MAPPINGS_FILE));
    const run = conversations(home);
    expect(run.code).toBe(plain.code);
    expect(run.stdout).toBe(plain.stdout);
    // One line more than without the file (a generic SQLite file: "holds no conversations", exit 2).
    const lines = linesOf(run.stderr);
    expect(lines).toHaveLength(linesOf(plain.stderr).length + 1);
    expect(lines[0]).toMatch(
      /mappings\.json is a (named pipe|symbolic link).*set aside as mappings\.json\.unusable-/,
    );
    expect(lines.slice(1)).toEqual(linesOf(plain.stderr));
    // Moved itself (the link as a link), never opened.
    expect(readdirSync(home).filter((n) => n.startsWith('mappings.json.unusable-'))).toHaveLength(1);
  });

  it('a symlinked mappings.json is not followed: its mapping is not used, its target is untouched', () => {
    const outside = join(base, 'outside-mappings.json');
    const content = `${JSON.stringify({ version: 1, mappings: { [logsPath]: MAPPING } })}\n`;
    writeFileSync(outside, content);
    const home = freshHome();
    symlinkSync(outside, join(home, MAPPINGS_FILE));
    expect(savedMapping(logsPath, home)).toBeNull();
    saveMapping('/elsewhere.db', MAPPING, home);
    expect(readFileSync(outside, 'utf8')).toBe(content);
    expect(lstatSync(join(home, MAPPINGS_FILE)).isFile()).toBe(true);
    expect(savedMapping('/elsewhere.db', home)).toEqual(MAPPING);
    expect(savedMapping(logsPath, home)).toBeNull();
  });

  it('a pre-made link at mappings.json.tmp is never written through', () => {
    const target = join(base, 'tmp-target');
    writeFileSync(target, 'not yours\n');
    const home = freshHome();
    symlinkSync(target, join(home, `${MAPPINGS_FILE}.tmp`));
    saveMapping(logsPath, MAPPING, home);
    expect(readFileSync(target, 'utf8')).toBe('not yours\n');
    expect(savedMapping(logsPath, home)).toEqual(MAPPING);
    expect(lstatSync(join(home, MAPPINGS_FILE)).isFile()).toBe(true);
    // Only the file and the untouched link: no temp file is left.
    expect(readdirSync(home).sort()).toEqual([MAPPINGS_FILE, `${MAPPINGS_FILE}.tmp`]);
  });

  it('a damaged or oversized file is set aside and kept; the next save starts afresh', () => {
    const home = freshHome();
    writeFileSync(join(home, MAPPINGS_FILE), '{"version": 1, "mappings": {');
    expect(savedMapping(logsPath, home)).toBeNull();
    const aside = readdirSync(home).filter((n) => n.startsWith('mappings.json.unusable-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(home, aside[0]!), 'utf8')).toBe('{"version": 1, "mappings": {');
    const big = freshHome();
    writeFileSync(join(big, MAPPINGS_FILE), Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(savedMapping(logsPath, big)).toBeNull();
    expect(readdirSync(big)).toHaveLength(1);
    expect(readdirSync(big)[0]).toMatch(/^mappings\.json\.unusable-/);
  });
});
