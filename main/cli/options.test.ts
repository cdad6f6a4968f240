import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRoot, generateUserHistory } from '../fixtures/index.ts';
import { CLI, cli, listTree, NODE, REPO } from '../testing/cli.ts';

// Every option is checked before any command runs: one error line, exit 2, nothing written or left running.

let base: string;
let root: string;
let chatId: string;
let out: string;
let before: Record<string, string>;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-options-'));
  root = join(base, 'root');
  chatId = generateRoot(root, { chats: 2, messagesPerChat: 8, seed: 5 }).chats[0]!.chatId;
  generateUserHistory(join(base, 'user_history.db'), { users: 2, messagesPerUser: 4, seed: 5 });
  out = join(base, 'out');
  mkdirSync(out);
  before = listTree(base);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const BAD: [string, () => string[], RegExp][] = [
  [
    'scan --workers abc',
    () => ['scan', root, '--workers', 'abc'],
    /^--workers: expected a whole number from 0 to 64, not "abc"$/,
  ],
  ['scan --workers -1', () => ['scan', root, '--workers', '-1'], /^--workers: expected a whole number/],
  ['scan --workers 1.5', () => ['scan', root, '--workers', '1.5'], /^--workers: expected a whole number/],
  ['check --workers 99', () => ['check', root, '--workers', '99'], /^--workers: expected a whole number/],
  ['check --chat abc', () => ['check', root, '--chat', 'abc'], /^--chat: expected a chat id/],
  [
    'backup --workers abc',
    () => ['backup', root, '--out', join(out, 'a.tar.gz'), '--workers', 'abc'],
    /^--workers: /,
  ],
  [
    'backup --level 12',
    () => ['backup', root, '--out', join(out, 'b.tar.gz'), '--level', '12'],
    /^--level: expected a whole number from 1 to 9, not "12"$/,
  ],
  ['backup --out ""', () => ['backup', root, '--out', ''], /^--out: expected a path/],
  [
    'serve --port 99999',
    () => ['serve', root, '--port', '99999'],
    /^--port: expected a whole number from 0 to 65535/,
  ],
  ['serve --port x', () => ['serve', root, '--port', 'x'], /^--port: /],
  [
    'export --format pdf',
    () => ['export', root, '--chat', chatId, '--format', 'pdf', '--out', join(out, 'x.pdf')],
    /^--format: expected json, csv, html, not "pdf"$/,
  ],
  [
    'restore --wait soon',
    () => ['restore', join(out, 'none.tar.gz'), '--into', root, '--wait', 'soon'],
    /^--wait: expected a number of seconds/,
  ],
  [
    'verify --max-total lots',
    () => ['verify', join(out, 'none.tar.gz'), '--max-total', 'lots'],
    /^--max-total: expected a size/,
  ],
  [
    'migrate --into ""',
    () => ['migrate', join(base, 'user_history.db'), '--into', ''],
    /^--into: expected a path/,
  ],
  ['scan ""', () => ['scan', ''], /^<root>: must not be empty$/],
  ['show ROOT ""', () => ['show', root, ''], /^<chatId>: must not be empty$/],
  ['open ""', () => ['open', ''], /^<source>: must not be empty$/],
  ['check ""', () => ['check', ''], /^<target>: must not be empty$/],
];

describe('a bad option or argument', () => {
  it.each(BAD)('%s: one error line, exit 2, nothing written', (_name, args, message) => {
    const tmp = mkdtempSync(join(base, 'tmp-'));
    const run = cli(args(), { tmp, timeoutMs: 30_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.replace(/^chat-inspector: /, '')).toMatch(message);
    // Not even a 0-byte FILE.partial, and no temp file.
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true });
  });

  it('left the data untouched', () => {
    expect(listTree(base)).toEqual(before);
  });
});

describe('a closed stdout (scan ... | head -1)', () => {
  it('stops quietly with exit 0, no EPIPE stack trace', async () => {
    // Output larger than a pipe's buffer, so the CLI is still writing when the reader goes away.
    const big = join(base, 'big');
    generateRoot(big, { chats: 700, messagesPerChat: 1, seed: 6 });
    const child = spawn(NODE, [CLI, 'scan', big, '--json', '--workers', '1'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.once('data', () => child.stdout.destroy());
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.once('exit', (c, s) => done({ code: c, signal: s })),
    );
    expect(stderr).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
  }, 120_000);
});
