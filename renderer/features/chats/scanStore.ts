import type { JobProgress } from '../../../shared/contract/index.ts';
import type { ChatSummary, Health, SkippedEntry } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { streamJob, type Stream } from '../../api/index.ts';
import { createStore, useStore } from '../../app/store.ts';

export type ScanStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface ScanState {
  root: string | null;
  status: ScanStatus;
  /** Rows read so far (a new array per batch of streamed rows, at most every 200 ms). */
  rows: ChatSummary[];
  progress: JobProgress | null;
  counts: Record<Health, number>;
  error: AppError | null;
  skipped: SkippedEntry[];
}

const EMPTY: ScanState = {
  root: null,
  status: 'idle',
  rows: [],
  progress: null,
  counts: { ok: 0, warning: 0, error: 0 },
  error: null,
  skipped: [],
};

export const scanStore = createStore<ScanState>(EMPTY);

let stream: Stream | null = null;

/**
 * Scans a root in the background, keeping the rows across screens (going back to the list does not rescan).
 * Rows arrive in batches (streamJob), so a fast scan never floods React.
 */
export function startScan(root: string) {
  stream?.detach();
  let rows: ChatSummary[] = [];
  const counts = { ok: 0, warning: 0, error: 0 };
  scanStore.set({ ...EMPTY, root, status: 'running' });
  stream = streamJob(
    'chats.scan',
    { root },
    {
      onFlush(events, progress) {
        for (const e of events) counts[e.health]++;
        if (events.length > 0) rows = rows.concat(events);
        scanStore.set((s) => ({ ...s, rows, progress, counts: { ...counts } }));
      },
      onDone(result) {
        const final = { ok: 0, warning: 0, error: 0 };
        for (const r of result.chats) final[r.health]++;
        scanStore.set((s) => ({
          ...s,
          status: 'done',
          rows: result.chats,
          counts: final,
          skipped: result.skipped,
          progress: s.progress ? { ...s.progress, done: s.progress.total ?? s.progress.done } : s.progress,
        }));
      },
      onEnd(error) {
        const cancelled = error.code === 'cancelled';
        scanStore.set((s) => ({
          ...s,
          status: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? null : error,
        }));
      },
    },
  );
}

export function cancelScan() {
  stream?.cancel();
}

/** Starts a scan of `root` unless one for it is running or done. */
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
