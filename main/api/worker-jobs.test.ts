import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import { generateUserHistory } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { HandlerContext } from './context.ts';
import { createContext } from './create-context.ts';
import { invoke } from './dispatch.ts';

// migrate (like recover, verify, restore and export) runs as a job in a worker: its progress reaches the
// job runner while it works, the main thread stays free, and cancel stops it — cooperatively between
// chats, or by terminating the worker when the task does not stop on its own within the grace period.

let base: string;
let legacy: string;
const USERS = 120;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-worker-jobs-'));
  legacy = join(base, 'legacy', 'user_history.db');
  mkdirSync(join(base, 'legacy'));
  generateUserHistory(legacy, { users: USERS, messagesPerUser: 10, seed: 4 });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function context(name: string): HandlerContext {
  const root = join(base, name);
  mkdirSync(root);
  return createContext({
    userDataDir: join(base, `home-${name}`),
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [root, join(base, 'legacy')],
  });
}

async function poll(ctx: HandlerContext, jobId: string): Promise<JobSnapshot> {
  return (await invoke('jobs.poll', { jobId, cursor: 0 }, ctx)) as JobSnapshot;
}

async function until(
  ctx: HandlerContext,
  jobId: string,
  done: (s: JobSnapshot) => boolean,
): Promise<JobSnapshot> {
  for (;;) {
    const snapshot = await poll(ctx, jobId);
    if (done(snapshot)) return snapshot;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('migrate as a worker job', () => {
  it('reports progress while it runs, keeps the main thread free, and stops on cancel leaving no temp', async () => {
    const ctx = context('root-cancel');
    const root = join(base, 'root-cancel');
    const { jobId } = (await invoke('migrate.run', { path: legacy, root }, ctx)) as { jobId: string };
    // The main thread keeps turning while the job works in its worker.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    // A chat's event and its progress arrive as separate updates: wait for both to pass 3.
    const running = await until(
      ctx,
      jobId,
      (s) => s.state !== 'running' || (s.events.length >= 3 && s.progress.done >= 3),
    );
    clearInterval(ticker);
    expect(running.state).toBe('running');
    expect(running.progress.total).toBe(USERS);
    expect(running.progress.done).toBeGreaterThanOrEqual(3);
    expect(ticks).toBeGreaterThan(3);

    expect(await invoke('jobs.cancel', { jobId }, ctx)).toEqual({ cancelled: true });
    const ended = await until(ctx, jobId, (s) => s.state !== 'running');
    expect(ended.state).toBe('cancelled');
    expect(ended.error?.code).toBe('cancelled');
    // Chat folders go into the folder given (an empty one holds them itself).
    const left = readdirSync(root);
    // Whole chats only, fewer than all, and no hidden build folder left behind.
    expect(left.every((name) => /^chat_\d+$/.test(name))).toBe(true);
    expect(left.length).toBeGreaterThanOrEqual(3);
    expect(left.length).toBeLessThan(USERS);
    await ctx.offload?.close();
  });

  it('a job stuck in a read that never returns is cancelled by terminating its worker', async () => {
    process.env.CHAT_INSPECTOR_TEST_STALL = legacy;
    const ctx = context('root-stuck');
    try {
      const root = join(base, 'root-stuck');
      const { jobId } = (await invoke('migrate.run', { path: legacy, root }, ctx)) as { jobId: string };
      await new Promise((r) => setTimeout(r, 300));
      expect((await poll(ctx, jobId)).state).toBe('running');
      await invoke('jobs.cancel', { jobId }, ctx);
      const ended = await until(ctx, jobId, (s) => s.state !== 'running');
      expect(ended.state).toBe('cancelled');
      // The next job runs normally, in a fresh worker.
      delete process.env.CHAT_INSPECTOR_TEST_STALL;
      const dry = (await invoke('migrate.run', { path: legacy, root, dryRun: true }, ctx)) as {
        jobId: string;
      };
      const result = await until(ctx, dry.jobId, (s) => s.state !== 'running');
      expect(result.state).toBe('done');
    } finally {
      delete process.env.CHAT_INSPECTOR_TEST_STALL;
      await ctx.offload?.close();
    }
  });
});
