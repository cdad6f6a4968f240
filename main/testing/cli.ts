import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// Real CLI processes for tests: the TypeScript sources run by the project's pinned Node, with a private
// TMPDIR so a test can list what a command left in the temp folder.

export const REPO = resolve(import.meta.dirname, '../..');
export const NODE = join(REPO, 'node_modules', '.bin', 'node');
export const CLI = join(REPO, 'main/cli/main.ts');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** TMPDIR for the child (a private folder per test, listed before and after). */
  tmp?: string;
  cwd?: string;
  /** Killed (SIGKILL) after this long: a hang fails the test instead of stalling the suite. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

function envFor(options: CliOptions): NodeJS.ProcessEnv {
  return { ...process.env, ...(options.tmp ? { TMPDIR: options.tmp } : {}), ...options.env };
}

/** Runs `chat-inspector ARGS` to the end. */
export function cli(args: string[], options: CliOptions = {}): CliRun {
  return runNode([CLI, ...args], options);
}

/** Runs `node ARGS` (a script of the repo or of the test) with the pinned Node. */
export function runNode(args: string[], options: CliOptions = {}): CliRun {
  const run = spawnSync(NODE, args, {
    encoding: 'utf8',
    cwd: options.cwd ?? REPO,
    env: envFor(options),
    timeout: options.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
  });
  return { code: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

/** Starts `chat-inspector ARGS` (or `node ARGS` with `script`) without waiting: for signals mid-run. */
export function startCli(args: string[], options: CliOptions & { script?: boolean } = {}): ChildProcess {
  return spawn(NODE, options.script ? args : [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: envFor(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves when the child has exited, with how. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

/** Resolves once the child printed `text` on stdout. */
export function printed(child: ChildProcess, text: string): Promise<void> {
  return new Promise((done, fail) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(text)) done();
    });
    child.once('exit', () => fail(new Error(`exited before printing ${text}: ${seen}`)));
  });
}

/**
 * Every entry under `dir` with what it is, for before/after comparisons: regular files with their bytes'
 * sha256, size and mtime; folders, links, FIFOs and sockets by kind only (never opened, never followed).
 */
export function listTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const rel = relative(dir, path);
      const st = lstatSync(path);
      if (st.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(path);
      } else if (st.isFile()) {
        if (name.endsWith('-shm')) out[rel] = 'shm';
        else
          out[rel] =
            `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${st.size} ${st.mtimeMs}`;
      } else {
        out[rel] = st.isSymbolicLink()
          ? 'symlink'
          : st.isFIFO()
            ? 'fifo'
            : st.isSocket()
              ? 'socket'
              : 'other';
      }
    }
  };
  walk(dir);
  return out;
}
