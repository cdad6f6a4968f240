import Database from './driver.ts';

/**
 * A connection that may write. It is a different type from `ReadableDb` (main/sqlite/open.ts): browsing code
 * takes a ReadableDb and cannot be handed this by accident, and the only way to get one is `openForWrite`,
 * called by the operations whose contract says `writes: true` (restore, recover, migrate, vacuum, ...) on files
 * they made themselves or after they took a backup.
 */
export type WritableDb = Database.Database & { readonly __writable: unique symbol };

export interface OpenForWriteOptions {
  /** The file must already exist (default false: a new output file is created). */
  fileMustExist?: boolean;
  /** How long to wait for another writer's lock (ms, default 0: fail at once). */
  busyTimeoutMs?: number;
}

/** The one way to open an SQLite file for writing. */
export function openForWrite(path: string, options: OpenForWriteOptions = {}): WritableDb {
  const db = new Database(path, {
    fileMustExist: options.fileMustExist ?? false,
    timeout: options.busyTimeoutMs ?? 0,
  });
  return db as WritableDb;
}
