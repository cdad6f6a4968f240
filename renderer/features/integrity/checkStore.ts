import type {
  ChatCheck,
  CheckCounts,
  CheckMode,
  IntegrityReport,
} from '../../../shared/contract/integrity.ts';
import type { JobProgress } from '../../../shared/contract/index.ts';
import type { SkippedEntry } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { streamJob, type Stream } from '../../api/index.ts';
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

export const checkStore = createStore<CheckState>(EMPTY);

let stream: Stream | null = null;
/** Where each chat's result sits in `results` (selection and hover look-ups). */
let indexById = new Map<string, number>();

export function resultIndex(chatId: string): number | undefined {
  return indexById.get(chatId);
}

/** Starts a check of `root` in the background; the results stay when the person moves to another screen. */
export function startCheck(root: string, mode: CheckMode): void {
  stream?.detach();
  const results: ChatCheck[] = [];
  indexById = new Map();
  const counts: CheckCounts = { ok: 0, warning: 0, error: 0 };
  let version = 0;
  checkStore.set({ ...EMPTY, root, mode, status: 'running', results, startedAt: new Date().toISOString() });
  stream = streamJob(
    'integrity.check',
    { root, full: mode === 'full' },
    {
      onFlush(events, progress) {
        for (const r of events) {
          counts[r.status]++;
          indexById.set(r.chatId, results.length);
          results.push(r);
        }
        version++;
        checkStore.set((s) => ({ ...s, results, version, progress, counts: { ...counts } }));
      },
      onDone(report) {
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
      onEnd(error) {
        const cancelled = error.code === 'cancelled';
        checkStore.set((s) => ({
          ...s,
          status: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? null : error,
          finishedAt: new Date().toISOString(),
        }));
      },
    },
  );
}

export function cancelCheck(): void {
  stream?.cancel();
}

/** Forgets the results of another root (a new place was opened). */
export function resetCheck(): void {
  stream?.detach();
  stream = null;
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
