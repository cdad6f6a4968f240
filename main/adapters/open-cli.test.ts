import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../shared/domain.ts';
import { generateDuilioCode, generateUserHistory, type UserHistoryUser } from '../fixtures/index.ts';
import { fingerprint, writeDb, type Fingerprint } from '../testing/store-dbs.ts';

// `chat-inspector open FILE` as scripts run it: a child process, its stdout, stderr and exit code.

const REPO = resolve(import.meta.dirname, '../..');
const NODE = join(REPO, 'node_modules', '.bin', 'node');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(NODE, [join(REPO, 'main/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

let base: string;
let dir: string;
let before: Fingerprint;
let users: UserHistoryUser[];
let duilio: { conversations: number; messages: number; metrics: number };

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-open-cli-'));
  dir = join(base, 'files');
  mkdirSync(dir);
  users = generateUserHistory(join(dir, 'user_history.db'), { users: 3, messagesPerUser: 12, seed: 9 }).users;
  duilio = generateDuilioCode(join(dir, 'duiliocode.db'), { users: 2, seed: 9 });
  writeDb(
    join(dir, 'wal.db'),
    'CREATE TABLE "x""; DROP TABLE t; --" (a); CREATE TABLE t (a); CREATE TABLE "evil\u001b[31mred" (a)',
    (db) => {
      const insert = db.prepare('INSERT INTO t VALUES (?)');
      for (let i = 0; i < 10_001; i++) insert.run(i);
    },
    true,
  );
  writeFileSync(join(dir, 'empty.db'), '');
  writeFileSync(join(dir, 'notes.db'), 'these are notes, not a database\n'.repeat(10));
  const whole = readFileSync(join(dir, 'duiliocode.db'));
  writeFileSync(join(dir, 'cut.db'), whole.subarray(0, 4096 + 1000));
  // Valid header, damaged schema page: SQLite itself must refuse it.
  writeFileSync(join(dir, 'damaged.db'), whole);
  const fd = openSync(join(dir, 'damaged.db'), 'r+');
  writeSync(fd, Buffer.alloc(400, 0xee), 0, 400, 100);
  closeSync(fd);
  before = fingerprint(dir);
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('chat-inspector open', () => {
  it('prints kind, size, journal mode and a table of row counts', () => {
    const run = cli('open', join(dir, 'user_history.db'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Kind\s+user_history\b/m);
    expect(run.stdout).toMatch(/^Size\s+\d+\.\d KB\s+journal delete\s+page size 4096$/m);
    expect(run.stdout).toMatch(/^messages\s+table\s+15\s+36$/m);
    expect(run.stdout).toMatch(new RegExp(`^user_profile\\s+table\\s+10\\s+${users.length}$`, 'm'));
  });

  it('shows capped counts as >10000 and hostile names as text', () => {
    const run = cli('open', join(dir, 'wal.db'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Kind\s+generic\b/m);
    expect(run.stdout).toMatch(/journal wal/);
    expect(run.stdout).toMatch(/^t\s+table\s+1\s+>10000$/m);
    expect(run.stdout).toContain('x"; DROP TABLE t; --');
    // A name holding a terminal escape is printed escaped, never interpreted by the terminal.
    expect(run.stdout).toContain('evil\\x1b[31mred');
    expect(run.stdout).not.toContain('\u001b');
  });

  it('--json prints the FileInfo for scripts', () => {
    const run = cli('open', join(dir, 'duiliocode.db'), '--json');
    expect(run.code).toBe(0);
    const info = JSON.parse(run.stdout) as FileInfo;
    expect(info.kind).toBe('duiliocode');
    expect(info.hasConversations).toBe(true);
    expect(info.tables.find((t) => t.name === 'conversation_history')).toMatchObject({
      rowCount: duilio.messages,
      rowCountCapped: false,
    });
    expect(info.tables.find((t) => t.name === 'system_metrics')).toMatchObject({ rowCount: duilio.metrics });
  });

  it.each([
    ['missing.db', /missing\.db: no such file$/],
    ['.', /: is a folder with no chat_<id> folders, not a data root/],
    ['empty.db', /empty\.db: the file is empty \(0 bytes\)$/],
    ['notes.db', /notes\.db: the file is not an SQLite database$/],
    ['cut.db', /cut\.db: the file is cut short/],
    ['damaged.db', /damaged\.db: the database is damaged/],
  ])('%s: one clear line on stderr, exit 2', (name, message) => {
    const run = cli('open', join(dir, name));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^chat-inspector: /);
    expect(lines[0]).toMatch(message);
  });

  it('changed no byte, no mtime and created no file (no -wal, no -shm)', () => {
    expect(fingerprint(dir)).toEqual(before);
  });
});
