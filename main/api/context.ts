import type { PlaceAccess } from '../access/places.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { WorkerPool } from '../workers/pool.ts';

/** What every handler gets: the allow-list, the job runner and the worker pool of this process. */
export interface HandlerContext {
  readonly places: PlaceAccess;
  readonly jobs: JobRunner;
  readonly pool: WorkerPool;
  readonly userDataDir: string;
  /** True in the desktop app, which has native open dialogs; browser mode only offers allowed places. */
  readonly canPickWithDialog?: boolean;
  /** Clock for "inactive" and similar checks; tests fix it. */
  readonly now: () => Date;
}
