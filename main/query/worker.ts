import { parentPort } from 'node:worker_threads';
import { asAppError } from '../../shared/errors.ts';
import { runStatement, type StatementRequest } from './execute.ts';

// The SQL console's thread: one statement at a time. The main thread terminates it when a statement
// runs past its deadline (the only way to stop a running better-sqlite3 statement).

export type WorkerReply =
  | { ready: true }
  | { id: number; ok: true; value: ReturnType<typeof runStatement> }
  | { id: number; ok: false; code: string; message: string };

if (parentPort) {
  const port = parentPort;
  port.on('message', ({ id, request }: { id: number; request: StatementRequest }) => {
    try {
      port.postMessage({ id, ok: true, value: runStatement(request) } satisfies WorkerReply);
    } catch (error) {
      const e = asAppError(error);
      port.postMessage({ id, ok: false, code: e.code, message: e.message } satisfies WorkerReply);
    }
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
}
