import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations, type OperationDef } from '../../shared/contract/index.ts';
import { generateRoot } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { HandlerContext } from './context.ts';
import { createContext } from './create-context.ts';
import { createInvoke } from './dispatch.ts';
import { handlers } from './handlers/index.ts';

// Where an operation runs is its contract's word (`runs`): every operation declared 'worker' reaches the
// offload pool and never its handler on this thread; only those declared 'main' call a handler here.
// Inputs and outputs are loosened so that every operation of the contract can be called with nothing.

let base: string;
const sentToPool: string[] = [];
const ranHere: { name: string; mainThread: boolean }[] = [];

const fakeOffload = {
  size: 1,
  run: (task: string, item: { name: string }) => {
    sentToPool.push(task === 'operation' ? item.name : `task ${task}`);
    return Promise.resolve(null);
  },
  broadcast: () => {},
} as unknown as WorkerPool;

const loosened: Record<string, OperationDef> = Object.fromEntries(
  Object.entries(operations).map(([name, def]: [string, OperationDef]) => [
    name,
    def.kind === 'query'
      ? { ...def, input: z.any(), output: z.any() }
      : { ...def, input: z.any(), event: z.any(), result: z.any() },
  ]),
);

const recordingHandlers = Object.fromEntries(
  Object.keys(operations).map((name) => [
    name,
    () => {
      ranHere.push({ name, mainThread: isMainThread });
      return Promise.resolve(null);
    },
  ]),
);

let ctx: HandlerContext;

const MOVED_OFF_MAIN = [
  'chat.learning',
  'root.overview',
  'fleet.page',
  'fleet.overview',
  'fleet.chat',
  'recover.place',
  'sources.info',
  'sources.conversations',
  'sources.messages',
  'sources.metrics',
  'sources.similar',
  'sources.mapping.guess',
  'sources.mapping.preview',
  'messaging.summary',
  // Coordinators: they fan each chat's work out to the main process's pool from their worker.
  'chats.scan',
  'fleet.metrics',
  'fleet.search',
  'integrity.check',
  'integrity.checkFile',
  'backup.create',
  'maintenance.alerts',
  'maintenance.backupRotate',
];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-runs-'));
  ctx = createContext({ userDataDir: join(base, 'home'), offload: fakeOffload, rememberRecent: false });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function settle(result: unknown): Promise<void> {
  const jobId = (result as { jobId?: string } | null)?.jobId;
  if (jobId === undefined) return;
  for (let i = 0; i < 100 && ctx.jobs.poll(jobId, 0).state === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("runs: 'worker' | 'main'", () => {
  it('sends every operation declared worker to the pool, and runs on this thread only those declared main', async () => {
    const invoke = createInvoke({ operations: loosened, handlers: recordingHandlers });
    for (const name of Object.keys(operations)) await settle(await invoke(name, {}, ctx));
    const declared = (runs: 'worker' | 'main') =>
      Object.entries(operations as Record<string, OperationDef>)
        .filter(([, def]) => def.runs === runs)
        .map(([name]) => name)
        .sort();
    expect([...sentToPool].sort()).toEqual(declared('worker'));
    expect(ranHere.map((r) => r.name).sort()).toEqual(declared('main'));
    expect(ranHere.every((r) => r.mainThread)).toBe(true);
    // The ones issue 24 found on the main thread (file, SQLite or disk work) are in the pool now.
    expect(declared('worker')).toEqual(expect.arrayContaining(MOVED_OFF_MAIN));
  });
});

describe('a coordinator in a worker', () => {
  it("fans each chat out to the main process's pool and streams the same rows as on the main thread", async () => {
    const root = join(base, 'root');
    generateRoot(root, { chats: 6, seed: 5, broken: ['page_corrupt'] });
    const scan = async (context: HandlerContext): Promise<string[]> => {
      const invoke = createInvoke({ operations, handlers });
      const { jobId } = (await invoke('chats.scan', { root }, context)) as { jobId: string };
      let snapshot = context.jobs.poll(jobId, 0);
      while (snapshot.state === 'running') {
        await new Promise((r) => setTimeout(r, 20));
        snapshot = context.jobs.poll(jobId, 0);
      }
      expect(snapshot.state).toBe('done');
      return (snapshot.events as { chatId: string; health: string }[])
        .map((row) => `${row.chatId} ${row.health}`)
        .sort();
    };
    const common = { userDataDir: join(base, 'home'), roots: [root], rememberRecent: false };
    const pooled = createContext({ ...common, pool: new WorkerPool(1), offload: new WorkerPool(1) });
    const inline = createContext({ ...common, pool: new WorkerPool(0), offload: null });
    try {
      const rows = await scan(pooled);
      expect(rows.length).toBe(7);
      // The job ran in the request pool's worker, its chats in the fan-out pool's.
      expect([pooled.offload?.started, pooled.pool.started]).toEqual([1, 1]);
      expect(rows).toEqual(await scan(inline));
    } finally {
      await pooled.offload?.close();
      await pooled.pool.close();
    }
  });
});
