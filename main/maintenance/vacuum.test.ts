import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctx, dumpDb, runCliSync, treeSnapshot } from '../backup/test-helpers.ts';
import { hashFile, journalModeOfFile, quickCheckFile } from '../backup/sqlite-util.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { chatWithFreePages, startHolder, stopHolder } from './test-support.ts';
import { planVacuum, runVacuum, vacuumDb } from './vacuum.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-vacuum-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ID = '5551001';

function freshRoot(name: string, wal = false): { root: string; db: string } {
  const root = join(dir, name);
  const db = chatWithFreePages(root, ID, { wal });
  return { root, db };
}

function strays(chatDir: string): string[] {
  return readdirSync(chatDir).filter((n) => n.startsWith('.'));
}

describe.each([false, true])('vacuum (wal: %s)', (wal) => {
  it('reclaims the free pages and keeps every row byte-identical, the original kept as .bak', async () => {
    const { root, db } = freshRoot(`reclaim-${wal}`, wal);
    const rowsBefore = dumpDb(db);
    const sizeBefore = statSync(db).size;
    const dry = await runVacuum({ root, minFreePercent: 10, dryRun: true, waitMs: 0 }, ctx());
    expect(dry.candidates).toHaveLength(1);
    expect(dry.candidates[0]!.freePercent).toBeGreaterThan(50);
    expect(statSync(db).size).toBe(sizeBefore);

    const result = await runVacuum({ root, minFreePercent: 10, dryRun: false, waitMs: 0 }, ctx());
    const outcome = result.outcomes[0]!;
    expect(outcome.status).toBe('vacuumed');
    expect(outcome.tablesCompared).toBeGreaterThan(0);
    expect(outcome.bytesAfter!).toBeLessThan(sizeBefore / 2);
    expect(statSync(db).size).toBe(outcome.bytesAfter);
    expect(dumpDb(db)).toEqual(rowsBefore);
    expect(quickCheckFile(db)).toBe('ok');
    // The bot's journal mode is kept, and nothing is left beside the DB but the backup.
    expect(journalModeOfFile(db)).toBe(wal ? 'wal' : 'delete');
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(outcome.backup).toMatch(/conversations\.db\.bak-\d{8}T\d{6}Z/);
    expect(statSync(outcome.backup!).size).toBe(sizeBefore);
    expect(dumpDb(outcome.backup!)).toEqual(rowsBefore);
    expect(strays(join(db, '..'))).toEqual([]);
    // Nothing left to reclaim.
    expect((await planVacuum(root, undefined, 10)).candidates).toEqual([]);
  });
});

describe('vacuum on the command line', () => {
  it('--dry-run --json lists the DB and the space to reclaim, writes nothing; bad options are one line, exit 2', () => {
    const { root, db } = freshRoot('cli');
    const before = treeSnapshot(root);
    const dry = runCliSync(['vacuum', root, '--dry-run', '--json', '--min-free-percent', '20']);
    expect(dry.status, dry.stderr).toBe(0);
    const result = JSON.parse(dry.stdout) as { candidates: { path: string; reclaimableBytes: number }[] };
    expect(result.candidates.map((c) => c.path)).toEqual([db]);
    expect(result.candidates[0]!.reclaimableBytes).toBeGreaterThan(0);
    expect(treeSnapshot(root)).toEqual(before);
    const bad = runCliSync(['vacuum', root, '--min-free-percent', '150']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(treeSnapshot(root)).toEqual(before);
  });
});

describe('vacuum in a worker thread (the app)', () => {
  it('does the same work off the main thread', async () => {
    const { root, db } = freshRoot('worker');
    const rows = dumpDb(db);
    const pool = new WorkerPool(1);
    try {
      const result = await runVacuum({ root, minFreePercent: 10, dryRun: false, waitMs: 0, pool }, ctx());
      expect(result.outcomes.map((o) => o.status)).toEqual(['vacuumed']);
    } finally {
      await pool.close();
    }
    expect(dumpDb(db)).toEqual(rows);
    expect(strays(join(db, '..'))).toEqual([]);
  });
});

describe('vacuum and a bot that holds the DB', () => {
  it('refuses a DB another process has open (idle, no lock) and changes no byte', async () => {
    const { root, db } = freshRoot('idle');
    const holder = await startHolder(dir, db);
    try {
      const before = treeSnapshot(root);
      const result = await runVacuum({ root, minFreePercent: 10, dryRun: false, waitMs: 0 }, ctx());
      expect(result.outcomes[0]!.status).toBe('refused');
      expect(result.outcomes[0]!.reason).toMatch(/is open in .*pid \d+/);
      expect(treeSnapshot(root)).toEqual(before);
    } finally {
      await stopHolder(holder);
    }
  });

  it('refuses a DB the bot is writing; the bot never fails and the DB passes quick_check', async () => {
    const { root, db } = freshRoot('writing', true);
    const holder = await startHolder(dir, db, { writeEveryMs: 5 });
    try {
      const result = await runVacuum({ root, minFreePercent: 10, dryRun: false, waitMs: 300 }, ctx());
      expect(result.outcomes[0]!.status).toBe('refused');
    } finally {
      await stopHolder(holder);
    }
    expect(quickCheckFile(db)).toBe('ok');
    expect(readdirSync(join(db, '..')).some((n) => n.includes('.bak-'))).toBe(false);
  });

  it('a cancel while waiting for the bot ends the job, nothing changed', async () => {
    const { root, db } = freshRoot('cancel');
    const holder = await startHolder(dir, db);
    try {
      const before = treeSnapshot(root);
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 300);
      await expect(
        vacuumDb({ chatId: ID, file: 'conversations.db', path: db }, { waitMs: 60_000 }, controller.signal),
      ).rejects.toMatchObject({ code: 'cancelled' });
      // The wait would last a minute: ending long before proves the cancel was heard (not a speed test).
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(treeSnapshot(root)).toEqual(before);
    } finally {
      await stopHolder(holder);
    }
  });

  it('with --wait, waits for the bot to let go, then vacuums with the rows it wrote', async () => {
    const { db } = freshRoot('wait');
    const holder = await startHolder(dir, db, { writeEveryMs: 10, holdMs: 800 });
    const outcome = await vacuumDb(
      { chatId: ID, file: 'conversations.db', path: db },
      { waitMs: 15_000 },
      new AbortController().signal,
    );
    await stopHolder(holder);
    expect(outcome.status).toBe('vacuumed');
    const rows = dumpDb(db);
    expect(rows.messages!.some((r) => String(r[4]).startsWith('live-'))).toBe(true);
    expect(rows).toEqual(dumpDb(outcome.backup!));
  });
});

describe('vacuum and a write in the instant before the swap', () => {
  it('puts the original back with the new row; nothing is lost', async () => {
    const { db } = freshRoot('race');
    const outcome = await vacuumDb(
      { chatId: ID, file: 'conversations.db', path: db },
      {
        waitMs: 0,
        // Between our lock and the swap's, the bot writes one message.
        beforeSwap: (path) => {
          const bot = new Database(path);
          bot
            .prepare(
              "INSERT INTO messages (chat_id, session_id, message_type, content) VALUES (1, 'race', 'user', 'just in time')",
            )
            .run();
          bot.close();
        },
      },
      new AbortController().signal,
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/written while it was being vacuumed: the original .* was put back/);
    const rows = dumpDb(db).messages!;
    expect(rows.some((r) => r[4] === 'just in time')).toBe(true);
    expect(quickCheckFile(db)).toBe('ok');
  });
});

describe('vacuum killed at every step (SIGKILL)', () => {
  it('leaves the DB old or new, complete, passing quick_check; the next run finishes and cleans up', () => {
    const pristine = join(dir, 'crash-pristine');
    const db0 = chatWithFreePages(pristine, ID, { wal: true });
    const rows = dumpDb(db0);
    const oldHash = hashFile(db0).sha256;
    const log = join(dir, 'crash.log');
    const probe = join(dir, 'crash-probe');
    cpSync(pristine, probe, { recursive: true });
    const first = runCliSync(['vacuum', probe, '--json'], { CHAT_INSPECTOR_CRASH_LOG: log });
    expect(first.status).toBe(0);
    const steps = readFileSync(log, 'utf8').trim().split('\n').length;
    expect(steps).toBeGreaterThanOrEqual(8);
    for (let at = 1; at <= steps; at++) {
      const root = join(dir, `crash-${at}`);
      cpSync(pristine, root, { recursive: true });
      const db = join(root, `chat_${ID}`, 'conversations.db');
      const run = runCliSync(['vacuum', root], { CHAT_INSPECTOR_CRASH_AT: String(at) });
      expect(run.signal, `step ${at}`).toBe('SIGKILL');
      // Old (same bytes) or new (smaller), complete either way: the bot opens it and reads every row.
      const bot = new Database(db);
      expect((bot.prepare('PRAGMA quick_check').pluck().all() as string[]).join()).toBe('ok');
      bot.close();
      expect(dumpDb(db), `step ${at}`).toEqual(rows);
      const isOld = hashFile(db).sha256 === oldHash;
      expect(isOld || statSync(db).size < statSync(db0).size, `step ${at}`).toBe(true);
      // The next run finishes the job (or has nothing left) and leaves no temporary file.
      const again = runCliSync(['vacuum', root]);
      expect(again.status, again.stderr).toBe(0);
      expect(dumpDb(db)).toEqual(rows);
      expect(statSync(db).size).toBeLessThan(statSync(db0).size);
      expect(strays(join(root, `chat_${ID}`)), `step ${at}`).toEqual([]);
    }
  }, 180_000);
});
