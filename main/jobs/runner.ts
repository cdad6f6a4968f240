import { randomUUID } from 'node:crypto';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import type { JobState } from '../../shared/contract/define.ts';
import { AppError, type AppErrorShape } from '../../shared/errors.ts';
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
    };
    this.jobs.set(record.id, record);
    const ctx: JobContext = {
      signal: record.controller.signal,
      progress: (done, total, current) => {
        record.done = done;
        record.total = total;
        if (current !== undefined) record.current = current;
      },
      emit: (event) => {
        record.events.push(event);
      },
    };
    // Start on the next tick so the caller gets the id before any work happens.
    setImmediate(() => {
      run(ctx).then(
        (result) => {
          record.state = record.controller.signal.aborted ? 'cancelled' : 'done';
          record.result = result;
          record.finishedAt = Date.now();
        },
        (error: unknown) => {
          const appError =
            error instanceof AppError
              ? error
              : new AppError('internal', error instanceof Error ? error.message : String(error));
          record.state = appError.code === 'cancelled' ? 'cancelled' : 'failed';
          record.error = appError.toShape();
          record.finishedAt = Date.now();
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
