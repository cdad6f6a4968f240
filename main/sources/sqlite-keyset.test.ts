import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { conversations as adapterConversations } from '../adapters/index.ts';
import { generateClinic, generateDuilioCode, generateUserHistory } from '../fixtures/index.ts';
import { withReadonly } from '../sqlite/open.ts';
import '../kinds/index.ts';
import { openSource } from './index.ts';
import type { SourceConversation } from './types.ts';

// A chat-like SQLite file pages its conversations in SQL (keyset on last activity, id): the pages hold
// exactly the adapters' figures, and JavaScript only ever receives a page — checked on a 200,000-message
// file by counting the rows every statement hands over.

const NOW = new Date('2026-11-01T12:00:00Z');
const base = mkdtempSync(join(tmpdir(), 'ci-sqlite-keyset-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function everyPage(path: string, limit: number, search?: string): Promise<SourceConversation[]> {
  const source = await openSource(path);
  try {
    const all: SourceConversation[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await source.conversations({ limit, after, search });
      expect(page.conversations.length).toBeLessThanOrEqual(limit);
      all.push(...page.conversations);
      if (!page.next) break;
      after = page.next;
    }
    return all;
  } finally {
    await source.close();
  }
}

const FILES: [string, (path: string) => void][] = [
  ['user_history', (p) => generateUserHistory(p, { users: 30, seed: 11, now: NOW })],
  ['duiliocode', (p) => generateDuilioCode(p, { users: 6, seed: 12, now: NOW })],
  ['clinic', (p) => generateClinic(p, { conversations: 40, seed: 13, now: NOW })],
];

describe('SQL keyset pages of a file’s conversations', () => {
  it.each(FILES)(
    '%s: every conversation once, most recent first, with the adapter’s figures',
    async (kind, write) => {
      const path = join(base, `${kind}.db`);
      write(path);
      const expected = withReadonly(path, (db) => adapterConversations(db, path, 1_000_000).conversations);
      expect(expected.length).toBeGreaterThan(5);
      const paged = await everyPage(path, 7);
      expect(paged.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
      const byId = new Map(expected.map((c) => [c.id, c]));
      for (const c of paged) {
        const truth = byId.get(c.id)!;
        expect(c, c.id).toEqual({
          id: truth.id,
          title: truth.title,
          subtitle: truth.subtitle,
          messages: truth.messages,
          lastActivity: truth.lastActive,
        });
      }
      for (let i = 1; i < paged.length; i++) {
        const [a, b] = [paged[i - 1]!.lastActivity, paged[i]!.lastActivity];
        if (b !== null) expect(a, `${i}`).not.toBeNull();
        if (a !== null && b !== null) expect(Date.parse(a)).toBeGreaterThanOrEqual(Date.parse(b));
      }
      // Search: id or title contains the text, any case, still paged.
      const needle = expected[3]!.title.slice(1, 4).toUpperCase();
      const found = await everyPage(path, 2, needle);
      expect(found.map((c) => c.id).sort()).toEqual(
        expected
          .filter((c) => `${c.id}\n${c.title}`.toLowerCase().includes(needle.toLowerCase()))
          .map((c) => c.id)
          .sort(),
      );
      const source = await openSource(path);
      try {
        expect((await source.conversation(expected[0]!.id)).messages).toBe(expected[0]!.messages);
        await expect(source.conversation('no such conversation')).rejects.toThrow(/no conversation/);
      } finally {
        await source.close();
      }
    },
  );

  it('a 200,000-message file: a page of conversations or messages hands JavaScript one page of rows', async () => {
    const path = join(base, 'big_user_history.db');
    generateUserHistory(path, { users: 400, messagesPerUser: 500, seed: 21, now: NOW });
    const statements: { sql: string; rows: number }[] = [];
    // Schema reads (a table's columns, once per open) are not data rows.
    const source = await openSource(path, {
      onRows: (sql, rows) => {
        if (!/sqlite_schema|pragma_table/.test(sql)) statements.push({ sql, rows });
      },
    });
    try {
      statements.length = 0;
      const first = await source.conversations({ limit: 50 });
      expect(first.conversations).toHaveLength(50);
      expect(first.conversations.every((c) => c.messages === 500)).toBe(true);
      const handed = (from: number) => statements.slice(from).reduce((n, s) => n + s.rows, 0);
      expect(handed(0)).toBe(51); // the page and the one row that says there is a next
      // The last page, reached through every cursor: each statement still a page.
      let after = first.next ?? undefined;
      let pages = 1;
      while (after) {
        const page = await source.conversations({ limit: 50, after });
        after = page.next ?? undefined;
        pages++;
      }
      expect(pages).toBe(8);
      expect(Math.max(...statements.map((s) => s.rows))).toBeLessThanOrEqual(51);
      // A thread page and the one before it.
      const chat = first.conversations[10]!.id;
      let from = statements.length;
      const newest = await source.messages({ conversationId: chat, limit: 40 });
      expect(newest.messages).toHaveLength(40);
      expect(handed(from)).toBeLessThanOrEqual(45);
      from = statements.length;
      const older = await source.messages({ conversationId: chat, limit: 40, before: newest.older! });
      expect(older.messages).toHaveLength(40);
      expect(handed(from)).toBeLessThanOrEqual(45);
      expect((await source.conversation(chat)).messages).toBe(500);
    } finally {
      await source.close();
    }
  }, 120_000);
});
