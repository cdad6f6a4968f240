import { join } from 'node:path';
import { silentContext } from '../main/jobs/job.ts';
import { checkRoot } from '../main/integrity/run.ts';
import Database from '../main/sqlite/driver.ts';
import { listChats } from '../main/store/layout.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../main/store/schema.ts';
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
}

/**
 * Quick-mode integrity check of a generated root: the engine on one thread (a pool of size 0) and with
 * worker threads, each against the minimal loop measured in the same run (targets: ≤ 1.2× and ≤ 0.75×).
 */
export async function runIntegrityBench(options: IntegrityBenchOptions): Promise<Record<string, number>> {
  const root = benchRoot(options.chats);
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
  for (let i = 0; i < rounds; i++) {
    baseline.push((await timeIt(() => minimalQuickCheckLoop(root))).ms);
    single.push((await timeIt(() => run(inline))).ms);
    parallel.push((await timeIt(() => run(workers))).ms);
  }
  await workers.close();
  const b = median(baseline);
  const s = median(single);
  const p = median(parallel);
  const { ok, warning, error } = warm.summary;
  console.log(
    `integrity check (quick) of ${warm.chats.length} chats (median of ${rounds}; ${ok} ok, ${warning} warning, ${error} error)`,
  );
  console.log(`  minimal single-thread quick_check loop   ${fmt(b)}`);
  console.log(`  engine, 1 thread (pool of size 0)        ${fmt(s)}  ratio ${ratio(s, b)}  (target ≤ 1.20×)`);
  console.log(
    `  engine, ${workers.size} worker threads               ${fmt(p)}  ratio ${ratio(p, b)}  (target ≤ 0.75×)`,
  );
  return {
    baselineMs: b,
    singleMs: s,
    parallelMs: p,
    singleRatio: s / b,
    parallelRatio: p / b,
    workers: workers.size,
  };
}

if (import.meta.main) {
  await runIntegrityBench({ chats: argValue('--chats', 10_000), rounds: argValue('--rounds', 3) });
}
