// Running a contract operation in a worker thread. The dispatcher (dispatch.ts) sends the operation's name,
// its validated input and a snapshot of the context; this side rebuilds a context and calls the same
// handler the main thread would. Cached read connections therefore live per worker.

import { writeFileSync } from 'node:fs';
import type { Place } from '../../shared/contract/browse.ts';
import { operations, type OperationName } from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import { PlaceAccess } from '../access/places.ts';
import { trackTemp } from '../fs/temp.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { sourceSession, type SessionEntrySnapshot } from '../sources/session.ts';
import type { TaskContext } from '../workers/tasks.ts';
import type { HandlerContext, WriteAccess, WriteHandlerContext } from './context.ts';
import { callHandler } from './call.ts';
import type { ReleaseNotice } from './fence.ts';
import { handlers } from './handlers/index.ts';

/** The parts of a HandlerContext a worker needs, as plain data. */
export interface ContextSnapshot {
  /** Allowed places, most recent first (as PlaceAccess.list() gives them), and the current one. */
  places: Place[];
  current: string | null;
  userDataDir: string;
  canPickWithDialog: boolean;
  nowMs: number;
  /** Browser mode's uploaded archives now (HandlerContext.uploadedArchives). */
  uploadedArchives?: string[];
  /**
   * The sources of the session (main/sources/session.ts). The registry stays in the main process; each
   * worker opens a source itself, from its locator and options, the first time a request reads it, and
   * keeps it open for the next (so its connection or file handle is per worker, never shared).
   */
  sources?: SessionEntrySnapshot[];
}

export interface OperationItem {
  name: OperationName;
  input: unknown;
  context: ContextSnapshot;
}

export function snapshotContext(ctx: HandlerContext): ContextSnapshot {
  return {
    places: ctx.places.list(),
    current: ctx.places.current?.path ?? null,
    userDataDir: ctx.userDataDir,
    canPickWithDialog: ctx.canPickWithDialog ?? false,
    nowMs: ctx.now().getTime(),
    uploadedArchives: ctx.uploadedArchives ? [...ctx.uploadedArchives] : undefined,
    sources: sourceSession.snapshot(),
  };
}

let cachedPlaces: { key: string; access: PlaceAccess } | null = null;

/** The allow-list of the snapshot (rebuilt only when it changed since the last request on this worker). */
function placesOf(snapshot: ContextSnapshot): PlaceAccess {
  const key = JSON.stringify([snapshot.places, snapshot.current]);
  if (cachedPlaces?.key === key) return cachedPlaces.access;
  const access = new PlaceAccess();
  for (const place of [...snapshot.places].reverse()) {
    try {
      access.add(place.path, place.source);
    } catch {
      // gone since it was allowed: requests for it are refused as for any other path
    }
  }
  if (snapshot.current !== null) {
    try {
      access.select(snapshot.current);
    } catch {
      // as above
    }
  }
  cachedPlaces = { key, access };
  return access;
}

function unavailable(what: string, name: string): never {
  throw new AppError(
    'internal',
    `${name} runs in a worker thread, where ${what} is not available; declare it runs: 'main' in its contract (shared/contract)`,
  );
}

/**
 * Test hook: an operation whose chat (`chat_<id>`) or path equals CHAT_INSPECTOR_TEST_STALL blocks its
 * worker as a read of a file that never answers does (a FIFO, a hung network mount), so tests can prove
 * the deadline and cancel stop it while other requests go on. With CHAT_INSPECTOR_TEST_STALL_TEMP, it first
 * makes that file as a tracked temporary one, as a job mid-write holds one (the pool must remove it).
 */
function stallIfAsked(input: unknown): void {
  const stall = process.env.CHAT_INSPECTOR_TEST_STALL;
  if (!stall) return;
  const fields = (input ?? {}) as { chatId?: unknown; path?: unknown };
  const target = typeof fields.chatId === 'string' ? `chat_${fields.chatId}` : fields.path;
  if (target !== stall) return;
  const temp = process.env.CHAT_INSPECTOR_TEST_STALL_TEMP;
  if (temp) {
    writeFileSync(temp, '');
    trackTemp(temp);
  }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** The worker task behind every offloaded operation: its handler's output (queries) or result (jobs). */
export async function runOperationTask(item: OperationItem, task: TaskContext): Promise<unknown> {
  stallIfAsked(item.input);
  const def = operations[item.name];
  const snapshot = item.context;
  sourceSession.adopt(snapshot.sources ?? []);
  const base = {
    places: placesOf(snapshot),
    userDataDir: snapshot.userDataDir,
    canPickWithDialog: snapshot.canPickWithDialog,
    now: () => new Date(snapshot.nowMs),
    uploadedArchives: new Set(snapshot.uploadedArchives ?? []) as ReadonlySet<string>,
  };
  Object.defineProperties(base, {
    jobs: { get: () => unavailable('the job runner', item.name) },
    // The coordinators' fan-out reaches the main process's pool (WorkerPool.run's fanOut).
    pool: { get: () => task.fanOut ?? unavailable('the worker pool', item.name) },
  });
  const ctx = (def.writes ? Object.assign(base, { write: workerWriteAccess(task) }) : base) as
    HandlerContext | WriteHandlerContext;
  return callHandler(item.name, def, handlers[item.name], item.input, ctx, task);
}

/**
 * In a worker, releasing connections closes this worker's own and tells the main process at once
 * (a ReleaseNotice, main/api/dispatch.ts): it closes every other thread's and refuses reads of that path
 * while the write goes on. The dispatcher closes them all again after the write.
 */
const workerWriteAccess = (task: TaskContext): WriteAccess => ({
  releaseConnections: (prefix) => {
    readonlyCache.closeUnder(prefix);
    task.notify?.({ release: prefix } satisfies ReleaseNotice);
  },
});
