// WorkerPool: the one way Chat Inspector runs work off the main thread. A mechanism only: what runs is a
// task of the task table (main/tasks.ts, registered by name; see main/workers/tasks.ts).
//
//   pool.map(task, items, { onResult, signal?, batchSize? })
//       Fan-out of many small items (scan, integrity check, backup): batches go to every worker; each
//       item's outcome comes back through onResult. `signal` stops handing out batches.
//
//   pool.run(task, item, { signal?, deadlineMs?, describe?, onProgress?, onEvent? }) → Promise<result>
//       One job or request in one worker (recover, migrate, verify, a browsing request, ...):
//       - the task gets (item, ctx) with ctx = { signal, progress(done, total, current), emit(event) } and
//         its progress and events reach onProgress/onEvent as they happen;
//       - cancel: aborting `signal` makes `ctx.signal.aborted` true at once inside the worker, even in a
//         synchronous loop (it reads a shared flag). A task that has not ended CANCEL_GRACE_MS (0.8 s) later
//         has its worker terminated and replaced; the promise rejects with AppError('cancelled');
//       - deadline: `deadlineMs` after the worker began the task (its own start-up is not counted), the
//         worker is terminated and replaced and the promise rejects with
//         AppError('timeout', "timed out after 10 s <describe>") (or `timeoutMessage`); the other workers
//         go on meanwhile. This is also how a runaway SQL statement is stopped: better-sqlite3 has neither
//         sqlite3_interrupt nor a progress handler, so only terminating its thread ends it.
//       - temporary files: a task's paths tracked with trackTemp (main/fs/temp.ts) are reported to the
//         pool while it runs; when its worker is terminated (cancel past the grace, deadline, crash), the
//         pool removes them, since a terminated thread runs no `finally`.
//       When every worker is busy, requests wait in order for the next free one.
//
//       - fan-out: a task may map items over the caller's pool (`fanOut`, its ctx.fanOut in the worker);
//         each item's outcome is passed on to the task as it comes, so coordinators run off the main thread.
//
//       - notices: a task may tell its caller something at once (ctx.notify → onNotice), e.g. a write in a
//         worker asking the calling process to close the other threads' connections to a file first.
//
//   pool.warm(task)
//       Starts every worker now with the task's code loaded (a process that serves a window).
//
//   pool.broadcast(task, item)
//       Runs a task once in every started worker, without waiting for it (e.g. close cached connections).
//
//   new WorkerPool(0) runs everything inline on the calling thread (tests; a benchmark baseline); there
//   cancel is seen between items and deadlines are not enforced.

import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../shared/errors.ts';
import { trackTemp } from '../fs/temp.ts';
import {
  hasTasks,
  registerTasks,
  type TaskContext,
  type TaskFn,
  type TaskItem,
  type TaskName,
  type TaskResult,
} from './tasks.ts';
import { runItem, type ItemOutcome, type WorkerReply, type WorkerRequest } from './worker.ts';

/** How long a cancelled task may take to stop on its own before its worker is terminated. */
export const CANCEL_GRACE_MS = 800;

/**
 * The worker entry: the task table at the edge (main/tasks.ts) when running from source (Node strips the
 * types), or dist/worker.js next to the bundle when built (main/worker-boot.ts, which loads the bundle
 * of main/tasks.ts, dist/worker-tasks.js).
 */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../tasks.ts', here) : new URL('./worker.js', here);
}

export interface MapOptions<R> {
  signal?: AbortSignal;
  /** Items per message to a worker: large enough to hide messaging cost, small enough to balance. */
  batchSize?: number;
  onResult: (
    index: number,
    outcome: { ok: true; value: R } | { ok: false; code: string; message: string },
  ) => void;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Past this, the worker is terminated and the call fails with a `timeout` error (default: none). */
  deadlineMs?: number;
  /** What the task does, for the timeout message: "reading chat_5". */
  describe?: string;
  /** The whole timeout message instead (the SQL console says how to narrow the statement). */
  timeoutMessage?: string;
  onProgress?: (done: number, total: number | null, current?: string | null) => void;
  onEvent?: (event: unknown) => void;
  /** A notice the task sends while it goes on (TaskContext.notify), handled at once on this thread. */
  onNotice?: (notice: unknown) => void;
  /** Where the task's own fan-outs go (TaskContext.fanOut): the calling process's pool of per-item work. */
  fanOut?: WorkerPool;
}

interface Pending {
  reply(reply: WorkerReply): void;
  fail(error: AppError): void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending: Map<number, Pending>;
}

const cancelled = (): AppError => new AppError('cancelled', 'the operation was cancelled');

export class WorkerPool {
  readonly size: number;
  private slots: Slot[] = [];
  private waiting: { resolve: (slot: Slot) => void; reject: (error: AppError) => void }[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size = defaultPoolSize()) {
    this.size = size;
  }

  /** Workers started now (tests: a stuck one is replaced, not added to). */
  get started(): number {
    return this.slots.length;
  }

  async map<T extends TaskName>(
    task: T,
    items: readonly TaskItem<T>[],
    options: MapOptions<TaskResult<T>>,
  ): Promise<void> {
    if (this.closed) throw new AppError('internal', 'the worker pool is closed');
    const signal = options.signal;
    if (this.size === 0) {
      await loadTasksInline();
      for (let i = 0; i < items.length; i++) {
        if (signal?.aborted) throw cancelled();
        options.onResult(i, (await runItem(task, items[i])) as never);
        // Yield now and then so a caller on the main thread can handle cancel requests.
        if (i % 64 === 63) await new Promise((r) => setImmediate(r));
      }
      return;
    }
    if (items.length === 0) return;
    const batchSize =
      options.batchSize ?? Math.max(1, Math.min(64, Math.ceil(items.length / (this.size * 8))));
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      while (next < items.length && !failed) {
        if (signal?.aborted) throw cancelled();
        const start = next;
        const batch = items.slice(start, start + batchSize);
        next += batch.length;
        const slot = await this.acquire();
        const outcomes = await new Promise<ItemOutcome[]>((resolve, reject) => {
          const id = this.nextId++;
          slot.pending.set(id, {
            reply: (reply) => {
              if (reply.kind !== 'batch') return;
              slot.pending.delete(id);
              this.release(slot);
              resolve(reply.outcomes);
            },
            fail: reject,
          });
          this.post(slot, { kind: 'batch', id, task, items: batch as unknown[] }, id);
        });
        outcomes.forEach((outcome, k) => options.onResult(start + k, outcome as never));
      }
    };
    const lanes = Math.min(this.size, Math.ceil(items.length / batchSize));
    await Promise.all(
      Array.from({ length: lanes }, () =>
        lane().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
  }

  async run<T extends TaskName>(
    task: T,
    item: TaskItem<T>,
    options: RunOptions = {},
  ): Promise<TaskResult<T>> {
    if (this.closed) throw new AppError('internal', 'the worker pool is closed');
    const { signal } = options;
    if (signal?.aborted) throw cancelled();
    if (this.size === 0) {
      await loadTasksInline();
      const ctx: TaskContext = {
        signal: signal ?? new AbortController().signal,
        progress: (done, total, current) => options.onProgress?.(done, total, current),
        emit: (event) => options.onEvent?.(event),
        notify: (notice) => options.onNotice?.(notice),
        fanOut: options.fanOut,
      };
      const outcome = await runItem(task, item, ctx);
      if (!outcome.ok) throw new AppError(outcome.code as AppError['code'], outcome.message);
      return outcome.value as TaskResult<T>;
    }
    const slot = await this.acquire(signal);
    const id = this.nextId++;
    const cancelFlag = new SharedArrayBuffer(4);
    return new Promise<TaskResult<T>>((resolve, reject) => {
      let settled = false;
      // Temporary paths the task holds now, tracked on this thread too (so a signal that ends this
      // process removes them) and removed here if the worker has to be terminated.
      const temps = new Map<string, () => void>();
      const removeTemps = (): void => {
        for (const [path, untrack] of temps)
          void rm(path, { recursive: true, force: true })
            .catch(() => {})
            .finally(untrack);
        temps.clear();
      };
      const terminated = (): void => {
        this.retire(slot);
        removeTemps();
      };
      let deadline: NodeJS.Timeout | undefined;
      let grace: NodeJS.Timeout | undefined;
      const finish = (end: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
        slot.pending.delete(id);
        end();
      };
      const onAbort = (): void => {
        Atomics.store(new Int32Array(cancelFlag), 0, 1);
        slot.worker.postMessage({ kind: 'cancel', id } satisfies WorkerRequest);
        grace = setTimeout(
          () =>
            finish(() => {
              terminated();
              reject(cancelled());
            }),
          CANCEL_GRACE_MS,
        );
      };
      const startDeadline = (): void => {
        if (options.deadlineMs === undefined || options.deadlineMs <= 0 || deadline) return;
        const seconds = Math.round((options.deadlineMs / 1000) * 10) / 10;
        deadline = setTimeout(
          () =>
            finish(() => {
              terminated();
              reject(
                new AppError(
                  'timeout',
                  options.timeoutMessage ??
                    `timed out after ${seconds} s${options.describe ? ` ${options.describe}` : ''}`,
                ),
              );
            }),
          options.deadlineMs,
        );
      };
      slot.pending.set(id, {
        reply: (reply) => {
          if (reply.kind === 'started') startDeadline();
          else if (reply.kind === 'progress') options.onProgress?.(reply.done, reply.total, reply.current);
          else if (reply.kind === 'event') options.onEvent?.(reply.event);
          else if (reply.kind === 'notice') options.onNotice?.(reply.notice);
          else if (reply.kind === 'map') this.serveFanOut(slot, reply, options);
          else if (reply.kind === 'temp') {
            if (reply.tracked) temps.set(reply.path, trackTemp(reply.path));
            else {
              temps.get(reply.path)?.();
              temps.delete(reply.path);
            }
          } else if (reply.kind === 'result')
            finish(() => {
              // A task that ended on its own removed or placed its files; stop tracking any it left.
              for (const untrack of temps.values()) untrack();
              temps.clear();
              this.release(slot);
              const { outcome } = reply;
              if (outcome.ok) resolve(outcome.value as TaskResult<T>);
              else reject(new AppError(outcome.code as AppError['code'], outcome.message));
            });
        },
        fail: (error) =>
          finish(() => {
            // The worker failed or stopped on its own: what its task left is removed all the same.
            removeTemps();
            reject(error);
          }),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.post(slot, { kind: 'run', id, task, item, cancelFlag }, id);
    });
  }

  /** Runs a worker task's fan-out in `options.fanOut`, sending each item's outcome back to that worker. */
  private serveFanOut(slot: Slot, request: Extract<WorkerReply, { kind: 'map' }>, options: RunOptions): void {
    const post = (message: WorkerRequest): void => {
      if (this.slots.includes(slot)) slot.worker.postMessage(message);
    };
    const { mapId } = request;
    const fanOut = options.fanOut;
    const done = fanOut
      ? fanOut.map(request.task as TaskName, request.items as never[], {
          signal: options.signal,
          batchSize: request.batchSize,
          onResult: (index, outcome) =>
            post({ kind: 'mapResult', mapId, index, outcome: outcome as ItemOutcome }),
        })
      : Promise.reject(new AppError('internal', 'this task was given no pool to fan its items out to'));
    done.then(
      () => post({ kind: 'mapDone', mapId }),
      (error: unknown) =>
        post({
          kind: 'mapDone',
          mapId,
          error:
            error instanceof AppError
              ? { code: error.code, message: error.message }
              : { code: 'internal', message: error instanceof Error ? error.message : String(error) },
        }),
    );
  }

  /**
   * Starts every worker now, each loading `task`'s code, so that the first requests pay no thread start-up
   * (a process that serves a window warms its request pool; idle workers never keep it alive).
   */
  warm(task: TaskName): void {
    if (this.closed) return;
    while (this.slots.length < this.size) {
      this.start().worker.postMessage({ kind: 'load', task } satisfies WorkerRequest);
    }
  }

  broadcast<T extends TaskName>(task: T, item: TaskItem<T>): void {
    for (const slot of this.slots) {
      slot.worker.postMessage({ kind: 'batch', id: 0, task, items: [item] } satisfies WorkerRequest);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    for (const waiter of this.waiting.splice(0))
      waiter.reject(new AppError('internal', 'the worker pool is closed'));
    return Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
  }

  private post(slot: Slot, request: WorkerRequest, id: number): void {
    try {
      slot.worker.postMessage(request);
    } catch (error) {
      // The item cannot be sent (not structured-clonable): the slot is still free.
      const pending = slot.pending.get(id);
      slot.pending.delete(id);
      this.release(slot);
      pending?.fail(new AppError('internal', `cannot hand the task to a worker: ${String(error)}`));
    }
  }

  /** The next free worker (started on demand, up to `size`), in request order. */
  private acquire(signal?: AbortSignal): Promise<Slot> {
    if (this.closed) return Promise.reject(new AppError('internal', 'the worker pool is closed'));
    const idle = this.slots.find((s) => !s.busy);
    const slot = idle ?? (this.slots.length < this.size ? this.start() : null);
    if (slot) {
      this.claim(slot);
      return Promise.resolve(slot);
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        resolve: (s: Slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject,
      };
      const onAbort = (): void => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private claim(slot: Slot): void {
    slot.busy = true;
    slot.worker.ref();
  }

  private release(slot: Slot): void {
    if (!this.slots.includes(slot)) return;
    const waiter = this.waiting.shift();
    if (waiter) return waiter.resolve(slot);
    slot.busy = false;
    slot.worker.unref();
  }

  /** Terminates a worker (stuck, or failed) and hands a fresh one to whoever waits. */
  private retire(slot: Slot, error?: AppError): void {
    if (!this.slots.includes(slot)) return;
    this.slots = this.slots.filter((s) => s !== slot);
    // A thread blocked in a system call cannot be stopped until the call returns: never wait for it.
    slot.worker.unref();
    void slot.worker.terminate();
    const failure = error ?? new AppError('internal', 'the worker was stopped');
    for (const pending of [...slot.pending.values()]) pending.fail(failure);
    slot.pending.clear();
    const waiter = this.closed ? undefined : this.waiting.shift();
    if (waiter) {
      const fresh = this.start();
      this.claim(fresh);
      waiter.resolve(fresh);
    }
  }

  private start(): Slot {
    const worker = new Worker(workerScript());
    worker.unref();
    const slot: Slot = { worker, busy: false, pending: new Map() };
    worker.on('message', (reply: WorkerReply) => slot.pending.get(reply.id)?.reply(reply));
    worker.on('error', (error) =>
      this.retire(slot, new AppError('internal', `a worker failed: ${error.message}`)),
    );
    worker.on('exit', (code) =>
      this.retire(slot, new AppError('internal', `a worker stopped (exit ${code})`)),
    );
    this.slots.push(slot);
    return slot;
  }
}

/** Inline pools run the task table on this thread: load it once (the same module the workers run). */
let inlineLoad: Promise<void> | null = null;
function loadTasksInline(): Promise<void> {
  if (hasTasks()) return Promise.resolve();
  inlineLoad ??= import(workerScript().href).then((entry: { taskTable: Record<string, TaskFn> }) =>
    registerTasks(entry.taskTable),
  );
  return inlineLoad;
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

let shared: WorkerPool | null = null;
/** One pool per process, started on first use. */
export function sharedPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}
