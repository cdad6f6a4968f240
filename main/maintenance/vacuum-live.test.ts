// Issue 21, item 1: vacuum next to a bot that keeps writing, as repeated trials with a real writer process.
// Each trial gives the DB free pages (filler rows inserted and deleted, through SQLite's locks like any
// other writer), runs the vacuum the CLI runs (`--min-free-percent 1 --wait 3`), then checks the live DB:
// integrity_check is ok and the writer's rows are 'load-0'..'load-<n>' without a gap. At the end the writer
// is stopped: every row it committed is there and it saw no error but SQLITE_BUSY.
// The writer either opens and closes the DB for every row (the case a file swap broke: a connection opened
// between the checks and the rename paired a -wal with the wrong file) or keeps one connection open; with a
// held connection the polite "someone has it open" refusal is switched off, since correctness must not
// depend on it.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VacuumOutcome } from '../../shared/contract/maintenance.ts';
import { startBotWriter, stopBotWriter } from '../testing/bot-writer-client.ts';
import { ctx } from '../testing/backup-helpers.ts';
import { chatWithFreePages, givePagesBack, liveRowsCheck } from '../testing/maintenance.ts';
import { runVacuum } from './vacuum.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-vacuum-live-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ID = '5551002';
/** The scenario (a bot opening the DB per row) 15 times; with a held connection 10. */
const TRIALS = { reopen: 15, hold: 10 } as const;
const ROWS_PER_SECOND = 100;

describe.each([
  ['wal', 'reopen'],
  ['wal', 'hold'],
  ['delete', 'reopen'],
  ['delete', 'hold'],
] as const)('vacuum while a bot writes (%s mode, connection: %s)', (mode, hold) => {
  it(`${TRIALS[hold]} runs: the DB stays sound, every committed row is kept, the bot sees no error but BUSY`, async () => {
    const root = join(dir, `${mode}-${hold}`);
    const db = chatWithFreePages(root, ID, { wal: mode === 'wal' });
    const writer = await startBotWriter(db, ID, ROWS_PER_SECOND, mode, 'off', hold);
    const failures: string[] = [];
    // Runs whose rows were compared one by one (no commit of the bot's between the two digests).
    let compared = 0;
    const statuses: Record<VacuumOutcome['status'], number> = { vacuumed: 0, refused: 0, failed: 0 };
    try {
      for (let trial = 1; trial <= TRIALS[hold]; trial++) {
        try {
          givePagesBack(db);
        } catch (error) {
          failures.push(`run ${trial}: the DB cannot be written: ${(error as Error).message}`);
          break;
        }
        const result = await runVacuum(
          {
            root,
            chatIds: [ID],
            minFreePercent: 1,
            dryRun: false,
            waitMs: 3000,
            evenIfOpen: hold === 'hold',
          },
          ctx(),
        );
        for (const o of result.outcomes) {
          statuses[o.status]++;
          if (o.tablesCompared > 0) compared++;
          if (o.status === 'failed') failures.push(`run ${trial}: failed: ${o.reason}`);
        }
        const live = liveRowsCheck(db);
        if (live) failures.push(`run ${trial}: ${live}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    } finally {
      const report = await stopBotWriter(writer);
      const notBusy = Object.entries(report.errorCodes).filter(([code]) => !code.startsWith('SQLITE_BUSY'));
      if (notBusy.length > 0)
        failures.push(`the writer saw ${JSON.stringify(notBusy)}: ${report.messages.join(' | ')}`);
      const end = liveRowsCheck(db, report.written);
      if (end) failures.push(`at the end: ${end}`);
    }
    expect(failures, JSON.stringify(statuses)).toEqual([]);
    // Not a vacuous pass: runs did vacuum (the polite refusal of a held connection is off here), and some
    // of them with the rows compared one by one.
    expect(statuses.vacuumed, JSON.stringify(statuses)).toBeGreaterThan(0);
    expect(compared, JSON.stringify(statuses)).toBeGreaterThan(0);
    expect(readdirSync(join(db, '..')).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 60_000);
});
