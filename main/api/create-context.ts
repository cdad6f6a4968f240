import { PlaceAccess } from '../access/places.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { JobRunner } from '../jobs/runner.ts';
import { sharedPool } from '../workers/pool.ts';
import type { HandlerContext } from './context.ts';

/** The context of one app process (Electron main or `serve`). */
export function createContext(
  options: { userDataDir?: string; now?: () => Date; canPickWithDialog?: boolean } = {},
): HandlerContext {
  const userDataDir = options.userDataDir ?? defaultUserDataDir();
  return {
    places: new PlaceAccess({ userDataDir }),
    jobs: new JobRunner(),
    pool: sharedPool(),
    userDataDir,
    canPickWithDialog: options.canPickWithDialog ?? false,
    now: options.now ?? (() => new Date()),
  };
}
