import { parentPort } from 'node:worker_threads';
import { AppError } from '../../shared/errors.ts';
import { tasks, type TaskName } from './tasks.ts';

export interface BatchRequest {
  id: number;
  task: TaskName;
  items: unknown[];
}
export type ItemOutcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };
export interface BatchReply {
  id: number;
  outcomes: ItemOutcome[];
}

export async function runItem(task: TaskName, item: unknown): Promise<ItemOutcome> {
  try {
    const fn = tasks[task] as (item: unknown) => unknown;
    return { ok: true, value: await fn(item) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'internal', message: error instanceof Error ? error.message : String(error) };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', async (request: BatchRequest) => {
    const outcomes: ItemOutcome[] = [];
    for (const item of request.items) outcomes.push(await runItem(request.task, item));
    port.postMessage({ id: request.id, outcomes } satisfies BatchReply);
  });
}
