import { test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateChat, generateRoot, type GeneratedRoot } from '../../main/fixtures/index.ts';
import { fingerprintTree } from '../../main/testing/tree.ts';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');
const SERVING = /Chat Inspector is serving (.+) at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))/;

export interface ServedApp {
  /** The address to open, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** The generated data root the server was started on (its only allowed place). */
  root: string;
  generated: GeneratedRoot;
  /** CHAT_INSPECTOR_HOME of the server (recent list, demo). */
  home: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  chats?: number;
  broken?: Parameters<typeof generateRoot>[1]['broken'];
  seed?: number;
  /** Extra healthy chats of a given size written into the root before the server starts (big chats). */
  extraChats?: { chatId: string; messages: number; seed?: number }[];
  /** Writes more into the root before the server starts (e.g. a legacy DB of a particular shape). */
  prepare?: (root: string) => void;
}

/**
 * Generates a fixture root in a temp folder and starts the built CLI on it, `node dist/cli.js serve ROOT
 * --port 0`, exactly as a person would; resolves once it printed its address.
 */
export async function serveFixtureRoot(options: ServeOptions = {}): Promise<ServedApp> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before the e2e tests`);
  const dir = mkdtempSync(join(tmpdir(), 'ci-e2e-'));
  const home = join(dir, 'home');
  const generated = generateRoot(join(dir, 'root'), {
    chats: options.chats ?? 24,
    broken: options.broken ?? 'all',
    strays: true,
    seed: options.seed ?? 42,
    now: new Date(),
  });
  for (const extra of options.extraChats ?? []) {
    const { chatId, ...size } = extra;
    generated.chats.push(generateChat(generated.root, chatId, { ...size, now: new Date() }));
  }
  options.prepare?.(generated.root);
  const child = spawn(process.execPath, [CLI, 'serve', generated.root, '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CHAT_INSPECTOR_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`the server printed no address within 20 s:\n${output}`)),
      20_000,
    );
    const check = (): void => {
      const found = SERVING.exec(output);
      if (found) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(found);
      }
    };
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(error);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) =>
      fail(new Error(`the server exited (${code}) before printing its address:\n${output}`)),
    );
  });
  child.removeAllListeners('exit');
  const url = match[2]!;
  return {
    url,
    origin: new URL(url).origin,
    port: Number(match[3]),
    token: match[4]!,
    root: generated.root,
    generated,
    home,
    output: () => output,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ctrl-C, as a person would; a server that does not stop within 5 s is killed (and that shows in output). */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/**
 * Playwright fixtures: one server on a generated root per worker (`served`), and for each test `url`,
 * `root` and the built-in `page` on the system Chromium (see playwright.config.ts).
 *
 * The root is shared by every spec file that runs in the worker, so it must stay as generated: a test
 * that writes into it (recovers a chat in place, rebuilds a metadata.json...) changes what the files
 * after it see (the page_corrupt chat once showed `warning` in browse.spec because backups.spec had
 * put a recovered DB in its place). Such a spec file declares `test.use({ ownRoot: '<name>' })`: a
 * worker option, so Playwright runs it in a worker, with a server and root, of its own. Every test on
 * the shared root is checked afterwards to have left its bytes as they were.
 */
export const test = base.extend<
  { url: string; root: string; app: ServedApp; sharedRootUnchanged: void },
  { served: ServedApp; ownRoot: string }
>({
  ownRoot: ['', { scope: 'worker', option: true }],
  served: [
    async ({ ownRoot: _ownRoot }, use) => {
      const served = await serveFixtureRoot();
      await use(served);
      await served.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  sharedRootUnchanged: [
    async ({ served, ownRoot }, use, testInfo) => {
      if (ownRoot !== '') return use();
      const before = fingerprintTree(served.root);
      await use();
      const changed = changedPaths(before, fingerprintTree(served.root));
      if (changed.length > 0 && testInfo.status === testInfo.expectedStatus) {
        throw new Error(
          `${testInfo.titlePath.join(' › ')} changed the data root shared with other spec files ` +
            `(${changed.slice(0, 5).join(', ')}): give its file a root of its own with test.use({ ownRoot: '<name>' })`,
        );
      }
    },
    { auto: true },
  ],
  app: async ({ served }, use) => use(served),
  url: async ({ served }, use) => use(served.url),
  root: async ({ served }, use) => use(served.root),
});

/** Paths added, removed or changed between two fingerprints of a tree. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, value] of after) if (before.get(path) !== value) out.push(path);
  for (const path of before.keys()) if (!after.has(path)) out.push(path);
  return out;
}

export { expect } from '@playwright/test';
