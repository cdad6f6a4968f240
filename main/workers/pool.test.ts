import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import type { ContextSnapshot } from '../api/offload.ts';
import { trackedTemps } from '../fs/temp.ts';
import { WorkerPool } from './pool.ts';

// The pool's own rules, with one worker: a request that never returns is stopped at its deadline and its
// worker replaced, so the requests queued behind it are served; a queued request can be cancelled.

const STUCK = '/nowhere/stuck.db';
let base: string;
let pool: WorkerPool;
let context: ContextSnapshot;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-pool-'));
  process.env.CHAT_INSPECTOR_TEST_STALL = STUCK;
  process.env.CHAT_INSPECTOR_TEST_STALL_TEMP = join(base, 'partial.tmp');
  pool = new WorkerPool(1);
  context = {
    places: [],
    current: null,
    userDataDir: join(base, 'home'),
    canPickWithDialog: false,
    nowMs: 0,
  };
});
afterAll(async () => {
  delete process.env.CHAT_INSPECTOR_TEST_STALL;
  delete process.env.CHAT_INSPECTOR_TEST_STALL_TEMP;
  await pool.close();
  rmSync(base, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError
      ? `${error.code}: ${error.message}`
      : `not an AppError: ${String(error)}`;
  }
  return 'no error';
}

describe('WorkerPool.run', () => {
  it('stops a stuck task at its deadline, replaces the worker and serves the queue behind it', async () => {
    const stuck = pool.run(
      'operation',
      { name: 'file.open', input: { path: STUCK }, context },
      { deadlineMs: 400, describe: `reading ${STUCK}` },
    );
    const queued = pool.run('operation', { name: 'places.list', input: {}, context });
    const cancelWhileQueued = new AbortController();
    const dropped = pool.run(
      'operation',
      { name: 'places.list', input: {}, context },
      { signal: cancelWhileQueued.signal },
    );
    cancelWhileQueued.abort();
    expect(await failure(dropped)).toBe('cancelled: the operation was cancelled');
    expect(await failure(stuck)).toBe(`timeout: timed out after 0.4 s reading ${STUCK}`);
    expect(await queued).toMatchObject({ current: null, places: [] });
    expect(pool.started).toBe(1);
  });

  it('gives a handler’s error back as the same AppError (code and sentence)', async () => {
    const outcome = failure(
      pool.run('operation', { name: 'chat.detail', input: { root: base, chatId: '1' }, context }),
    );
    expect(await outcome).toMatch(/^forbidden_path: /);
  });

  it('removes the temporary files of a task whose worker it terminates (a terminated thread runs no finally)', async () => {
    const partial = join(base, 'partial.tmp');
    const stuck = pool.run(
      'operation',
      { name: 'file.open', input: { path: STUCK }, context },
      { deadlineMs: 400, describe: `reading ${STUCK}` },
    );
    expect(await failure(stuck)).toMatch(/^timeout: /);
    for (let i = 0; i < 100 && existsSync(partial); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(partial)).toBe(false);
    // Tracked on this thread while the task held it (a signal would have removed it), and no longer.
    expect(trackedTemps()).not.toContain(partial);
  });
});
