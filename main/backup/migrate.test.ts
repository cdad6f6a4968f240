import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { breakChat, generateChat, generateUserHistory, type UserHistoryUser } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { withReadonly } from '../sqlite/open.ts';
import { EXPECTED_TABLES } from '../adapters/per-chat-schema.ts';
import { rebuildMetadata } from './metadata.ts';
import { migrateUserHistory } from './migrate.ts';
import { ctx, dumpDb, runCliSync, treeSnapshot } from '../testing/backup-helpers.ts';

let dir: string;
let source: string;
let users: UserHistoryUser[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-migrate-'));
  source = join(dir, 'legacy', 'user_history.db');
  users = generateUserHistory(source, { users: 3, seed: 2 }).users;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The source's rows of one chat, table by table, in id order (the same form as dumpDb of a per-chat DB). */
function sourceRows(chatId: string): Record<string, unknown[][]> {
  return withReadonly(source, (db) => {
    const out: Record<string, unknown[][]> = {};
    for (const [table, order] of [
      ['user_profile', 'chat_id'],
      ['user_preferences', 'chat_id'],
      ['learning_progress', 'id'],
      ['messages', 'id'],
      ['conversation_sessions', 'id'],
    ] as const) {
      out[table] = db
        .prepare(`SELECT * FROM ${table} WHERE chat_id = ? ORDER BY ${order}`)
        .raw(true)
        .safeIntegers(true)
        .all(BigInt(chatId)) as unknown[][];
    }
    return out;
  });
}

describe('migrate user_history.db → per-chat layout', () => {
  it('creates one chat folder per user, with exactly the source rows, verified by count and checksum', async () => {
    const root = join(dir, 'root');
    mkdirSync(root);
    const sourceBefore = readFileSync(source);
    const dry = await migrateUserHistory({ path: source, root, dryRun: true }, ctx());
    expect(dry.applied).toBe(false);
    expect(dry.chats.map((c) => c.action)).toEqual(['add', 'add', 'add']);
    expect(treeSnapshot(root)).toEqual({});

    const result = await migrateUserHistory({ path: source, root }, ctx());
    // An empty folder gets the chat folders itself: where the bot looks when pointed at it.
    expect(result.chatsDir).toBe(root);
    expect(result.integrityPercent).toBe(100);
    expect(result.totals.users).toBe(3);
    expect(result.totals.messages).toBe(users.reduce((n, u) => n + u.messages, 0));
    expect(result.totals.sessions).toBe(users.reduce((n, u) => n + u.sessions, 0));
    expect(readFileSync(source)).toEqual(sourceBefore);
    for (const user of users) {
      const chat = result.chats.find((c) => c.chatId === user.chatId)!;
      expect(chat.tables.every((t) => t.checksumOk && t.migrated === t.source)).toBe(true);
      const chatPath = join(root, `chat_${user.chatId}`);
      expect(readdirSync(chatPath).sort()).toEqual(['conversations.db', 'metadata.json', 'profile.db']);
      const profile = dumpDb(join(chatPath, 'profile.db'));
      const conversations = dumpDb(join(chatPath, 'conversations.db'));
      const expected = sourceRows(user.chatId);
      expect(conversations.messages).toEqual(expected.messages);
      expect(conversations.conversation_sessions).toEqual(expected.conversation_sessions);
      expect(profile.user_profile).toEqual(expected.user_profile);
      expect(profile.user_preferences).toEqual(expected.user_preferences);
      expect(profile.learning_progress).toEqual(expected.learning_progress);
      expect(conversations.messages).toHaveLength(user.messages);
      // Exactly the per-chat schema.
      for (const [file, tables] of Object.entries(EXPECTED_TABLES)) {
        withReadonly(join(chatPath, file), (db) => {
          for (const [table, columns] of Object.entries(tables)) {
            const cols = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(
              (c) => c.name,
            );
            expect(cols).toEqual(columns);
          }
        });
      }
      const meta = JSON.parse(readFileSync(join(chatPath, 'metadata.json'), 'utf8')) as {
        quick_stats: Record<string, unknown>;
      };
      expect(meta.quick_stats).toMatchObject({
        total_messages: user.messages,
        total_sessions: user.sessions,
      });
    }
    // No hidden build folders left behind.
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('never overwrites an existing chat without --force; with it, the old files are kept as .bak', async () => {
    const root = join(dir, 'root2');
    mkdirSync(join(root, 'chats'), { recursive: true });
    const existing = users[0]!.chatId;
    generateChat(join(root, 'chats'), existing, { messages: 9, seed: 4 });
    const before = treeSnapshot(root);
    const err = await migrateUserHistory({ path: source, root }, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
    expect(treeSnapshot(root)).toEqual(before);
    const cli = runCliSync(['migrate', source, '--into', root]);
    expect(cli.status).toBe(2);
    expect(treeSnapshot(root)).toEqual(before);

    const oldConversations = readFileSync(join(root, 'chats', `chat_${existing}`, 'conversations.db'));
    const forced = await migrateUserHistory({ path: source, root, force: true }, ctx());
    expect(forced.integrityPercent).toBe(100);
    const chat = forced.chats.find((c) => c.chatId === existing)!;
    expect(chat.action).toBe('replace');
    const bak = chat.backups.find((b) => b.includes('conversations.db.bak-'))!;
    expect(readFileSync(bak)).toEqual(oldConversations);
    expect(dumpDb(join(root, 'chats', `chat_${existing}`, 'conversations.db')).messages).toHaveLength(
      users[0]!.messages,
    );
  });

  it('CLI prints the seed-style summary', () => {
    const root = join(dir, 'root3');
    mkdirSync(root);
    const r = runCliSync(['migrate', source, '--into', root]);
    expect(r.status, r.stderr).toBe(0);
    const total = users.reduce((n, u) => n + u.messages, 0);
    expect(r.stdout).toContain('✅ Users migrated: 3');
    expect(r.stdout).toContain(`✅ Messages migrated: ${total}`);
    expect(r.stdout).toContain('✅ Data integrity: 100%');
  });
});

interface Meta {
  chat_id: number;
  bot_version?: string;
  quick_stats: Record<string, unknown>;
  cache: unknown;
  database_info: Record<string, string>;
}

describe('metadata rebuild', () => {
  it.each(['metadata_missing', 'metadata_malformed', 'metadata_stale'] as const)(
    '%s: rebuilt from the DBs, old kept, cache preserved',
    (kind) => {
      const root = mkdtempSync(join(dir, 'meta-'));
      const chat = breakChat(root, kind, { seed: 3 });
      const path = join(chat.dir, 'metadata.json');
      const oldText = existsSync(path) ? readFileSync(path, 'utf8') : null;
      if (kind === 'metadata_stale') {
        // A field the bot added that Chat Inspector does not know: kept.
        const old = JSON.parse(oldText!) as Record<string, unknown>;
        writeFileSync(path, JSON.stringify({ ...old, bot_version: '2.1' }, null, 2));
      }
      const previous = existsSync(path) ? readFileSync(path, 'utf8') : null;
      const result = rebuildMetadata({ root, chatId: chat.chatId, now: new Date('2026-11-01T12:00:00Z') });
      expect(result.previousState).toBe(
        kind === 'metadata_missing' ? 'missing' : kind === 'metadata_malformed' ? 'malformed' : 'ok',
      );
      if (previous === null) expect(result.backup).toBeNull();
      else expect(readFileSync(result.backup!, 'utf8')).toBe(previous);
      const meta = JSON.parse(readFileSync(path, 'utf8')) as Meta;
      expect(meta.chat_id).toBe(Number(chat.chatId));
      expect(meta.quick_stats.total_messages).toBe(chat.messages);
      expect(meta.quick_stats.total_sessions).toBe(chat.sessions);
      expect(meta.quick_stats.current_level).toBe(chat.level);
      expect(meta.quick_stats.last_active).toBe(chat.lastActive);
      expect(meta.database_info.total_size).toMatch(/^\d+(\.\d)?(B|KB|MB)$/);
      if (kind === 'metadata_stale') {
        const old = JSON.parse(previous!) as Meta;
        expect(meta.bot_version).toBe('2.1');
        expect(meta.cache).toEqual(old.cache);
        expect(meta.database_info.last_backup).toBe(old.database_info.last_backup);
      }
      // The check that flagged it is now satisfied: the DBs and metadata.json agree.
      const db = new Database(join(chat.dir, 'conversations.db'), { readonly: true });
      expect(db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(meta.quick_stats.total_messages);
      db.close();
      expect(readdirSync(chat.dir).filter((n) => n.includes('.rebuild-'))).toEqual([]);
    },
  );

  it('CLI requires --rebuild (it writes)', () => {
    const root = mkdtempSync(join(dir, 'meta-cli-'));
    const chat = breakChat(root, 'metadata_missing', { seed: 5 });
    const without = runCliSync(['metadata', root, '--chat', chat.chatId]);
    expect(without.status).toBe(2);
    expect(existsSync(join(chat.dir, 'metadata.json'))).toBe(false);
    const r = runCliSync(['metadata', root, '--chat', chat.chatId, '--rebuild', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ previousState: 'missing', backup: null });
    expect(existsSync(join(chat.dir, 'metadata.json'))).toBe(true);
  });
});
