// Backups of a rollback-journal (journal_mode=DELETE) DB while the bot writes: how many are consistent.
//
//   npx node bench/backup-writer.ts [--backups 40] [--mb 47] [--rate 200] [--fsync]
//
// The writer commits without fsync (PRAGMA synchronous=OFF) unless --fsync is given: a VM disk that fsyncs
// ~60 commits a second could not take 200 rows/s otherwise; the locks each commit takes are the same. The
// rate the writer really reached is printed.
// One chat whose conversations.db is grown to --mb MB, a writer child process (main/testing/bot-writer.ts)
// inserting --rate rows per second, one transaction each, and --backups backups of the root taken one after
// the other while it writes. A backup counts as consistent when it succeeded with nothing damaged, failed or
// left out, `verify` passes, and its copy holds exactly a prefix of the writer's rows (load-0 … load-k-1).
// Prints "consistent N/40, writer errors M". Target: 40/40 and 0.

import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { loadRowsOf, startBotWriter, stopBotWriter } from '../main/testing/bot-writer-client.ts';
import { createBackup } from '../main/backup/create.ts';
import { verifyArchive } from '../main/backup/verify.ts';
import { generateChat } from '../main/fixtures/index.ts';
import { silentContext } from '../main/jobs/job.ts';
import Database from '../main/sqlite/driver.ts';
import { WorkerPool } from '../main/workers/pool.ts';
import { argValue, BENCH_DIR } from './common.ts';

const backups = argValue('--backups', 40);
const megabytes = argValue('--mb', 47);
const rate = argValue('--rate', 200);
const CHAT = '4747001';

/** A DELETE-mode chat whose conversations.db is at least `mb` MB (generated rows, then doubled with SQL). */
function makeRoot(dir: string, mb: number): string {
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  generateChat(root, CHAT, { messages: 2000, seed: 47 });
  const path = join(root, `chat_${CHAT}`, 'conversations.db');
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  const columns = (db.prepare('PRAGMA table_info(messages)').all() as { name: string }[])
    .map((c) => c.name)
    .filter((name) => name !== 'id');
  const list = columns.join(', ');
  while (statSync(path).size < mb * 1024 * 1024) {
    db.exec(`INSERT INTO messages (${list}) SELECT ${list} FROM messages LIMIT 20000`);
  }
  db.close();
  return root;
}

const dir = join(BENCH_DIR, 'backup-writer');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const root = makeRoot(dir, megabytes);
const db = join(root, `chat_${CHAT}`, 'conversations.db');
process.stderr.write(`conversations.db: ${(statSync(db).size / 1048576).toFixed(1)} MB, DELETE mode\n`);

const pool = new WorkerPool(1);
const fsync = process.argv.includes('--fsync');
const writer = await startBotWriter(db, CHAT, rate, 'delete', fsync ? 'full' : 'off');
let consistent = 0;
const failures: string[] = [];
let reported = 0;
const started = performance.now();
for (let i = 0; i < backups; i++) {
  const out = join(dir, `b-${i}.tar.gz`);
  const scratch = join(dir, `x-${i}`);
  try {
    const result = await createBackup({ root, out, pool }, silentContext());
    const problems = [
      ...result.damaged.map((d) => `damaged ${d.path}: ${d.integrity}`),
      ...result.failed.map((f) => `failed ${f.chatId}: ${f.reason}`),
      // NOTBACKEDUP
    ];
    const verify = await verifyArchive({ archive: out }, silentContext());
    if (!verify.ok)
      problems.push(`verify: ${[...verify.problems, ...verify.files.flatMap((f) => f.problems)].join('; ')}`);
    if (problems.length === 0) {
      mkdirSync(scratch);
      await tar.x({ file: out, cwd: scratch });
      const rows = loadRowsOf(join(scratch, 'chats', `chat_${CHAT}`, 'conversations.db'));
      if (!rows.every((n, k) => n === k)) problems.push('the copy does not hold a prefix of the rows');
    }
    if (problems.length === 0) consistent++;
    else failures.push(`#${i}: ${problems.join('; ')}`);
  } catch (error) {
    failures.push(`#${i}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (failures.length > reported) process.stderr.write(`\n${failures.slice(reported).join('\n')}\n`);
    reported = failures.length;
    rmSync(out, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  process.stderr.write(`\rbackup ${i + 1}/${backups}, consistent ${consistent}`);
}
process.stderr.write('\n');
const report = await stopBotWriter(writer);
await pool.close();
for (const f of failures) console.log(f);
for (const m of report.messages) console.log(`writer: ${m}`);
const seconds = (performance.now() - started) / 1000;
console.log(
  `${backups} backups in ${seconds.toFixed(0)} s; the writer wrote ${report.written} rows (${(report.written / seconds).toFixed(0)}/s, asked ${rate}/s)`,
);
console.log(`consistent ${consistent}/${backups}, writer errors ${report.errors}`);
rmSync(dir, { recursive: true, force: true });
