import type { PlaceAccess } from '../access/places.ts';
import type { Encryptor } from '../sources/saved.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { WorkerPool } from '../workers/pool.ts';

/** What every handler gets: the allow-list, the job runner and the worker pool of this process. */
export interface HandlerContext {
  readonly places: PlaceAccess;
  readonly jobs: JobRunner;
  /** Fan-out of per-chat work (scan, check, backup) to worker threads. */
  readonly pool: WorkerPool;
  readonly userDataDir: string;
  /** True in the desktop app, which has native open dialogs; browser mode only offers allowed places. */
  readonly canPickWithDialog?: boolean;
  /** Clock for "inactive" and similar checks; tests fix it. */
  readonly now: () => Date;
  /**
   * Where the dispatcher runs the operations declared `runs: 'worker'`, off the main thread
   * (main/api/dispatch.ts). Absent: they run inline, on the caller's thread (unit tests of handlers).
   */
  readonly offload?: WorkerPool;
  /** How long a request that reads files may take before it is stopped with a `timeout` error (ms). */
  readonly deadlineMs?: number;
  /** Seals saved connection passwords: Electron's safeStorage in the desktop app; absent elsewhere. */
  readonly keychain?: Encryptor | null;
  /** False in browser mode and tests: the recent lists (roots, server URLs) are neither read nor written. */
  readonly rememberRecent?: boolean;
  /**
   * Browser mode: real paths of archives uploaded during this run (main/server/upload.ts). backup.verify and
   * backup.restore accept them as the archive; no other operation reads them.
   */
  readonly uploadedArchives?: ReadonlySet<string>;
}

/**
 * The write capability. Only handlers of operations whose contract says `writes: true` receive it (the
 * `Handlers` type gives them a WriteHandlerContext, and the dispatcher builds one only for them). They open
 * files with `openForWrite` (main/sqlite/write.ts), which itself refuses inside every other operation.
 */
export interface WriteAccess {
  /** Closes cached read connections under a folder before its files are replaced. */
  releaseConnections(prefix: string): void;
}

export interface WriteHandlerContext extends HandlerContext {
  readonly write: WriteAccess;
}
