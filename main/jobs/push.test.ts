import { describe, expect, it } from 'vitest';
import { IPC_JOB_UPDATE_CHANNEL, IPC_JOB_WATCH_CHANNEL, JobUpdate } from '../../shared/contract/jobs.ts';
import type { Reply } from '../../shared/transport.ts';
import { makeWatchJob } from '../../preload/job-watch.ts';
import { registerJobPush, type UpdateTarget } from './push.ts';
import { throwIfCancelled } from './job.ts';
import { JobRunner } from './runner.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Listener = (event: unknown, ...args: unknown[]) => void;

/**
 * Electron's two ends of IPC, in memory: ipcMain.handle / ipcRenderer.invoke, and webContents.send →
 * ipcRenderer.on. `trusted` decides what the sender check says (a frame of ours or not).
 */
function fakeIpc() {
  const handlers = new Map<string, (event: { sender: UpdateTarget }, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, Set<Listener>>();
  const destroyedListeners: (() => void)[] = [];
  let destroyed = false;
  const sent: { channel: string; args: unknown[] }[] = [];
  const sender: UpdateTarget = {
    send(channel, ...args) {
      sent.push({ channel, args });
      // Structured clone, as IPC does: nothing is shared between the two sides.
      const copy = structuredClone(args);
      for (const l of listeners.get(channel) ?? []) l({}, ...copy);
    },
    isDestroyed: () => destroyed,
    once(_event, listener) {
      destroyedListeners.push(listener);
    },
  };
  const ipcMain = {
    handle(channel: string, listener: (event: { sender: UpdateTarget }, ...args: unknown[]) => unknown) {
      handlers.set(channel, listener);
    },
  };
  const ipcRenderer = {
    async invoke(channel: string, ...args: unknown[]) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`no handler for ${channel}`);
      return structuredClone(await handler({ sender }, ...structuredClone(args)));
    },
    on(channel: string, listener: Listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  return {
    ipcMain,
    ipcRenderer,
    sent,
    listenerCount: (channel: string) => listeners.get(channel)?.size ?? 0,
    destroyWindow() {
      destroyed = true;
      for (const l of destroyedListeners) l();
    },
  };
}

function slowJob(runner: JobRunner, emits = 5): string {
  return runner.start('test', async (ctx) => {
    for (let i = 0; i < emits; i++) {
      await sleep(30);
      throwIfCancelled(ctx.signal);
      ctx.progress(i + 1, emits, `item ${i}`);
      ctx.emit({ i });
    }
    return { total: emits };
  });
}

describe('the desktop bridge of job updates (main/jobs/push.ts + preload/job-watch.ts)', () => {
  it('pushes a running job’s progress, events and result to the window that watches it, then stops', async () => {
    const ipc = fakeIpc();
    const runner = new JobRunner();
    registerJobPush(ipc.ipcMain, { jobs: runner, trusted: () => true });
    const watchJob = makeWatchJob(ipc.ipcRenderer);
    const id = slowJob(runner);
    const updates: JobUpdate[] = [];
    const watch = watchJob(id, 0, (u) => updates.push(JobUpdate.parse(u)));
    expect(await watch.ready).toEqual({ ok: true, value: null });
    await sleep(600);
    const last = updates[updates.length - 1]!;
    expect(last).toMatchObject({ state: 'done', result: { total: 5 } });
    expect(updates.flatMap((u) => u.events)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(updates.some((u) => u.state === 'running' && u.progress.done > 0)).toBe(true);
    // After the last update nothing listens or is sent any more.
    expect(ipc.listenerCount(IPC_JOB_UPDATE_CHANNEL)).toBe(0);
    const count = ipc.sent.length;
    await sleep(100);
    expect(ipc.sent.length).toBe(count);
  });

  it('refuses a window that fails the sender check, and an unknown job, with a Reply', async () => {
    const ipc = fakeIpc();
    const runner = new JobRunner();
    let trusted = false;
    registerJobPush(ipc.ipcMain, { jobs: runner, trusted: () => trusted });
    const id = slowJob(runner);
    const untrusted = (await ipc.ipcRenderer.invoke(IPC_JOB_WATCH_CHANNEL, id, 0)) as Reply;
    expect(untrusted).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(ipc.sent).toEqual([]);
    trusted = true;
    const unknown = (await ipc.ipcRenderer.invoke(IPC_JOB_WATCH_CHANNEL, 'nope', 0)) as Reply;
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const bad = (await ipc.ipcRenderer.invoke(IPC_JOB_WATCH_CHANNEL, id, -1)) as Reply;
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    runner.cancelAll();
  });

  it('stop (unwatch) and a closed window end the pushes; a cancel arrives as the last update within a second', async () => {
    const ipc = fakeIpc();
    const runner = new JobRunner();
    registerJobPush(ipc.ipcMain, { jobs: runner, trusted: () => true });
    const watchJob = makeWatchJob(ipc.ipcRenderer);

    const a = slowJob(runner, 20);
    const seenA: unknown[] = [];
    const watchA = watchJob(a, 0, (u) => seenA.push(u));
    await watchA.ready;
    await sleep(100);
    watchA.stop();
    await sleep(20);
    const sentBefore = ipc.sent.length;
    await sleep(150);
    expect(ipc.sent.length).toBe(sentBefore); // main stopped sending (unwatch), not just the listener

    const b = slowJob(runner, 100);
    let end: { at: number; state: string } | null = null;
    const watchB = watchJob(b, 0, (u) => {
      const update = JobUpdate.parse(u);
      if (update.state !== 'running') end = { at: Date.now(), state: update.state };
    });
    await watchB.ready;
    await sleep(80);
    const asked = Date.now();
    expect(runner.cancel(b)).toBe(true);
    await sleep(400);
    expect(end).not.toBeNull();
    expect(end!.state).toBe('cancelled');
    expect(end!.at - asked).toBeLessThan(1000);

    const c = slowJob(runner, 100);
    await watchJob(c, 0, () => {}).ready;
    ipc.destroyWindow();
    const afterClose = ipc.sent.length;
    await sleep(150);
    expect(ipc.sent.length).toBe(afterClose);
    runner.cancelAll();
  });
});
