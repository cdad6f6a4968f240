import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER, type Reply } from '../shared/transport.ts';
import { startServer } from '../main/server/server.ts';
import { sourceArguments } from '../main/app/origin.ts';
import { PROJECT_ROOT } from './electron-binary.ts';
import { browserModeArguments, electronArguments, parseStartArguments } from './start-plan.ts';

// `npm start URL`: where Electron cannot start, the browser-mode fallback reaches only the server sources of
// its command line. The fallback's arguments are run by the real CLI (`serve`), as start.ts runs dist/cli.js,
// and asked over HTTP to open another server: refused before any connection is tried.

const work = mkdtempSync(join(tmpdir(), 'ci-start-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GIVEN = 'postgresql://reader:Start-s3cret@127.0.0.1:1/evosense';
const OTHER = 'postgresql://postgres@127.0.0.1:2/other';

async function api(origin: string, token: string, name: string, input: unknown) {
  const res = await fetch(`${origin}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
    body: JSON.stringify(input),
  });
  return { status: res.status, reply: (await res.json()) as Reply };
}

describe('npm start with server sources', () => {
  it('reads ROOT, URLs given as ROOT and --source URLs; a missing root or a bad --source is one line', () => {
    const request = parseStartArguments(['--no-sandbox', GIVEN, '.', '--source', OTHER], work);
    expect(request).toEqual({ root: work, sources: [GIVEN, OTHER] });
    expect(browserModeArguments(request)).toEqual([
      'serve',
      work,
      '--source',
      GIVEN,
      '--source',
      OTHER,
      '--open',
    ]);
    const electron = electronArguments(request);
    expect(electron[0]).toBe(work);
    expect(sourceArguments(['electron', '.', ...electron])).toEqual([GIVEN, OTHER]);
    expect(() => parseStartArguments(['nowhere'], work)).toThrow('nowhere: no such file or folder');
    expect(() => parseStartArguments(['--source', 'db.example.com'], work)).toThrow(
      /--source takes a server URL/,
    );
    expect(parseStartArguments([], work)).toEqual({ sources: [] });
  });

  it('the browser-mode fallback reaches only the sources of its command line', async () => {
    const args = browserModeArguments(parseStartArguments([GIVEN, work], work));
    const child = spawn(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'node'),
      ['main/cli/main.ts', ...args, '--port', '0'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CHAT_INSPECTOR_HOME: join(work, 'home'), DISPLAY: '', WAYLAND_DISPLAY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    try {
      const address = await new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address within 30 s:\n${output}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(new URL(m[1]!));
          }
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${output}`)));
      });
      const token = address.searchParams.get('token')!;
      const list = await api(address.origin, token, 'sources.list', {});
      expect(list.reply).toMatchObject({
        ok: true,
        value: { canConnect: false, sources: [{ label: 'postgresql://reader:***@127.0.0.1:1/evosense' }] },
      });
      for (const url of [OTHER, 'postgresql://reader:another@127.0.0.1:1/evosense']) {
        const refused = await api(address.origin, token, 'sources.connect', { url });
        expect(refused.status).toBe(403);
        expect(refused.reply).toMatchObject({ ok: false, error: { code: 'forbidden_path' } });
      }
      expect(output).not.toContain('Start-s3cret');
      expect(JSON.stringify(list.reply)).not.toContain('Start-s3cret');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('any browser-mode server is restricted, even one started without sources', async () => {
    const server = await startServer({ roots: [work], userDataDir: join(work, 'home2') });
    try {
      const listed = await api(server.origin, server.token, 'sources.list', {});
      expect(listed.reply).toMatchObject({ ok: true, value: { canConnect: false, sources: [] } });
      const refused = await api(server.origin, server.token, 'sources.connect', { url: OTHER });
      expect(refused.reply).toMatchObject({ ok: false, error: { code: 'forbidden_path' } });
    } finally {
      await server.close();
    }
  });
});
