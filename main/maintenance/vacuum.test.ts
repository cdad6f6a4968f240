import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctx, dumpDb, runCliSync, treeSnapshot } from '../testing/backup-helpers.ts';
import { journalModeOfFile, quickCheckFile } from '../sqlite/file.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { chatWithFreePages, startHolder, stopHolder } from '../testing/maintenance.ts';
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
  it('reclaims the free pages in place and keeps every row byte-identical, a backup kept as .bak', async () => {
    const { root, db } = freshRoot(`reclaim-${wal}`, wal);
    const rowsBefore = dumpDb(db);
    const sizeBefore = statSync(db).size;
    const inode = statSync(db).ino;
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
    // The backup is a complete DB of its own (no -wal needed), taken before anything changed.
    expect(outcome.backup).toMatch(/conversations\.db\.bak-\d{8}T\d{6}Z/);
    expect(quickCheckFile(outcome.backup!)).toBe('ok');
    expect(journalModeOfFile(outcome.backup!)).toBe('delete');
    expect(dumpDb(outcome.backup!)).toEqual(rowsBefore);
    // The DB itself was vacuumed in place: the same file (inode), never replaced.
    expect(statSync(db).ino).toBe(inode);
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

describe('vacuum and a write between the digest and VACUUM', () => {
  it('vacuums with the new row kept, and says the rows could not be compared one by one', async () => {
    const { db } = freshRoot('race', true);
    const outcome = await vacuumDb(
      { chatId: ID, file: 'conversations.db', path: db },
      {
        waitMs: 0,
        // The bot writes one message right before VACUUM: data_version moves, the digests cannot be compared.
        beforeVacuum: (path) => {
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
    expect(outcome.status).toBe('vacuumed');
    expect(outcome.tablesCompared).toBe(0);
    expect(outcome.reason).toMatch(/another program wrote to it during the vacuum.*quick_check is ok/);
    expect(dumpDb(db).messages!.some((r) => r[4] === 'just in time')).toBe(true);
    expect(dumpDb(outcome.backup!).messages!.some((r) => r[4] === 'just in time')).toBe(false);
    expect(quickCheckFile(db)).toBe('ok');
  });
});

describe('vacuum and the free disk space', () => {
  it('refuses when the backup and VACUUM would not fit, and changes no byte', async () => {
    const { root, db } = freshRoot('space');
    const before = treeSnapshot(root);
    const outcome = await vacuumDb(
      { chatId: ID, file: 'conversations.db', path: db },
      { waitMs: 0, freeBytes: () => 64 * 1024 },
      new AbortController().signal,
    );
    expect(outcome.status).toBe('refused');
    expect(outcome.reason).toMatch(
      /not enough free space in .*needed for the backup and VACUUM.*nothing was changed/,
    );
    expect(treeSnapshot(root)).toEqual(before);
  });
});
