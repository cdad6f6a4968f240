import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_EVENTS_PREFIX, JobUpdate } from '../../shared/contract/jobs.ts';
import { TOKEN_HEADER, type Reply } from '../../shared/transport.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { startServer, type RunningServer } from './server.ts';

// Browser mode's push channel: a job's updates as server-sent events, for real jobs of a real server.

const NOW = new Date('2026-11-01T12:00:00Z');
let base: string;
let gen: GeneratedRoot;
let server: RunningServer;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-push-'));
  gen = generateRoot(join(base, 'root'), { chats: 40, broken: ['page_corrupt'], seed: 5, now: NOW });
  server = await startServer({
    roots: [gen.root],
    userDataDir: join(base, 'home'),
    staticDir: join(base, 'no-ui'),
    now: () => NOW,
    log: () => {},
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

async function call<T>(operation: string, input: unknown): Promise<T> {
  const response = await fetch(`${server.origin}/api/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
    body: JSON.stringify(input),
  });
  const reply = (await response.json()) as Reply;
  if (!reply.ok) throw new Error(`${operation}: ${reply.error.code}`);
  return reply.value as T;
}

interface Watched {
  status: number;
  contentType: string | undefined;
  updates: { at: number; update: JobUpdate }[];
  ended: Promise<void>;
  close(): void;
}

/** Opens the event stream of a job as the renderer does and parses each `data:` message. */
function watch(jobId: string, cursor = 0, token = server.token): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `${JOB_EVENTS_PREFIX}${encodeURIComponent(jobId)}?cursor=${cursor}`,
        headers: { [TOKEN_HEADER]: token, accept: 'text/event-stream' },
      },
      (res: IncomingMessage) => {
        const updates: Watched['updates'] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (res.statusCode === 200) {
              expect(message.startsWith('data: ')).toBe(true);
              updates.push({ at: Date.now(), update: JobUpdate.parse(JSON.parse(message.slice(6))) });
            }
          }
        });
        const ended = new Promise<void>((done) => res.on('end', done));
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          updates,
          ended,
          close: () => req.destroy(),
        });
        if (res.statusCode !== 200) res.resume();
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('job updates as server-sent events', () => {
  it('a real fleet.refresh pushes progress and events, then its result, and the stream ends', async () => {
    const { jobId } = await call<{ jobId: string }>('fleet.refresh', { root: gen.root });
    const watched = await watch(jobId);
    expect(watched.status).toBe(200);
    expect(watched.contentType).toMatch(/^text\/event-stream/);
    await watched.ended;
    const updates = watched.updates.map((u) => u.update);
    expect(updates.length).toBeGreaterThan(1);
    const last = updates[updates.length - 1]!;
    expect(last.state).toBe('done');
    expect(updates.slice(0, -1).every((u) => u.state === 'running')).toBe(true);
    expect(last.result).toMatchObject({ total: gen.chats.length, visited: gen.chats.length });
    // Progress was pushed while it ran, and the events (rows written) add up to every chat read.
    expect(updates.some((u) => u.state === 'running' && (u.progress.total ?? 0) > 0)).toBe(true);
    const written = updates.flatMap((u) => u.events as { updated: number }[]);
    expect(written.reduce((n, e) => n + e.updated, 0)).toBeGreaterThanOrEqual(gen.chats.length);
    // Every event once: the cursors grow by the events each update carried.
    let cursor = 0;
    for (const u of updates) {
      cursor += u.events.length;
      expect(u.cursor).toBe(cursor);
    }
    // The list's page comes from the index, not from the events: the damaged chat is an error there.
    const corrupt = gen.chats.find((c) => c.kind === 'page_corrupt')!;
    const chat = await call<{ row: { health: string } }>('fleet.chat', {
      root: gen.root,
      chatId: corrupt.chatId,
    });
    expect(chat.row.health).toBe('error');
  });

  it('a cancel ends the stream with a cancelled update within a second', async () => {
    const { jobId } = await call<{ jobId: string }>('chats.scan', { root: gen.root });
    const watched = await watch(jobId);
    while (watched.updates.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(watched.updates[0]!.update.state).toBe('running');
    const asked = Date.now();
    await call('jobs.cancel', { jobId });
    await watched.ended;
    const last = watched.updates[watched.updates.length - 1]!;
    expect(last.update.state).toBe('cancelled');
    expect(watched.updates.flatMap((u) => u.update.events).length).toBeLessThan(gen.chats.length);
    expect(last.at - asked).toBeLessThan(1000);
  });

  it('a finished job sends its last update from the cursor; an unknown job, a bad cursor, no token are refused', async () => {
    const { jobId } = await call<{ jobId: string }>('chats.scan', { root: gen.root });
    const first = await watch(jobId);
    await first.ended;
    const all = first.updates.flatMap((u) => u.update.events);
    expect(all).toHaveLength(gen.chats.length);
    const again = await watch(jobId, 10);
    await again.ended;
    expect(again.updates).toHaveLength(1);
    expect(again.updates[0]!.update.events).toHaveLength(gen.chats.length - 10);
    expect(again.updates[0]!.update.state).toBe('done');

    expect((await watch('no-such-job')).status).toBe(404);
    expect((await watch(jobId, -1 as number)).status).toBe(400);
    expect((await watch(jobId, 0, 'wrong-token')).status).toBe(401);
  });

  it('a client that goes away stops its watch; the job goes on', async () => {
    const { jobId } = await call<{ jobId: string }>('fleet.search', { root: gen.root, query: 'e' });
    const watched = await watch(jobId);
    watched.close();
    const snapshot = await new Promise<{ state: string }>((resolve) => {
      const poll = async (): Promise<void> => {
        const s = await call<{ state: string }>('jobs.poll', { jobId, cursor: 0 });
        if (s.state === 'running') setTimeout(() => void poll(), 50);
        else resolve(s);
      };
      void poll();
    });
    expect(snapshot.state).toBe('done');
  });
});
