import { describe, expect, it } from 'vitest';
import type { JobUpdate } from '../../shared/contract/jobs.ts';
import { throwIfCancelled } from './job.ts';
import { JobRunner } from './runner.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobRunner.watch (the updates every push channel carries)', () => {
  it('pushes at once what there is, then each piece of news without polling, and the end last', async () => {
    const runner = new JobRunner();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const id = runner.start('test', async (ctx) => {
      ctx.emit({ n: 1 });
      await gate;
      ctx.progress(1, 2, 'b');
      ctx.emit({ n: 2 });
      return 42;
    });
    await sleep(20);
    const updates: JobUpdate[] = [];
    runner.watch(id, 0, (u) => updates.push(u));
    // The first update is sent before watch returns: the event emitted before anyone watched.
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ state: 'running', events: [{ n: 1 }], cursor: 1 });
    await sleep(150);
    expect(updates).toHaveLength(1); // nothing new: nothing sent
    release();
    await sleep(150);
    const last = updates[updates.length - 1]!;
    expect(last).toMatchObject({ state: 'done', result: 42, cursor: 2 });
    // Every event exactly once across the updates, in order.
    expect(updates.flatMap((u) => u.events)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(updates.filter((u) => u.state !== 'running')).toHaveLength(1);
  });

  it('a finished job gets one update, from the cursor; an unwatched one gets none; an unknown id is not_found', async () => {
    const runner = new JobRunner();
    const id = runner.start('test', async (ctx) => {
      ctx.emit('a');
      ctx.emit('b');
      return null;
    });
    await sleep(20);
    const updates: JobUpdate[] = [];
    runner.watch(id, 1, (u) => updates.push(u));
    expect(updates).toEqual([expect.objectContaining({ state: 'done', events: ['b'], cursor: 2 })]);

    let stopLong!: () => void;
    const long = runner.start('long', async (ctx) => {
      await new Promise<void>((r) => (stopLong = r));
      ctx.emit('late');
      return null;
    });
    await sleep(20);
    const seen: JobUpdate[] = [];
    const stop = runner.watch(long, 0, (u) => seen.push(u));
    stop();
    stopLong();
    await sleep(150);
    expect(seen).toHaveLength(1); // only the first one, sent before the unsubscribe
    expect(() => runner.watch('nope', 0, () => {})).toThrow(/no job nope/);
  });

  it('a cancel reaches the watcher as the last update (cancelled) within a second', async () => {
    const runner = new JobRunner();
    const id = runner.start('test', async (ctx) => {
      for (;;) {
        await sleep(10);
        throwIfCancelled(ctx.signal);
        ctx.progress(1, null);
      }
    });
    await sleep(30);
    let ended: { at: number; update: JobUpdate } | null = null;
    runner.watch(id, 0, (u) => {
      if (u.state !== 'running') ended = { at: Date.now(), update: u };
    });
    const asked = Date.now();
    runner.cancel(id);
    await sleep(300);
    expect(ended).not.toBeNull();
    expect(ended!.update.state).toBe('cancelled');
    expect(ended!.at - asked).toBeLessThan(1000);
  });
});
