import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../shared/contract/index.ts';
import type {
  AlertsResult,
  ArchiveInactiveResult,
  RotateResult,
  VacuumResult,
} from '../../../shared/contract/maintenance.ts';
import { AppError } from '../../../shared/errors.ts';
import { generateRoot } from '../../fixtures/index.ts';
import { chatWithFreePages } from '../../testing/maintenance.ts';
import { WorkerPool } from '../../workers/pool.ts';
import type { HandlerContext } from '../context.ts';
import { createContext } from '../create-context.ts';
import { invoke } from '../dispatch.ts';

let base: string;
let root: string;
let ctx: HandlerContext;
const pool = new WorkerPool(0);

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-maintenance-api-'));
  root = join(base, 'root');
  generateRoot(root, { chats: 2, seed: 4, broken: ['page_corrupt'] });
  chatWithFreePages(root, '5552001');
  ctx = createContext({
    userDataDir: join(base, 'home'),
    // A year after the fixtures' clock: every chat is inactive.
    now: () => new Date('2027-11-01T12:00:00Z'),
    pool,
    rememberRecent: false,
    roots: [root],
  });
});
afterAll(async () => {
  rmSync(base, { recursive: true, force: true });
  await pool.close();
});

async function runJob<R>(name: string, input: unknown): Promise<R> {
  const { jobId } = (await invoke(name, input, ctx)) as { jobId: string };
  let cursor = 0;
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId, cursor }, ctx)) as JobSnapshot;
    cursor = snapshot.cursor;
    if (snapshot.state === 'done') return snapshot.result as R;
    if (snapshot.state !== 'running')
      throw snapshot.error ? AppError.from(snapshot.error) : new Error(snapshot.state);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('maintenance operations over the contract', () => {
  it('refuses a root that was not opened', async () => {
    await expect(runJob('maintenance.alerts', { root: base })).rejects.toMatchObject({
      code: 'forbidden_path',
    });
    await expect(runJob('maintenance.vacuum', { root: base })).rejects.toMatchObject({
      code: 'forbidden_path',
    });
  });

  it('vacuums exactly the previewed DBs', async () => {
    const preview = await runJob<VacuumResult>('maintenance.vacuum', { root, dryRun: true });
    expect(preview.candidates).toHaveLength(1);
    const done = await runJob<VacuumResult>('maintenance.vacuum', {
      root,
      paths: preview.candidates.map((c) => c.path),
    });
    expect(done.outcomes.map((o) => o.status)).toEqual(['vacuumed']);
    expect(existsSync(done.outcomes[0]!.backup!)).toBe(true);
  });

  it('alerts with the thresholds given', async () => {
    const result = await runJob<AlertsResult>('maintenance.alerts', {
      root,
      thresholds: { dbMaxMb: 10, inactiveDays: 90, slowMs: 600_000 },
    });
    expect(result.exitCode).toBe(2);
    expect(result.alerts.filter((a) => a.kind === 'inactive')).toHaveLength(result.chats);
  });

  it("rotating backups and the archive of inactive chats go to Chat Inspector's own backups folder", async () => {
    const rotated = await runJob<RotateResult>('maintenance.backupRotate', { root, keep: 1 });
    expect(rotated.verified).toBe(true);
    expect(rotated.outDir).toBe(join(base, 'home', 'backups', 'rotation-root'));
    const dry = await runJob<ArchiveInactiveResult>('maintenance.archiveInactive', {
      root,
      days: 90,
      dryRun: true,
    });
    const healthy = dry.candidates.length;
    const done = await runJob<ArchiveInactiveResult>('maintenance.archiveInactive', {
      root,
      days: 90,
      plan: dry.plan,
    });
    expect(done.archive!.startsWith(join(base, 'home', 'backups', 'inactive'))).toBe(true);
    expect(statSync(done.archive!).size).toBeGreaterThan(0);
    // The damaged chat stays; every other one is archived and gone from the root.
    expect(done.kept.map((k) => k.reason).join()).toMatch(/damaged/);
    expect(done.archived).toHaveLength(healthy - 1);
    expect(readdirSync(root).filter((n) => n.startsWith('chat_'))).toHaveLength(1);
  });
});
