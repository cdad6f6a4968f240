import { indexVerifiedArchives } from '../../backup/last-backup.ts';
import type { BackupLookup } from '../../fleet/index.ts';
import { FleetIndexUnavailable, indexPathFor } from '../../fleet/index-db.ts';
import { fleetIndexFor } from '../../fleet/registry.ts';
import { searchRoot } from '../../fleet/search.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';
import { runStep } from '../steps.ts';
import { archiveFolders } from './backup.ts';

const indexOf = (root: string, ctx: HandlerContext) =>
  fleetIndexFor(ctx.userDataDir, ctx.places.requireRoot(root));

/** The verified archives in the folders the app looks in, read again per request (they change on their own). */
const backupsOf = (ctx: HandlerContext): BackupLookup => ({
  archives: indexVerifiedArchives(archiveFolders(ctx)),
  now: ctx.now(),
});

/** The refresh of each index running now (by the index's path): a second one waits for it, then finds little to read. */
const refreshing = new Map<string, Promise<unknown>>();

function oneRefreshAtATime<T>(indexPath: string, refresh: () => Promise<T>): Promise<T> {
  const next = (refreshing.get(indexPath) ?? Promise.resolve()).catch(() => undefined).then(refresh);
  const tail = next.catch(() => undefined);
  refreshing.set(indexPath, tail);
  void tail.then(() => {
    if (refreshing.get(indexPath) === tail) refreshing.delete(indexPath);
  });
  return next;
}

export const fleetHandlers = {
  // The index is read and written in a worker (main/api/steps.ts), each chat in the fan-out pool; this
  // thread only keeps one refresh per index at a time.
  'fleet.refresh': ({ root }, ctx, job) => {
    const real = ctx.places.requireRoot(root);
    return oneRefreshAtATime(indexPathFor(ctx.userDataDir, real), () =>
      runStep(
        ctx,
        'fleet.refresh',
        { userDataDir: ctx.userDataDir, root: real, nowMs: ctx.now().getTime(), poolSize: ctx.pool.size },
        { job },
      ),
    );
  },
  'fleet.page': ({ root, sort, desc, filter, after, offset, limit, lastBackups }, ctx) =>
    indexOf(root, ctx).page({
      sort,
      desc,
      filter,
      after,
      offset,
      limit,
      // The filter on backups needs them looked up, shown or not.
      ...(lastBackups || filter.notBackedUpDays !== undefined ? { backups: backupsOf(ctx) } : {}),
    }),
  'fleet.open': ({ root }, ctx) => {
    try {
      indexOf(root, ctx);
      return { usable: true, reason: null };
    } catch (error) {
      if (!(error instanceof FleetIndexUnavailable)) throw error;
      return { usable: false, reason: error.message };
    }
  },
  'fleet.scanSummary': ({ root }, ctx) => {
    const index = indexOf(root, ctx);
    return { summary: index.scanSummary(), skipped: index.skipped() };
  },
  'fleet.overview': ({ root, filter }, ctx) =>
    indexOf(root, ctx).overview(filter, filter.notBackedUpDays === undefined ? undefined : backupsOf(ctx)),
  'fleet.chat': ({ root, chatId }, ctx) => indexOf(root, ctx).chat(chatId),
  'fleet.search': ({ root, query, role, from, to, limit, tree }, ctx, job) =>
    searchRoot(
      ctx.places.requireRoot(root),
      { query, role, from, to, limit, ...(tree !== undefined ? { tree } : {}) },
      job,
      ctx.pool,
    ),
} satisfies Partial<Handlers>;
