// Issue 21, item 1: vacuum killed (SIGKILL) at random moments while VACUUM itself runs on the live file (the
// function the CLI runs, in its own process, politeness off), with a bot opening the DB for every row it
// writes (100 rows/s). SQLite rolls back what a killed VACUUM left (a hot journal, or WAL frames without a
// commit): after each kill the live DB passes integrity_check and holds the bot's rows without a gap; at
// the end a clean run finishes, the bot saw no error but SQLITE_BUSY, every row it committed is there, and
// no temporary file is left beside the DB or in SQLite's temp folder (VACUUM's temporary copy is unlinked
// by SQLite as soon as it is opened).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growDb, startBotWriter, stopBotWriter } from '../testing/bot-writer-client.ts';
import { REPO } from '../testing/backup-helpers.ts';
import { chatWithFreePages, givePagesBack, liveRowsCheck, vacuumCommand } from '../testing/maintenance.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-vacuum-kill-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ID = '5551004';
/** Kills that must land inside VACUUM, and the most runs tried for that. */
const KILLS = 2;
const MAX_RUNS = 6;

function hidden(chat: string): string[] {
  return readdirSync(chat).filter((n) => n.startsWith('.'));
}

/** Removes the backups the runs made (each is a full copy; the test only needs the live DB). */
function dropBackups(chat: string): void {
  for (const n of readdirSync(chat)) if (n.includes('.bak-')) unlinkSync(join(chat, n));
}

describe.each(['wal', 'delete'] as const)(
  'vacuum killed at random moments during VACUUM (%s mode)',
  (mode) => {
    it('the DB passes integrity_check and keeps every committed row after each kill', async () => {
      const root = join(dir, `random-${mode}`);
      const db = chatWithFreePages(root, ID, { wal: mode === 'wal' });
      const chat = join(db, '..');
      // Large enough that VACUUM takes a while (a few hundred ms here), so a kill can land inside it.
      growDb(db, 4);
      const sqliteTmp = join(dir, `tmp-random-${mode}`);
      mkdirSync(sqliteTmp);
      const [cmd, args] = vacuumCommand(dir, root, ID, { evenIfOpen: true });
      const env = { ...process.env, TMPDIR: sqliteTmp, SQLITE_TMPDIR: sqliteTmp };
      const writer = await startBotWriter(db, ID, 100, mode, 'off', 'reopen');
      const problems: string[] = [];
      let insideVacuum = 0;
      let written: number;
      try {
        // The random delay shrinks each time a kill came after VACUUM was over, so most land inside it.
        let maxDelayMs = 300;
        for (let kill = 0; kill < MAX_RUNS && insideVacuum < KILLS; kill++) {
          givePagesBack(db);
          const log = join(dir, `random-${mode}-${kill}.log`);
          const child = spawn(cmd, args, {
            cwd: REPO,
            env: { ...env, CHAT_INSPECTOR_CRASH_LOG: log },
            stdio: 'ignore',
          });
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          // Wait until VACUUM is about to start, then kill at a random moment of it.
          for (let waited = 0; waited < 20_000; waited += 5) {
            if (existsSync(log) && readFileSync(log, 'utf8').includes('vacuum:digested')) break;
            if (child.exitCode !== null) break;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * maxDelayMs));
          child.kill('SIGKILL');
          await exited;
          const steps = existsSync(log) ? readFileSync(log, 'utf8') : '';
          if (steps.includes('vacuum:digested') && !steps.includes('vacuum:vacuumed')) insideVacuum++;
          else if (steps.includes('vacuum:vacuumed')) maxDelayMs /= 2;
          const live = liveRowsCheck(db);
          if (live) problems.push(`kill ${kill}: ${live}`);
          dropBackups(chat);
        }
        const last = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', env });
        if (last.status !== 0) problems.push(`the clean run exited ${last.status}: ${last.stderr}`);
      } finally {
        const report = await stopBotWriter(writer);
        written = report.written;
        const notBusy = Object.keys(report.errorCodes).filter((c) => !c.startsWith('SQLITE_BUSY'));
        if (notBusy.length > 0)
          problems.push(`the bot saw ${notBusy.join(', ')}: ${report.messages.join(' | ')}`);
      }
      expect(problems).toEqual([]);
      // Not a vacuous pass: some kills did land inside VACUUM.

      expect(insideVacuum).toBeGreaterThan(0);
      expect(liveRowsCheck(db, written)).toBeNull();
      expect(hidden(chat)).toEqual([]);
      expect(readdirSync(sqliteTmp)).toEqual([]);
    }, 60_000);
  },
);
