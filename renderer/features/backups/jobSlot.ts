import type { EventOf, InputOf, JobName, JobProgress, ResultOf } from '../../../shared/contract/index.ts';
import type { AppError } from '../../../shared/errors.ts';
import { startJob, toAppError, type JobHandle } from '../../api/index.ts';
import { createStore, useStore, type Store } from '../../app/store.ts';

export type JobStatus = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobSlotState<R> {
  status: JobStatus;
  progress: JobProgress | null;
  result: R | null;
  error: AppError | null;
  /** What the job was started with (to show what a result belongs to). */
  input: unknown;
}

const IDLE: JobSlotState<never> = { status: 'idle', progress: null, result: null, error: null, input: null };

// Module-level slots: a backup keeps running (and its progress stays visible) when the person moves to another
// screen and comes back.
const slots = new Map<string, Store<JobSlotState<unknown>>>();
const handles = new Map<string, JobHandle<unknown>>();

function slotStore(key: string): Store<JobSlotState<unknown>> {
  let store = slots.get(key);
  if (!store) {
    store = createStore<JobSlotState<unknown>>(IDLE);
    slots.set(key, store);
  }
  return store;
}

export interface JobSlot<K extends JobName> {
  state: JobSlotState<ResultOf<K>>;
  start(input: InputOf<K>, onEvent?: (event: EventOf<K>) => void): Promise<ResultOf<K> | null>;
  cancel(): void;
  reset(): void;
}

/** One job of operation `name` in slot `key`: start, progress, result or error, cancel. */
export function useJobSlot<K extends JobName>(key: string, name: K): JobSlot<K> {
  const store = slotStore(key);
  const state = useStore(store) as JobSlotState<ResultOf<K>>;
  return {
    state,
    async start(input, onEvent) {
      handles.get(key)?.cancel();
      store.set({ status: 'running', progress: null, result: null, error: null, input });
      const handle = startJob(name, input, {
        onProgress: (progress) => store.set((s) => (s.status === 'running' ? { ...s, progress } : s)),
        onEvent,
      });
      handles.set(key, handle as JobHandle<unknown>);
      try {
        const result = await handle.promise;
        if (handles.get(key) === handle) store.set((s) => ({ ...s, status: 'done', result }));
        return result;
      } catch (error) {
        const e = toAppError(error);
        if (handles.get(key) === handle)
          store.set((s) => ({ ...s, status: e.code === 'cancelled' ? 'cancelled' : 'failed', error: e }));
        return null;
      } finally {
        if (handles.get(key) === handle) handles.delete(key);
      }
    },
    cancel() {
      handles.get(key)?.cancel();
    },
    reset() {
      handles.get(key)?.cancel();
      handles.delete(key);
      store.set(IDLE);
    },
  };
}
