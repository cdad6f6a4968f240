import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOKEN_HEADER, TOKEN_QUERY, type Reply } from '../../shared/transport.ts';
import { generateRoot } from '../fixtures/index.ts';
import { CLI, exited, NODE, printed, REPO } from '../testing/cli.ts';
import { CONNECTIONS_FILE, type ConnectionsView } from './saved.ts';

// connections.json is one of Chat Inspector's own files (main/fs/own-file.ts): a FIFO or a link to
// /dev/zero in its place is only lstat'ed, never opened. Before the guard, browser mode read it on its
// main thread: a FIFO froze the server (SIGTERM no longer stopped it), /dev/zero ate memory.

const base = mkdtempSync(join(tmpdir(), 'ci-saved-own-'));
const root = generateRoot(join(base, 'root'), { chats: 2, seed: 4 }).root;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * `serve ROOT` in a child with at most 20 GB of address space (each V8 isolate reserves address space for
 * its code, and serve starts its worker threads at boot: under 16 GB the boot itself failed about one time
 * in two); resolves with its address once listening. Reading /dev/zero would still exhaust it.
 */
async function serve(home: string): Promise<{ child: ChildProcess; origin: string; token: string }> {
  const child = spawn(
    'sh',
    ['-c', 'ulimit -v 20000000; exec "$@"', 'sh', NODE, CLI, 'serve', root, '--port', '0'],
    { cwd: REPO, env: { ...process.env, CHAT_INSPECTOR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  await printed(child, 'Press Ctrl-C');
  const url = new URL(/ at (http:\S+)/.exec(out)![1]!);
  return { child, origin: url.origin, token: url.searchParams.get(TOKEN_QUERY)! };
}

async function api(
  server: { origin: string; token: string },
  operation: string,
): Promise<{ status: number; reply: Reply }> {
  const res = await fetch(`${server.origin}/api/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
    body: '{}',
    // A server whose main thread is blocked never answers: the test fails instead of waiting forever.
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, reply: (await res.json()) as Reply };
}

describe('connections.json guarded as an own file (browser mode)', () => {
  it.each([
    ['a FIFO', (path: string) => void execFileSync('mkfifo', [path]), /named pipe/],
    ['a link to /dev/zero', (path: string) => symlinkSync('/dev/zero', path), /symbolic link/],
  ])('%s: the server answers, reports it, and stops on SIGTERM', async (_kind, make, said) => {
    const home = join(base, `home-${_kind.replace(/\W/g, '')}`);
    mkdirSync(home);
    make(join(home, CONNECTIONS_FILE));
    const server = await serve(home);
    const shown = await api(server, 'sources.connections');
    expect(shown.status).toBe(200);
    const view = (shown.reply.ok ? shown.reply.value : null) as ConnectionsView;
    expect(view.saved).toEqual([]);
    expect(view.problem).toMatch(said);
    expect(view.problem).toContain(join(home, CONNECTIONS_FILE));
    expect((await api(server, 'places.list')).status).toBe(200);
    // Left in place (only saving on purpose moves it aside), never opened.
    expect(readdirSync(home)).toContain(CONNECTIONS_FILE);
    server.child.kill('SIGTERM');
    const end = await Promise.race([
      exited(server.child),
      new Promise<'still running'>((done) => setTimeout(() => done('still running'), 15_000)),
    ]);
    expect(end).toEqual({ code: 0, signal: null });
  });
});
