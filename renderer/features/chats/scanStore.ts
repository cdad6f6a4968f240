import type { JobProgress } from '../../../shared/contract/index.ts';
import type { ChatSummary, Health, SkippedEntry } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { startJob, toAppError, type JobHandle } from '../../api/index.ts';
import { createStore, useStore } from '../../app/store.ts';

export type ScanStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface ScanState {
  root: string | null;
  status: ScanStatus;
  /** Rows read so far (a new array at most every ROW_FLUSH_MS while streaming). */
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

/** Rows are committed to React at most this often while a scan streams (the table re-sorts on each). */
const ROW_FLUSH_MS = 200;

export const scanStore = createStore<ScanState>(EMPTY);

let handle: JobHandle<unknown> | null = null;
let generation = 0;

/**
 * Scans a root in the background, keeping the rows across screens (going back to the list does not rescan).
 * Events are buffered and flushed once per animation frame, so a fast scan never floods React.
 */
export function startScan(root: string) {
  handle?.cancel();
  const gen = ++generation;
  let pending: ChatSummary[] = [];
  let rows: ChatSummary[] = [];
  const counts = { ok: 0, warning: 0, error: 0 };
  let progress: JobProgress | null = null;
  let frame = 0;
  let lastRows = 0;

  const flush = () => {
    frame = 0;
    if (gen !== generation) return;
    const now = performance.now();
    let nextRows = rows;
    if (pending.length > 0) {
      if (now - lastRows >= ROW_FLUSH_MS || rows.length === 0) {
        nextRows = rows = rows.concat(pending);
        pending = [];
        lastRows = now;
      } else {
        schedule();
      }
    }
    scanStore.set((s) => ({ ...s, rows: nextRows, progress, counts: { ...counts } }));
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(flush);
  };

  scanStore.set({ ...EMPTY, root, status: 'running' });
  const job = startJob(
    'chats.scan',
    { root },
    {
      onEvents(events) {
        if (gen !== generation) return;
        for (const e of events) counts[e.health]++;
        pending.push(...events);
        schedule();
      },
      onProgress(p) {
        if (gen !== generation) return;
        progress = p;
        schedule();
      },
    },
  );
  handle = job;
  job.promise.then(
    (result) => {
      if (gen !== generation) return;
      cancelAnimationFrame(frame);
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
    (error: unknown) => {
      if (gen !== generation) return;
      cancelAnimationFrame(frame);
      const appError = toAppError(error);
      rows = rows.concat(pending);
      pending = [];
      scanStore.set((s) => ({
        ...s,
        rows,
        counts: { ...counts },
        status: appError.code === 'cancelled' ? 'cancelled' : 'failed',
        error: appError.code === 'cancelled' ? null : appError,
      }));
    },
  );
}

export function cancelScan() {
  handle?.cancel();
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
