// Issue 21, item 1: vacuum killed (SIGKILL, like a power cut) at every step, with a bot writing the DB all
// along (a real process, 100 rows/s; the "someone has it open" politeness is off, so every step runs while
// the bot has it open; kills inside VACUUM itself: vacuum-kill.test.ts). After each kill the live DB
// passes integrity_check and holds the bot's rows without a gap; after the last one a clean run finishes,
// the bot saw no error but SQLITE_BUSY, every row it committed is there, and no temporary file is left
// beside the DB or in SQLite's temp folder.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWriter, stopBotWriter } from '../testing/bot-writer-client.ts';
import { openForWrite } from '../sqlite/write.ts';
import { REPO } from '../testing/backup-helpers.ts';
import { chatWithFreePages, givePagesBack, liveRowsCheck, vacuumCommand } from '../testing/maintenance.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-vacuum-crash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ID = '5551003';
const STEPS = [
  'vacuum:copied',
  'vacuum:backed-up',
  'vacuum:digested',
  'vacuum:vacuumed',
  'vacuum:checkpointed',
  'vacuum:checked',
];

function hidden(chat: string): string[] {
  return readdirSync(chat).filter((n) => n.startsWith('.'));
}

// Both journal modes and both kinds of bot connection, in two runs (each takes ~15 s here).
describe.each([
  ['wal', 'reopen'],
  ['delete', 'hold'],
] as const)('vacuum killed at every step (%s mode, bot connection: %s)', (mode, hold) => {
  it('each kill leaves the DB sound with every committed row; the next run cleans up', async () => {
    const root = join(dir, `steps-${mode}-${hold}`);
    const db = chatWithFreePages(root, ID, { wal: mode === 'wal' });
    const chat = join(db, '..');
    const sqliteTmp = join(dir, `tmp-steps-${mode}-${hold}`);
    mkdirSync(sqliteTmp);
    const [cmd, args] = vacuumCommand(dir, root, ID, { evenIfOpen: true });
    const env = { ...process.env, TMPDIR: sqliteTmp, SQLITE_TMPDIR: sqliteTmp };
    const writer = await startBotWriter(db, ID, 100, mode, 'off', hold);
    const problems: string[] = [];
    let written: number;
    try {
      for (const [i, step] of STEPS.entries()) {
        givePagesBack(db);
        const log = join(dir, `steps-${mode}-${hold}-${i}.log`);
        const run = spawnSync(cmd, args, {
          cwd: REPO,
          encoding: 'utf8',
          env: { ...env, CHAT_INSPECTOR_CRASH_AT: String(i + 1), CHAT_INSPECTOR_CRASH_LOG: log },
        });
        const reached = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').at(-1) : '';
        if (run.signal !== 'SIGKILL' || !reached?.endsWith(step))
          problems.push(
            `${step}: not killed there (${run.signal ?? run.status}, last step ${reached}): ${run.stdout.slice(0, 600)}`,
          );
        const live = liveRowsCheck(db);
        if (live) problems.push(`${step}: ${live}`);
      }
      givePagesBack(db);
      const last = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', env });
      if (last.status !== 0) problems.push(`the clean run exited ${last.status}: ${last.stderr}`);
      else {
        const result = JSON.parse(last.stdout) as { outcomes: { status: string }[] };
        if (result.outcomes.map((o) => o.status).join() !== 'vacuumed')
          problems.push(`the clean run: ${last.stdout.slice(0, 300)}`);
      }
    } finally {
      const report = await stopBotWriter(writer);
      written = report.written;
      const notBusy = Object.keys(report.errorCodes).filter((c) => !c.startsWith('SQLITE_BUSY'));
      if (notBusy.length > 0)
        problems.push(`the bot saw ${notBusy.join(', ')}: ${report.messages.join(' | ')}`);
    }
    expect(problems).toEqual([]);
    expect(liveRowsCheck(db, written)).toBeNull();
    expect(hidden(chat)).toEqual([]);
    expect(readdirSync(sqliteTmp)).toEqual([]);
    // A kill before VACUUM left a complete backup beside the DB; each is a DB that passes quick_check.
    const baks = readdirSync(chat).filter((n) => n.includes('.bak-'));
    expect(baks.length).toBeGreaterThanOrEqual(STEPS.length - 2);
    for (const b of baks) {
      const copy = openForWrite(join(chat, b), { fileMustExist: true });
      expect(copy.prepare('PRAGMA quick_check').pluck().get(), b).toBe('ok');
      copy.close();
    }
  }, 60_000);
});
