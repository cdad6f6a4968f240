import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceMessageOut, SourceMessagePageOut } from '../../shared/contract/sources.ts';
import { createContext } from '../api/create-context.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import { generateUserHistory, type UserHistoryUser } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { WorkerPool } from '../workers/pool.ts';
import { fingerprint, type Fingerprint } from '../testing/store-dbs.ts';

// A legacy user_history.db reads in time order, oldest first, whatever order its ids are in: the Files
// thread (file.messages) and the CLI's `messages` page by time when ids run against it.

const REPO = resolve(import.meta.dirname, '../..');
const NODE = join(REPO, 'node_modules', '.bin', 'node');
const NOW = new Date('2025-06-01T12:00:00Z');

let base: string;
let ctx: HandlerContext;
const files = { reversed: '', inOrder: '', ties: '' };
let reversedUsers: UserHistoryUser[];
let inOrderUsers: UserHistoryUser[];
let before: Fingerprint[];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-uh-order-'));
  mkdirSync(join(base, 'reversed'));
  mkdirSync(join(base, 'in-order'));
  mkdirSync(join(base, 'ties'));
  files.ties = join(base, 'ties', 'user_history.db');
  files.reversed = join(base, 'reversed', 'user_history.db');
  files.inOrder = join(base, 'in-order', 'user_history.db');
  reversedUsers = generateUserHistory(files.reversed, {
    users: 3,
    messagesPerUser: 73,
    seed: 11,
    now: NOW,
    idOrder: 'newest-first',
  }).users;
  // Ids against time, and every second message stamped with the same second as the one before it.
  generateUserHistory(files.ties, {
    users: 3,
    messagesPerUser: 73,
    seed: 11,
    now: NOW,
    idOrder: 'newest-first',
  });
  const db = new Database(files.ties);
  const stamps = db.prepare('SELECT id, timestamp FROM messages ORDER BY chat_id, id DESC').all() as {
    id: number;
    timestamp: string;
  }[];
  const same = db.prepare('UPDATE messages SET timestamp = ? WHERE id = ?');
  for (let i = 1; i < stamps.length; i += 2) same.run(stamps[i - 1]!.timestamp, stamps[i]!.id);
  db.close();
  inOrderUsers = generateUserHistory(files.inOrder, {
    users: 3,
    messagesPerUser: 73,
    seed: 11,
    now: NOW,
  }).users;
  ctx = createContext({
    userDataDir: join(base, 'home'),
    pool: new WorkerPool(0),
    offload: null,
    rememberRecent: false,
    roots: [base],
  });
  before = [fingerprint(join(base, 'reversed')), fingerprint(join(base, 'in-order'))];
});

afterAll(() => {
  readonlyCache.closeAll();
  rmSync(base, { recursive: true, force: true });
});

const page = async (path: string, conversationId: string, extra: Record<string, unknown>) =>
  (await invoke('file.messages', { path, conversationId, limit: 20, ...extra }, ctx)) as SourceMessagePageOut;

/** Newest page first, then `before` its older cursor until the start: the whole thread, oldest first. */
async function readBackwards(path: string, chatId: string): Promise<SourceMessageOut[]> {
  const pages: SourceMessageOut[][] = [];
  let current = await page(path, chatId, {});
  pages.push(current.messages);
  while (current.older !== null) {
    current = await page(path, chatId, { before: current.older });
    pages.push(current.messages);
    if (pages.length > 100) throw new Error('paging did not end');
  }
  return pages.reverse().flat();
}

async function readForwards(path: string, chatId: string): Promise<SourceMessageOut[]> {
  const out: SourceMessageOut[] = [];
  let current = await page(path, chatId, { oldest: true });
  out.push(...current.messages);
  while (current.newer !== null) {
    current = await page(path, chatId, { after: current.newer });
    out.push(...current.messages);
    if (out.length > 10_000) throw new Error('paging did not end');
  }
  return out;
}

const times = (messages: SourceMessageOut[]) => messages.map((m) => Date.parse(m.timestamp ?? ''));
const isSorted = (values: number[]) => values.every((v, i) => i === 0 || values[i - 1]! <= v);

describe('legacy user_history.db thread order', () => {
  it('the fixture really has ids running against time', async () => {
    const chatId = reversedUsers[0]!.chatId;
    const newest = await page(files.reversed, chatId, {});
    const ids = newest.messages.map((m) => Number(m.id));
    // Oldest first on screen means the ids go down the page.
    expect(ids[0]!).toBeGreaterThan(ids[ids.length - 1]!);
  });

  it('pages ids-against-time files by time both ways: every message once, oldest first', async () => {
    for (const user of reversedUsers) {
      const back = await readBackwards(files.reversed, user.chatId);
      expect(back).toHaveLength(user.messages);
      expect(new Set(back.map((m) => m.id)).size).toBe(user.messages);
      expect(isSorted(times(back))).toBe(true);
      const forward = await readForwards(files.reversed, user.chatId);
      expect(forward.map((m) => m.id)).toEqual(back.map((m) => m.id));
    }
    // The newest page ends with the chat's newest message.
    const user = reversedUsers[1]!;
    const all = await readBackwards(files.reversed, user.chatId);
    const newest = await page(files.reversed, user.chatId, {});
    expect(newest.messages.map((m) => m.id)).toEqual(all.slice(-20).map((m) => m.id));
    expect(newest.newer).toBeNull();
  });

  it('reads the same thread, in the same order, as the file whose ids follow time', async () => {
    for (const [i, user] of reversedUsers.entries()) {
      const reversed = await readBackwards(files.reversed, user.chatId);
      const inOrder = await readBackwards(files.inOrder, inOrderUsers[i]!.chatId);
      expect(user.chatId).toBe(inOrderUsers[i]!.chatId);
      expect(reversed.map((m) => [m.timestamp, m.role, m.text])).toEqual(
        inOrder.map((m) => [m.timestamp, m.role, m.text]),
      );
      expect(isSorted(inOrder.map((m) => Number(m.id)))).toBe(true);
    }
  });

  it('keeps messages of the same second in their order when ids run against time', async () => {
    for (const [i, user] of inOrderUsers.entries()) {
      const ties = await readBackwards(files.ties, user.chatId);
      const inOrder = await readBackwards(files.inOrder, user.chatId);
      expect(ties.map((m) => m.text)).toEqual(inOrder.map((m) => m.text));
      expect(isSorted(times(ties)), `chat ${i}`).toBe(true);
      expect(await readForwards(files.ties, user.chatId)).toEqual(ties);
    }
  });

  it('CLI `messages` prints the newest page of a user_history.db in time order, and pages back', () => {
    const chatId = reversedUsers[2]!.chatId;
    const run = (...args: string[]) =>
      spawnSync(NODE, [join(REPO, 'main/cli/main.ts'), 'messages', files.reversed, chatId, ...args], {
        encoding: 'utf8',
        cwd: REPO,
        timeout: 60_000,
      });
    const first = run('--limit', '30', '--json');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const newest = JSON.parse(first.stdout) as {
      messages: { id: string; timestamp: string }[];
      next: string;
    };
    expect(newest.messages).toHaveLength(30);
    const stamps = newest.messages.map((m) => Date.parse(m.timestamp));
    expect(isSorted(stamps)).toBe(true);
    const second = run('--limit', '30', '--json', '--before', newest.next);
    expect(second.status).toBe(0);
    const older = JSON.parse(second.stdout) as { messages: { timestamp: string }[] };
    expect(older.messages).toHaveLength(30);
    const olderStamps = older.messages.map((m) => Date.parse(m.timestamp));
    expect(isSorted(olderStamps)).toBe(true);
    expect(olderStamps[olderStamps.length - 1]!).toBeLessThanOrEqual(stamps[0]!);
    // --at: the page from a date, in time order, starting at the first message on or after it.
    const fromDay = newest.messages[5]!.timestamp.slice(0, 10);
    const at = run('--limit', '10', '--json', '--at', fromDay);
    expect(at.status, at.stderr).toBe(0);
    const atPage = JSON.parse(at.stdout) as { messages: { timestamp: string }[] };
    const atStamps = atPage.messages.map((m) => Date.parse(m.timestamp));
    expect(isSorted(atStamps)).toBe(true);
    expect(atStamps[0]!).toBeGreaterThanOrEqual(Date.parse(`${fromDay}T00:00:00Z`));
    // The plain (human) output reads top to bottom in time too.
    const text = run('--limit', '10');
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n').filter((l) => /#\d+/.test(l));
    expect(lines).toHaveLength(10);
    expect(lines.map((l) => l.slice(0, 16))).toEqual([...lines.map((l) => l.slice(0, 16))].sort());
  });

  it('never changes a byte of the files it reads', () => {
    readonlyCache.closeAll();
    expect([fingerprint(join(base, 'reversed')), fingerprint(join(base, 'in-order'))]).toEqual(before);
  });
});
