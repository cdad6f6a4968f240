import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generateRoot } from '../main/fixtures/index.ts';

export const BENCH_DIR = resolve(import.meta.dirname, '..', '.bench');

/** A generated root reused across runs (generation of 10,000 chats takes a while). */
export function benchRoot(chats: number, messagesPerChat = 100): string {
  const root = join(BENCH_DIR, `root-${chats}x${messagesPerChat}`);
  const marker = join(root, '.complete');
  if (existsSync(marker)) return root;
  rmSync(root, { recursive: true, force: true });
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = performance.now();
  process.stderr.write(`generating ${chats} chats × ${messagesPerChat} messages into ${root} …\n`);
  generateRoot(tmp, { chats, messagesPerChat, seed: 42 });
  renameSync(tmp, root);
  writeFileSync(marker, new Date().toISOString());
  process.stderr.write(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return root;
}

export function readMarker(root: string): string {
  return readFileSync(join(root, '.complete'), 'utf8');
}

export async function timeIt<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

/**
 * CPU time (user + system, ms) of this process's children that have ended, all their threads: the
 * kernel's cutime + cstime (/proc/self/stat, in clock ticks of 10 ms). Taken before and after a
 * spawnSync, the difference is that child's CPU time, which other work on the machine hardly moves,
 * unlike its wall time. NaN where there is no /proc.
 */
export function childrenCpuMs(): number {
  try {
    // The fields after the command's name, which ends at the last ')': cutime and cstime are 16th and 17th.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * CLOCK_TICK_MS;
  } catch {
    return NaN;
  }
}

/** USER_HZ, 100 on Linux whatever the kernel's own tick. */
const CLOCK_TICK_MS = 10;

/** CPU time (user + system, ms) of this whole process, all its threads, since `since`. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** The machine's load averages over 1, 5 and 15 minutes: other work running during a benchmark. */
export function loadLine(): string {
  return `load ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')} on ${availableParallelism()} cores`;
}

export const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
