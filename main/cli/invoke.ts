import type {
  EventOf,
  InputOf,
  JobName,
  JobStarted,
  OutputOf,
  QueryName,
  ResultOf,
} from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import { progressLine } from './output.ts';

// The CLI runs operations as Electron IPC and browser mode's HTTP do: through the contract's one
// invocation, so inputs are checked by the contract and only a writing operation gets the write capability.

/** Runs a query operation and returns its (checked) output. */
export async function runQuery<K extends QueryName>(
  ctx: HandlerContext,
  name: K,
  input: InputOf<K>,
): Promise<OutputOf<K>> {
  return (await invoke(name, input, ctx)) as OutputOf<K>;
}

export interface JobWatch<K extends JobName> {
  /** The progress line's label ("Searching"). */
  label: string;
  /** Each event the job streams, in order. */
  onEvent?: (event: EventOf<K>) => void;
}

/**
 * Starts a job operation on the context's job runner and waits for it: its progress drawn on stderr when
 * that is a terminal, its events handed to `onEvent`, Ctrl-C cancelling it. Resolves with its result;
 * a failed or cancelled job rejects with its error, as the job function's own error did before.
 */
export async function runJob<K extends JobName>(
  ctx: HandlerContext,
  name: K,
  input: InputOf<K>,
  watch: JobWatch<K>,
): Promise<ResultOf<K>> {
  const { jobId } = (await invoke(name, input, ctx)) as JobStarted;
  const line = progressLine(watch.label);
  const onSigint = (): void => void ctx.jobs.cancel(jobId);
  process.once('SIGINT', onSigint);
  try {
    return await new Promise<ResultOf<K>>((resolve, reject) => {
      ctx.jobs.watch(jobId, 0, (update) => {
        try {
          for (const event of update.events) watch.onEvent?.(event as EventOf<K>);
        } catch (error) {
          ctx.jobs.cancel(jobId);
          reject(error);
          return;
        }
        line.draw(update.progress.done, update.progress.total, update.progress.current);
        if (update.state === 'running') return;
        if (update.state === 'done') resolve(update.result as ResultOf<K>);
        else if (update.error) reject(AppError.from(update.error));
        else reject(new AppError('cancelled', 'the operation was cancelled'));
      });
    });
  } finally {
    process.off('SIGINT', onSigint);
    line.clear();
  }
}
