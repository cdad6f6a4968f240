import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { withReadonly } from '../sqlite/open.ts';
import { readChatDetail, searchChat } from './chat.ts';
import { chatDir } from './layout.ts';
import { roleOf } from '../adapters/per-chat-messages.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
let base: string;
let gen: GeneratedRoot;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-search-'));
  gen = generateRoot(join(base, 'root'), { chats: 2, broken: [], seed: 11, now: NOW });
});
afterAll(() => {
  readonlyCache.closeAll();
  rmSync(base, { recursive: true, force: true });
});

/** The truth, read straight from the file: ids (newest first) of messages containing `needle`. */
function expectedHits(chatId: string, needle: string, keep: (r: { type: unknown; ts: string }) => boolean) {
  const path = join(chatDir(gen.root, chatId), 'conversations.db');
  return withReadonly(path, (db) =>
    (
      db
        .prepare('SELECT id, message_type AS type, timestamp AS ts, content, original_content FROM messages')
        .all() as {
        id: number;
        type: unknown;
        ts: string;
        content: string | null;
        original_content: string | null;
      }[]
    )
      .filter(
        (r) =>
          ((r.content ?? '').toLowerCase().includes(needle) ||
            (r.original_content ?? '').toLowerCase().includes(needle)) &&
          keep(r),
      )
      .map((r) => r.id)
      .sort((a, b) => b - a),
  );
}

describe('in-chat search', () => {
  it('gives the total and pages through every hit by key, newest first', () => {
    const chat = gen.chats[0]!;
    const expected = expectedHits(chat.chatId, 'e', () => true);
    expect(expected.length).toBeGreaterThan(25);
    const seen: number[] = [];
    let before: number | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const page = searchChat(gen.root, chat.chatId, 'e', 10, { before });
      expect(page.total).toBe(expected.length);
      expect(page.hits.length).toBeLessThanOrEqual(10);
      seen.push(...page.hits.map((h) => h.id));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    expect(seen).toEqual(expected);
  });

  it('filters by role and by an inclusive day range', () => {
    const chat = gen.chats[0]!;
    const bot = searchChat(gen.root, chat.chatId, 'e', 1000, { role: 'bot' });
    expect(bot.total).toBe(expectedHits(chat.chatId, 'e', (r) => roleOf(r.type) === 'bot').length);
    expect(bot.hits.every((h) => h.role === 'bot')).toBe(true);
    const user = searchChat(gen.root, chat.chatId, 'e', 1000, { role: 'user' });
    expect(user.total).toBeGreaterThan(0);
    expect(user.hits.every((h) => h.role === 'user')).toBe(true);

    const all = searchChat(gen.root, chat.chatId, 'e', 1000);
    const day = all.hits[Math.floor(all.hits.length / 2)]!.timestamp!.slice(0, 10);
    const oneDay = searchChat(gen.root, chat.chatId, 'e', 1000, { from: day, to: day });
    expect(oneDay.total).toBe(expectedHits(chat.chatId, 'e', (r) => r.ts.slice(0, 10) === day).length);
    expect(oneDay.total).toBeGreaterThan(0);
    expect(oneDay.hits.every((h) => h.timestamp!.slice(0, 10) === day)).toBe(true);
  });

  it('counts bot messages with the same definition as the search role filter', () => {
    const chat = gen.chats[0]!;
    const detail = readChatDetail(gen.root, chat.chatId, NOW);
    const path = join(chatDir(gen.root, chat.chatId), 'conversations.db');
    const types = withReadonly(path, (db) =>
      db.prepare('SELECT message_type FROM messages').pluck().all(),
    ) as unknown[];
    expect(detail.counts.botMessages).toBe(types.filter((t) => roleOf(t) === 'bot').length);
    expect(detail.counts.userMessages).toBe(types.filter((t) => roleOf(t) === 'user').length);
  });
});
