import { describe, expect, it } from 'vitest';
import { JobRunner } from './runner.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('jobs.poll with waitMs (pushes without a polling interval)', () => {
  it('answers as soon as an event is emitted, with the event', async () => {
    const runner = new JobRunner();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const id = runner.start('test', async (ctx) => {
      await gate;
      ctx.emit({ n: 1 });
      await sleep(5_000);
      return null;
    });
    const pending = runner.next(id, 0, 4_000);
    let answered = false;
    void pending.then(() => (answered = true));
    await sleep(100);
    expect(answered).toBe(false); // nothing new yet: the poll is held
    release();
    const snapshot = await pending;
    expect(snapshot.events).toEqual([{ n: 1 }]);
    expect(snapshot.state).toBe('running');
    runner.cancelAll();
  });

  it('answers at once with the result when the job ends, and after waitMs when nothing happens', async () => {
    const runner = new JobRunner();
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const id = runner.start('test', async () => {
      await gate;
      return 42;
    });
    const idle = await runner.next(id, 0, 50);
    expect(idle.state).toBe('running');
    expect(idle.events).toEqual([]);
    const ending = runner.next(id, 0, 4_000);
    finish();
    const done = await ending;
    expect(done.state).toBe('done');
    expect(done.result).toBe(42);
    // A finished job does not wait.
    const again = await runner.next(id, 0, 4_000);
    expect(again.state).toBe('done');
  });
});
