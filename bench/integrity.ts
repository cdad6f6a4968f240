import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { silentContext } from '../main/jobs/job.ts';
import { checkRoot } from '../main/integrity/run.ts';
import Database from '../main/sqlite/driver.ts';
import { listChats } from '../main/store/layout.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../main/adapters/per-chat-schema.ts';
import { WorkerPool, defaultPoolSize } from '../main/workers/pool.ts';
import { argValue, benchRoot, fmt, median, ratio, timeIt } from './common.ts';

/**
 * The baseline the issue names: one thread, a minimal better-sqlite3 loop that opens each DB of each chat
 * read-only, runs PRAGMA quick_check and closes it. Returns how many DBs answered "ok".
 */
export function minimalQuickCheckLoop(root: string): number {
  const { chats } = listChats(root);
  let ok = 0;
  for (const chat of chats) {
    for (const file of [PROFILE_DB, CONVERSATIONS_DB]) {
      const db = new Database(join(chat.dir, file), { readonly: true });
      if (db.prepare('PRAGMA quick_check').pluck().get() === 'ok') ok++;
      db.close();
    }
  }
  return ok;
}

export interface IntegrityBenchOptions {
  chats: number;
  rounds?: number;
  /** Messages per generated chat (default 100, the shared bench root). */
  messagesPerChat?: number;
}

/**
 * Quick-mode integrity check of a generated root: the engine on one thread (a pool of size 0) and with
 * worker threads, each against the minimal loop measured in the same run (targets: ≤ 1.2× and ≤ 0.75×).
 */
export async function runIntegrityBench(options: IntegrityBenchOptions): Promise<Record<string, number>> {
  const root = benchRoot(options.chats, options.messagesPerChat ?? 100);
  const rounds = options.rounds ?? 3;
  const inline = new WorkerPool(0);
  const workers = new WorkerPool(defaultPoolSize());
  const now = new Date();
  const run = (pool: WorkerPool) => checkRoot(root, silentContext(), { pool, now });
  // Warm the page cache and start the worker threads (their start-up is not the check's cost).
  minimalQuickCheckLoop(root);
  const warm = await run(workers);
  const baseline: number[] = [];
  const single: number[] = [];
  const parallel: number[] = [];
  // CPU time as well (process-wide, so it includes the worker threads): on a machine shared with other
  // work, it shows what the wall-clock ratios cannot separate from waiting for a core.
  const cpu = { baseline: [] as number[], single: [] as number[], parallel: [] as number[] };
  const measure = async (fn: () => unknown, wall: number[], used: number[]) => {
    const start = process.cpuUsage();
    wall.push((await timeIt(fn)).ms);
    const spent = process.cpuUsage(start);
    used.push((spent.user + spent.system) / 1000);
  };
  for (let i = 0; i < rounds; i++) {
    await measure(() => minimalQuickCheckLoop(root), baseline, cpu.baseline);
    await measure(() => run(inline), single, cpu.single);
    await measure(() => run(workers), parallel, cpu.parallel);
  }
  await workers.close();
  const b = median(baseline);
  const s = median(single);
  const p = median(parallel);
  const cb = median(cpu.baseline);
  const cs = median(cpu.single);
  const cp = median(cpu.parallel);
  const { ok, warning, error } = warm.summary;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `integrity check (quick) of ${warm.chats.length} chats × ${options.messagesPerChat ?? 100} messages (median of ${rounds}; ${ok} ok, ${warning} warning, ${error} error)`,
  );
  console.log(`  minimal single-thread quick_check loop   ${fmt(b)}   (CPU ${fmt(cb)})`);
  console.log(
    `  engine, 1 thread (pool of size 0)        ${fmt(s)}  ratio ${ratio(s, b)}  (target ≤ 1.20×)   CPU ${fmt(cs)}, ratio ${ratio(cs, cb)}`,
  );
  console.log(
    `  engine, ${workers.size} worker threads               ${fmt(p)}  ratio ${ratio(p, b)}  (target ≤ 0.75×)   CPU ${fmt(cp)}, ratio ${ratio(cp, cb)}`,
  );
  console.log(`  load average at the end: ${load} on ${availableParallelism()} cores`);
  return {
    baselineMs: b,
    singleMs: s,
    parallelMs: p,
    singleRatio: s / b,
    parallelRatio: p / b,
    baselineCpuMs: cb,
    singleCpuMs: cs,
    parallelCpuMs: cp,
    workers: workers.size,
  };
}

if (import.meta.main) {
  await runIntegrityBench({
    chats: argValue('--chats', 10_000),
    rounds: argValue('--rounds', 3),
    messagesPerChat: argValue('--messages', 100),
  });
}
