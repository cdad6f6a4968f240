import type { ScanResult } from '../../shared/domain.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { runCliJob } from '../cli/output.ts';
import { scanRoot } from '../store/scan.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { refreshIndex } from './refresh.ts';
import { closeFleetIndexes, fleetIndexFor } from './registry.ts';

/**
 * `scan ROOT`: refreshes the root's fleet index (only new and changed chats are read) and prints from it,
 * in the spec's shape; with `useIndex` false, a full pass that neither reads nor writes the index.
 */
export async function scanForCli(root: string, pool: WorkerPool, useIndex: boolean): Promise<ScanResult> {
  if (!useIndex) return runCliJob('Scanning', (ctx) => scanRoot(root, ctx, { pool }));
  const index = fleetIndexFor(defaultUserDataDir(), root);
  try {
    await runCliJob('Scanning', (ctx) => refreshIndex(index, ctx, { pool }));
    return { root, chats: index.summaries(), skipped: index.skipped() };
  } finally {
    closeFleetIndexes();
  }
}
