import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { entryAt } from '../../fs/entry.ts';
import { runAlerts } from '../../maintenance/alerts.ts';
import { archiveInactive } from '../../maintenance/archive.ts';
import { backupRotate } from '../../maintenance/rotate.ts';
import { archiveFolders } from './backup.ts';
import { runVacuum } from '../../maintenance/vacuum.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';
import { outputDir } from './backup.ts';

/**
 * Where maintenance archives go: a folder under Chat Inspector's own backups folder (absent: `fallback`;
 * a bare name: that subfolder), or an existing folder inside a root the person opened.
 */
function archiveFolder(ctx: HandlerContext, outDir: string | undefined, fallback: string): string {
  const name = outDir ?? fallback;
  if (!/[\\/]/.test(name)) {
    if (!/^[\p{L}\p{N} _.,()+-]{1,200}$/u.test(name) || name.startsWith('.'))
      throw new AppError(
        'invalid_input',
        `${name}: use letters, digits, spaces, dots and dashes in a folder name`,
      );
    const dir = join(outputDir(ctx, 'backups'), name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }
  const dir = ctx.places.requireWritableTarget(name);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new AppError('not_found', `${name}: no such folder for the archives`);
  return dir;
}

export const maintenanceHandlers = {
  'maintenance.vacuum': ({ root, chatIds, tree, minFreePercent, dryRun, waitSeconds, paths }, ctx, job) =>
    runVacuum(
      {
        root: ctx.places.requireRoot(root),
        chatIds,
        tree,
        paths,
        minFreePercent,
        dryRun,
        waitMs: waitSeconds * 1000,
        closeOwnConnections: (path) => ctx.write.releaseConnections(path),
        pool: ctx.pool,
      },
      job,
    ),
  'maintenance.archiveInactive': ({ root, days, outDir, dryRun, plan }, ctx, job) => {
    const realRoot = ctx.places.requireRoot(root);
    return archiveInactive(
      {
        root: realRoot,
        days,
        outDir: dryRun ? '' : archiveFolder(ctx, outDir, 'inactive'),
        dryRun,
        plan,
        pool: ctx.pool,
        now: ctx.now(),
        beforeMove: (dir) => ctx.write.releaseConnections(dir),
      },
      job,
    );
  },
  'maintenance.alerts': ({ root, thresholds, backupDirs }, ctx, job) =>
    runAlerts(
      {
        root: ctx.places.requireRoot(root),
        thresholds,
        pool: ctx.pool,
        now: ctx.now(),
        // Last backups: verified archives in the folders named, else where the Backups screen finds
        // archives; then metadata.json.
        backupDirs: backupDirs ? backupDirs.map((dir) => ctx.places.requireRoot(dir)) : archiveFolders(ctx),
      },
      job,
    ),
  'maintenance.backupRotate': ({ root, outDir, keep }, ctx, job) => {
    // One SQLite file the person opened rotates like a root (backup.create backs it up on its own).
    const realRoot =
      entryAt(resolve(root)).kind === 'file' ? ctx.places.requireFile(root) : ctx.places.requireRoot(root);
    return backupRotate(
      {
        root: realRoot,
        outDir: archiveFolder(ctx, outDir, `rotation-${basename(realRoot) || 'root'}`),
        keep,
        pool: ctx.pool,
      },
      job,
    );
  },
} satisfies Partial<Handlers>;
