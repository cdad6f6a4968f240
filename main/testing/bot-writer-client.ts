// Starts and stops main/testing/bot-writer.ts from a test or a benchmark, and grows a chat DB to a size (never
// used by the app).

import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from '../sqlite/driver.ts';
import { NODE } from './cli.ts';

const SCRIPT = fileURLToPath(new URL('./bot-writer.ts', import.meta.url));

export interface WriterReport {
  written: number;
  errors: number;
  messages: string[];
  /** How many errors of each SQLite code (SQLITE_BUSY, SQLITE_CORRUPT...). */
  errorCodes: Record<string, number>;
}

export function startBotWriter(
  db: string,
  chatId: string,
  rowsPerSecond: number,
  mode: 'wal' | 'delete',
  sync: 'full' | 'off' = 'full',
  hold: 'hold' | 'reopen' = 'hold',
): Promise<ChildProcess> {
  const child = spawn(NODE, [SCRIPT, db, chatId, String(rowsPerSecond), mode, sync, hold], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it started`)));
  });
}

export function stopBotWriter(child: ChildProcess): Promise<WriterReport> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as WriterReport));
    child.send('stop');
  });
}

/** The writer's rows ('load-<n>' → n, in id order) in a DB file nobody writes (a restored or extracted copy). */
export function loadRowsOf(path: string): number[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
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

/** Grows a chat DB's messages table with copies of its rows until the file is at least `mb` MB. */
export function growDb(path: string, mb: number): void {
  const db = new Database(path);
  try {
    const columns = (db.prepare('PRAGMA table_info(messages)').all() as { name: string }[])
      .map((c) => c.name)
      .filter((name) => name !== 'id')
      .join(', ');
    while (statSync(path).size < mb * 1024 * 1024) {
      db.exec(`INSERT INTO messages (${columns}) SELECT ${columns} FROM messages LIMIT 20000`);
    }
  } finally {
    db.close();
  }
}
