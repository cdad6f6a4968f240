// Helpers of the maintenance tests (not used by the app): a generated root with a DB full of free pages,
// and a live "bot" process that holds a DB open (and writes to it) while maintenance runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE, REPO } from '../backup/test-helpers.ts';
import { generateChat } from '../fixtures/index.ts';
import { openForWrite } from '../sqlite/write.ts';

/** A chat whose conversations.db has most of its rows deleted (many free pages). */
export function chatWithFreePages(root: string, chatId: string, options: { wal?: boolean } = {}): string {
  const chat = generateChat(root, chatId, { messages: 3000, seed: 7, wal: options.wal ?? false });
  const path = join(chat.dir, 'conversations.db');
  const db = openForWrite(path, { fileMustExist: true });
  db.exec('DELETE FROM messages WHERE id <= 2400');
  db.close();
  return path;
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
