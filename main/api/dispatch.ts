import type { z } from 'zod';
import { operations, type OperationDef } from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import type { JobContext } from '../jobs/job.ts';
import { maskSecrets } from '../../shared/secrets.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { callHandler } from './call.ts';
import { isReleaseNotice, lowerFence, raiseFence, refuseIfFenced } from './fence.ts';
import type { HandlerContext, WriteAccess, WriteHandlerContext } from './context.ts';
import { handlers } from './handlers/index.ts';
import { snapshotContext } from './offload.ts';

/** How long a reading request may take in its worker before it is stopped (ctx.deadlineMs overrides). */
export const DEFAULT_DEADLINE_MS = 10_000;

export interface OperationRegistry {
  operations: Readonly<Record<string, OperationDef>>;
  handlers: Readonly<Record<string, unknown>>;
  /**
   * Run operations declared `runs: 'worker'` in `ctx.offload` (default true; the worker runs the real
   * registry, so a registry of test handlers passes false).
   */
  offload?: boolean;
}

export type Invoke = (name: string, rawInput: unknown, ctx: HandlerContext) => Promise<unknown>;

/**
 * The dispatcher of a registry of operations and handlers: unknown operation names and inputs that do not
 * match the contract are refused with a typed error before any handler runs; only operations whose contract
 * says `writes: true` get the write capability; those whose contract says `runs: 'worker'` (the default)
 * run in a worker of `ctx.offload`, reads with a deadline, jobs with progress and cancel. A handler that
 * runs in a worker must not use `ctx.jobs`, `ctx.pool` or state kept in the main process's memory: such an
 * operation declares `runs: 'main'` and says why (shared/contract/define.ts).
 */
export function createInvoke(registry: OperationRegistry): Invoke {
  const dispatch = dispatcher(registry);
  // Every message leaves here with its secrets masked: a URL a person typed (a path field holding
  // postgres://user:password@…) may be quoted by any error, of any operation, in any process.
  return (name, rawInput, ctx) =>
    dispatch(name, rawInput, ctx).catch((error: unknown) => {
      throw maskSecrets(error);
    });
}

function dispatcher(registry: OperationRegistry): Invoke {
  return async (name, rawInput, ctx) => {
    if (!Object.prototype.hasOwnProperty.call(registry.operations, name))
      throw new AppError('unknown_operation', `unknown operation: ${name.slice(0, 80)}`);
    const def = registry.operations[name]!;
    const handler = registry.handlers[name];
    const input = parseOrThrow(def.input, rawInput ?? {}, name);
    // A chat or file a write is changing right now is not read meanwhile (main/api/fence.ts).
    if (!def.writes) refuseIfFenced(name, input);
    const offloaded = registry.offload !== false && def.runs === 'worker';
    const pool = offloaded ? ctx.offload : undefined;
    const call = (job: JobContext | undefined): Promise<unknown> =>
      pool
        ? runInWorker(pool, name, def, input, ctx, job)
        : callHandler(name, def, handler, input, contextFor(def, ctx), job);
    if (def.kind === 'query') return checkOutput(def.output, await call(undefined), name);
    // A job's error is masked where the runner records it (main/jobs/runner.ts).
    const jobId = ctx.jobs.start(name, async (job) => checkOutput(def.result, await call(job), name));
    return { jobId };
  };
}

/** The one entry point every transport calls (Electron IPC, HTTP, the CLI, tests). */
export const invoke: Invoke = createInvoke({ operations, handlers });

/**
 * The entry point of the window's transports (Electron IPC, browser mode's HTTP): operations declared
 * `cliOnly` are unknown there, so a page cannot ask to fill a folder or a database with demo data.
 */
export const invokeFromWindow: Invoke = (name, rawInput, ctx) => {
  const def = Object.prototype.hasOwnProperty.call(operations, name)
    ? (operations as Readonly<Record<string, OperationDef>>)[name]
    : undefined;
  if (def?.cliOnly) return Promise.reject(new AppError('unknown_operation', `unknown operation: ${name}`));
  return invoke(name, rawInput, ctx);
};

/** The context a handler gets: the write capability for writing operations only. */
function contextFor(def: OperationDef, ctx: HandlerContext): HandlerContext | WriteHandlerContext {
  if (!def.writes) return ctx;
  const write: WriteAccess = { releaseConnections: (prefix) => releaseEverywhere(ctx, prefix) };
  return { ...ctx, write };
}

/** Closes the cached read connections under `prefix` ('' = all) of this thread and of both pools' workers. */
function releaseEverywhere(ctx: HandlerContext, prefix: string): void {
  readonlyCache.closeUnder(prefix);
  ctx.offload?.broadcast('sqlite.release', prefix);
  if (ctx.pool !== ctx.offload) ctx.pool.broadcast('sqlite.release', prefix);
}

async function runInWorker(
  pool: WorkerPool,
  name: string,
  def: OperationDef,
  input: unknown,
  ctx: HandlerContext,
  job: JobContext | undefined,
): Promise<unknown> {
  const item = { name: name as never, input, context: snapshotContext(ctx) };
  // A write in the worker says what it is about to change: every other thread lets go of it, and reads of
  // it are refused until the write moves on or ends.
  const owner = Symbol(name);
  const onNotice = (notice: unknown): void => {
    if (!def.writes || !isReleaseNotice(notice)) return;
    releaseEverywhere(ctx, notice.release);
    raiseFence(owner, name, notice.release);
  };
  try {
    if (job) {
      return await pool.run('operation', item, {
        signal: job.signal,
        onProgress: (done, total, current) => job.progress(done, total, current),
        onEvent: (event) => job.emit(event),
        onNotice,
        fanOut: ctx.pool,
      });
    }
    // Reads get a deadline; an explicit write is not cut off halfway.
    return await pool.run('operation', item, {
      deadlineMs: def.writes ? undefined : (ctx.deadlineMs ?? DEFAULT_DEADLINE_MS),
      describe: describeRequest(name, def, input),
      onNotice,
      fanOut: ctx.pool,
    });
  } finally {
    lowerFence(owner);
    // Files may have been replaced: no worker keeps reading the old ones through a cached connection.
    if (def.writes) pool.broadcast('sqlite.release', '');
  }
}

/** "reading chat_5 (chat.detail): …", for the timeout message. */
function describeRequest(name: string, def: OperationDef, input: unknown): string {
  const fields = (input ?? {}) as { chatId?: unknown; path?: unknown; root?: unknown };
  const target =
    typeof fields.chatId === 'string'
      ? `chat_${fields.chatId}`
      : typeof fields.path === 'string'
        ? fields.path
        : typeof fields.root === 'string'
          ? fields.root
          : 'its files';
  return `${def.writes ? 'writing' : 'reading'} ${target} (${name}): the file did not answer and the request was stopped; other requests go on`;
}

function parseOrThrow(schema: z.ZodType, value: unknown, name: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
  throw new AppError('invalid_input', `${name}: ${issue?.message ?? 'invalid input'}${where}`);
}

/** Outputs are checked too: a handler that drifts from the contract fails loudly, not in the renderer. */
function checkOutput(schema: z.ZodType, value: unknown, name: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError(
    'internal',
    `${name} produced an invalid result: ${issue?.message} at ${issue?.path.join('.')}`,
  );
}
