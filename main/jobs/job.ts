import { AppError } from '../../shared/errors.ts';

/** What a long operation gets while it runs, whoever started it (UI job runner, CLI, test). */
export interface JobContext<E = unknown> {
  readonly signal: AbortSignal;
  progress(done: number, total: number | null, current?: string | null): void;
  emit(event: E): void;
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AppError('cancelled', 'the operation was cancelled');
}

/** A context that ignores progress: for callers (tests, scripts) that only want the result. */
export function silentContext<E>(onEvent?: (event: E) => void, signal?: AbortSignal): JobContext<E> {
  return {
    signal: signal ?? new AbortController().signal,
    progress: () => {},
    emit: (event) => onEvent?.(event),
  };
}
