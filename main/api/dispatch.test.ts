import { createContext } from './create-context.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationNames, operations } from '../../shared/contract/index.ts';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import { AppError } from '../../shared/errors.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { HandlerContext } from './context.ts';
import { invoke } from './dispatch.ts';
import { handlers } from './handlers/index.ts';

let base: string;
let gen: GeneratedRoot;
let ctx: HandlerContext;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-dispatch-'));
  gen = generateRoot(join(base, 'root'), { chats: 4, broken: ['not_sqlite'], seed: 3 });
  ctx = createContext({
    userDataDir: join(base, 'home'),
    now: () => new Date('2026-11-01T12:00:00Z'),
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [gen.root],
  });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return 'no error';
}

async function finish(jobId: string): Promise<JobSnapshot> {
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId }, ctx)) as JobSnapshot;
    if (snapshot.state !== 'running') return snapshot;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the contract', () => {
  it('has exactly one handler per operation', () => {
    expect(Object.keys(handlers).sort()).toEqual([...operationNames].sort());
  });

  it('marks every writing operation as such, and only those', () => {
    const writes = operationNames.filter((name) => operations[name].writes);
    for (const name of writes)
      expect(name).toMatch(
        /^(backup\.restore|recover|metadata|migrate|export|backup\.create|demo\.(root|postgres|mysql)$|maintenance\.(vacuum|archiveInactive|backupRotate)$)/,
      );
    expect(operations['chat.detail'].writes).toBe(false);
    expect(operations['chats.scan'].writes).toBe(false);
    expect(operations['maintenance.alerts'].writes).toBe(false);
  });
});

describe('invoke', () => {
  it('refuses an unknown operation', async () => {
    expect(await codeOf(invoke('fs.delete', {}, ctx))).toBe('unknown_operation');
    expect(await codeOf(invoke('__proto__', {}, ctx))).toBe('unknown_operation');
  });

  it('refuses input that does not match the schema, before any handler runs', async () => {
    expect(
      await codeOf(invoke('chat.detail', { root: gen.root, chatId: '1; DROP TABLE messages' }, ctx)),
    ).toBe('invalid_input');
    expect(
      await codeOf(invoke('chat.messages', { root: gen.root, chatId: '1', limit: 1_000_000 }, ctx)),
    ).toBe('invalid_input');
    expect(await codeOf(invoke('chat.detail', 'not an object', ctx))).toBe('invalid_input');
  });

  it('refuses a path outside the chosen places', async () => {
    expect(await codeOf(invoke('chat.detail', { root: base, chatId: '1' }, ctx))).toBe('forbidden_path');
    expect(await codeOf(invoke('file.open', { path: '/etc/passwd' }, ctx))).toBe('forbidden_path');
  });

  it('answers a query with output checked against the contract', async () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const detail = (await invoke('chat.detail', { root: gen.root, chatId: chat.chatId }, ctx)) as {
      counts: { messages: number };
    };
    expect(detail.counts.messages).toBe(chat.messages);
  });

  it('runs a job with streamed events, progress and a result', async () => {
    const { jobId } = (await invoke('chats.scan', { root: gen.root }, ctx)) as { jobId: string };
    const snapshot = await finish(jobId);
    expect(snapshot.state).toBe('done');
    expect(snapshot.progress.done).toBe(snapshot.progress.total);
    // The rows are the events; the result counts them without sending them again.
    expect(snapshot.result).toMatchObject({ total: gen.chats.length });
    expect(snapshot.result).not.toHaveProperty('chats');
    const again = (await invoke('jobs.poll', { jobId, cursor: 0 }, ctx)) as JobSnapshot;
    expect(again.events).toHaveLength(gen.chats.length);
    const tail = (await invoke('jobs.poll', { jobId, cursor: again.cursor }, ctx)) as JobSnapshot;
    expect(tail.events).toHaveLength(0);
  });

  it('a job on a forbidden root fails with the typed error', async () => {
    const { jobId } = (await invoke('chats.scan', { root: base }, ctx)) as { jobId: string };
    const snapshot = await finish(jobId);
    expect(snapshot.state).toBe('failed');
    expect(snapshot.error?.code).toBe('forbidden_path');
  });

  it('cancels a running job', async () => {
    const { jobId } = (await invoke('chats.scan', { root: gen.root }, ctx)) as { jobId: string };
    expect(await invoke('jobs.cancel', { jobId }, ctx)).toEqual({ cancelled: true });
    const snapshot = await finish(jobId);
    expect(snapshot.state).toBe('cancelled');
  });
});
