import { FleetIndex } from './index.ts';
import { indexPathFor } from './index-db.ts';

// One open index per root and process, and one refresh at a time per index: a second window asking for
// a refresh while one runs waits for it, then finds nothing left to read.

const open = new Map<string, FleetIndex>();
const running = new Map<string, Promise<unknown>>();

export function fleetIndexFor(userDataDir: string, root: string): FleetIndex {
  const path = indexPathFor(userDataDir, root);
  let index = open.get(path);
  if (!index) {
    index = new FleetIndex(userDataDir, root);
    open.set(path, index);
  }
  return index;
}

/** Runs `fn` after any refresh of the same index already running in this process. */
export function exclusive<T>(index: FleetIndex, fn: () => Promise<T>): Promise<T> {
  const before = running.get(index.path) ?? Promise.resolve();
  const next = before.catch(() => undefined).then(fn);
  const tail = next.catch(() => undefined);
  running.set(index.path, tail);
  void tail.then(() => {
    if (running.get(index.path) === tail) running.delete(index.path);
  });
  return next;
}

/** Closes every open index (tests, and before a process exits). */
export function closeFleetIndexes(): void {
  for (const index of open.values()) index.close();
  open.clear();
}
