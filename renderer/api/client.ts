import type { z } from 'zod';
import {
  JobStarted,
  operations,
  type EventOf,
  type InputOf,
  type JobDef,
  type JobName,
  type JobProgress,
  type OutputOf,
  type QueryDef,
  type QueryName,
  type ResultOf,
} from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import type { Reply } from '../../shared/transport.ts';
import { send } from './transport.ts';

/** How long one poll may wait for news: the main process answers as soon as a job has some (a push). */
export const POLL_WAIT_MS = 2000;
/** Kept for callers that pace their own polling. */
export const POLL_MS = 150;

function unwrap(reply: Reply): unknown {
  if (!reply.ok) throw AppError.from(reply.error);
  return reply.value;
}

function parseWith<T>(schema: z.ZodType, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as T;
  const issue = parsed.error.issues[0];
  throw new AppError(
    'internal',
    `${what} does not match the contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}).`,
  );
}

/** Calls one query operation; the reply is checked against the contract's output schema. */
export async function call<K extends QueryName>(name: K, input: InputOf<K>): Promise<OutputOf<K>> {
  const def = operations[name] as unknown as QueryDef;
  return parseWith<OutputOf<K>>(def.output, unwrap(await send(name, input)), `The reply of ${name}`);
}

export interface JobCallbacks<E> {
  /** Each streamed event, in order. */
  onEvent?: (event: E) => void;
  /** All events of one poll at once (cheaper for big streams). */
  onEvents?: (events: E[]) => void;
  onProgress?: (progress: JobProgress) => void;
}

export interface JobHandle<R> {
  promise: Promise<R>;
  /** Asks the job to stop; the promise then rejects with AppError('cancelled'). */
  cancel(): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a job and polls it until it finishes; events and the result are checked against the contract. */
export function startJob<K extends JobName>(
  name: K,
  input: InputOf<K>,
  callbacks: JobCallbacks<EventOf<K>> = {},
): JobHandle<ResultOf<K>> {
  const def = operations[name] as unknown as JobDef;
  let jobId: string | null = null;
  let cancelled = false;
  let pollsSinceCancel = 0;

  const requestCancel = (id: string) => {
    void send('jobs.cancel', { jobId: id });
  };

  const run = async (): Promise<ResultOf<K>> => {
    jobId = parseWith<JobStarted>(JobStarted, unwrap(await send(name, input)), `The start of ${name}`).jobId;
    if (cancelled) requestCancel(jobId);
    let cursor = 0;
    for (;;) {
      // A held poll: answered when the job has new events, progress or has ended, not on a timer.
      const snapshot = await call('jobs.poll', { jobId, cursor, waitMs: cancelled ? 0 : POLL_WAIT_MS });
      cursor = snapshot.cursor;
      if (snapshot.events.length > 0 && !cancelled) {
        const events = snapshot.events.map((e) => parseWith<EventOf<K>>(def.event, e, `An event of ${name}`));
        callbacks.onEvents?.(events);
        if (callbacks.onEvent) for (const event of events) callbacks.onEvent(event);
      }
      if (!cancelled) callbacks.onProgress?.(snapshot.progress);
      if (snapshot.state === 'done') {
        if (cancelled) throw new AppError('cancelled', 'Cancelled.');
        return parseWith<ResultOf<K>>(def.result, snapshot.result, `The result of ${name}`);
      }
      if (snapshot.state === 'failed') {
        throw snapshot.error ? AppError.from(snapshot.error) : new AppError('internal', `${name} failed.`);
      }
      if (snapshot.state === 'cancelled') throw new AppError('cancelled', 'Cancelled.');
      // A job that ignores cancel for a few seconds is left behind: the caller has moved on.
      if (cancelled && ++pollsSinceCancel > 20) throw new AppError('cancelled', 'Cancelled.');
      if (cancelled) await sleep(POLL_MS);
    }
  };

  return {
    promise: run(),
    cancel() {
      if (cancelled) return;
      cancelled = true;
      if (jobId) requestCancel(jobId);
    },
  };
}

/** Any thrown value as an AppError (for display). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('internal', error instanceof Error ? error.message : String(error));
}
