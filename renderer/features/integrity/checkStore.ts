import type {
  ChatCheck,
  CheckCounts,
  CheckMode,
  IntegrityReport,
} from '../../../shared/contract/integrity.ts';
import type { JobProgress } from '../../../shared/contract/index.ts';
import type { SkippedEntry } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { startJob, toAppError, type JobHandle } from '../../api/index.ts';
import { createStore, useStore } from '../../app/store.ts';

export type CheckStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface CheckState {
  root: string | null;
  mode: CheckMode;
  status: CheckStatus;
  /**
   * One result per chat: in arrival order while the check runs, in the root's order once it is done.
   * The array is appended in place (100,000 chats are never copied per update); `version` says it changed.
   */
  results: ChatCheck[];
  version: number;
  counts: CheckCounts;
  progress: JobProgress | null;
  error: AppError | null;
  /** The finished report (null while running, and after a cancel or a failure). */
  report: IntegrityReport | null;
  skipped: SkippedEntry[];
  startedAt: string | null;
  finishedAt: string | null;
}

const EMPTY: CheckState = {
  root: null,
  mode: 'quick',
  status: 'idle',
  results: [],
  version: 0,
  counts: { ok: 0, warning: 0, error: 0 },
  progress: null,
  error: null,
  report: null,
  skipped: [],
  startedAt: null,
  finishedAt: null,
};

/** Results reach React at most this often while a check streams (the map and the list redraw on each). */
const FLUSH_MS = 200;

export const checkStore = createStore<CheckState>(EMPTY);

let handle: JobHandle<unknown> | null = null;
let generation = 0;
/** Where each chat's result sits in `results` (selection and hover look-ups). */
let indexById = new Map<string, number>();

export function resultIndex(chatId: string): number | undefined {
  return indexById.get(chatId);
}

/** Starts a check of `root` in the background; the results stay when the person moves to another screen. */
export function startCheck(root: string, mode: CheckMode): void {
  handle?.cancel();
  const gen = ++generation;
  const results: ChatCheck[] = [];
  indexById = new Map();
  const counts: CheckCounts = { ok: 0, warning: 0, error: 0 };
  let pending: ChatCheck[] = [];
  let progress: JobProgress | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let version = 0;

  const flush = () => {
    timer = null;
    if (gen !== generation) return;
    for (const r of pending) {
      indexById.set(r.chatId, results.length);
      results.push(r);
    }
    pending = [];
    version++;
    checkStore.set((s) => ({ ...s, results, version, progress, counts: { ...counts } }));
  };
  const schedule = () => {
    timer ??= setTimeout(flush, FLUSH_MS);
  };

  checkStore.set({ ...EMPTY, root, mode, status: 'running', results, startedAt: new Date().toISOString() });
  const job = startJob(
    'integrity.check',
    { root, full: mode === 'full' },
    {
      onEvents(events) {
        if (gen !== generation) return;
        for (const e of events) counts[e.status]++;
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
    (report) => {
      if (gen !== generation) return;
      if (timer) clearTimeout(timer);
      indexById = new Map(report.chats.map((c, i) => [c.chatId, i]));
      checkStore.set((s) => ({
        ...s,
        status: 'done',
        results: report.chats,
        version: s.version + 1,
        counts: report.summary,
        report,
        skipped: report.skipped,
        finishedAt: report.finishedAt,
        progress: { done: report.chats.length, total: report.chats.length, current: null },
      }));
    },
    (error: unknown) => {
      if (gen !== generation) return;
      if (timer) clearTimeout(timer);
      flush();
      const appError = toAppError(error);
      checkStore.set((s) => ({
        ...s,
        status: appError.code === 'cancelled' ? 'cancelled' : 'failed',
        error: appError.code === 'cancelled' ? null : appError,
        finishedAt: new Date().toISOString(),
      }));
    },
  );
}

export function cancelCheck(): void {
  handle?.cancel();
}

/** Forgets the results of another root (a new place was opened). */
export function resetCheck(): void {
  handle?.cancel();
  generation++;
  indexById = new Map();
  checkStore.set(EMPTY);
}

/** The report to export: the finished one, or what a cancelled check found so far. */
export function currentReport(s: CheckState): IntegrityReport | null {
  if (s.report) return s.report;
  if (!s.root || s.results.length === 0) return null;
  return {
    chats: s.results,
    summary: s.counts,
    root: s.root,
    mode: s.mode,
    startedAt: s.startedAt ?? new Date().toISOString(),
    finishedAt: s.finishedAt ?? new Date().toISOString(),
    skipped: s.skipped,
  };
}

export function useCheck(): CheckState;
export function useCheck<S>(select: (s: CheckState) => S): S;
export function useCheck<S>(select?: (s: CheckState) => S) {
  return useStore(checkStore, select ?? ((s: CheckState) => s as unknown as S));
}
