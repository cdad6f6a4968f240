// The worker thread of one `recover` job: it receives the job's input, posts progress (throttled) and
// then its result or its error. Cancel is the main thread terminating it.

import { parentPort, workerData } from 'node:worker_threads';
import { asAppError } from '../../shared/errors.ts';
import { recoverWork, type RecoverWorkInput } from './work.ts';

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number | null; what: string }
  | { type: 'done'; result: ReturnType<typeof recoverWork> }
  | { type: 'error'; code: string; message: string };

if (parentPort) {
  const port = parentPort;
  let last = 0;
  try {
    const result = recoverWork(workerData as RecoverWorkInput, (done, total, what) => {
      const now = Date.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      port.postMessage({ type: 'progress', done, total, what } satisfies WorkerMessage);
    });
    port.postMessage({ type: 'done', result } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({
      type: 'error',
      ...asAppError(error).toShape(),
    } satisfies WorkerMessage);
  }
}
