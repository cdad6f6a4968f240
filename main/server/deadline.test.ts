import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import { TOKEN_HEADER, type Reply } from '../../shared/transport.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { deadlineFromEnvironment } from '../api/create-context.ts';
import { startServer, type RunningServer } from './server.ts';

// No single chat may stall the server: a request whose files never answer (simulated in its worker by
// the CHAT_INSPECTOR_TEST_STALL hook, as a FIFO or a hung mount would block a read) is stopped at its
// deadline with a clear error, while other requests are answered meanwhile.

const DEADLINE_MS = 1500;

let base: string;
let gen: GeneratedRoot;
let server: RunningServer;
let stuck: string;
let healthy: string;

interface Answer {
  status: number;
  reply: Reply;
  at: number;
}

async function api(operation: string, input: unknown): Promise<Answer> {
  const res = await fetch(`${server.origin}/api/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
    body: JSON.stringify(input),
  });
  return { status: res.status, reply: (await res.json()) as Reply, at: performance.now() };
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-deadline-'));
  gen = generateRoot(join(base, 'root'), { chats: 3, seed: 8 });
  stuck = gen.chats[0]!.chatId;
  healthy = gen.chats[1]!.chatId;
  // Workers start on the first request and copy the environment then.
  process.env.CHAT_INSPECTOR_TEST_STALL = `chat_${stuck}`;
  server = await startServer({
    roots: [gen.root],
    userDataDir: join(base, 'home'),
    deadlineMs: DEADLINE_MS,
    log: () => {},
  });
});

afterAll(async () => {
  delete process.env.CHAT_INSPECTOR_TEST_STALL;
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('browser mode under a chat whose files never answer', () => {
  it('answers other requests while the stuck one is pending, then stops it with a timeout error', async () => {
    let stuckSettled = false;
    const stuckAnswer = api('chat.detail', { root: gen.root, chatId: stuck }).finally(() => {
      stuckSettled = true;
    });
    // Another chat, a page of messages and the job runner all answer while the stuck request is pending.
    const detail = await api('chat.detail', { root: gen.root, chatId: healthy });
    expect(detail.status).toBe(200);
    expect(detail.reply.ok && (detail.reply.value as { chatId: string }).chatId).toBe(healthy);
    const page = await api('chat.messages', { root: gen.root, chatId: healthy, limit: 5 });
    expect(page.status).toBe(200);
    const places = await api('places.list', {});
    expect(places.status).toBe(200);
    expect(stuckSettled).toBe(false);

    const answer = await stuckAnswer;
    expect(answer.status).toBe(504);
    expect(answer.reply.ok).toBe(false);
    if (!answer.reply.ok) {
      expect(answer.reply.error.code).toBe('timeout');
      expect(answer.reply.error.message).toMatch(
        new RegExp(`^timed out after 1\\.5 s reading chat_${stuck} \\(chat\\.detail\\)`),
      );
    }
    // The answers to the other requests came first.
    expect(detail.at).toBeLessThan(answer.at);
    expect(page.at).toBeLessThan(answer.at);
  });

  it('replaces the stuck worker: the server keeps answering, with no more workers than its pool', async () => {
    const stuckAgain = api('chat.metrics', { root: gen.root, chatId: stuck });
    for (let i = 0; i < 3; i++) {
      const res = await api('chat.detail', { root: gen.root, chatId: gen.chats[2]!.chatId });
      expect(res.status).toBe(200);
    }
    expect((await stuckAgain).status).toBe(504);
    const after = await api('chat.detail', { root: gen.root, chatId: healthy });
    expect(after.status).toBe(200);
    const offload = server.context.offload!;
    expect(offload.started).toBeLessThanOrEqual(offload.size);
  });

  it('a scan job of the same root still completes (its per-chat work runs in the scan pool)', async () => {
    const started = await api('chats.scan', { root: gen.root });
    expect(started.reply.ok).toBe(true);
    const { jobId } = (started.reply as { ok: true; value: { jobId: string } }).value;
    let snapshot: JobSnapshot;
    do {
      await new Promise((r) => setTimeout(r, 50));
      const polled = await api('jobs.poll', { jobId, cursor: 0 });
      snapshot = (polled.reply as { ok: true; value: JobSnapshot }).value;
    } while (snapshot.state === 'running');
    expect(snapshot.state).toBe('done');
  });
});

describe('the deadline setting', () => {
  it('comes from CHAT_INSPECTOR_DEADLINE_MS when set, and a bad value is one clear error', () => {
    expect(deadlineFromEnvironment({})).toBeUndefined();
    expect(deadlineFromEnvironment({ CHAT_INSPECTOR_DEADLINE_MS: '2500' })).toBe(2500);
    for (const bad of ['abc', '-1', '0', '1.5', '99999999'])
      expect(() => deadlineFromEnvironment({ CHAT_INSPECTOR_DEADLINE_MS: bad })).toThrow(
        /CHAT_INSPECTOR_DEADLINE_MS=.*whole number of milliseconds/,
      );
  });
});
