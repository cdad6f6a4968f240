import { dirname, resolve } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import type { HandlerContext } from '../api/context.ts';
import { DEFAULT_DEADLINE_MS } from '../api/dispatch.ts';
import { entryAt } from '../fs/entry.ts';
import { WorkerPool, sharedPool } from '../workers/pool.ts';

export interface CliContextOptions {
  /** `--workers N`: a pool of N threads for the per-chat fan-out; default the process's shared pool. */
  workers?: number;
  /**
   * Output files or folders named on the command line (`--out`, `--out-dir`, `--into FILE`): each joins the
   * allow-list with its parent folder, and is written where named (see PlaceAccess.nameOutput).
   */
  outputs?: readonly string[];
}

/**
 * The handler context of one CLI command: the paths named on the command line are its whole allow-list
 * (nothing is read from or written to the app's recent list), jobs run on a job runner of their own, and
 * per-chat work fans out to the shared worker pool (or `--workers`). Operations run on this thread: a
 * command has no window to keep responsive and no deadline cuts a long read short, as before.
 */
export function cliContext(paths: readonly string[], options: CliContextOptions = {}): HandlerContext {
  const ctx = createContext({
    rememberRecent: false,
    pool: options.workers === undefined ? sharedPool() : new WorkerPool(options.workers),
    offload: null,
    // Operations run inline, where no deadline applies: CHAT_INSPECTOR_DEADLINE_MS (for `serve`) is not read.
    deadlineMs: DEFAULT_DEADLINE_MS,
  });
  for (const path of paths) ctx.places.add(path, 'cli');
  for (const output of options.outputs ?? []) {
    // Said as a missing folder, not as a place never opened: the person named it themselves.
    const parent = dirname(resolve(output));
    if (entryAt(parent).kind === 'missing') throw new AppError('not_found', `${parent}: no such folder`);
    for (const path of outputPlaces(output)) ctx.places.add(path, 'cli');
    ctx.places.nameOutput(output);
  }
  return ctx;
}

/**
 * The places an output named on the command line brings onto the allow-list: itself when it exists and its
 * parent folder, so the contract's own checks (requireWritableTarget) decide as they do in the app.
 */
function outputPlaces(path: string): string[] {
  const full = resolve(path);
  return [full, dirname(full)].filter((p) => {
    const kind = entryAt(p).kind;
    return kind === 'file' || kind === 'directory';
  });
}
