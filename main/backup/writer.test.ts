import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { growDb, loadRowsOf, startBotWriter, stopBotWriter } from '../testing/bot-writer-client.ts';
import { createBackup } from './create.ts';
import { ctx } from '../testing/backup-helpers.ts';
import { verifyArchive } from './verify.ts';

// Backups of a rollback-journal (journal_mode=DELETE) DB while a real writer process commits 200 rows a
// second, each its own transaction (locks on the whole file, a -journal coming and going, the header and size
// changing): every backup is consistent (nothing damaged, nothing left out, verify passes, the copy holds
// exactly a prefix of the writer's rows) and the writer never fails. bench/backup-writer.ts runs the same at
// full size (40 backups of a 47 MB DB).

let dir: string;
const pool = new WorkerPool(1);
const CHAT = '9100001';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-writer-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

describe('backup of a DELETE-mode DB while the bot writes 200 rows/s', () => {
  it('10 backups of a 5 MB DB: all consistent, the writer never fails', async () => {
    const root = join(dir, 'root');
    mkdirSync(root);
    generateChat(root, CHAT, { messages: 300, seed: 4 });
    const conv = join(root, `chat_${CHAT}`, 'conversations.db');
    growDb(conv, 5);
    const db = new Database(conv);
    db.pragma('journal_mode = DELETE');
    db.close();
    expect(statSync(conv).size).toBeGreaterThan(5 * 1024 * 1024);
    // With fsync on every commit, as the bot commits (synchronous=FULL): each commit then holds the lock for
    // the length of its fsyncs, which is what starved a reader polling at SQLite's own rhythm. (A slow disk
    // may keep the writer below 200 rows/s; bench/backup-writer.ts reaches the full rate.)
    const writer = await startBotWriter(conv, CHAT, 200, 'delete', 'full');
    const prefixes: number[] = [];
    const problems: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const out = join(dir, `b-${i}.tar.gz`);
        const result = await createBackup({ root, out, pool }, ctx());
        problems.push(
          ...result.damaged.map((d) => `#${i} damaged ${d.path}: ${d.integrity}`),
          ...result.notBackedUp.map((n) => `#${i} not backed up ${n.path}: ${n.reason}`),
          ...result.failed.map((f) => `#${i} failed ${f.chatId}: ${f.reason}`),
        );
        const verify = await verifyArchive({ archive: out }, ctx());
        if (!verify.ok) problems.push(`#${i} verify: ${verify.problems.join('; ')}`);
        const scratch = join(dir, `x-${i}`);
        mkdirSync(scratch);
        await tar.x({ file: out, cwd: scratch });
        const rows = loadRowsOf(join(scratch, 'chats', `chat_${CHAT}`, 'conversations.db'));
        // Exactly load-0 … load-(k-1): no gap, no torn row.
        if (!rows.every((n, k) => n === k)) problems.push(`#${i}: not a prefix of the writer's rows`);
        prefixes.push(rows.length);
        rmSync(scratch, { recursive: true, force: true });
        rmSync(out);
      }
    } finally {
      const report = await stopBotWriter(writer);
      expect(report.errors, report.messages.join('; ')).toBe(0);
      expect(report.written).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
    // Later backups hold more of the writer's rows.
    expect([...prefixes].sort((a, b) => a - b)).toEqual(prefixes);
    expect(prefixes[prefixes.length - 1]!).toBeGreaterThan(prefixes[0]!);
  }, 300_000);
});
