import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { generateChat, type GeneratedChat } from '../fixtures/index.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { openForCheck } from '../integrity/attach.ts';
import { openReadonly, withReadonly } from './open.ts';
import { openPrivateReadonly, type ReadableDb } from './readable.ts';
import { openForWrite, withWriteAccess } from './write.ts';

let base: string;
let chat: GeneratedChat;
let db: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-readable-'));
  chat = generateChat(join(base, 'chats'), '7', { messages: 40, seed: 11 });
  db = join(chat.dir, 'conversations.db');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError
      ? `${error.code}: ${error.message}`
      : `not an AppError: ${String(error)}`;
  }
  return 'no error';
}

const WRITES = [
  "INSERT INTO messages (chat_id, content) VALUES (7, 'x')",
  "UPDATE messages SET content = 'x'",
  'DELETE FROM messages',
  'CREATE TABLE evil (a)',
  'DROP TABLE messages',
  "ATTACH 'elsewhere.db' AS other",
  'DETACH main',
  'PRAGMA user_version = 5',
  'PRAGMA journal_mode = WAL',
  'PRAGMA writable_schema = ON',
  'VACUUM',
  "VACUUM INTO '/tmp/ci-readable-copy.db'",
  'ANALYZE',
  'REINDEX',
  'CREATE TEMP TABLE scratch (a)',
  '/* hidden */ -- and a comment\n ATTACH ? AS x',
];

describe('the read handle', () => {
  it('refuses every writing statement before it runs, and the folder stays byte for byte the same', () => {
    const before = fingerprintTree(chat.dir);
    withReadonly(db, (handle) => {
      for (const sql of WRITES) {
        expect(
          refusal(() => handle.prepare(sql)),
          sql,
        ).toMatch(/^invalid_input: refused on a read-only/);
      }
      // The same through pragma() and exec(), the other ways to SQL.
      expect(refusal(() => handle.pragma('user_version = 5'))).toMatch(/^invalid_input/);
      expect(refusal(() => handle.pragma('wal_checkpoint(TRUNCATE)'))).toMatch(/^invalid_input/);
      expect(refusal(() => (handle.exec as (sql: string) => unknown)('DELETE FROM messages'))).toMatch(
        /^invalid_input/,
      );
    });
    expect(fingerprintTree(chat.dir)).toEqual(before);
  });

  it('still reads: statements, pragmas that report, read transactions, serialize', () => {
    withReadonly(db, (handle) => {
      expect(handle.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(40);
      expect([...handle.prepare('SELECT id FROM messages LIMIT 3').raw().iterate()]).toHaveLength(3);
      expect(
        handle
          .prepare('SELECT id, content FROM messages')
          .columns()
          .map((c) => c.name),
      ).toEqual(['id', 'content']);
      expect(handle.pragma('journal_mode', { simple: true })).toBeTypeOf('string');
      expect(handle.prepare('PRAGMA quick_check(1)').pluck().get()).toBe('ok');
      handle.pragma('cache_size = -2000');
      handle.exec('BEGIN');
      expect(handle.serialize().length).toBeGreaterThan(0);
      handle.exec('COMMIT');
    });
  });

  it('offers no run() and no way back to the driver (type errors; the handle has no driver methods)', () => {
    const { db: handle } = openReadonly(db);
    try {
      const stmt = handle.prepare('SELECT 1');
      // @ts-expect-error a read statement has no run()
      expect(typeof stmt.run).toBe('function'); // the driver's statement, but only a read-only one gets here
      // @ts-expect-error a read handle has no unsafeMode, loadExtension or transaction
      expect(handle.unsafeMode).toBeUndefined();
      // @ts-expect-error exec() takes only the statements of a read transaction
      expect(refusal(() => handle.exec('INSERT INTO messages DEFAULT VALUES'))).toMatch(/^invalid_input/);
    } finally {
      handle.close();
    }
  });

  it('guards the integrity check’s shared connection and private opens the same way', () => {
    const { db: checked } = openForCheck(db);
    try {
      expect(refusal(() => checked.prepare('DELETE FROM chk.messages'))).toMatch(/^invalid_input/);
      expect(refusal(() => checked.prepare("ATTACH 'x.db' AS y"))).toMatch(/^invalid_input/);
      expect(checked.prepare('SELECT count(*) FROM chk.messages').pluck().get()).toBe(40);
    } finally {
      checked.close();
    }
    const privateCopy: ReadableDb = openPrivateReadonly(db);
    try {
      expect(refusal(() => privateCopy.prepare('DELETE FROM messages'))).toMatch(/^invalid_input/);
    } finally {
      privateCopy.close();
    }
  });
});

describe('write access follows the operation', () => {
  it('openForWrite refuses inside an operation whose contract says it only reads', () => {
    const target = join(base, 'out.db');
    expect(refusal(() => withWriteAccess('chat.detail', false, () => openForWrite(target)))).toMatch(
      /^internal: chat.detail only reads, but it tried to write/,
    );
    const writable = withWriteAccess('recover.run', true, () => openForWrite(target));
    writable.exec('CREATE TABLE t (a)');
    writable.close();
  });

  it('the refusal follows awaits', async () => {
    const target = join(base, 'out2.db');
    const attempt = withWriteAccess('chat.search', false, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return openForWrite(target);
    });
    await expect(attempt).rejects.toMatchObject({ code: 'internal' });
  });
});
