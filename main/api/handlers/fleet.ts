import { indexVerifiedArchives } from '../../backup/last-backup.ts';
import type { BackupLookup } from '../../fleet/index.ts';
import { FleetIndexUnavailable } from '../../fleet/index-db.ts';
import { refreshIndex } from '../../fleet/refresh.ts';
import { exclusive, fleetIndexFor } from '../../fleet/registry.ts';
import { searchRoot } from '../../fleet/search.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';
import { archiveFolders } from './backup.ts';

const indexOf = (root: string, ctx: HandlerContext) =>
  fleetIndexFor(ctx.userDataDir, ctx.places.requireRoot(root));

/** The verified archives in the folders the app looks in, read again per request (they change on their own). */
const backupsOf = (ctx: HandlerContext): BackupLookup => ({
  archives: indexVerifiedArchives(archiveFolders(ctx)),
  now: ctx.now(),
});

export const fleetHandlers = {
  'fleet.refresh': ({ root }, ctx, job) => {
    const index = indexOf(root, ctx);
    return exclusive(index, () => refreshIndex(index, job, { pool: ctx.pool, now: ctx.now() }));
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
