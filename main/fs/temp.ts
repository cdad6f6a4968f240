import { rmSync } from 'node:fs';

/**
 * Every temporary file or folder a command makes is tracked here until it is removed or renamed into
 * place, so that SIGINT, SIGTERM, SIGHUP and a normal exit remove what is left: no `.partial`, no private
 * snapshot of a user's data, no empty temp folder survives a command, whatever way it ends.
 * (SIGKILL cannot be caught: `removeStaleTemps` cleans those on the next write into the same folder.)
 */
const tracked = new Set<string>();
let installed = false;

/**
 * Told of every path tracked and untracked on this thread. A worker thread reports them to its pool
 * (main/workers/worker.ts): a thread that is terminated (a cancel it did not see in time, a deadline)
 * runs no `finally` and no exit handler, so the pool removes what its task left.
 */
type TempObserver = (path: string, isTracked: boolean) => void;
let observer: TempObserver | null = null;

export function observeTemps(next: TempObserver | null): void {
  observer = next;
}

/** Starts tracking `path`; call the returned function once it was removed or renamed into place. */
export function trackTemp(path: string): () => void {
  installHandlers();
  tracked.add(path);
  observer?.(path, true);
  return () => {
    tracked.delete(path);
    observer?.(path, false);
  };
}

/** Removes `path` (file or folder, quietly) and stops tracking it. */
export function removeTemp(path: string): void {
  if (tracked.delete(path)) observer?.(path, false);
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // best effort: a file that cannot be removed is reported by the caller's own error
  }
}

/** What is tracked now (for tests). */
export function trackedTemps(): string[] {
  return [...tracked];
}

function removeAll(): void {
  for (const path of [...tracked]) removeTemp(path);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      removeAll();
      // Die of the same signal once cleaned up, so the parent sees how we ended (exit 130/143).
      for (const s of SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    });
  }
}
