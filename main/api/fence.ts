import { resolve, sep } from 'node:path';
import { AppError } from '../../shared/errors.ts';

// While a write running in a worker changes a file or a chat folder (a VACUUM, a chat moved into an
// archive), reads of it are refused: the write tells this process what it is about to change (the worker's
// WriteAccess.releaseConnections), and the dispatcher checks each read's target against it before it
// hands the read to a worker. Only paths are compared here (no file is touched on the main thread), so a
// root reached through a link is compared as given.

/** What a write in a worker asks of the main process before it changes a file (main/api/offload.ts). */
export interface ReleaseNotice {
  release: string;
}

export const isReleaseNotice = (notice: unknown): notice is ReleaseNotice =>
  typeof (notice as ReleaseNotice | null)?.release === 'string';

interface Fence {
  operation: string;
  path: string;
}

/** What each running write is changing now: one path per write, replaced by its next. */
const fences = new Map<symbol, Fence>();

/** Marks `path` (a file, or a folder and everything under it) as being changed by `owner`. */
export function raiseFence(owner: symbol, operation: string, path: string): void {
  if (path === '') return; // "every connection": said after a write, not a target
  fences.set(owner, { operation, path: resolve(path) });
}

export function lowerFence(owner: symbol): void {
  fences.delete(owner);
}

const sameOrInside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/** Refuses a read whose file or chat is being changed by a write now (nothing is read, nothing waits). */
export function refuseIfFenced(name: string, input: unknown): void {
  if (fences.size === 0) return;
  const fields = (input ?? {}) as { path?: unknown; root?: unknown; chatId?: unknown };
  for (const fence of fences.values()) {
    const target = fencedTarget(fields, fence.path);
    if (target !== null)
      throw new AppError(
        'conflict',
        `${target} is being changed by ${fence.operation} now: ${name} was not run; try again when it has finished`,
      );
  }
}

function fencedTarget(
  fields: { path?: unknown; root?: unknown; chatId?: unknown },
  fenced: string,
): string | null {
  if (typeof fields.path === 'string' && fields.path !== '') {
    const path = resolve(fields.path);
    // The file itself, its -wal/-journal/-shm, or anything in a folder being moved.
    if (
      sameOrInside(path, fenced) ||
      (path.startsWith(fenced) && /^-(wal|journal|shm)$/.test(path.slice(fenced.length)))
    )
      return fields.path;
  }
  if (typeof fields.root === 'string' && typeof fields.chatId === 'string') {
    const root = resolve(fields.root);
    if (!sameOrInside(fenced, root) || fenced === root) return null;
    const segments = fenced.slice(root.length).split(sep);
    if (segments.includes(`chat_${fields.chatId}`)) return `chat_${fields.chatId}`;
  }
  return null;
}
