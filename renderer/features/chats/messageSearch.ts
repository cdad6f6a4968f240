import type { JobProgress, SearchHit, SearchSummary } from '../../../shared/contract/index.ts';
import type { AppError } from '../../../shared/errors.ts';
import { streamJob, type Stream } from '../../api/index.ts';
import { createStore } from '../../app/store.ts';

/** Hits the screen lists at most (the total is always exact). */
export const SEARCH_HIT_LIMIT = 1000;

export interface MessageSearchState {
  root: string | null;
  query: string;
  role: 'user' | 'bot' | '';
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'failed';
  hits: SearchHit[];
  progress: JobProgress | null;
  summary: SearchSummary | null;
  error: AppError | null;
  open: boolean;
}

export const messageSearch = createStore<MessageSearchState>({
  root: null,
  query: '',
  role: '',
  status: 'idle',
  hits: [],
  progress: null,
  summary: null,
  error: null,
  open: false,
});

let stream: Stream | null = null;

/** Searches every chat's messages; hits stream in (kept when the person opens one and comes back). */
export function startMessageSearch(root: string, query: string, role: 'user' | 'bot' | '') {
  stream?.detach();
  let hits: SearchHit[] = [];
  messageSearch.set((s) => ({
    ...s,
    root,
    query,
    role,
    status: 'running',
    hits: [],
    progress: null,
    summary: null,
    error: null,
    open: true,
  }));
  stream = streamJob(
    'fleet.search',
    { root, query, limit: SEARCH_HIT_LIMIT, ...(role ? { role } : {}) },
    {
      onFlush(events, progress) {
        if (events.length > 0) hits = hits.concat(events);
        messageSearch.set((s) => ({ ...s, hits, progress }));
      },
      onDone(summary) {
        messageSearch.set((s) => ({ ...s, status: 'done', summary, hits }));
      },
      onEnd(error) {
        const cancelled = error.code === 'cancelled';
        messageSearch.set((s) => ({
          ...s,
          hits,
          status: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? null : error,
        }));
      },
    },
  );
}

export function cancelMessageSearch() {
  stream?.cancel();
}

export function closeMessageSearch() {
  stream?.detach();
  stream = null;
  messageSearch.set((s) => ({ ...s, open: false, status: s.status === 'running' ? 'cancelled' : s.status }));
}
