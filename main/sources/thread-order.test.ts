import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/domain.ts';
import { generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { withReadonly } from '../sqlite/open.ts';
import { pageMessages } from '../adapters/per-chat-messages.ts';

// The one thread rule (thread-order.ts) on a chat's conversations.db: time order whatever way the ids run,
// undated messages first, every message once both ways, and a page that starts at a given message.

const base = mkdtempSync(join(tmpdir(), 'ci-thread-order-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function chatFile(idOrder: 'time' | 'newest-first', undated: number): string {
  const chat = generateChat(join(base, idOrder), '777000111', { messages: 90, seed: 9, idOrder });
  const path = join(base, `${idOrder}-${undated}.db`);
  copyFileSync(join(chat.dir, 'conversations.db'), path);
  if (undated > 0) {
    const db = new Database(path);
    db.prepare(
      `UPDATE messages SET timestamp = NULL WHERE id IN (SELECT id FROM messages ORDER BY id DESC LIMIT ?)`,
    ).run(undated);
    db.close();
  }
  return path;
}

/** The truth, read directly: dated messages by (time, id) — same-second ones by id downwards when the
 * ids run against time — after the undated ones (in the same id direction). */
function truth(path: string, backward: boolean): number[] {
  return withReadonly(path, (db) => [
    ...(db
      .prepare(`SELECT id FROM messages WHERE timestamp IS NULL ORDER BY id ${backward ? 'DESC' : 'ASC'}`)
      .pluck()
      .all() as number[]),
    ...(db
      .prepare(
        `SELECT id FROM messages WHERE timestamp IS NOT NULL ORDER BY timestamp, id ${backward ? 'DESC' : 'ASC'}`,
      )
      .pluck()
      .all() as number[]),
  ]);
}

function backwards(path: string, limit: number): Message[] {
  return withReadonly(path, (db) => {
    const pages: Message[][] = [];
    let page = pageMessages({ db }, { limit });
    pages.unshift(page.messages);
    while (page.olderCursor !== null) {
      page = pageMessages({ db }, { limit, before: page.olderCursor });
      pages.unshift(page.messages);
    }
    return pages.flat();
  });
}

function forwards(path: string, limit: number): Message[] {
  return withReadonly(path, (db) => {
    const all: Message[] = [];
    let page = pageMessages({ db }, { limit, after: Number.MIN_SAFE_INTEGER });
    all.push(...page.messages);
    while (page.newerCursor !== null) {
      page = pageMessages({ db }, { limit, after: page.newerCursor });
      all.push(...page.messages);
    }
    return all;
  });
}

describe('thread order: one rule for every way ids run', () => {
  for (const idOrder of ['time', 'newest-first'] as const)
    for (const undated of [0, 3]) {
      it(`ids ${idOrder}, ${undated} undated: time order both ways, every message once`, () => {
        const path = chatFile(idOrder, undated);
        const expected = truth(path, idOrder === 'newest-first');
        expect(expected).toHaveLength(90);
        expect(backwards(path, 7).map((m) => m.id)).toEqual(expected);
        expect(forwards(path, 11).map((m) => m.id)).toEqual(expected);
        // A page that starts at a given message (a search hit) starts there, whatever the ids.
        const hit = expected[40]!;
        const page = withReadonly(path, (db) => pageMessages({ db }, { from: hit, limit: 5 }));
        expect(page.messages.map((m) => m.id)).toEqual(expected.slice(40, 45));
        expect(page.olderCursor).toBe(hit);
      });
    }

  it('a file whose ids run against time really is newest first by id (the fixture)', () => {
    const path = chatFile('newest-first', 0);
    const ids = withReadonly(
      path,
      (db) => db.prepare('SELECT id FROM messages ORDER BY timestamp LIMIT 2').pluck().all() as number[],
    );
    expect(ids[0]!).toBeGreaterThan(ids[1]!);
  });
});

describe('the key order kept per file while the bot appends', () => {
  it('sees a row appended out of time order on a later connection, and one in order keeps the fast path', () => {
    const path = chatFile('time', 0);
    const newestIds = (): number[] =>
      withReadonly(path, (db) => pageMessages({ db }, { limit: 3 }).messages.map((m) => m.id));
    const append = (timestamp: string): number => {
      const db = new Database(path);
      const id = Number(
        db
          .prepare(
            `INSERT INTO messages (chat_id, message_type, content, timestamp) VALUES (777000111, 'user', 'x', ?)`,
          )
          .run(timestamp).lastInsertRowid,
      );
      db.close();
      return id;
    };
    const before = newestIds();
    // In time order: the newest page ends with it.
    const inOrder = append('2099-01-01 00:00:00');
    expect(newestIds()).toEqual([...before.slice(1), inOrder]);
    // Dated before every message: it is the thread's first, not its newest.
    const early = append('2001-01-01 00:00:00');
    expect(newestIds()).toEqual([...before.slice(1), inOrder]);
    expect(backwards(path, 50)[0]!.id).toBe(early);
  });
});
