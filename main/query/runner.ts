import { Worker } from 'node:worker_threads';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { StatementRequest, StatementResult } from './execute.ts';
import type { WorkerReply } from './worker.ts';

// Statements run in a thread of their own, stopped at a deadline. better-sqlite3 has neither
// sqlite3_interrupt nor a progress handler, so a runaway statement (a recursive CTE, a cross join) can
// only be stopped by terminating its thread; the next statement gets a fresh one. One warm thread is
// kept between statements so the deadline measures the statement, not the thread's start-up.

/** Next to this file when running from source; next to the bundle (dist/query-worker.js) when built. */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./worker.ts', here) : new URL('./query-worker.js', here);
}

let warm: Promise<Worker> | null = null;
let nextId = 1;

function startWorker(): Promise<Worker> {
  const worker = new Worker(workerScript());
  worker.unref();
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if ('ready' in reply) {
        worker.off('error', onError);
        resolve(worker);
      }
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(new AppError('internal', `the query thread did not start: ${error.message}`));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

function takeWorker(): Promise<Worker> {
  const worker = warm ?? startWorker();
  warm = null;
  return worker;
}

function giveBack(worker: Worker): void {
  if (warm) void worker.terminate();
  else warm = Promise.resolve(worker);
}

/** Runs one statement in a worker thread; past `timeoutMs` the thread is terminated and `timeout` thrown. */
export async function runWithDeadline(
  request: StatementRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<StatementResult> {
  const worker = await takeWorker();
  const id = nextId++;
  return new Promise<StatementResult>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void, keep: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (keep) giveBack(worker);
      else void worker.terminate();
      outcome();
    };
    const onMessage = (reply: WorkerReply) => {
      if ('ready' in reply || reply.id !== id) return;
      if (reply.ok) finish(() => resolve(reply.value), true);
      else {
        const code = ErrorCode.safeParse(reply.code);
        finish(() => reject(new AppError(code.success ? code.data : 'internal', reply.message)), true);
      }
    };
    const onError = (error: Error) =>
      finish(() => reject(new AppError('internal', `the query thread failed: ${error.message}`)), false);
    const onAbort = () => finish(() => reject(new AppError('cancelled', 'the query was cancelled')), false);
    const timer = setTimeout(
      () =>
        finish(
          () =>
            reject(
              new AppError(
                'timeout',
                `The query ran longer than its limit of ${formatSeconds(timeoutMs)} and was stopped. Narrow it (WHERE, LIMIT) or raise the limit.`,
              ),
            ),
          false,
        ),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage({ id, request });
  });
}

const formatSeconds = (ms: number) => `${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s`;

/** Stops the warm thread (tests, shutdown). */
export async function stopQueryWorker(): Promise<void> {
  const worker = warm;
  warm = null;
  if (worker) await (await worker).terminate();
}
