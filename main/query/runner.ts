import { statSync } from 'node:fs';
import { AppError } from '../../shared/errors.ts';
import type { WorkerPool } from '../workers/pool.ts';
import type { StatementRequest, StatementResult } from './execute.ts';
import type { TablePageItem, TablePageResult } from './sql.ts';

// Statements of the SQL console and of the table grid run in a worker of the pool, stopped at their
// limit: better-sqlite3 has neither sqlite3_interrupt nor a progress handler, so a runaway statement (a
// recursive CTE, a cross join) is stopped by the pool terminating its worker and starting a fresh one.

const formatSeconds = (ms: number) => `${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s`;

const overLimit = (timeoutMs: number) =>
  `The query ran longer than its limit of ${formatSeconds(timeoutMs)} and was stopped. Narrow it (WHERE, LIMIT) or raise the limit.`;

/** Runs one statement in a worker of `pool`; past `timeoutMs` the worker is terminated and `timeout` thrown. */
export function runWithDeadline(
  pool: WorkerPool,
  request: StatementRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<StatementResult> {
  return pool.run('sql.statement', request, {
    deadlineMs: timeoutMs,
    timeoutMessage: overLimit(timeoutMs),
    signal,
  });
}

/** A page of a table (its schema read and its statement) in a worker of `pool`, stopped at `timeoutMs`. */
export function tablePageWithDeadline(
  pool: WorkerPool,
  item: TablePageItem,
  timeoutMs: number,
): Promise<TablePageResult> {
  return pool.run('sql.tablePage', item, { deadlineMs: timeoutMs, timeoutMessage: overLimit(timeoutMs) });
}

/**
 * In the worker, before a statement, a table page or a description: a folder is refused with one line (the
 * main thread that routed the request does not stat the path itself). A missing file is left to the open.
 */
export function refuseFolder(path: string): void {
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    return; // unreadable: the open says why
  }
  if (stats?.isDirectory()) throw new AppError('invalid_input', `${path}: is a folder, not a database file`);
}
