import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

export const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
