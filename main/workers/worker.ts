// The worker thread's message loop: runs tasks of the thread's task table (main/workers/tasks.ts) for the
// pool (main/workers/pool.ts). The entry that registers the table calls `serveTasks()` (main/tasks.ts).

import { parentPort } from 'node:worker_threads';
import { AppError } from '../../shared/errors.ts';
import { observeTemps } from '../fs/temp.ts';
import { loadTask, taskNamed, type FanOut, type TaskContext } from './tasks.ts';

export type ItemOutcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

export type WorkerRequest =
  | { kind: 'batch'; id: number; task: string; items: unknown[] }
  | { kind: 'run'; id: number; task: string; item: unknown; cancelFlag: SharedArrayBuffer }
  | { kind: 'cancel'; id: number }
  /** Load a task's code now (WorkerPool.warm), before any request needs it. */
  | { kind: 'load'; task: string }
  /** One item's outcome of a fan-out this worker's task asked for (TaskContext.fanOut). */
  | { kind: 'mapResult'; mapId: number; index: number; outcome: ItemOutcome }
  | { kind: 'mapDone'; mapId: number; error?: { code: string; message: string } };

export type WorkerReply =
  | { kind: 'batch'; id: number; outcomes: ItemOutcome[] }
  | { kind: 'started'; id: number }
  | { kind: 'progress'; id: number; done: number; total: number | null; current?: string | null }
  | { kind: 'event'; id: number; event: unknown }
  /** A notice for the caller while the task goes on (TaskContext.notify). */
  | { kind: 'notice'; id: number; notice: unknown }
  | { kind: 'result'; id: number; outcome: ItemOutcome }
  /** A temporary path the running task made (tracked) or removed/renamed (untracked). */
  | { kind: 'temp'; id: number; path: string; tracked: boolean }
  /** The running task fans items out to the calling process's pool (TaskContext.fanOut). */
  | { kind: 'map'; id: number; mapId: number; task: string; items: unknown[]; batchSize?: number };

const quiet: TaskContext = {
  signal: new AbortController().signal,
  progress: () => {},
  emit: () => {},
};

export async function runItem(task: string, item: unknown, ctx: TaskContext = quiet): Promise<ItemOutcome> {
  try {
    const fn = taskNamed(task) as (item: unknown, ctx: TaskContext) => unknown;
    return { ok: true, value: await fn(item, ctx) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'internal', message: error instanceof Error ? error.message : String(error) };
  }
}

const nativeAborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

/**
 * An AbortSignal that synchronous code sees aborted as soon as the caller sets the shared flag: its
 * `aborted` reads the flag (Atomics), so a long loop that checks `throwIfCancelled(signal)` stops even
 * though this thread's event loop never gets to the 'cancel' message.
 */
export function flaggedSignal(flag: Int32Array): AbortController {
  const controller = new AbortController();
  Object.defineProperty(controller.signal, 'aborted', {
    get(this: AbortSignal) {
      if (Atomics.load(flag, 0) === 1 && !nativeAborted.call(this)) {
        controller.abort(new AppError('cancelled', 'the operation was cancelled'));
      }
      return nativeAborted.call(this) as boolean;
    },
  });
  return controller;
}

interface RemoteMap {
  onResult: (index: number, outcome: never) => void;
  resolve: () => void;
  reject: (error: AppError) => void;
}

/**
 * A fan-out from this worker: the items go to the calling process's pool, item outcomes come back as
 * messages. Cancel is the run's own (the pool stops handing out batches when the run's signal aborts).
 */
let nextMapId = 1;

function remoteFanOut(
  runId: number,
  send: (reply: WorkerReply) => void,
  maps: Map<number, RemoteMap>,
): FanOut {
  return {
    map: (task, items, options) =>
      new Promise<void>((resolve, reject) => {
        const mapId = nextMapId++;
        maps.set(mapId, { onResult: options.onResult as RemoteMap['onResult'], resolve, reject });
        send({ kind: 'map', id: runId, mapId, task, items: [...items], batchSize: options.batchSize });
      }),
  };
}

/** Serves the pool's requests on this worker thread (no-op on the main thread). */
export function serveTasks(): void {
  if (!parentPort) return;
  const port = parentPort;
  const running = new Map<number, AbortController>();
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  // A worker runs one `run` task at a time (its slot is busy until the result): its temporary files are
  // that task's, and the pool removes them if it has to terminate this thread.
  let current: number | null = null;
  const maps = new Map<number, RemoteMap>();
  observeTemps((path, tracked) => {
    if (current !== null) send({ kind: 'temp', id: current, path, tracked });
  });
  port.on('message', async (request: WorkerRequest) => {
    if (request.kind === 'mapResult') {
      maps.get(request.mapId)?.onResult(request.index, request.outcome as never);
      return;
    }
    if (request.kind === 'mapDone') {
      const map = maps.get(request.mapId);
      maps.delete(request.mapId);
      if (request.error)
        map?.reject(new AppError(request.error.code as AppError['code'], request.error.message));
      else map?.resolve();
      return;
    }
    if (request.kind === 'load') {
      void loadTask(request.task).catch(() => {});
      return;
    }
    if (request.kind === 'cancel') {
      running.get(request.id)?.abort(new AppError('cancelled', 'the operation was cancelled'));
      return;
    }
    if (request.kind === 'batch') {
      const outcomes: ItemOutcome[] = [];
      for (const item of request.items) outcomes.push(await runItem(request.task, item));
      send({ kind: 'batch', id: request.id, outcomes });
      return;
    }
    const { id } = request;
    // The deadline counts from here: a worker's start-up (loading the modules, the task's own included) is
    // not the task's time. A module that fails to load fails the task below, as before.
    await loadTask(request.task).catch(() => {});
    send({ kind: 'started', id });
    const controller = flaggedSignal(new Int32Array(request.cancelFlag));
    running.set(id, controller);
    current = id;
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: (done, total, current) => send({ kind: 'progress', id, done, total, current }),
      emit: (event) => send({ kind: 'event', id, event }),
      notify: (notice) => send({ kind: 'notice', id, notice }),
      fanOut: remoteFanOut(id, send, maps),
    };
    const outcome = await runItem(request.task, request.item, ctx);
    running.delete(id);
    if (current === id) current = null;
    send({ kind: 'result', id, outcome });
  });
}
