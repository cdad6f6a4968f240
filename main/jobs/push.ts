import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  IPC_JOB_UNWATCH_CHANNEL,
  IPC_JOB_UPDATE_CHANNEL,
  IPC_JOB_WATCH_CHANNEL,
  type JobUpdate,
} from '../../shared/contract/jobs.ts';
import { AppError, asAppError } from '../../shared/errors.ts';
import type { Reply } from '../../shared/transport.ts';
import type { JobRunner } from './runner.ts';

// The push channels of long jobs: IPC events to the desktop window, server-sent events in browser mode.
// Both carry JobUpdate (shared/contract/jobs.ts) from JobRunner.watch. Nothing here imports Electron:
// the shell passes its ipcMain, so this runs (and is tested) under plain Node with a stand-in.

/** The part of Electron's WebContents a watch needs. */
export interface UpdateTarget {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** The part of Electron's IpcMainInvokeEvent a watch needs. */
export interface WatchEvent {
  sender: UpdateTarget;
}

/** The part of Electron's ipcMain the job channels need. */
export interface IpcHandlers<E extends WatchEvent> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => unknown): void;
}

export interface JobPushOptions<E extends WatchEvent> {
  jobs: JobRunner;
  /** The same check as every other channel: the main frame of our window, on our own origin. */
  trusted: (event: E) => boolean;
}

const UNTRUSTED: Reply = {
  ok: false,
  error: { code: 'unauthorized', message: 'this request did not come from the Chat Inspector window' },
};

function failure(error: unknown): Reply {
  return { ok: false, error: asAppError(error).toShape() };
}

function jobIdOf(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100)
    throw new AppError('invalid_input', 'a job id is a string');
  return value;
}

function cursorOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new AppError('invalid_input', 'a job cursor is a whole number from 0');
  return value;
}

/**
 * Desktop app: `watch(jobId, cursor)` from the renderer starts pushing the job's updates to the window
 * that asked (after the same sender check as every other channel), `unwatch(jobId)` stops them. A watch
 * ends by itself after the job's last update, and when its window goes away.
 */
export function registerJobPush<E extends WatchEvent>(ipc: IpcHandlers<E>, options: JobPushOptions<E>): void {
  /** Per window, per job: the unsubscribe. */
  const watches = new Map<UpdateTarget, Map<string, () => void>>();
  const stop = (target: UpdateTarget, jobId: string): void => {
    const mine = watches.get(target);
    mine?.get(jobId)?.();
    mine?.delete(jobId);
  };

  ipc.handle(IPC_JOB_WATCH_CHANNEL, (event, rawJobId, rawCursor): Reply => {
    if (!options.trusted(event)) return UNTRUSTED;
    try {
      const jobId = jobIdOf(rawJobId);
      const cursor = cursorOf(rawCursor);
      const target = event.sender;
      let mine = watches.get(target);
      if (!mine) {
        const created = new Map<string, () => void>();
        watches.set(target, created);
        target.once('destroyed', () => {
          for (const unsubscribe of created.values()) unsubscribe();
          watches.delete(target);
        });
        mine = created;
      }
      stop(target, jobId);
      const forMe = mine;
      let over = false;
      const unsubscribe = options.jobs.watch(jobId, cursor, (update: JobUpdate) => {
        if (over) return;
        if (target.isDestroyed() || update.state !== 'running') {
          over = true;
          forMe.get(jobId)?.();
          forMe.delete(jobId);
        }
        if (!target.isDestroyed()) target.send(IPC_JOB_UPDATE_CHANNEL, update);
      });
      // The first update is sent before watch returns: a finished job's was already the last.
      if (over) unsubscribe();
      else forMe.set(jobId, unsubscribe);
      return { ok: true, value: null };
    } catch (error) {
      return failure(error);
    }
  });

  ipc.handle(IPC_JOB_UNWATCH_CHANNEL, (event, rawJobId): Reply => {
    if (!options.trusted(event)) return UNTRUSTED;
    try {
      stop(event.sender, jobIdOf(rawJobId));
      return { ok: true, value: null };
    } catch (error) {
      return failure(error);
    }
  });
}

/**
 * Browser mode: the job's updates as server-sent events (`data: <JobUpdate JSON>` each), ending after the
 * last. A client that goes away stops the watch. The caller has checked the host and the token.
 */
export function streamJobEvents(
  req: IncomingMessage,
  res: ServerResponse,
  jobs: JobRunner,
  jobId: string,
  cursor: number,
  headers: Record<string, string>,
): void {
  let unsubscribe: (() => void) | null = null;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    res.end();
  };
  // Checked before any byte is sent: an unknown job is a plain JSON error (the caller answers it).
  jobs.poll(jobId, cursor);
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  req.on('close', end);
  res.on('close', end);
  const stopNow = jobs.watch(jobId, cursor, (update) => {
    if (ended) return;
    res.write(`data: ${JSON.stringify(update)}\n\n`);
    if (update.state !== 'running') setImmediate(end);
  });
  if (ended) stopNow();
  else unsubscribe = stopNow;
}

/** The cursor of `?cursor=N` (0 when absent); AppError invalid_input otherwise. */
export function cursorParam(value: string | null): number {
  if (value === null || value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) throw new AppError('invalid_input', 'cursor is a whole number from 0');
  return Number(value);
}
