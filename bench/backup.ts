// Backup of a whole root vs `tar -czf` of the same folder, in the same run.
//
//   npx node bench/backup.ts --chats 10000 [--rounds 2] [--level 3]
//
// `chat-inspector backup ROOT --out X.tar.gz` is run as a person runs it: a child process, the built CLI
// (dist/cli.js from `npm run build`; the sources when there is no build), its worker threads, its default gzip
// level 3 unless --level says otherwise (see DEFAULT_GZIP_LEVEL in main/backup/create.ts). So is
// `tar -czf X.tar.gz -C PARENT ROOT` (GNU tar pipes through gzip -6). Both archives go to the same disk; the
// page cache is warmed first. Target: at most 1.5x tar's time, while doing more: consistent SQLite copies,
// sha256 of every file, row counts and quick_check of every DB, a manifest, an atomic rename.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { argValue, BENCH_DIR, benchRoot, fmt, median, ratio } from './common.ts';

const BUILT = resolve(import.meta.dirname, '..', 'dist', 'cli.js');
const SOURCE = resolve(import.meta.dirname, '..', 'main', 'cli', 'main.ts');
/** The built CLI, as a person runs it (`npm run build`); the sources when there is no build. */
const CLI = existsSync(BUILT) && existsSync(resolve(BUILT, '..', 'worker.js')) ? BUILT : SOURCE;

function run(cmd: string, args: string[]): number {
  const started = performance.now();
  const child = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (child.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${child.status}): ${child.stderr}`);
  return ms;
}

export interface BackupBenchOptions {
  chats: number;
  rounds?: number;
  /** gzip level of chat-inspector's archive (tar -czf always uses gzip's default, 6). */
  level?: number;
  /** Worker threads for chat-inspector (default: its own default). */
  workers?: number;
}

export async function runBackupBench(options: BackupBenchOptions): Promise<Record<string, number>> {
  const root = benchRoot(options.chats);
  const rounds = options.rounds ?? 2;
  const out = join(BENCH_DIR, 'backup-out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tarFile = join(out, 'tar.tar.gz');
  const ciFile = join(out, 'ci.tar.gz');
  // Warm the page cache so neither side pays for the first read of the root.
  run('tar', ['-cf', '/dev/null', '-C', dirname(root), basename(root)]);
  const tarTimes: number[] = [];
  const ciTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    rmSync(tarFile, { force: true });
    rmSync(ciFile, { force: true });
    tarTimes.push(run('tar', ['-czf', tarFile, '-C', dirname(root), basename(root)]));
    const args = [CLI, 'backup', root, '--out', ciFile, '--json'];
    if (options.level !== undefined) args.push('--level', String(options.level));
    if (options.workers !== undefined) args.push('--workers', String(options.workers));
    ciTimes.push(run(process.execPath, args));
  }
  const tarMs = median(tarTimes);
  const ciMs = median(ciTimes);
  const tarBytes = statSync(tarFile).size;
  const ciBytes = statSync(ciFile).size;
  console.log(`backup of ${options.chats} chats (median of ${rounds})`);
  console.log(
    `  tar -czf (gzip -6)                          ${fmt(tarMs)}  ${(tarBytes / 1048576).toFixed(1)} MB`,
  );
  console.log(
    `  chat-inspector backup (gzip -${options.level ?? 3})${' '.repeat(14)}${fmt(ciMs)}  ${(ciBytes / 1048576).toFixed(1)} MB  ratio ${ratio(ciMs, tarMs)}  (target ≤ 1.50×)`,
  );
  rmSync(out, { recursive: true, force: true });
  return { chats: options.chats, tarMs, backupMs: ciMs, ratio: ciMs / tarMs, tarBytes, backupBytes: ciBytes };
}

if (import.meta.main) {
  const level = process.argv.includes('--level') ? argValue('--level', 6) : undefined;
  const workers = process.argv.includes('--workers') ? argValue('--workers', 2) : undefined;
  await runBackupBench({ chats: argValue('--chats', 1000), rounds: argValue('--rounds', 2), level, workers });
}
