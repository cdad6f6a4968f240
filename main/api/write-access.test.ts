import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { query, type OperationDef } from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import { openForWrite } from '../sqlite/write.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { HandlerContext, WriteHandlerContext } from './context.ts';
import { createContext } from './create-context.ts';
import { createInvoke } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import type { QueryHandler } from './types.ts';

let base: string;
let ctx: HandlerContext;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-write-access-'));
  ctx = createContext({
    userDataDir: join(base, 'home'),
    pool: new WorkerPool(0),
    offload: null,
    rememberRecent: false,
  });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError
      ? `${error.code}: ${error.message}`
      : `not an AppError: ${String(error)}`;
  }
  return 'no error';
}

// A registry of its own: a read operation that tries every way to write, and a writing one.
const Target = z.object({ file: z.string() });
const Done = z.object({ sawWrite: z.boolean() });
const fakeOperations: Record<string, OperationDef> = {
  'fake.read': query('reads', Target, Done),
  'fake.write': query('writes', Target, Done, { writes: true }),
};

function fakeHandlers(attempt: 'open' | 'capability') {
  return {
    'fake.read': ({ file }: { file: string }, c: HandlerContext) => {
      const sawWrite = 'write' in c;
      if (attempt === 'capability') (c as WriteHandlerContext).write.releaseConnections(file);
      else openForWrite(file).close();
      return { sawWrite };
    },
    'fake.write': ({ file }: { file: string }, c: WriteHandlerContext) => {
      const db = openForWrite(file);
      db.exec('CREATE TABLE written (a)');
      db.close();
      return { sawWrite: 'write' in c };
    },
  };
}

describe('dispatch hands the write capability to writes: true operations only', () => {
  it('a read operation gets no ctx.write, and openForWrite refuses inside it', async () => {
    const file = join(base, 'read-open.db');
    const invoke = createInvoke({
      operations: fakeOperations,
      handlers: fakeHandlers('open'),
      offload: false,
    });
    expect(await codeOf(invoke('fake.read', { file }, ctx))).toMatch(
      /^internal: fake.read only reads, but it tried to write/,
    );
    const viaCapability = createInvoke({
      operations: fakeOperations,
      handlers: fakeHandlers('capability'),
      offload: false,
    });
    expect(await codeOf(viaCapability('fake.read', { file }, ctx))).toMatch(/^not an AppError: TypeError/);
    expect(existsSync(file)).toBe(false);
  });

  it('a writing operation gets ctx.write and may open its file', async () => {
    const file = join(base, 'written.db');
    const invoke = createInvoke({
      operations: fakeOperations,
      handlers: fakeHandlers('open'),
      offload: false,
    });
    expect(await invoke('fake.write', { file }, ctx)).toEqual({ sawWrite: true });
    expect(existsSync(file)).toBe(true);
  });

  it('refuses to run a read operation with a context that carries a write capability', async () => {
    const file = join(base, 'smuggled.db');
    const invoke = createInvoke({
      operations: fakeOperations,
      handlers: fakeHandlers('open'),
      offload: false,
    });
    const smuggled = { ...ctx, write: { releaseConnections: () => {} } };
    expect(await codeOf(invoke('fake.read', { file }, smuggled))).toBe(
      'internal: fake.read only reads: it may not be handed the write capability',
    );
    expect(existsSync(file)).toBe(false);
  });

  it('types: only handlers of writes: true operations can name ctx.write', () => {
    // @ts-expect-error chat.detail only reads: its context has no write capability
    const reads: QueryHandler<'chat.detail'> = (_input, c) => c.write.releaseConnections('x');
    const writes: QueryHandler<'metadata.rebuild'> = (_input, c) => {
      void c.write.releaseConnections;
      return handlers['metadata.rebuild'](_input, c);
    };
    expect(typeof reads).toBe('function');
    expect(typeof writes).toBe('function');
  });
});
