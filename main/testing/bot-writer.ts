// A stand-in for the bot, for tests and benchmarks (never used by the app): a child process that inserts
// messages into one chat's conversations.db at a steady rate, each row its own transaction, as the bot does.
//
//   node main/testing/bot-writer.ts DB_PATH CHAT_ID ROWS_PER_SECOND [wal|delete] [full|off] [hold|reopen]
//
// The fifth argument is PRAGMA synchronous: `off` skips the fsyncs of each commit, for disks too slow to take
// the asked rate with them (a VM's disk can fsync only ~60 commits a second); the locking is the same.
// The last one is how the bot holds the DB: `hold` (default) keeps one connection open, `reopen` opens and
// closes a connection for every row (common for bots, and the case that a file swapped under the DB breaks).
// It talks to its parent over IPC: {ready: true} once writing, and on any message it stops and answers
// {written, errors, messages, errorCodes}. Rows are 'load-<n>' in session 'load', n counting from 0 without
// gaps, so a copy can be checked to hold exactly a prefix of what was written; a row counts as written only
// once its INSERT returned (committed).

import Database from '../sqlite/driver.ts';

const [path, chatId, rateText, mode, sync, hold] = process.argv.slice(2);
if (!path || !chatId || !rateText || !process.send)
  throw new Error(
    'usage: bot-writer.ts DB CHAT_ID ROWS_PER_SECOND [wal|delete] [full|off] [hold|reopen] (with an IPC channel)',
  );
const rate = Number(rateText);
const reopen = hold === 'reopen';
const INSERT =
  "INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (?, 'load', 'user', ?, datetime('now'))";

// The bot's own setting: wait up to 5 s for a lock (a reader's SHARED lock blocks its commit meanwhile).
function open(): Database.Database {
  const db = new Database(path!, { timeout: 5000 });
  db.pragma(sync === 'off' ? 'synchronous = OFF' : 'synchronous = FULL');
  return db;
}

const first = open();
first.pragma(mode === 'wal' ? 'journal_mode = WAL' : 'journal_mode = DELETE');
let held: Database.Database | null = reopen ? (first.close(), null) : first;
const heldInsert = held?.prepare(INSERT) ?? null;

function insertOne(n: number): void {
  if (heldInsert) {
    heldInsert.run(Number(chatId), `load-${n}`);
    return;
  }
  const db = open();
  try {
    db.prepare(INSERT).run(Number(chatId), `load-${n}`);
  } finally {
    db.close();
  }
}

let written = 0;
let errors = 0;
const messages: string[] = [];
const errorCodes: Record<string, number> = {};
let stop = false;
const started = performance.now();
process.on('message', () => {
  stop = true;
});

function tick(): void {
  if (stop) {
    held?.close();
    held = null;
    process.send!({ written, errors, messages, errorCodes }, () => process.exit(0));
    return;
  }
  // Catch up with the schedule (rate rows per second since the start), one transaction per row; a few rows
  // per turn at most, so a stop request is seen even when locks held the writer back.
  const due = Math.min(written + 20, Math.floor(((performance.now() - started) / 1000) * rate));
  while (written < due && !stop) {
    try {
      insertOne(written);
      written++;
    } catch (error) {
      errors++;
      const code = (error as { code?: string } | null)?.code ?? 'no code';
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      if (messages.length < 5) messages.push(error instanceof Error ? error.message : String(error));
      break;
    }
  }
  setTimeout(tick, 2);
}

process.send({ ready: true });
tick();
