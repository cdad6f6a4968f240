import type { EventOf, InputOf, JobName, JobProgress, ResultOf } from '../../shared/contract/index.ts';
import type { AppError } from '../../shared/errors.ts';
import { startJob, toAppError } from './client.ts';

export interface StreamCallbacks<E, R> {
  /** Events received since the last flush (possibly none) and the latest progress, at most every `flushMs`. */
  onFlush(events: E[], progress: JobProgress | null): void;
  onDone(result: R): void;
  /** The job failed or was cancelled; everything received before was flushed first. */
  onEnd(error: AppError): void;
}

export interface Stream {
  cancel(): void;
  /** Cancels and silences the stream: nothing more is reported (a newer run replaced it). */
  detach(): void;
}

/**
 * Runs a job whose events stream into a store: events and progress are batched and handed over at most
 * every `flushMs`, so a fast job never floods React, and a detached (replaced) run reports nothing more.
 */
export function streamJob<K extends JobName>(
  name: K,
  input: InputOf<K>,
  callbacks: StreamCallbacks<EventOf<K>, ResultOf<K>>,
  flushMs = 200,
): Stream {
  let live = true;
  let pending: EventOf<K>[] = [];
  let progress: JobProgress | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    timer = null;
    if (!live) return;
    const events = pending;
    pending = [];
    callbacks.onFlush(events, progress);
  };
  // The first news goes out at once (the first rows of a list wait for it), the rest at most every flushMs.
  let first = true;
  const schedule = () => {
    timer ??= setTimeout(flush, first ? 0 : flushMs);
    first = false;
  };
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const job = startJob(name, input, {
    onEvents(events) {
      pending.push(...events);
      schedule();
    },
    onProgress(p) {
      progress = p;
      schedule();
    },
  });
  job.promise.then(
    (result) => {
      if (!live) return;
      stopTimer();
      // Events not yet handed over come first: a result need not repeat them.
      if (pending.length > 0) flush();
      callbacks.onDone(result);
    },
    (error: unknown) => {
      if (!live) return;
      stopTimer();
      flush();
      callbacks.onEnd(toAppError(error));
    },
  );
  return {
    cancel: () => job.cancel(),
    detach: () => {
      live = false;
      stopTimer();
      job.cancel();
    },
  };
}
