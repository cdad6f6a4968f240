import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.ts';
import { generateRoot } from '../../fixtures/index.ts';
import { WorkerPool } from '../../workers/pool.ts';
import type { HandlerContext } from '../context.ts';
import { createContext } from '../create-context.ts';
import { invoke } from '../dispatch.ts';

// The locator operations the CLI's open, conversations, messages, similar and export run: any source named
// by its locator, opened for one call, only where the allow-list (a folder or file) or the session (a
// server URL) permits, and nothing remembered in Chat Inspector's own folder.

let base: string;
let root: string;
let outside: string;
let home: string;
let ctx: HandlerContext;
let chats: string[];
const pool = new WorkerPool(0);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-locator-api-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  home = join(base, 'home');
  chats = generateRoot(root, { chats: 3, messagesPerChat: 6, seed: 11 }).chats.map((c) => c.chatId);
  generateRoot(outside, { chats: 1, messagesPerChat: 2, seed: 12 });
  ctx = createContext({ userDataDir: home, pool, offload: null, rememberRecent: false, roots: [root] });
});
afterAll(async () => {
  rmSync(base, { recursive: true, force: true });
  await pool.close();
});

describe('locator operations', () => {
  it("read a data root on the allow-list: its kind, its conversations and one conversation's messages", async () => {
    const info = (await invoke('locator.info', { locator: root }, ctx)) as { engine: string; kind: string };
    expect(info.engine).toBe('root');
    const page = (await invoke('locator.conversations', { locator: root, limit: 10 }, ctx)) as {
      conversations: { id: string; messages: number }[];
      summary: { source: string };
    };
    expect(page.conversations.map((c) => c.id).sort()).toEqual([...chats].sort());
    const first = page.conversations[0]!;
    const messages = (await invoke(
      'locator.messages',
      { locator: root, conversationId: first.id, limit: 50 },
      ctx,
    )) as { messages: unknown[] };
    expect(messages.messages).toHaveLength(first.messages);
  });

  it('refuse a folder that is not on the allow-list', async () => {
    const error = await failure(invoke('locator.conversations', { locator: outside }, ctx));
    expect(error.code).toBe('forbidden_path');
  });

  it('refuse a server URL the session does not know, without quoting its password', async () => {
    const url = 'postgres://reader:s3cret-pw@127.0.0.1:9/evosense';
    const error = await failure(invoke('locator.info', { locator: url }, ctx));
    expect(error.code).toBe('forbidden_path');
    expect(error.message).not.toContain('s3cret-pw');
    const demo = await failure(invoke('demo.postgres', { url }, ctx));
    expect(demo.code).toBe('forbidden_path');
  });

  it('refuse two page cursors at once, before opening anything', async () => {
    const error = await failure(
      invoke(
        'locator.messages',
        { locator: root, conversationId: chats[0], before: 'a', at: '2026-01-01' },
        ctx,
      ),
    );
    expect(error.message).toBe('give one of --before, --after and --at');
  });

  it('check a root and its chat trees (root.check)', async () => {
    const checked = (await invoke('root.check', { root }, ctx)) as { trees: { tree: string }[] };
    expect(checked.trees.length).toBeGreaterThan(0);
    const error = await failure(invoke('root.check', { root, tree: 'nowhere' }, ctx));
    expect(error.message).toContain('nowhere: not a chat tree of');
  });

  it('remember no recent place and no server connection (only the fleet index of the root read)', () => {
    expect(existsSync(home) ? readdirSync(home) : []).toEqual(['fleet-index']);
  });
});
