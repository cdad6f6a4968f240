import type { z } from 'zod';
import {
  JobStarted,
  JobUpdate,
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
import { takeBootAnswer } from './boot.ts';
import { send, watchJob } from './transport.ts';

/** After a cancel, a job that has not ended within this long is left behind (the caller moved on). */
const CANCEL_GRACE_MS = 3000;
/** A push channel that closes before the job's last update is opened again (from the cursor) this often. */
const RECONNECTS = 3;

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
  // The page's first questions came answered with index.html (see boot.ts).
  const boot = takeBootAnswer(name, input);
  const value = boot ? boot.value : unwrap(await send(name, input));
  return parseWith<OutputOf<K>>(def.output, value, `The reply of ${name}`);
}

/** The answer index.html came with for this call, checked, at once; null when there is none. */
export function bootAnswerNow<K extends QueryName>(name: K, input: InputOf<K>): OutputOf<K> | null {
  const boot = takeBootAnswer(name, input);
  if (!boot) return null;
  const def = operations[name] as unknown as QueryDef;
  try {
    return parseWith<OutputOf<K>>(def.output, boot.value, `The reply of ${name}`);
  } catch {
    return null;
  }
}

export interface JobCallbacks<E> {
  /** Each streamed event, in order. */
  onEvent?: (event: E) => void;
  /** All events of one pushed update at once (cheaper for big streams). */
  onEvents?: (events: E[]) => void;
  onProgress?: (progress: JobProgress) => void;
}

export interface JobHandle<R> {
  promise: Promise<R>;
  /** Asks the job to stop; the promise then rejects with AppError('cancelled'). */
  cancel(): void;
}

/**
 * Starts a job and receives its updates as they are pushed (IPC events or server-sent events, see
 * watchJob): events, progress and the result are checked against the contract. No polling.
 */
export function startJob<K extends JobName>(
  name: K,
  input: InputOf<K>,
  callbacks: JobCallbacks<EventOf<K>> = {},
): JobHandle<ResultOf<K>> {
  const def = operations[name] as unknown as JobDef;
  let jobId: string | null = null;
  let cancelled = false;
  let leaveBehind: (() => void) | null = null;

  const requestCancel = (id: string) => {
    void send('jobs.cancel', { jobId: id });
  };

  const run = async (): Promise<ResultOf<K>> => {
    const id = parseWith<JobStarted>(
      JobStarted,
      unwrap(await send(name, input)),
      `The start of ${name}`,
    ).jobId;
    jobId = id;
    if (cancelled) requestCancel(id);
    return new Promise<ResultOf<K>>((resolve, reject) => {
      let cursor = 0;
      let settled = false;
      let reconnects = 0;
      let stop: () => void = () => {};
      let grace: ReturnType<typeof setTimeout> | null = null;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        if (grace) clearTimeout(grace);
        stop();
        fn();
      };
      leaveBehind = () => {
        grace ??= setTimeout(
          () => settle(() => reject(new AppError('cancelled', 'Cancelled.'))),
          CANCEL_GRACE_MS,
        );
      };
      if (cancelled) leaveBehind();
      const onUpdate = (raw: unknown): void => {
        if (settled) return;
        try {
          const update = parseWith<JobUpdate>(JobUpdate, raw, `An update of ${name}`);
          cursor = update.cursor;
          if (update.events.length > 0 && !cancelled) {
            const events = update.events.map((e) =>
              parseWith<EventOf<K>>(def.event, e, `An event of ${name}`),
            );
            callbacks.onEvents?.(events);
            if (callbacks.onEvent) for (const event of events) callbacks.onEvent(event);
          }
          if (!cancelled) callbacks.onProgress?.(update.progress);
          if (update.state === 'done') {
            if (cancelled) settle(() => reject(new AppError('cancelled', 'Cancelled.')));
            else {
              const result = parseWith<ResultOf<K>>(def.result, update.result, `The result of ${name}`);
              settle(() => resolve(result));
            }
          } else if (update.state === 'failed') {
            const error = update.error
              ? AppError.from(update.error)
              : new AppError('internal', `${name} failed.`);
            settle(() => reject(error));
          } else if (update.state === 'cancelled') {
            settle(() => reject(new AppError('cancelled', 'Cancelled.')));
          }
        } catch (error) {
          settle(() => reject(error));
        }
      };
      const onClosed = (error: AppError | null): void => {
        if (settled) return;
        if (error && error.code !== 'internal') return settle(() => reject(error));
        // Closed before the last update (a dropped connection): open it again from where it stopped.
        if (++reconnects > RECONNECTS) {
          return settle(() => reject(error ?? new AppError('internal', `Lost the updates of ${name}.`)));
        }
        stop = watchJob(id, cursor, onUpdate, onClosed);
      };
      stop = watchJob(id, cursor, onUpdate, onClosed);
    });
  };

  return {
    promise: run(),
    cancel() {
      if (cancelled) return;
      cancelled = true;
      if (jobId) requestCancel(jobId);
      leaveBehind?.();
    },
  };
}

/** Any thrown value as an AppError (for display). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('internal', error instanceof Error ? error.message : String(error));
}
