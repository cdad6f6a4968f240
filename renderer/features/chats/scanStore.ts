import type { FleetRefreshResult, JobProgress } from '../../../shared/contract/index.ts';
import type { AppError } from '../../../shared/errors.ts';
import { streamJob, type Stream } from '../../api/index.ts';
import { createStore, useStore } from '../../app/store.ts';

export type ScanStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

/**
 * The refresh of the open root's fleet index. The rows are not here: the list reads them page by page
 * from the index (fleet.page), so the renderer never holds the whole fleet. `version` grows whenever the
 * refresh wrote rows, and the visible pages are read again.
 */
export interface ScanState {
  root: string | null;
  status: ScanStatus;
  progress: JobProgress | null;
  /** Bumped (at most every VERSION_MS) when the index changed. */
  version: number;
  result: FleetRefreshResult | null;
  error: AppError | null;
}

const EMPTY: ScanState = {
  root: null,
  status: 'idle',
  progress: null,
  version: 0,
  result: null,
  error: null,
};

/** The list re-reads its visible rows at most this often while a refresh writes. */
const VERSION_MS = 400;

export const scanStore = createStore<ScanState>(EMPTY);

let stream: Stream | null = null;

/** Refreshes the root's index in the background; the list shows what the index has meanwhile. */
export function startScan(root: string) {
  stream?.detach();
  let lastBump = 0;
  let changed = false;
  // The list keeps showing what the index has; it is read again when the refresh writes something.
  scanStore.set((s) => ({ ...EMPTY, root, status: 'running', version: s.version }));
  stream = streamJob(
    'fleet.refresh',
    { root },
    {
      onFlush(events, progress) {
        if (events.length > 0) changed = true;
        const now = Date.now();
        const bump = changed && now - lastBump >= VERSION_MS;
        if (bump) {
          lastBump = now;
          changed = false;
        }
        scanStore.set((s) => ({ ...s, progress, version: bump ? s.version + 1 : s.version }));
      },
      onDone(result) {
        scanStore.set((s) => ({
          ...s,
          status: 'done',
          result,
          version: s.version + 1,
          progress: s.progress ? { ...s.progress, done: s.progress.total ?? s.progress.done } : s.progress,
        }));
      },
      onEnd(error) {
        const cancelled = error.code === 'cancelled';
        scanStore.set((s) => ({
          ...s,
          status: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? null : error,
          version: s.version + 1,
        }));
      },
    },
  );
}

export function cancelScan() {
  stream?.cancel();
}

/** Starts a refresh of `root` unless one for it is running or done. */
export function ensureScan(root: string) {
  const s = scanStore.get();
  if (s.root === root && s.status !== 'idle') return;
  startScan(root);
}

export function useScan(): ScanState;
export function useScan<S>(select: (s: ScanState) => S): S;
export function useScan<S>(select?: (s: ScanState) => S) {
  return useStore(scanStore, select ?? ((s: ScanState) => s as unknown as S));
}
