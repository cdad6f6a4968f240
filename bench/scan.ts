import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from '../main/sqlite/driver.ts';
import { listChats } from '../main/store/layout.ts';
import { argValue, benchRoot, cpuMsSince, fmt, median, ratio, timeIt } from './common.ts';

/** The baseline the issue names: one thread, open each chat's two DBs read-only, count rows. */
export function minimalCountLoop(root: string): number {
  return countChats(listChats(root).chats.map((chat) => chat.dir));
}

/** The raw loop's body over these chat folders. */
export function countChats(dirs: readonly string[]): number {
  let total = 0;
  for (const dir of dirs) {
    const profile = new Database(join(dir, 'profile.db'), { readonly: true });
    total += (profile.prepare('SELECT count(*) AS n FROM user_profile').get() as { n: number }).n;
    profile.close();
    const conversations = new Database(join(dir, 'conversations.db'), { readonly: true });
    total += (conversations.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    total += (conversations.prepare('SELECT count(*) AS n FROM conversation_sessions').get() as { n: number })
      .n;
    conversations.close();
  }
  return total;
}

/**
 * The same raw loop split evenly over `threads` worker threads (started beforehand, not timed): how far
 * this machine's cores go in parallel on this work. A pass that does the raw loop's work and more cannot
 * beat this ratio; on a 2-vCPU virtual machine it is about 0.6×, not 0.5×.
 */
export async function parallelCountLoop(
  root: string,
  threads: number,
): Promise<{ ms: number; cpuMs: number }> {
  const dirs = listChats(root).chats.map((chat) => chat.dir);
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./count-worker.ts', import.meta.url)),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((ready) => w.once('message', ready))));
    const share = Math.ceil(dirs.length / threads);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const totals = await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<number>((done, fail) => {
            w.once('message', done);
            w.once('error', fail);
            w.postMessage(dirs.slice(i * share, (i + 1) * share));
          }),
      ),
    );
    const ms = performance.now() - started;
    // This process's CPU time: its worker threads' work (the main thread only waits).
    const cpuMs = cpuMsSince(cpuBefore);
    if (totals.reduce((a, b) => a + b, 0) <= 0) throw new Error('the parallel count loop counted nothing');
    return { ms, cpuMs };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const CLI = resolve(import.meta.dirname, '..', 'dist', 'cli.js');

/** `chat-inspector scan ROOT --json` as a person runs it; returns wall time and peak memory. */
function runCliScan(root: string, workers?: number): { ms: number; maxRssMb: number; chats: number } {
  const args = [
    CLI,
    'scan',
    root,
    '--json',
    ...(workers === undefined ? [] : ['--workers', String(workers)]),
  ];
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    env: { ...process.env, CHAT_INSPECTOR_REPORT_RSS: '1' },
    maxBuffer: 1024 * 1024 * 1024,
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`scan failed: ${child.stderr}`);
  const rss = /maxRss=(\d+)/.exec(child.stderr);
  return {
    ms,
    maxRssMb: rss ? Number(rss[1]) / 1024 : NaN,
    chats: (JSON.parse(child.stdout) as { chats: unknown[] }).chats.length,
  };
}

export async function runScanBench(options: {
  chats: number;
  rounds?: number;
}): Promise<Record<string, number>> {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first (the benchmark times the built CLI)');
  const root = benchRoot(options.chats);
  const rounds = options.rounds ?? 3;
  minimalCountLoop(root); // warm the page cache
  const baseline: number[] = [];
  const single: number[] = [];
  const parallel: number[] = [];
  let maxRss = 0;
  for (let i = 0; i < rounds; i++) {
    baseline.push((await timeIt(() => minimalCountLoop(root))).ms);
    single.push(runCliScan(root, 0).ms);
    const p = runCliScan(root);
    parallel.push(p.ms);
    maxRss = Math.max(maxRss, p.maxRssMb);
  }
  const b = median(baseline);
  const s = median(single);
  const p = median(parallel);
  console.log(`scan of ${options.chats} chats (median of ${rounds})`);
  console.log(`  minimal single-thread count loop     ${fmt(b)}`);
  console.log(`  chat-inspector scan --json, 1 thread ${fmt(s)}  ratio ${ratio(s, b)}`);
  console.log(
    `  chat-inspector scan --json, workers  ${fmt(p)}  ratio ${ratio(p, b)}  (target ≤ 1.30×, aim < 1.00×)`,
  );
  console.log(`  peak memory of the scan              ${maxRss.toFixed(0)} MB (target < 300 MB)`);
  return { baselineMs: b, singleMs: s, parallelMs: p, ratio: p / b, maxRssMb: maxRss };
}

if (import.meta.main) {
  await runScanBench({ chats: argValue('--chats', 10_000), rounds: argValue('--rounds', 3) });
}
