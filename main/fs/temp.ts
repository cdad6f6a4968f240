import { rmSync } from 'node:fs';

/**
 * Every temporary file or folder a command makes is tracked here until it is removed or renamed into
 * place, so that SIGINT, SIGTERM, SIGHUP and a normal exit remove what is left: no `.partial`, no private
 * snapshot of a user's data, no empty temp folder survives a command, whatever way it ends.
 * (SIGKILL cannot be caught: `removeStaleTemps` cleans those on the next write into the same folder.)
 */
const tracked = new Set<string>();
let installed = false;

/** Starts tracking `path`; call the returned function once it was removed or renamed into place. */
export function trackTemp(path: string): () => void {
  installHandlers();
  tracked.add(path);
  return () => {
    tracked.delete(path);
  };
}

/** Removes `path` (file or folder, quietly) and stops tracking it. */
export function removeTemp(path: string): void {
  tracked.delete(path);
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
