// The worker mechanism knows no feature. Features' per-item work is listed once, at the edge, in the task
// table (main/tasks.ts), which is also the worker thread's entry: it registers the table here and serves
// it. Its types reach the pool by declaration merging (`declare module './workers/tasks.ts'` there), so
// `pool.map('scan.chat', ...)` is checked without this folder importing anything of a feature.

import { AppError } from '../../shared/errors.ts';
import type { JobContext } from '../jobs/job.ts';

/**
 * What a task gets besides its item when it runs through `WorkerPool.run`: the caller's cancel (seen by
 * synchronous code too: reading `signal.aborted` checks the caller's flag), progress and events, which
 * travel to the caller as messages. Batch work (`WorkerPool.map`) gets a context that reports nothing.
 */
export interface TaskContext extends JobContext {
  /**
   * A task run by `WorkerPool.run` in a worker may fan items out to the calling process's pool (its
   * `fanOut`) as if it were there: the coordinators of per-chat work run off the main thread this way.
   */
  readonly fanOut?: FanOut;
  /**
   * Tells the caller something at once, while the task goes on (RunOptions.onNotice): e.g. a write in a
   * worker asks the calling process to close every other thread's connections to a file before it changes
   * it. Absent where nobody listens (batch work).
   */
  readonly notify?: (notice: unknown) => void;
}

/** The part of a pool a coordinator uses (WorkerPool.map), reachable from a worker. */
export interface FanOut {
  map<T extends TaskName>(
    task: T,
    items: readonly TaskItem<T>[],
    options: {
      signal?: AbortSignal;
      batchSize?: number;
      onResult: (
        index: number,
        outcome: { ok: true; value: TaskResult<T> } | { ok: false; code: string; message: string },
      ) => void;
    },
  ): Promise<void>;
}

export type TaskFn = (item: never, ctx: TaskContext) => unknown;

/** Name → task function. Empty here; the task table at the edge adds its entries (declaration merging). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TaskTable {}

export type TaskName = keyof TaskTable & string;
type FnOf<T extends TaskName> = TaskTable[T] extends (...args: never[]) => unknown ? TaskTable[T] : never;
export type TaskItem<T extends TaskName> = Parameters<FnOf<T>>[0];
export type TaskResult<T extends TaskName> = Awaited<ReturnType<FnOf<T>>>;

const registered = new Map<string, TaskFn>();
const loaders = new Map<string, () => Promise<unknown>>();

/** Adds tasks to this thread's table (the edge does this once, in each thread that runs tasks). */
export function registerTasks(table: Readonly<Record<string, TaskFn>>): void {
  for (const [name, fn] of Object.entries(table)) registered.set(name, fn);
}

/**
 * Code a task loads on first use (a dynamic import): the worker loads it before it tells the pool the task
 * started, so a deadline measures the task, not the loading of its modules.
 */
export function registerLoaders(table: Readonly<Record<string, () => Promise<unknown>>>): void {
  for (const [name, load] of Object.entries(table)) loaders.set(name, load);
}

/** Loads a task's code (once: a module's import is cached) before it runs. */
export async function loadTask(name: string): Promise<void> {
  await loaders.get(name)?.();
}

export function hasTasks(): boolean {
  return registered.size > 0;
}

export function taskNamed(name: string): TaskFn {
  const fn = registered.get(name);
  if (!fn) throw new AppError('internal', `no worker task named ${name}`);
  return fn;
}
