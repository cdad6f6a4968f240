import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations, type OperationDef } from '../../shared/contract/index.ts';
import { generateRoot } from '../fixtures/index.ts';
import { SavedConnections } from '../sources/saved.ts';
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

/**
 * Every file system call and socket connect made on this thread by Chat Inspector's own code (a `main/`
 * module on the stack) while `during` runs. The allow-list's resolution of the path a person gave
 * (main/access/places.ts: realpath) is the one touch left on the main thread, and is not counted.
 */
async function touchesOnThisThread(during: () => Promise<void>): Promise<string[]> {
  const touches: string[] = [];
  const restore: (() => void)[] = [];
  const ours = (stack: string): boolean => {
    const frames = stack.split('\n').slice(2);
    if (frames.some((line) => /[\\/]access[\\/]places\.ts/.test(line))) return false;
    return frames.some((line) => /[\\/]main[\\/]/.test(line) && !/\.test\.ts/.test(line));
  };
  const wrap = (target: Record<string, unknown>, key: string, label: string): void => {
    const original = target[key];
    if (typeof original !== 'function' || !/^[a-z]/.test(key)) return;
    target[key] = function (this: unknown, ...args: unknown[]) {
      if (ours(new Error().stack ?? '')) touches.push(`${label}(${String(args[0]).slice(0, 80)})`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    restore.push(() => {
      target[key] = original;
    });
  };
  const fsFunctions = fs as unknown as Record<string, unknown>;
  for (const key of Object.keys(fs)) if (key !== 'promises') wrap(fsFunctions, key, `fs.${key}`);
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const key of Object.keys(promises)) wrap(promises, key, `fs.promises.${key}`);
  wrap(net.Socket.prototype as unknown as Record<string, unknown>, 'connect', 'socket.connect');
  syncBuiltinESMExports();
  try {
    await during();
  } finally {
    for (const undo of restore) undo();
    syncBuiltinESMExports();
  }
  return touches;
}

describe('operations that run on main for its memory', () => {
  it('hand every file, SQLite and server touch to a worker step: the main thread only routes', async () => {
    const steps: string[] = [];
    const answers: Record<string, unknown> = {
      'sources.open': { kind: 'sqlite' },
      'sources.saveMapping': { kind: 'sqlite', hasConversations: false },
      'connections.sealed': { url: 'postgres://reader@127.0.0.1:9/chats', name: 'n', sealedPassword: null },
      'connections.remember': null,
      'connections.view': { saved: [], recent: [], canSavePasswords: false, problem: null },
      'connections.save': { saved: [], recent: [], canSavePasswords: false, problem: null },
      'connections.forget': { saved: [], recent: [], canSavePasswords: false, problem: null },
      'fleet.refresh': { root: '', total: 0, visited: 0, removed: 0, rebuilt: false, skipped: [] },
    };
    const stepPool = {
      size: 1,
      run: (task: string, item: { name: string }) => {
        // The SQL console's and file screen's own tasks: a statement, a table page, a description.
        if (task === 'sql.statement') {
          steps.push(task);
          return Promise.resolve({ output: 'cells', columns: [], rows: [], capped: false, elapsedMs: 0 });
        }
        if (task === 'sql.tablePage' || task === 'sql.describe') {
          steps.push(task);
          return Promise.resolve({});
        }
        if (task !== 'step') return Promise.reject(new Error(`unexpected task ${task}`));
        steps.push(item.name);
        return Promise.resolve(answers[item.name]);
      },
      broadcast: () => {},
    } as unknown as WorkerPool;
    const home = join(base, 'steps-home');
    const root = join(base, 'steps-root');
    mkdirSync(join(root, 'chats'), { recursive: true });
    const file = join(base, 'steps.sqlite');
    writeFileSync(file, '');
    const context = createContext({ userDataDir: home, offload: stepPool, rememberRecent: true });
    context.places.add(root, 'cli');
    context.places.add(file, 'cli');
    const invoke = createInvoke({ operations: loosened, handlers });

    const touches = await touchesOnThisThread(async () => {
      const { id } = (await invoke('sources.openFile', { path: file }, context)) as { id: string };
      await invoke('sources.mapping.save', { id, mapping: null }, context);
      await invoke('sources.connect', { url: 'postgres://reader:secret@127.0.0.1:9/chats' }, context);
      await invoke('sources.connections', {}, context);
      await invoke(
        'sources.save',
        { url: 'postgres://reader@127.0.0.1:9/chats', rememberPassword: false },
        context,
      );
      await invoke('sources.connectSaved', { savedId: 'abcdefabcdef' }, context);
      await invoke('sources.forget', { saved: 'abcdefabcdef' }, context);
      await invoke('file.inspect', { path: file }, context);
      await invoke('file.query', { path: file, table: 't' }, context);
      await invoke('sql.run', { path: file, sql: 'SELECT 1' }, context);
      const { jobId } = (await invoke('fleet.refresh', { root }, context)) as { jobId: string };
      for (let i = 0; i < 200 && context.jobs.poll(jobId, 0).state === 'running'; i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(context.jobs.poll(jobId, 0).state).toBe('done');
    });
    expect(touches).toEqual([]);
    expect([...new Set(steps)].sort()).toEqual(
      [...Object.keys(answers), 'sql.describe', 'sql.statement', 'sql.tablePage'].sort(),
    );
  });

  it('the watch above sees a file touched on this thread (it can fail)', async () => {
    const touches = await touchesOnThisThread(() => {
      new SavedConnections(join(base, 'steps-home'), null).view();
      return Promise.resolve();
    });
    expect(touches.length).toBeGreaterThan(0);
  });
});

describe('the SQL console and the file screen on a folder', () => {
  it('are refused with one line by the worker that would read it, not stat-ed on the main thread', async () => {
    const root = join(base, 'folder-root');
    mkdirSync(join(root, 'looks.db'), { recursive: true });
    const context = createContext({
      userDataDir: join(base, 'home'),
      roots: [root],
      rememberRecent: false,
      pool: new WorkerPool(0),
      offload: null,
    });
    const invoke = createInvoke({ operations, handlers });
    const path = join(root, 'looks.db');
    for (const [name, input] of [
      ['sql.run', { path, sql: 'SELECT 1' }],
      ['file.query', { path, table: 't' }],
      ['file.inspect', { path }],
    ] as const) {
      const error = (await invoke(name, input, context).catch((e: unknown) => e)) as {
        code?: string;
        message?: string;
      };
      expect([name, error.code]).toEqual([name, 'invalid_input']);
      expect(error.message).toMatch(/is a folder, not a database file/);
    }
  });
});
