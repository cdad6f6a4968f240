import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations, type OperationDef } from '../../shared/contract/index.ts';
import type { RunOptions, WorkerPool } from '../workers/pool.ts';
import { createContext } from './create-context.ts';
import { createInvoke } from './dispatch.ts';
import { lowerFence, raiseFence, refuseIfFenced } from './fence.ts';

const root = join('/data', 'bots');
const db = join(root, 'chats', 'chat_5', 'conversations.db');

describe('a write in a worker fences what it changes', () => {
  it('refuses reads of the file, its sidecars and its chat, and nothing else', () => {
    const owner = Symbol('test');
    raiseFence(owner, 'maintenance.vacuum', db);
    try {
      const refused = (input: unknown) => {
        try {
          refuseIfFenced('chat.detail', input);
          return null;
        } catch (error) {
          return (error as { code: string }).code;
        }
      };
      expect(refused({ path: db })).toBe('conflict');
      expect(refused({ path: `${db}-wal` })).toBe('conflict');
      expect(refused({ root, chatId: '5' })).toBe('conflict');
      expect(refused({ root, chatId: '6' })).toBeNull();
      expect(refused({ root: join('/data', 'other'), chatId: '5' })).toBeNull();
      expect(refused({ path: join(root, 'chats', 'chat_5', 'profile.db') })).toBeNull();
      expect(refused({ root })).toBeNull();
    } finally {
      lowerFence(owner);
    }
    expect(() => refuseIfFenced('chat.detail', { path: db })).not.toThrow();
  });

  it("from the worker's notice until the write ends, through the dispatcher", async () => {
    let finish: () => void = () => {};
    let noticed: () => void = () => {};
    const sawNotice = new Promise<void>((resolve) => (noticed = resolve));
    const released: string[] = [];
    const offload = {
      size: 1,
      run: (_task: string, item: { name: string }, options: RunOptions) => {
        if (item.name !== 'maintenance.vacuum') return Promise.resolve(null);
        // The worker is about to VACUUM this DB: it tells the main process first.
        options.onNotice?.({ release: db });
        noticed();
        return new Promise((resolve) => (finish = () => resolve(null)));
      },
      broadcast: (_task: string, prefix: string) => released.push(prefix),
    } as unknown as WorkerPool;
    const loosened = Object.fromEntries(
      Object.entries(operations).map(([name, def]: [string, OperationDef]) => [
        name,
        def.kind === 'query'
          ? { ...def, input: z.any(), output: z.any() }
          : { ...def, input: z.any(), event: z.any(), result: z.any() },
      ]),
    );
    const ctx = createContext({ userDataDir: '/nonexistent-home', offload, rememberRecent: false });
    const invoke = createInvoke({ operations: loosened, handlers: {} });
    const { jobId } = (await invoke('maintenance.vacuum', { root }, ctx)) as { jobId: string };
    await sawNotice;
    expect(released).toContain(db);
    const during = await invoke('chat.detail', { root, chatId: '5' }, ctx).catch((e: unknown) => e);
    expect((during as { code?: string }).code).toBe('conflict');
    expect(await invoke('chat.detail', { root, chatId: '6' }, ctx)).toBeNull();
    finish();
    for (let i = 0; i < 100 && ctx.jobs.poll(jobId, 0).state === 'running'; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(ctx.jobs.poll(jobId, 0).state).toBe('done');
    expect(await invoke('chat.detail', { root, chatId: '5' }, ctx)).toBeNull();
  });
});
