import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctx, runCliSync } from '../testing/backup-helpers.ts';
import { generateRoot } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import { alertsExitCode, alertsFromFigures } from './alerts.ts';
import type { ChatFigures } from './figures.ts';
import { backupRotate, listRotated } from './rotate.ts';

const pool = new WorkerPool(0);
let dir: string;
let healthy: string;
let damaged: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-alerts-'));
  healthy = join(dir, 'healthy');
  generateRoot(healthy, { chats: 3, seed: 5 });
  damaged = join(dir, 'damaged');
  generateRoot(damaged, { chats: 2, seed: 5, broken: ['page_corrupt'] });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

// Thresholds nothing in a small healthy root reaches (the fixtures' clock is fixed, the CLI's is not).
const QUIET = ['--inactive-days', '100000', '--slow-ms', '600000', '--backup-max-days', '100000'];

describe('alerts', () => {
  it('exit 0 without alerts, 1 with warnings only, 2 with an integrity error', () => {
    const none = runCliSync(['alerts', healthy, ...QUIET]);
    expect(none.stdout).toMatch(/No alert in 3 chats/);
    expect(none.status).toBe(0);

    const warnings = runCliSync([
      'alerts',
      healthy,
      '--inactive-days',
      '100000',
      '--slow-ms',
      '600000',
      '--backup-max-days',
      '100000',
      '--db-max-mb',
      '0.001',
      '--json',
    ]);
    expect(warnings.status).toBe(1);
    const result = JSON.parse(warnings.stdout) as { alerts: { kind: string; severity: string }[] };
    expect(result.alerts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(result.alerts.map((a) => a.kind))).toEqual(new Set(['db_large']));

    const inactive = runCliSync([
      'alerts',
      healthy,
      '--inactive-days',
      '1',
      '--slow-ms',
      '600000',
      '--backup-max-days',
      '100000',
    ]);
    expect(inactive.status).toBe(1);
    expect(inactive.stdout).toMatch(/inactive .*No activity for \d+ days/);

    const errors = runCliSync(['alerts', damaged, ...QUIET]);
    expect(errors.status).toBe(2);
    expect(errors.stdout).toMatch(/error +integrity .*conversations\.db is damaged/);
  });

  it('bad thresholds are one error line, exit 2', () => {
    const bad = runCliSync(['alerts', healthy, '--slow-ms', 'fast']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('each threshold applies as set (slow chats, sizes, days)', () => {
    const chat: ChatFigures = {
      chatId: '1',
      dir: '/x',
      dbs: [{ file: 'conversations.db', bytes: 3 * 1024 * 1024 }],
      sizeBytes: 3 * 1024 * 1024,
      lastActive: '2026-01-01T00:00:00Z',
      errors: [],
      newestPageMs: 150,
      fingerprint: 'f',
    };
    const now = new Date('2026-03-01T00:00:00Z');
    const kinds = (t: { dbMaxMb: number; inactiveDays: number; slowMs: number }) =>
      alertsFromFigures([chat], { ...t, backupMaxDays: 2 }, now)
        .map((a) => a.kind)
        .sort();
    expect(kinds({ dbMaxMb: 10, inactiveDays: 90, slowMs: 200 })).toEqual([]);
    expect(kinds({ dbMaxMb: 2, inactiveDays: 30, slowMs: 100 })).toEqual(['db_large', 'inactive', 'slow']);
    expect(
      alertsExitCode(
        alertsFromFigures([chat], { dbMaxMb: 2, inactiveDays: 90, slowMs: 200, backupMaxDays: 2 }, now),
      ),
    ).toBe(1);
  });
});

describe('rotating backups (backup --out-dir --keep)', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 2, minute, 0));

  it('keeps the newest N verified archives; a failed verification removes nothing; the last verified is never removed', async () => {
    const out = join(dir, 'rotation');
    mkdirSync(out);
    // A manual archive without a verification record: never counted, never removed.
    const manual = join(out, 'backup-healthy-20260101T000000Z.tar.gz');
    writeFileSync(manual, 'not ours');
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await backupRotate({ root: healthy, outDir: out, keep: 2, pool, now: at(i) }, ctx());
      expect(r.verified).toBe(true);
      paths.push(r.archive);
      expect(r.kept[0]!.path).toBe(r.archive);
    }
    expect(listRotated(out).verified.map((v) => v.path)).toEqual([paths[2], paths[1]]);
    expect(readdirSync(out)).not.toContain(paths[0]!.split('/').pop());
    expect(listRotated(out).unverified).toEqual([manual]);

    // The new archive fails verification: nothing older is removed.
    const bad = await backupRotate(
      {
        root: healthy,
        outDir: out,
        keep: 1,
        pool,
        now: at(10),
        afterArchiveWritten: (a) => truncateSync(a, Math.floor(statSync(a).size / 2)),
      },
      ctx(),
    );
    expect(bad.verified).toBe(false);
    expect(bad.removed).toEqual([]);
    expect(listRotated(out).verified.map((v) => v.path)).toEqual([paths[2], paths[1]]);

    // keep 1: only the new verified archive is left of the verified ones.
    const last = await backupRotate({ root: healthy, outDir: out, keep: 1, pool, now: at(20) }, ctx());
    expect(last.removed.map((r) => r.path).sort()).toEqual([paths[1], paths[2]].sort());
    expect(listRotated(out).verified.map((v) => v.path)).toEqual([last.archive]);
  });

  it('the CLI: backup ROOT --out-dir DIR --keep N', () => {
    const out = join(dir, 'rotation-cli');
    mkdirSync(out);
    const first = runCliSync(['backup', healthy, '--out-dir', out, '--keep', '1', '--json']);
    expect(first.status, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { verified: boolean }).verified).toBe(true);
    const bad = runCliSync(['backup', healthy, '--out-dir', out, '--keep', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--keep/);
    expect(runCliSync(['backup', healthy]).stderr).toMatch(/--out/);
  });
});
