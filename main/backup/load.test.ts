import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createBackup } from './create.ts';
import { NODE, REPO, ctx } from '../testing/backup-helpers.ts';
import { verifyArchive } from './verify.ts';

// A bot writing steadily while backups are taken: every backup passes quick_check and holds a prefix of the
// writer's rows, and the writer never fails because of the backups (it reports its errors; zero expected).

let dir: string;
const pool = new WorkerPool(1);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-load-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

const WRITER = `
import Database from ${JSON.stringify(join(REPO, 'main', 'sqlite', 'driver.ts'))};
const [path, mode, chatId] = process.argv.slice(2);
const db = new Database(path, { timeout: 5000 });
db.pragma(mode === 'wal' ? 'journal_mode = WAL' : 'journal_mode = DELETE');
const insert = db.prepare("INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (?, 'load', 'user', ?, datetime('now'))");
let n = 0;
let errors = 0;
const messages = [];
let stop = false;
process.on('message', () => { stop = true; });
const tick = () => {
  if (stop) {
    db.close();
    process.send({ written: n, errors, messages }, () => process.exit(0));
    return;
  }
  try {
    insert.run(Number(chatId), 'load-' + n);
    n++;
  } catch (e) {
    errors++;
    if (messages.length < 5) messages.push(String(e && e.message));
  }
  setTimeout(tick, 2);
};
process.send({ ready: true });
tick();
`;

function startWriter(path: string, mode: 'wal' | 'delete', chatId: string): Promise<ChildProcess> {
  const script = join(dir, 'writer.ts');
  writeFileSync(script, WRITER);
  const child = spawn(NODE, [script, path, mode, chatId], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('error', reject);
  });
}

function stopWriter(child: ChildProcess): Promise<{ written: number; errors: number; messages: string[] }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { written: number; errors: number; messages: string[] }));
    child.send('stop');
  });
}

function loadRowsIn(archive: string, chatId: string, scratch: string): number[] {
  mkdirSync(scratch, { recursive: true });
  tar.x({ file: archive, cwd: scratch, sync: true });
  const db = new Database(join(scratch, 'chats', `chat_${chatId}`, 'conversations.db'), { readonly: true });
  try {
    expect((db.prepare('PRAGMA quick_check').pluck().all() as string[]).join()).toBe('ok');
    return (
      db
        .prepare("SELECT content FROM messages WHERE session_id = 'load' ORDER BY id")
        .pluck()
        .all() as string[]
    ).map((c) => Number(c.slice(5)));
  } finally {
    db.close();
  }
}

describe.each(['wal', 'delete'] as const)('backup while the bot writes (%s mode)', (mode) => {
  it('each backup is consistent and holds a prefix of the rows; the writer never fails', async () => {
    const root = join(dir, `root-${mode}`);
    mkdirSync(root);
    const chatId = mode === 'wal' ? '4240001' : '4240002';
    generateChat(root, chatId, { messages: 400, seed: 3, wal: mode === 'wal' });
    const conv = join(root, `chat_${chatId}`, 'conversations.db');
    const writer = await startWriter(conv, mode, chatId);
    const prefixes: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 60));
        const out = join(dir, `${mode}-${i}.tar.gz`);
        const result = await createBackup({ root, out, pool }, ctx());
        expect(result.damaged).toEqual([]);
        const verify = await verifyArchive({ archive: out }, ctx());
        expect(verify.ok, JSON.stringify(verify.problems)).toBe(true);
        const rows = loadRowsIn(out, chatId, join(dir, `x-${mode}-${i}`));
        // A prefix: exactly load-0 … load-(k-1), in order, no gaps.
        expect(rows).toEqual(rows.map((_, k) => k));
        prefixes.push(rows.length);
      }
    } finally {
      const report = await stopWriter(writer);
      expect(report.errors, report.messages.join('; ')).toBe(0);
      expect(report.written).toBeGreaterThan(0);
      expect(prefixes.length).toBe(6);
      // Prefixes grow with time: later backups hold more of the writer's rows.
      expect([...prefixes].sort((a, b) => a - b)).toEqual(prefixes);
      expect(prefixes[prefixes.length - 1]!).toBeGreaterThan(0);
      expect(prefixes[prefixes.length - 1]!).toBeLessThanOrEqual(report.written);
    }
  }, 120_000);
});
