// A stand-in for the bot, for tests and benchmarks (never used by the app): a child process that inserts
// messages into one chat's conversations.db at a steady rate, each row its own transaction, as the bot does.
//
//   node main/backup/bot-writer.ts DB_PATH CHAT_ID ROWS_PER_SECOND [wal|delete] [full|off]
//
// The last argument is PRAGMA synchronous: `off` skips the fsyncs of each commit, for disks too slow to take
// the asked rate with them (a VM's disk can fsync only ~60 commits a second); the locking is the same.
// It talks to its parent over IPC: {ready: true} once writing, and on any message it stops and answers
// {written, errors, messages}. Rows are 'load-<n>' in session 'load', n counting from 0 without gaps, so a
// backup's copy can be checked to hold exactly a prefix of what was written.

import Database from '../sqlite/driver.ts';

const [path, chatId, rateText, mode, sync] = process.argv.slice(2);
if (!path || !chatId || !rateText || !process.send)
  throw new Error('usage: bot-writer.ts DB CHAT_ID ROWS_PER_SECOND [wal|delete] (with an IPC channel)');
const rate = Number(rateText);
// The bot's own setting: wait up to 5 s for a lock (a reader's SHARED lock blocks its commit meanwhile).
const db = new Database(path, { timeout: 5000 });
db.pragma(mode === 'wal' ? 'journal_mode = WAL' : 'journal_mode = DELETE');
db.pragma(sync === 'off' ? 'synchronous = OFF' : 'synchronous = FULL');
const insert = db.prepare(
  "INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (?, 'load', 'user', ?, datetime('now'))",
);
let written = 0;
let errors = 0;
const messages: string[] = [];
let stop = false;
const started = performance.now();
process.on('message', () => {
  stop = true;
});

function tick(): void {
  if (stop) {
    db.close();
    process.send!({ written, errors, messages }, () => process.exit(0));
    return;
  }
  // Catch up with the schedule (rate rows per second since the start), one transaction per row; a few rows
  // per turn at most, so a stop request is seen even when locks held the writer back.
  const due = Math.min(written + 20, Math.floor(((performance.now() - started) / 1000) * rate));
  while (written < due && !stop) {
    try {
      insert.run(Number(chatId), `load-${written}`);
      written++;
    } catch (error) {
      errors++;
      if (messages.length < 5) messages.push(error instanceof Error ? error.message : String(error));
      break;
    }
  }
  setTimeout(tick, 2);
}

process.send({ ready: true });
tick();
