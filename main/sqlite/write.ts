import { AsyncLocalStorage } from 'node:async_hooks';
import { relative, resolve, sep } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import Database from './driver.ts';

/**
 * A connection that may write. It is a different type from `ReadableDb` (main/sqlite/readable.ts): browsing
 * code takes a ReadableDb and cannot be handed this by accident, and the only way to get one is `openForWrite`,
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

/**
 * Whether the code running now may open files for writing. The dispatcher (main/api/dispatch.ts) runs every
 * operation inside `withWriteAccess(def.writes, ...)`, so an operation whose contract says it only reads
 * cannot reach a writable connection even through a helper that would open one: `openForWrite` refuses.
 * Code outside any operation (the CLI's explicit commands, tests) is not restricted.
 */
const writeAccess = new AsyncLocalStorage<{ operation: string; writes: boolean }>();

/** Runs `fn` (and everything it awaits) as `operation`, allowed to write only when `writes` is true. */
export function withWriteAccess<T>(operation: string, writes: boolean, fn: () => T): T {
  return writeAccess.run({ operation, writes }, fn);
}

/** Throws when the running operation's contract does not allow writes. */
export function assertWriteAllowed(what: string): void {
  const scope = writeAccess.getStore();
  if (scope && !scope.writes) {
    throw new AppError(
      'internal',
      `${scope.operation} only reads, but it tried to write ${what}: refused (its contract says writes: false)`,
    );
  }
}

/** The one way to open an SQLite file for writing. */
export function openForWrite(path: string, options: OpenForWriteOptions = {}): WritableDb {
  assertWriteAllowed(path);
  const db = new Database(path, {
    fileMustExist: options.fileMustExist ?? false,
    timeout: options.busyTimeoutMs ?? 0,
  });
  return db as WritableDb;
}

/**
 * Chat Inspector's own SQLite files in its user-data folder (the fleet index): a cache of what the data roots
 * say, never a person's data, so read operations may keep them up to date. Refused for any path outside
 * `ownDir`, so it cannot be turned into a way around `openForWrite`'s rule.
 */
export function openOwnFile(path: string, ownDir: string, options: OpenForWriteOptions = {}): WritableDb {
  const rel = relative(resolve(ownDir), resolve(path));
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || resolve(rel) === rel) {
    throw new AppError('internal', `${path} is not one of Chat Inspector's own files: refused`);
  }
  const db = new Database(path, {
    fileMustExist: options.fileMustExist ?? false,
    timeout: options.busyTimeoutMs ?? 0,
  });
  return db as WritableDb;
}
