import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceMessageOut, SourceMessagePageOut } from '../../../shared/contract/sources.ts';
import { AppError } from '../../../shared/errors.ts';
import { generateRoot, type GeneratedChat } from '../../fixtures/index.ts';
import { withReadonly } from '../../sqlite/open.ts';
import { WorkerPool } from '../../workers/pool.ts';
import type { HandlerContext } from '../context.ts';
import { createContext } from '../create-context.ts';
import { invoke } from '../dispatch.ts';

// chat.messages speaks the one message model: the Source's page with opaque cursors. Paged back from the
// newest page by `older`, and forward from the oldest by `newer`, a chat's thread is every message once, in
// the same order both ways; a search hit (`from`) opens the page starting at it.

let base: string;
let root: string;
let chat: GeneratedChat;
let ctx: HandlerContext;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-thread-'));
  const gen = generateRoot(join(base, 'root'), { chats: 3, seed: 11 });
  root = gen.root;
  chat = [...gen.chats].sort((a, b) => b.messages - a.messages)[0]!;
  ctx = createContext({
    userDataDir: join(base, 'home'),
    now: () => new Date('2026-11-01T12:00:00Z'),
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [root],
  });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const page = async (input: Record<string, unknown>) =>
  (await invoke(
    'chat.messages',
    { root, chatId: chat.chatId, limit: 7, ...input },
    ctx,
  )) as SourceMessagePageOut;

async function backwards(): Promise<SourceMessageOut[]> {
  const pages: SourceMessageOut[][] = [];
  let current = await page({});
  pages.push(current.messages);
  while (current.older !== null) {
    current = await page({ before: current.older });
    pages.push(current.messages);
    if (pages.length > 1000) throw new Error('paging did not end');
  }
  return pages.reverse().flat();
}

async function forwards(): Promise<SourceMessageOut[]> {
  let current = await page({ oldest: true });
  expect(current.older).toBeNull();
  const out = [...current.messages];
  while (current.newer !== null) {
    current = await page({ after: current.newer });
    out.push(...current.messages);
    if (out.length > 100_000) throw new Error('paging did not end');
  }
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return 'no error';
}

describe('chat.messages in the one message model', () => {
  it('pages the whole thread back and forth by opaque cursors: every message once, the same order', async () => {
    const back = await backwards();
    const ids = withReadonly(join(chat.dir, 'conversations.db'), (db) =>
      db.prepare('SELECT id FROM messages').pluck().all(),
    ).map(String);
    expect(back).toHaveLength(chat.messages);
    expect([...back.map((m) => m.id)].sort()).toEqual([...ids].sort());
    expect(back.every((m) => m.conversationId === chat.chatId)).toBe(true);
    expect((await forwards()).map((m) => m.id)).toEqual(back.map((m) => m.id));
    const newest = await page({});
    expect(newest.newer).toBeNull();
    expect(newest.messages.map((m) => m.id)).toEqual(back.slice(-7).map((m) => m.id));
  });

  it('opens at a message (a search hit) and refuses cursors it did not give out', async () => {
    const back = await backwards();
    const hit = back[Math.floor(back.length / 2)]!;
    expect((await page({ from: hit.id })).messages[0]!.id).toBe(hit.id);
    expect(await codeOf(page({ before: 'not-a-cursor' }))).toBe('invalid_input');
    // The old numeric cursors are not cursors any more.
    expect(await codeOf(page({ before: Number(hit.id) }))).toBe('invalid_input');
  });
});
