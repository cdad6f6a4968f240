import {
  IPC_JOB_UNWATCH_CHANNEL,
  IPC_JOB_UPDATE_CHANNEL,
  IPC_JOB_WATCH_CHANNEL,
} from '../shared/contract/jobs.ts';
import type { JobWatch, Reply } from '../shared/transport.ts';

/** The part of Electron's ipcRenderer a watch needs (a stand-in under Node in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * The bridge's `watchJob`: listens for the job's updates pushed by main on IPC_JOB_UPDATE_CHANNEL (only
 * this job's, only plain objects), then asks main to start pushing. `stop` removes the listener and tells
 * main; after the last update (a state other than `running`) the listener removes itself.
 */
export function makeWatchJob(ipc: IpcRendererLike) {
  return (jobId: string, cursor: number, listener: (update: unknown) => void): JobWatch => {
    const id = String(jobId);
    let live = true;
    const onUpdate = (_event: unknown, update: unknown): void => {
      if (!live || typeof update !== 'object' || update === null) return;
      const u = update as { jobId?: unknown; state?: unknown };
      if (u.jobId !== id) return;
      if (u.state !== 'running') {
        live = false;
        ipc.removeListener(IPC_JOB_UPDATE_CHANNEL, onUpdate);
      }
      listener(update);
    };
    ipc.on(IPC_JOB_UPDATE_CHANNEL, onUpdate);
    const ready = ipc.invoke(IPC_JOB_WATCH_CHANNEL, id, Number(cursor)) as Promise<Reply>;
    return {
      ready,
      stop() {
        if (!live) return;
        live = false;
        ipc.removeListener(IPC_JOB_UPDATE_CHANNEL, onUpdate);
        void ipc.invoke(IPC_JOB_UNWATCH_CHANNEL, id);
      },
    };
  };
}
