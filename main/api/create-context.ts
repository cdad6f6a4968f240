import { AppError } from '../../shared/errors.ts';
import { PlaceAccess } from '../access/places.ts';
import type { Encryptor } from '../sources/saved.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { JobRunner } from '../jobs/runner.ts';
import { defaultPoolSize, sharedPool, WorkerPool } from '../workers/pool.ts';
import type { HandlerContext } from './context.ts';

export interface ContextOptions {
  userDataDir?: string;
  now?: () => Date;
  /** The desktop app has native open dialogs; browser mode does not. */
  canPickWithDialog?: boolean;
  /** Read and keep the recent list in userDataDir (the desktop app); browser mode and tests do not. */
  rememberRecent?: boolean;
  /** Roots allowed from the start (the command line); the first becomes current. */
  roots?: readonly string[];
  /** Defaults to the process's shared pool; tests pass a pool of size 0. */
  pool?: WorkerPool;
  /**
   * The workers that run the operations declared `runs: 'worker'` (main/api/dispatch.ts), and the SQL
   * console's statements. Default: a pool of this context's own, so a stuck request never waits behind a
   * scan; null runs them inline (then statements go to `pool`).
   */
  offload?: WorkerPool | null;
  /**
   * How long a reading request may take in its worker before it is stopped (ms). Default: the
   * CHAT_INSPECTOR_DEADLINE_MS environment variable, else 10 s (main/api/dispatch.ts).
   */
  deadlineMs?: number;
  /** The OS keychain for saved connection passwords (the desktop app passes Electron's safeStorage). */
  keychain?: Encryptor | null;
  /** Browser mode's uploaded archives (see HandlerContext.uploadedArchives). */
  uploadedArchives?: ReadonlySet<string>;
}

/** CHAT_INSPECTOR_DEADLINE_MS, when set: a whole number of milliseconds from 100 to 3,600,000. */
export function deadlineFromEnvironment(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.CHAT_INSPECTOR_DEADLINE_MS;
  if (text === undefined || text.trim() === '') return undefined;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000) {
    throw new AppError(
      'invalid_input',
      `CHAT_INSPECTOR_DEADLINE_MS=${text.slice(0, 40)}: give a whole number of milliseconds from 100 to 3600000`,
    );
  }
  return ms;
}

/** The context of one app process (Electron main or `serve`), or of a test. */
export function createContext(options: ContextOptions = {}): HandlerContext {
  const userDataDir = options.userDataDir ?? defaultUserDataDir();
  const places = new PlaceAccess(options.rememberRecent === false ? {} : { userDataDir });
  for (const root of options.roots ?? []) places.add(root, 'cli');
  const first = options.roots?.[0];
  if (first !== undefined) places.select(first);
  return {
    places,
    jobs: new JobRunner(),
    pool: options.pool ?? sharedPool(),
    userDataDir,
    canPickWithDialog: options.canPickWithDialog ?? false,
    now: options.now ?? (() => new Date()),
    offload:
      options.offload === null
        ? undefined
        : (options.offload ?? new WorkerPool(Math.min(2, defaultPoolSize()) + 1)),
    deadlineMs: options.deadlineMs ?? deadlineFromEnvironment(),
    keychain: options.keychain ?? null,
    rememberRecent: options.rememberRecent !== false,
    uploadedArchives: options.uploadedArchives,
  };
}
