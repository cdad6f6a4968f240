import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import type { ChatSummary } from '../../shared/domain.ts';
import { BOOT_DATA_ID, TOKEN_HEADER, type BootAnswer, type Reply } from '../../shared/transport.ts';
import { FleetPage, defaultFirstPage } from '../../shared/contract/index.ts';
import { generateChat } from '../fixtures/chat.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { cookieName } from './auth.ts';
import { withBootAnswers } from './boot.ts';
import { CONTENT_SECURITY_POLICY, FIRST_SCREEN_GUARD, PERMISSIONS_POLICY_FEATURES } from './headers.ts';
import { MAX_BODY_BYTES, startServer, type RunningServer } from './server.ts';
import { fingerprintTree } from '../testing/tree.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
const SECRET = 'top secret: must never be served';

let base: string;
let gen: GeneratedRoot;
let otherRoot: string;
let server: RunningServer;
/** What the server logged (unexpected errors). */
const logLines: string[] = [];

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (fetch would normalise the path and refuses to set Host). */
function raw(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function api(operation: string, input: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw({
    method: 'POST',
    path: `/api/${operation}`,
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token, ...headers },
    body: JSON.stringify(input),
  });
}

async function call<T>(operation: string, input: unknown): Promise<T> {
  const res = await api(operation, input);
  const reply = JSON.parse(res.body) as Reply;
  if (!reply.ok) throw new Error(`${operation}: ${reply.error.code} ${reply.error.message}`);
  expect(res.status).toBe(200);
  return reply.value as T;
}

/** Polls a job as the UI does, collecting its streamed events, until it is no longer running. */
async function pollUntilDone(jobId: string): Promise<{ snapshot: JobSnapshot; events: unknown[] }> {
  const events: unknown[] = [];
  let cursor = 0;
  for (;;) {
    const snapshot = await call<JobSnapshot>('jobs.poll', { jobId, cursor });
    cursor = snapshot.cursor;
    events.push(...snapshot.events);
    if (snapshot.state !== 'running') return { snapshot, events };
    await new Promise((r) => setTimeout(r, 20));
  }
}

function errorOf(res: RawResponse): { code: string; message: string } {
  const reply = JSON.parse(res.body) as Reply;
  expect(reply.ok).toBe(false);
  if (reply.ok) throw new Error('expected an error reply');
  return reply.error;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-server-'));
  gen = generateRoot(join(base, 'root'), {
    chats: 6,
    broken: ['zero_byte', 'metadata_missing', 'not_sqlite', 'page_corrupt'],
    strays: true,
    seed: 11,
    now: NOW,
  });
  otherRoot = join(base, 'other');
  mkdirSync(otherRoot);
  generateChat(otherRoot, '777', { messages: 12, seed: 3, now: NOW });
  // A built UI of our own, with a secret file right beside it that no URL may reach.
  const staticDir = join(base, 'ui');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(
    join(staticDir, 'index.html'),
    '<!doctype html><title>Chat Inspector</title><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("ui");');
  writeFileSync(join(staticDir, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(base, 'secret.txt'), SECRET);
  server = await startServer({
    roots: [gen.root],
    port: 0,
    userDataDir: join(base, 'home'),
    staticDir,
    now: () => NOW,
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('browser mode server', () => {
  it('listens on 127.0.0.1 with a fresh 32-byte token in the URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(server.url.endsWith(server.token)).toBe(true);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
  });

  it('refuses a request without the token and gives away no data', async () => {
    const res = await api('places.list', {}, { [TOKEN_HEADER]: '' });
    const bare = await raw({
      method: 'POST',
      path: '/api/chats.scan',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    for (const r of [res, bare]) {
      expect(r.status).toBe(401);
      expect(errorOf(r).code).toBe('unauthorized');
      expect(r.body).not.toContain(gen.root);
    }
    const page = await raw({ path: '/' });
    expect(page.status).toBe(401);
    expect(page.body).not.toContain('<script');
  });

  it('refuses a wrong token in the header, the cookie or the address', async () => {
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    expect((await api('places.list', {}, { [TOKEN_HEADER]: wrong })).status).toBe(401);
    const cookie = await raw({
      method: 'POST',
      path: '/api/places.list',
      headers: { 'content-type': 'application/json', cookie: `${cookieName(server.port)}=${wrong}` },
      body: '{}',
    });
    expect(cookie.status).toBe(401);
    const page = await raw({ path: `/?token=${wrong}` });
    expect(page.status).toBe(401);
    expect(page.headers['set-cookie']).toBeUndefined();
    // The token in the query opens pages only, never the API.
    const query = await raw({
      method: 'POST',
      path: `/api/places.list?token=${server.token}`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(query.status).toBe(401);
  });

  it('takes the token from the query only to open a page: every other route and method refuses it', async () => {
    const query = `?token=${server.token}`;
    const routes: { method: string; path: string; type?: string }[] = [
      { method: 'POST', path: `/api/places.list${query}`, type: 'application/json' },
      { method: 'GET', path: `/events/jobs/nope${query}` },
      { method: 'POST', path: `/upload/archive${query}`, type: 'application/octet-stream' },
      { method: 'DELETE', path: `/upload/archive${query}&path=x` },
      { method: 'POST', path: `/${query}`, type: 'application/json' },
    ];
    for (const route of routes) {
      const res = await raw({
        method: route.method,
        path: route.path,
        headers: route.type ? { 'content-type': route.type } : {},
        body: route.type ? '{}' : undefined,
      });
      expect([route.path, res.status]).toEqual([route.path, 401]);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await raw({ path: `/${query}` })).status).toBe(200);
  });

  it('refuses a request with two Host headers (400), even when the first is ours', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.end(
          `POST /api/places.list HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nHost: evil.example\r\n` +
            `${TOKEN_HEADER}: ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n` +
            'Connection: close\r\n\r\n{}',
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).not.toContain(gen.root);
  });

  it('refuses other Host names (DNS rebinding) and foreign origins', async () => {
    const evil = await api('places.list', {}, { host: `evil.com:${server.port}` });
    expect(evil.status).toBe(403);
    expect(evil.body).not.toContain(gen.root);
    expect((await api('places.list', {}, { host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await api('places.list', {}, { origin: 'http://evil.com' })).status).toBe(403);
    expect((await api('places.list', {}, { origin: 'null' })).status).toBe(403);
    expect(
      (await api('places.list', {}, { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' })).status,
    ).toBe(403);
    // Our own names pass.
    expect(
      (
        await api(
          'places.list',
          {},
          { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` },
        )
      ).status,
    ).toBe(200);
    expect((await api('places.list', {}, { origin: server.origin })).status).toBe(200);
  });

  it('opens the page with ?token=, sets an HttpOnly SameSite=Strict cookie that then authorises the API', async () => {
    const page = await raw({ path: `/?token=${server.token}` });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>Chat Inspector</title>');
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toContain(`${cookieName(server.port)}=${server.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = `${cookieName(server.port)}=${server.token}`;
    const res = await raw({
      method: 'POST',
      path: '/api/places.list',
      headers: { 'content-type': 'application/json', cookie },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const asset = await raw({ path: '/assets/app.js', headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw({ path: '/assets/style.css', headers: { cookie } })).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await raw({ path: '/assets/app.js' })).status).toBe(401);
  });

  it('sends the strict CSP and the other security headers on pages and API replies', async () => {
    const page = await raw({ path: `/?token=${server.token}` });
    const reply = await api('places.list', {});
    for (const res of [page, reply]) {
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('sends the page with the answers it asks for first: the open place and the list as it opens', async () => {
    const page = await raw({ path: `/?token=${server.token}` });
    expect(page.status).toBe(200);
    const block = new RegExp(`<script type="application/json" id="${BOOT_DATA_ID}">(.*?)</script>`).exec(
      page.body,
    );
    expect(block).not.toBeNull();
    const answers = JSON.parse(block![1]!) as BootAnswer[];
    expect(answers.map((a) => a.operation)).toEqual(['places.list', 'fleet.page', 'fleet.overview']);
    const places = answers[0]!.value as { current: { kind: string; path: string } };
    expect(places.current).toMatchObject({ kind: 'root', path: gen.root });
    expect(answers[1]!.input).toEqual(defaultFirstPage(gen.root));
    const firstPage = FleetPage.parse(answers[1]!.value);
    // Listed before any chat is read, on a first opening too: every chat of the root is there (a chat
    // folder without chat files as well, until the refresh finds it empty and drops it).
    expect(firstPage.rows.map((r) => r.chatId)).toEqual(
      expect.arrayContaining(gen.chats.map((c) => c.chatId)),
    );
    expect(firstPage.rows.every((r) => r.health === 'unchecked')).toBe(true);
    expect(answers[2]!.input).toEqual({ root: gen.root, filter: {} });
    // Not to a request without the token: that gets no page at all.
    expect((await raw({ path: '/' })).status).toBe(401);
  });

  it('escapes every < of the answers, so no text in them can end the data block', () => {
    const hostile = '</script><script>alert(1)</script><!--';
    const html = withBootAnswers('<html><head><title>x</title></head><body></body></html>', [
      { operation: 'places.list', input: {}, value: { name: hostile } },
    ]);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    const json = /id="chat-inspector-boot">(.*?)<\/script>/.exec(html)![1]!;
    expect(json).not.toContain('<');
    expect((JSON.parse(json) as BootAnswer[])[0]!.value).toEqual({ name: hostile });
  });

  it('puts a painted first screen into #root, marked as not live, with the one inline script the CSP allows', () => {
    const page = withBootAnswers(
      '<!doctype html><html lang="en"><head><title>x</title></head><body><div id="root"></div></body></html>',
      [{ operation: 'places.list', input: {}, value: {} }],
      { html: '<div class="app">rows</div>', language: 'pt-BR', theme: 'dark' },
    );
    expect(page).toContain('<div id="root" data-painted><div class="app">rows</div></div>');
    expect(page).toContain('<html lang="pt-BR" data-theme="dark">');
    // The guard runs first in <head> (before any stylesheet it would otherwise wait for), allowed by hash.
    const inline = [...page.matchAll(/<script>(.*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toEqual([FIRST_SCREEN_GUARD]);
    expect(page.indexOf(`<head><script>${FIRST_SCREEN_GUARD}</script>`)).toBeGreaterThan(0);
    const hash = createHash('sha256').update(inline[0]!).digest('base64');
    expect(CONTENT_SECURITY_POLICY).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(/script-src [^;]*/.exec(CONTENT_SECURITY_POLICY)![0]).not.toContain('unsafe-inline');
    // Nothing painted: the page is as built, without the guard.
    const plain = withBootAnswers('<html lang="en"><head></head><div id="root"></div></html>', [
      { operation: 'places.list', input: {}, value: {} },
    ]);
    expect(plain).toContain('<div id="root"></div>');
    expect(plain).not.toContain('<script>');
  });

  it('lists the command-line root as the current place and nothing else', async () => {
    const places = await call<{
      current: { path: string; source: string };
      places: { path: string }[];
      canPickWithDialog: boolean;
    }>('places.list', {});
    expect(places.current.path).toBe(gen.root);
    expect(places.current.source).toBe('cli');
    expect(places.places.map((p) => p.path)).toEqual([gen.root]);
    expect(places.canPickWithDialog).toBe(false);
  });

  it('runs a chats.scan job: every chat streams once as an event, the result does not repeat them', async () => {
    const { jobId } = await call<{ jobId: string }>('chats.scan', { root: gen.root });
    const { snapshot, events } = await pollUntilDone(jobId);
    const rows = events as ChatSummary[];
    expect(snapshot.state).toBe('done');
    const result = snapshot.result as { root: string; total: number; skipped: unknown[]; chats?: unknown };
    const expected = gen.chats.map((c) => c.chatId).sort();
    expect(rows.map((r) => r.chatId).sort()).toEqual(expected);
    expect(result.total).toBe(expected.length);
    expect(result.chats).toBeUndefined();
    expect(result.skipped.length).toBeGreaterThan(0);
    const zero = gen.chats.find((c) => c.kind === 'zero_byte')!;
    expect(rows.find((c) => c.chatId === zero.chatId)?.health).toBe('error');
    const healthy = gen.chats.find((c) => c.kind === 'healthy')!;
    expect(rows.find((c) => c.chatId === healthy.chatId)?.messages).toBe(healthy.messages);
  });

  it('reads one chat of the allowed root', async () => {
    const healthy = gen.chats.find((c) => c.kind === 'healthy')!;
    const detail = await call<{ chatId: string; counts: { messages: number } }>('chat.detail', {
      root: gen.root,
      chatId: healthy.chatId,
    });
    expect(detail.chatId).toBe(healthy.chatId);
    expect(detail.counts.messages).toBe(healthy.messages);
  });

  it("answers a damaged chat's thread with its state (200, ok: false), a damaged page as corrupt, not a bug", async () => {
    // The browser logs every HTTP error status in red: a damaged chat is an expected answer, not one.
    const notSqlite = gen.chats.find((c) => c.kind === 'not_sqlite')!;
    const unreadable = await api('chat.messages', { root: gen.root, chatId: notSqlite.chatId, limit: 100 });
    expect(unreadable.status).toBe(200);
    expect(errorOf(unreadable).code).toBe('not_sqlite');
    // A damaged page met halfway through reading the thread or its metrics.
    const corrupt = gen.chats.find((c) => c.kind === 'page_corrupt')!;
    for (const operation of ['chat.messages', 'chat.metrics']) {
      const res = await api(operation, { root: gen.root, chatId: corrupt.chatId, limit: 100 });
      if (res.status === 200 && (JSON.parse(res.body) as Reply).ok) continue;
      expect(res.status).toBe(200);
      expect(errorOf(res).code).toBe('corrupt');
    }
    // The request's own failures keep their status.
    expect((await api('chat.messages', { root: gen.root, chatId: 'abc' })).status).toBe(400);
  });

  it('sends a Permissions-Policy of features Chromium knows (an unknown one is logged on every load)', async () => {
    const res = await raw({ path: '/' });
    expect(res.headers['permissions-policy']).toBe(
      PERMISSIONS_POLICY_FEATURES.map((f) => `${f}=()`).join(', '),
    );
    expect(PERMISSIONS_POLICY_FEATURES).not.toContain('bluetooth');
  });

  it('refuses a root that is not on the allow-list (403 forbidden_path) without touching it', async () => {
    const before = fingerprintTree(otherRoot);
    for (const root of [otherRoot, join(gen.root, '..', 'other'), base, '/']) {
      const res = await api('chat.detail', { root, chatId: '777' });
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe('forbidden_path');
      expect(res.body).not.toContain('777"');
    }
    // A job checks its root when it runs: it fails with forbidden_path before reading anything.
    const { jobId } = await call<{ jobId: string }>('chats.scan', { root: otherRoot });
    const finished = await pollUntilDone(jobId);
    expect(finished.snapshot.state).toBe('failed');
    expect(finished.snapshot.error?.code).toBe('forbidden_path');
    expect(finished.events).toEqual([]);
    const file = await api('file.open', { path: join(otherRoot, 'chat_777', 'conversations.db') });
    expect(file.status).toBe(403);
    expect(fingerprintTree(otherRoot)).toEqual(before);
  });

  it('masks the password of every URL it quotes: replies, job errors and the log', async () => {
    const urls = [
      'postgres://user:PASSWORD@127.0.0.1:5432/chats',
      'postgresql://user@127.0.0.1/chats?sslmode=disable&password=PASSWORD',
      'mysql://root:PASSWORD@127.0.0.1:3306/chats',
    ];
    const sql = 'SELECT 1';
    for (const path of urls) {
      const replies = [
        await api('sql.run', { path, sql }),
        await api('sql.export', { path, sql, format: 'csv' }),
        await api('file.open', { path }),
        await api('file.rows', { path, table: 'messages' }),
      ];
      for (const res of replies) {
        expect(res.status).toBe(403);
        expect(errorOf(res).message).toMatch(/not a place you opened/);
        expect(res.body).not.toContain('PASSWORD');
        expect(res.body).toContain('***');
      }
      const { jobId } = await call<{ jobId: string }>('integrity.checkFile', { path });
      const finished = await pollUntilDone(jobId);
      expect(finished.snapshot.error?.code).toBe('forbidden_path');
      expect(finished.snapshot.error?.message).not.toContain('PASSWORD');
    }
    // An unexpected error quoting the path reaches the log and the reply masked too.
    const places = server.context.places;
    const requireFile = places.requireFile.bind(places);
    places.requireFile = (path: string) => {
      throw new Error(`could not read ${path}`);
    };
    try {
      const res = await api('sql.run', { path: urls[0], sql });
      expect(res.status).toBe(500);
      expect(errorOf(res).message).toBe('could not read postgres://user:***@127.0.0.1:5432/chats');
    } finally {
      places.requireFile = requireFile;
    }
    expect(logLines.join('\n')).toContain('could not read postgres://user:***@');
    expect(logLines.join('\n')).not.toContain('PASSWORD');
  });

  it('answers invalid input with 400 invalid_input and unknown operations with 404', async () => {
    const bad = await api('chat.detail', { root: gen.root, chatId: 'abc' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).code).toBe('invalid_input');
    const unknown = await api('no.such.thing', {});
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('unknown_operation');
    // The demo writers are the command line's alone: a page cannot fill a served folder with demo data.
    const demoDir = join(gen.root, 'demo-from-page');
    const demo = await api('demo.root', { dir: demoDir });
    expect(demo.status).toBe(404);
    expect(errorOf(demo).code).toBe('unknown_operation');
    expect(existsSync(demoDir)).toBe(false);
    const empty = await api('', {});
    expect(empty.status).toBe(404);
    const notJson = await raw({
      method: 'POST',
      path: '/api/places.list',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
      body: '{nope',
    });
    expect(notJson.status).toBe(400);
    expect(errorOf(notJson).code).toBe('invalid_input');
  });

  it('only takes JSON bodies by POST, up to 1 MB', async () => {
    const get = await raw({ path: '/api/places.list', headers: { [TOKEN_HEADER]: server.token } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const form = await raw({
      method: 'POST',
      path: '/api/places.list',
      headers: { 'content-type': 'application/x-www-form-urlencoded', [TOKEN_HEADER]: server.token },
      body: 'a=1',
    });
    expect(form.status).toBe(415);
    const big = await api('chat.search', { root: gen.root, chatId: '1', query: 'x'.repeat(MAX_BODY_BYTES) });
    expect(big.status).toBe(413);
  });

  it('never serves a file outside the UI folder, however the path is spelled', async () => {
    const cookie = `${cookieName(server.port)}=${server.token}`;
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%2f..%2f..%2fpackage.json',
      '/%2E%2E/%2E%2E/package.json',
      '/..\\secret.txt',
      '/%5c..%5csecret.txt',
      '/assets/%00.js',
      '/%ff',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
    ];
    for (const path of attempts) {
      const res = await raw({ path, headers: { cookie } });
      // Refused, or (for a path that stays inside) the UI's own page.
      if (res.status === 200) expect(res.body, path).toContain('<title>Chat Inspector</title>');
      else expect([400, 403, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain(SECRET);
      expect(res.body, path).not.toContain('"name": "chat-inspector"');
      expect(res.body, path).not.toContain('root:');
    }
    // An unknown route of the UI (no extension) gets the page; an unknown file is 404.
    expect((await raw({ path: '/chats', headers: { cookie } })).body).toContain(
      '<title>Chat Inspector</title>',
    );
    expect((await raw({ path: '/assets/missing.js', headers: { cookie } })).status).toBe(404);
    expect((await raw({ method: 'DELETE', path: '/index.html', headers: { cookie } })).status).toBe(405);
  });

  it('a second server gets another token and does not accept the first one', async () => {
    const second = await startServer({
      roots: [gen.root],
      userDataDir: join(base, 'home2'),
      staticDir: join(base, 'ui'),
      log: () => {},
    });
    try {
      expect(second.token).not.toBe(server.token);
      expect(second.port).not.toBe(server.port);
      const res = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: second.port,
            method: 'POST',
            path: '/api/places.list',
            headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
          },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
      expect(res).toBe(401);
    } finally {
      await second.close();
    }
  });
});
