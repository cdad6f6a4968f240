// Helpers of the maintenance tests (not used by the app): a generated root with a DB full of free pages,
// and a live "bot" process that holds a DB open (and writes to it) while maintenance runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, NODE, REPO } from './backup-helpers.ts';
import { generateChat } from '../fixtures/index.ts';
import { openForWrite, type WritableDb } from '../sqlite/write.ts';

/** A chat whose conversations.db has most of its rows deleted (many free pages). */
export function chatWithFreePages(root: string, chatId: string, options: { wal?: boolean } = {}): string {
  const chat = generateChat(root, chatId, { messages: 3000, seed: 7, wal: options.wal ?? false });
  const path = join(chat.dir, 'conversations.db');
  const db = openForWrite(path, { fileMustExist: true });
  db.exec('DELETE FROM messages WHERE id <= 2400');
  db.close();
  return path;
}

/**
 * Gives a live DB free pages again, as any other writer would (through SQLite's locks, waiting for them):
 * 300 filler rows of 1 KB inserted and deleted in one transaction.
 */
export function givePagesBack(path: string): void {
  const db = openForWrite(path, { fileMustExist: true, busyTimeoutMs: 5000 });
  try {
    const insert = db.prepare(
      "INSERT INTO messages (chat_id, session_id, message_type, content) VALUES (1, 'filler', 'user', ?)",
    );
    db.transaction(() => {
      for (let i = 0; i < 300; i++) insert.run('x'.repeat(1024));
      db.exec("DELETE FROM messages WHERE session_id = 'filler'");
    })();
  } finally {
    db.close();
  }
}

/**
 * What is wrong with a live DB that bot-writer.ts writes, or null: integrity_check, and its rows 'load-0'..
 * without a gap (exactly `written` of them when the writer has stopped and said how many it committed).
 */
export function liveRowsCheck(path: string, written?: number): string | null {
  let db: WritableDb | null = null;
  try {
    db = openForWrite(path, { fileMustExist: true, busyTimeoutMs: 5000 });
    const integrity = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');
    if (integrity !== 'ok') return `integrity_check: ${integrity.slice(0, 200)}`;
    const rows = (
      db
        .prepare("SELECT content FROM messages WHERE session_id = 'load' ORDER BY id")
        .pluck()
        .all() as string[]
    ).map((c) => Number(c.slice(5)));
    const gap = rows.findIndex((n, i) => n !== i);
    if (gap >= 0) return `row load-${gap} is missing (found load-${rows[gap]} in its place)`;
    if (written !== undefined && rows.length !== written)
      return `${written} rows committed, ${rows.length} in the DB`;
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    db?.close();
  }
}

const HOLDER = `
import Database from ${JSON.stringify(join(REPO, 'main', 'sqlite', 'driver.ts'))};
const [path, writeEveryMs, holdMs] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));
const db = new Database(path, { timeout: 5000 });
db.prepare('SELECT count(*) FROM messages').get();
const insert = db.prepare("INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (1, 'live', 'user', ?, datetime('now'))");
let n = 0;
const timer = writeEveryMs > 0 ? setInterval(() => insert.run('live-' + n++), writeEveryMs) : null;
const stop = () => { if (timer) clearInterval(timer); db.close(); process.exit(0); };
if (holdMs > 0) setTimeout(stop, holdMs);
process.on('message', stop);
process.send({ ready: true });
`;

/** Starts a process that opens `path` like the bot (and writes every `writeEveryMs` ms when > 0). */
export function startHolder(
  dir: string,
  path: string,
  options: { writeEveryMs?: number; holdMs?: number } = {},
): Promise<ChildProcess> {
  const script = join(dir, 'holder.ts');
  writeFileSync(script, HOLDER);
  const child = spawn(NODE, [script, path, String(options.writeEveryMs ?? 0), String(options.holdMs ?? 0)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('error', reject);
  });
}

export function stopHolder(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.send('stop');
  });
}

const VACUUM_RUNNER = `
import { runVacuum } from ${JSON.stringify(join(REPO, 'main', 'maintenance', 'vacuum.ts'))};
import { silentContext } from ${JSON.stringify(join(REPO, 'main', 'jobs', 'job.ts'))};
const [root, chatId] = process.argv.slice(2);
const result = await runVacuum(
  { root, chatIds: [chatId], minFreePercent: 1, dryRun: false, waitMs: 3000, evenIfOpen: true },
  silentContext(),
);
console.log(JSON.stringify(result));
`;

/**
 * The command line of a vacuum in its own process (so a test can SIGKILL it, or let its crash points do):
 * the CLI (`vacuum ROOT --chat ID --min-free-percent 1 --wait 3 --json`), or with `evenIfOpen` a script
 * that runs the CLI's function with the same options and the "someone has it open" politeness off.
 */
export function vacuumCommand(
  dir: string,
  root: string,
  chatId: string,
  options: { evenIfOpen?: boolean } = {},
): [string, string[]] {
  if (!options.evenIfOpen)
    return [
      NODE,
      [CLI, 'vacuum', root, '--chat', chatId, '--min-free-percent', '1', '--wait', '3', '--json'],
    ];
  const script = join(dir, 'vacuum-runner.ts');
  writeFileSync(script, VACUUM_RUNNER);
  return [NODE, [script, root, chatId]];
}
