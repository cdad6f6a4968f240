import { randomUUID } from 'node:crypto';
import type { JobSnapshot, JobUpdate } from '../../shared/contract/jobs.ts';
import type { JobState } from '../../shared/contract/define.ts';
import { AppError, type AppErrorShape } from '../../shared/errors.ts';
import { redactError } from '../../shared/secrets.ts';
import type { JobContext } from './job.ts';

interface JobRecord {
  id: string;
  op: string;
  state: JobState;
  done: number;
  total: number | null;
  current: string | null;
  events: unknown[];
  result?: unknown;
  error?: AppErrorShape;
  controller: AbortController;
  finishedAt: number | null;
  /** Watchers waiting for something new (see `watch`). */
  waiters: Set<() => void>;
  wakeTimer: ReturnType<typeof setTimeout> | null;
}

/** News of a running job is pushed to its watchers at most this often (events are batched meanwhile). */
const WAKE_EVERY_MS = 50;

function wake(record: JobRecord, now = false): void {
  if (record.waiters.size === 0) return;
  const run = (): void => {
    record.wakeTimer = null;
    const waiters = [...record.waiters];
    record.waiters.clear();
    for (const w of waiters) w();
  };
  if (now) {
    if (record.wakeTimer) clearTimeout(record.wakeTimer);
    run();
  } else {
    record.wakeTimer ??= setTimeout(run, WAKE_EVERY_MS);
  }
}

/** Finished jobs are kept this long for a last poll, then dropped. */
const KEEP_FINISHED_MS = 10 * 60 * 1000;

/**
 * Runs jobs for the UI (IPC or HTTP): each has progress, an event log read by cursor, a result and cancel.
 * The CLI does not need it: it calls job functions directly with a context that prints progress.
 */
export class JobRunner {
  private readonly jobs = new Map<string, JobRecord>();

  start(op: string, run: (ctx: JobContext) => Promise<unknown>): string {
    this.sweep();
    const record: JobRecord = {
      id: randomUUID(),
      op,
      state: 'running',
      done: 0,
      total: null,
      current: null,
      events: [],
      controller: new AbortController(),
      finishedAt: null,
      waiters: new Set(),
      wakeTimer: null,
    };
    this.jobs.set(record.id, record);
    const ctx: JobContext = {
      signal: record.controller.signal,
      progress: (done, total, current) => {
        record.done = done;
        record.total = total;
        if (current !== undefined) record.current = current;
        wake(record);
      },
      emit: (event) => {
        record.events.push(event);
        wake(record);
      },
    };
    // Start on the next tick so the caller gets the id before any work happens.
    setImmediate(() => {
      run(ctx).then(
        (result) => {
          record.state = record.controller.signal.aborted ? 'cancelled' : 'done';
          record.result = result;
          record.finishedAt = Date.now();
          wake(record, true);
        },
        (error: unknown) => {
          // What a job's error says is read by the UI and the CLI: every secret of it masked.
          const appError = redactError(error);
          record.state = appError.code === 'cancelled' ? 'cancelled' : 'failed';
          record.error = appError.toShape();
          record.finishedAt = Date.now();
          wake(record, true);
        },
      );
    });
    return record.id;
  }

  poll(jobId: string, cursor: number): JobSnapshot {
    const record = this.jobs.get(jobId);
    if (!record) throw new AppError('not_found', `no job ${jobId} (it may have finished long ago)`);
    const from = Math.min(Math.max(cursor, 0), record.events.length);
    const snapshot: JobSnapshot = {
      jobId: record.id,
      op: record.op,
      state: record.state,
      progress: { done: record.done, total: record.total, current: record.current },
      events: record.events.slice(from),
      cursor: record.events.length,
    };
    if (record.state === 'done') snapshot.result = record.result;
    if (record.error) snapshot.error = record.error;
    return snapshot;
  }

  /**
   * Pushes the job's news to `send` as it happens (IPC events, server-sent events): at once what there is
   * past `cursor` (state, progress, events), then an update whenever there are new events or progress
   * (batched for at most WAKE_EVERY_MS) and one at the end, the last. Returns the unsubscribe; throws
   * `not_found` for an unknown job. `send` must not throw (a closed channel just stops receiving).
   */
  watch(jobId: string, cursor: number, send: (update: JobUpdate) => void): () => void {
    const record = this.jobs.get(jobId);
    if (!record) throw new AppError('not_found', `no job ${jobId} (it may have finished long ago)`);
    let at = cursor;
    let live = true;
    const push = (): void => {
      if (!live) return;
      const update = this.poll(jobId, at);
      at = update.cursor;
      if (update.state !== 'running') live = false;
      else record.waiters.add(push);
      send(update);
    };
    push();
    return () => {
      live = false;
      record.waiters.delete(push);
    };
  }

  cancel(jobId: string): boolean {
    const record = this.jobs.get(jobId);
    if (!record || record.state !== 'running') return false;
    record.controller.abort();
    return true;
  }

  /** Cancels every running job (window closed, server stopping). */
  cancelAll(): void {
    for (const record of this.jobs.values()) if (record.state === 'running') record.controller.abort();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, record] of this.jobs) {
      if (record.finishedAt !== null && now - record.finishedAt > KEEP_FINISHED_MS) this.jobs.delete(id);
    }
  }
}
