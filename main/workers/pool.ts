import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../shared/errors.ts';
import type { TaskItem, TaskName, TaskResult } from './tasks.ts';
import { runItem, type BatchReply, type ItemOutcome } from './worker.ts';

/**
 * Where the worker script lives: next to this file when running from source (Node strips the types),
 * or next to the bundle (dist/worker.js) when built.
 */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./worker.ts', here) : new URL('./worker.js', here);
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

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * A small pool of worker threads for SQLite work that can take long, so the UI never freezes and both
 * cores are used. `size: 0` runs the same tasks inline (a fallback, and a baseline for benchmarks).
 */
export class WorkerPool {
  readonly size: number;
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size = defaultPoolSize()) {
    this.size = size;
  }

  async map<T extends TaskName>(
    task: T,
    items: readonly TaskItem<T>[],
    options: MapOptions<TaskResult<T>>,
  ): Promise<void> {
    if (this.closed) throw new AppError('internal', 'the worker pool is closed');
    const signal = options.signal;
    if (this.size === 0) {
      for (let i = 0; i < items.length; i++) {
        if (signal?.aborted) throw new AppError('cancelled', 'the operation was cancelled');
        options.onResult(i, (await runItem(task, items[i])) as never);
        // Yield now and then so a caller on the main thread can handle cancel requests.
        if (i % 64 === 63) await new Promise((r) => setImmediate(r));
      }
      return;
    }
    this.ensureStarted();
    const batchSize =
      options.batchSize ?? Math.max(1, Math.min(64, Math.ceil(items.length / (this.size * 8))));
    let next = 0;
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const dispatch = (slot: Slot): void => {
        if (failed) return;
        if (signal?.aborted) {
          failed = true;
          reject(new AppError('cancelled', 'the operation was cancelled'));
          return;
        }
        if (next >= items.length) {
          if (running === 0) resolve();
          return;
        }
        const start = next;
        const batch = items.slice(start, start + batchSize);
        next += batch.length;
        const id = this.nextId++;
        slot.busy = true;
        running++;
        slot.worker.ref();
        const onMessage = (reply: BatchReply): void => {
          if (reply.id !== id) return;
          cleanup();
          slot.busy = false;
          slot.worker.unref();
          running--;
          reply.outcomes.forEach((outcome: ItemOutcome, k) => options.onResult(start + k, outcome as never));
          dispatch(slot);
          if (!failed && next >= items.length && running === 0) resolve();
        };
        const onError = (error: Error): void => {
          cleanup();
          failed = true;
          reject(new AppError('internal', `a worker failed: ${error.message}`));
        };
        const cleanup = (): void => {
          slot.worker.off('message', onMessage);
          slot.worker.off('error', onError);
        };
        slot.worker.on('message', onMessage);
        slot.worker.on('error', onError);
        slot.worker.postMessage({ id, task, items: batch });
      };
      if (items.length === 0) return resolve();
      for (const slot of this.slots) dispatch(slot);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    return Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
  }

  private ensureStarted(): void {
    if (this.slots.length > 0) return;
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(workerScript());
      worker.unref();
      this.slots.push({ worker, busy: false });
    }
  }
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
