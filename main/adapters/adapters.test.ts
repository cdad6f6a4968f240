import { createContext } from '../api/create-context.ts';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceMessageOut, SourceMessagePageOut } from '../../shared/contract/sources.ts';
import type { ConversationRef, FileInfo, LegacyMetrics } from '../../shared/domain.ts';
import { threadFieldsOf } from '../../shared/message-fields.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { openReadonly, withReadonly } from '../sqlite/open.ts';
import { tableIfAny } from '../sqlite/catalog.ts';
import { WorkerPool } from '../workers/pool.ts';
import { detectKind } from './file-kinds.ts';
import { userHistoryMessages } from './user-history.ts';
import { clinicMessages, clinicSqliteReader, clinicThreadMapping } from './clinic.ts';
import { percentile } from './stats.ts';
import {
  CLINIC_DDL,
  DUILIO_DDL,
  fingerprint,
  queryPlan,
  recordingDb,
  writeClinic,
  writeDb,
  writeDuilio,
  writePerChat,
  writeUserHistory,
  type DuilioSession,
  type Fingerprint,
  type HistoryUser,
} from '../testing/store-dbs.ts';

let base: string;
let root: string;
let ctx: HandlerContext;
let before: Fingerprint;
const paths = {
  userHistory: '',
  duilio: '',
  clinic: '',
  generic: '',
  profile: '',
  conversations: '',
};

const USERS: HistoryUser[] = [
  { chatId: 123456789, firstName: 'Ana', username: 'ana', level: 'B1', messages: 7 },
  { chatId: 987654321, firstName: null, username: 'bob', level: 'A2', messages: 260 },
  { chatId: 6522760833, firstName: 'Carla', username: 'carla', level: 'C1', messages: 33 },
  { chatId: -100200300, firstName: 'Grupo', username: 'grupo', level: 'B2', messages: 1 },
];
const SESSIONS: DuilioSession[] = [
  { user: 'user123', session: 'session456', turns: 9 },
  { user: 'user123', session: 'session789', turns: 250 },
  { user: 'duilio', session: 'session456', turns: 3 },
  { user: 'duilio', session: null, turns: 2 },
];
const CLINIC_COUNTS = [5, 0, 240, 1];
let historyIds: Map<number, number[]>;
let clinicIds: string[];

async function call<T>(name: string, input: Record<string, unknown>): Promise<T> {
  return (await invoke(name, input, ctx)) as T;
}

/** Pages from the newest page back to the oldest; returns all messages oldest first. */
async function pageBackwards(
  path: string,
  conversationId: string,
  limit: number,
): Promise<SourceMessageOut[]> {
  const pages: SourceMessagePageOut[] = [];
  let page = await call<SourceMessagePageOut>('file.messages', { path, conversationId, limit });
  pages.push(page);
  while (page.older !== null) {
    page = await call<SourceMessagePageOut>('file.messages', {
      path,
      conversationId,
      limit,
      before: page.older,
    });
    pages.push(page);
    if (pages.length > 1000) throw new Error('paging did not end');
  }
  return pages.reverse().flatMap((p) => p.messages);
}

/** From the oldest page forward by `after`. */
async function pageForwards(
  path: string,
  conversationId: string,
  limit: number,
  first: SourceMessagePageOut,
): Promise<SourceMessageOut[]> {
  const out = [...first.messages];
  let page = first;
  while (page.newer !== null) {
    page = await call<SourceMessagePageOut>('file.messages', {
      path,
      conversationId,
      limit,
      after: page.newer,
    });
    out.push(...page.messages);
  }
  return out;
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-adapters-'));
  root = join(base, 'data');
  mkdirSync(join(root, 'legacy'), { recursive: true });
  paths.userHistory = join(root, 'legacy', 'user_history.db');
  paths.duilio = join(root, 'legacy', 'duiliocode.db');
  paths.clinic = join(root, 'legacy', 'clinic.db');
  paths.generic = join(root, 'legacy', 'shop.db');
  historyIds = writeUserHistory(paths.userHistory, USERS);
  writeDuilio(paths.duilio, SESSIONS);
  clinicIds = writeClinic(paths.clinic, CLINIC_COUNTS).ids;
  writeDb(
    paths.generic,
    'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT);',
  );
  const chat = writePerChat(join(root, 'chats'), 694383532, 45);
  paths.profile = chat.profile;
  paths.conversations = chat.conversations;
  ctx = createContext({
    userDataDir: base,
    now: () => new Date('2025-04-01T00:00:00Z'),
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [root],
  });
  before = fingerprint(join(root, 'legacy'));
});

afterAll(() => {
  readonlyCache.closeAll();
  rmSync(base, { recursive: true, force: true });
});

describe('detection', () => {
  it('names each kind by its tables', async () => {
    const kinds: Record<string, [string, boolean]> = {};
    for (const [name, path] of Object.entries(paths)) {
      const info = await call<FileInfo>('file.open', { path });
      kinds[name] = [info.kind, info.hasConversations];
    }
    expect(kinds).toEqual({
      userHistory: ['user_history', true],
      duilio: ['duiliocode', true],
      clinic: ['clinic', true],
      generic: ['generic', false],
      profile: ['per-chat', false],
      conversations: ['per-chat', true],
    });
  });

  it('is tolerant: extra tables, missing optional ones, extra columns', () => {
    const dir = join(base, 'tolerant');
    mkdirSync(dir, { recursive: true });
    const cases: [string, string, string][] = [
      // DuilioCode without alembic and without preferences, plus a table of its own.
      [
        'duilio-lean',
        DUILIO_DDL.replace(/CREATE TABLE alembic_version[^;]*;/, '').replace(
          /CREATE TABLE user_preferences[^;]*;/,
          '',
        ) + 'CREATE TABLE notes (x);',
        'duiliocode',
      ],
      // Clinic with only its two conversation tables, an extra column and no metrics.
      [
        'clinic-lean',
        'CREATE TABLE conversations (id TEXT PRIMARY KEY, phone TEXT, tenant TEXT); CREATE TABLE conversation_messages (id TEXT, conversation_id TEXT, direction TEXT, content TEXT, extra TEXT);',
        'clinic',
      ],
      // Clinic metrics only (no conversations): still the clinic's file.
      [
        'clinic-metrics',
        CLINIC_DDL.replace(/CREATE TABLE conversations [^;]*;/, '')
          .replace(/CREATE TABLE conversation_messages[^;]*;/, '')
          .replace(/CREATE INDEX[^;]*;/, ''),
        'clinic',
      ],
      // A conversations table that is not the clinic's (no phone) next to unrelated tables.
      [
        'other-chat-app',
        'CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT); CREATE TABLE users (id, name);',
        'generic',
      ],
      ['empty', '', 'generic'],
    ];
    for (const [name, ddl, kind] of cases) {
      const path = join(dir, `${name}.db`);
      writeDb(path, ddl || 'PRAGMA user_version = 1;');
      expect([name, withReadonly(path, (db) => detectKind(db).kind)]).toEqual([name, kind]);
    }
  });
});

describe('user_history (unified legacy DB)', () => {
  it('lists one conversation per chat with names and exact message counts', async () => {
    const { conversations, capped } = await call<{ conversations: ConversationRef[]; capped: boolean }>(
      'file.conversations',
      { path: paths.userHistory },
    );
    expect(capped).toBe(false);
    const byId = new Map(conversations.map((c) => [c.id, c]));
    expect(byId.size).toBe(USERS.length);
    for (const u of USERS) {
      const ref = byId.get(String(u.chatId))!;
      expect(ref.messages).toBe(u.messages);
      expect(ref.title).toBe(u.firstName ?? `@${u.username}`);
      expect(ref.subtitle).toBe(`chat ${u.chatId} · level ${u.level}`);
      expect(ref.lastActive).toMatch(/^2025-03-/);
    }
  });

  it('pages one chat backwards and forwards: exactly its messages, each once, oldest first', async () => {
    for (const u of USERS) {
      const expected = historyIds.get(u.chatId)!;
      const back = await pageBackwards(paths.userHistory, String(u.chatId), 50);
      expect(back.map((m) => Number(m.id))).toEqual(expected);
      expect(back.every((m) => m.text?.endsWith(`of ${u.chatId}`))).toBe(true);
      expect(back.every((m) => m.conversationId === String(u.chatId))).toBe(true);
      const first = await call<SourceMessagePageOut>('file.messages', {
        path: paths.userHistory,
        conversationId: String(u.chatId),
        limit: 50,
        oldest: true,
      });
      const forward = await pageForwards(paths.userHistory, String(u.chatId), 50, first);
      expect(forward.map((m) => Number(m.id))).toEqual(expected);
    }
    const page = await call<SourceMessagePageOut>('file.messages', {
      path: paths.userHistory,
      conversationId: '123456789',
      limit: 2,
      oldest: true,
    });
    expect(page.messages.map((m) => m.role)).toEqual(['user', 'bot']);
    expect(page.older).toBeNull();
    expect(page.messages[1]!.rawRole).toBe('sarah');
  });

  it('runs the chat pages on the rowid b-tree (there is no index on chat_id in the bot schema)', () => {
    withReadonly(paths.userHistory, (db) => {
      const indexes = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages'")
        .pluck()
        .all();
      expect(indexes).toEqual([]);
      const rec = recordingDb(db);
      const ids = historyIds.get(987654321)!;
      userHistoryMessages(rec.db, '987654321', { limit: 50 });
      userHistoryMessages(rec.db, '987654321', { limit: 50, before: ids[100] });
      userHistoryMessages(rec.db, '987654321', { limit: 50, after: ids[100] });
      // Once per chat: do its ids follow time? One pass over the table in rowid order, no sort.
      const orderCheck = rec.statements.filter((s) => /OVER \(ORDER BY id\)/.test(s.sql));
      expect(orderCheck).toHaveLength(1);
      expect(queryPlan(db, orderCheck[0]!.sql, orderCheck[0]!.args).join(' | ')).not.toMatch(/TEMP B-TREE/);
      const paging = rec.statements.filter(
        (s) => /FROM "?messages"? WHERE/.test(s.sql) && !orderCheck.includes(s),
      );
      expect(paging.length).toBeGreaterThanOrEqual(6);
      for (const s of paging) {
        const plan = queryPlan(db, s.sql, s.args).join(' | ');
        expect(plan).not.toMatch(/TEMP B-TREE/);
        if (/id [<>] \?/.test(s.sql))
          expect(plan).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY \(rowid[<>]\?\)/);
        // The newest page walks the rowid b-tree from its end and stops after `limit` matches.
        else expect(plan).toBe('SCAN messages');
      }
    });
  });

  it('refuses conversation ids that are not chat ids', async () => {
    await expect(
      call('file.messages', { path: paths.userHistory, conversationId: '1 OR 1=1', limit: 5 }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('has messages per day, active users per day and a users table', async () => {
    const metrics = await call<LegacyMetrics>('file.metrics', { path: paths.userHistory });
    expect(metrics.kind).toBe('user_history');
    const perDay = metrics.charts.find((c) => c.id === 'messages-per-day')!;
    const total = perDay.series.flatMap((s) => s.points).reduce((n, p) => n + p.y, 0);
    expect(total).toBe(USERS.reduce((n, u) => n + u.messages, 0));
    const users = metrics.charts.find((c) => c.id === 'active-users-per-day')!;
    expect(users.series[0]!.points[0]).toEqual({ x: '2025-03-01', y: 4 });
    const table = metrics.tables.find((t) => t.id === 'users')!;
    expect(table.rows[0]).toEqual(['987654321', '@bob', '260', expect.stringMatching(/^2025-03-/)]);
  });
});

describe('per-chat files', () => {
  it("a chat's conversations.db is one conversation named by its folder", async () => {
    const { conversations } = await call<{ conversations: ConversationRef[] }>('file.conversations', {
      path: paths.conversations,
    });
    expect(conversations).toEqual([
      {
        id: '694383532',
        title: 'Chat 694383532',
        subtitle: 'conversations.db',
        messages: 45,
        lastActive: expect.stringMatching(/^2025-03-0/),
      },
    ]);
    const all = await pageBackwards(paths.conversations, '694383532', 20);
    // In time order (writePerChat dates message i on day 2 + i % 3), not id order.
    const byTime = Array.from({ length: 45 }, (_, i) => ({ id: i + 1, day: 2 + (i % 3) })).sort(
      (a, b) => a.day - b.day || a.id - b.id,
    );
    expect(all.map((m) => Number(m.id))).toEqual(byTime.map((m) => m.id));
    await expect(
      call('file.messages', { path: paths.conversations, conversationId: '1', limit: 5 }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a profile.db has no conversations', async () => {
    expect(await call('file.conversations', { path: paths.profile })).toEqual({
      conversations: [],
      capped: false,
    });
    await expect(
      call('file.messages', { path: paths.profile, conversationId: '694383532', limit: 5 }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const metrics = await call<LegacyMetrics>('file.metrics', { path: paths.profile });
    expect(metrics.charts).toEqual([]);
    expect(metrics.tables[0]!.rows.map((r) => r[0])).toEqual(
      expect.arrayContaining(['user_profile', 'learning_progress', 'user_preferences']),
    );
    expect(metrics.tables[0]!.rows.find((r) => r[0] === 'user_profile')).toEqual([
      'user_profile',
      'table',
      '10',
      '1',
    ]);
  });
});

describe('duiliocode', () => {
  it('lists (user_id, session_id) pairs with exact counts', async () => {
    const { conversations } = await call<{ conversations: ConversationRef[] }>('file.conversations', {
      path: paths.duilio,
    });
    expect(conversations).toHaveLength(SESSIONS.length);
    for (const s of SESSIONS) {
      const ref = conversations.find((c) => c.id === JSON.stringify([s.user, s.session]))!;
      expect(ref.messages).toBe(s.turns);
      expect(ref.title).toBe(s.session ?? '(no session)');
      expect(ref.subtitle).toBe(`user ${s.user}`);
    }
  });

  it('maps roles and keeps model, workspace and extra_data; pages every message once', async () => {
    for (const s of SESSIONS) {
      const id = JSON.stringify([s.user, s.session]);
      const all = await pageBackwards(paths.duilio, id, 40);
      expect(all).toHaveLength(s.turns);
      expect(new Set(all.map((m) => m.id)).size).toBe(s.turns);
      expect(all.map((m) => m.text)).toEqual(Array.from({ length: s.turns }, (_, t) => `turn ${t}`));
      expect(all.map((m) => m.role)).toEqual(
        Array.from({ length: s.turns }, (_, t) => (t % 2 === 0 ? 'user' : 'bot')),
      );
    }
    const page = await call<SourceMessagePageOut>('file.messages', {
      path: paths.duilio,
      conversationId: '["user123","session456"]',
      limit: 2,
      oldest: true,
    });
    expect(page.messages[1]).toMatchObject({
      conversationId: '["user123","session456"]',
      rawRole: 'assistant',
      role: 'bot',
      timestamp: '2025-01-27T10:00:04.123Z',
      extra: {
        sessionId: 'session456',
        model: 'qwen2.5-coder:14b',
        workspacePath: '/home/duilio/proj',
        extraData: { tokens: 101 },
      },
    });
    expect(threadFieldsOf(page.messages[1]!)).toMatchObject({
      sessionId: 'session456',
      model: 'qwen2.5-coder:14b',
    });
    await expect(
      call('file.messages', { path: paths.duilio, conversationId: 'session456', limit: 5 }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('computes latency p50/p95, success rate and calls per day from system_metrics', async () => {
    const metrics = await call<LegacyMetrics>('file.metrics', { path: paths.duilio });
    expect(metrics.kind).toBe('duiliocode');
    const table = metrics.tables.find((t) => t.id === 'latency')!;
    expect(table.rows).toEqual([
      ['chat_completion', '100', '50', '95', '90%', 'timeout 100'],
      ['file_write', '4', '20', '40', '100%', '—'],
    ]);
    const latency = metrics.charts.find((c) => c.id === 'latency-by-operation')!;
    expect(latency.series.map((s) => [s.name, s.points])).toEqual([
      [
        'p50',
        [
          { x: 'chat_completion', y: 50 },
          { x: 'file_write', y: 20 },
        ],
      ],
      [
        'p95',
        [
          { x: 'chat_completion', y: 95 },
          { x: 'file_write', y: 40 },
        ],
      ],
    ]);
    const perDay = metrics.charts.find((c) => c.id === 'calls-per-day')!;
    expect(perDay.series).toEqual([
      {
        name: 'succeeded',
        points: [
          { x: '2025-03-01', y: 50 },
          { x: '2025-03-02', y: 44 },
        ],
      },
      {
        name: 'failed',
        points: [
          { x: '2025-03-01', y: 0 },
          { x: '2025-03-02', y: 10 },
        ],
      },
    ]);
    const rate = metrics.charts.find((c) => c.id === 'success-rate-by-operation')!;
    expect(rate.series[0]!.points).toEqual([
      { x: 'chat_completion', y: 90 },
      { x: 'file_write', y: 100 },
    ]);
  });
});

describe('clinic', () => {
  it('lists conversations by phone with exact message counts', async () => {
    const { conversations } = await call<{ conversations: ConversationRef[] }>('file.conversations', {
      path: paths.clinic,
    });
    expect(conversations).toHaveLength(CLINIC_COUNTS.length);
    CLINIC_COUNTS.forEach((count, i) => {
      const ref = conversations.find((c) => c.id === clinicIds[i])!;
      expect(ref).toMatchObject({ title: `+55119${8000000 + i}`, subtitle: 'agendamento', messages: count });
      expect(ref.lastActive).toMatch(/^2025-03-03T/);
    });
  });

  it('pages by rowid: inbound → user, outbound → bot, each message once', async () => {
    for (const [i, count] of CLINIC_COUNTS.entries()) {
      const all = await pageBackwards(paths.clinic, clinicIds[i]!, 64);
      expect(all).toHaveLength(count);
      expect(new Set(all.map((m) => m.id)).size).toBe(count);
      expect(all.map((m) => m.text)).toEqual(Array.from({ length: count }, (_, t) => `msg ${t}`));
      expect(all.map((m) => m.role)).toEqual(
        Array.from({ length: count }, (_, t) => (t % 2 === 0 ? 'user' : 'bot')),
      );
      if (count > 2) {
        expect(threadFieldsOf(all[2]!).isVoice).toBe(true);
        expect(all[0]!.extra).toMatchObject({
          id: expect.stringMatching(/^[0-9a-f]{8}-/),
          message_type: 'text',
        });
      }
    }
  });

  it('reads its thread through the mapping PostgreSQL reads: keyset pages on (time, rowid), no OFFSET', async () => {
    const { db } = openReadonly(paths.clinic);
    try {
      const rec = recordingDb(db);
      const reader = await clinicSqliteReader(rec.db);
      const columns = tableIfAny(db, 'conversation_messages')!.columns.map((c) => c.name);
      // The clinic declared once (clinicThreadMapping); the fallback's TEXT uuids give way to the rowid.
      expect(reader.mapping.spec).toEqual({ ...clinicThreadMapping(columns)!, id: null });
      const newest = await clinicMessages(rec.db, clinicIds[2]!, { limit: 20 });
      const older = await clinicMessages(rec.db, clinicIds[2]!, { limit: 20, before: newest.older! });
      expect(newest.messages.map((m) => m.text)).toEqual(
        Array.from({ length: 20 }, (_, t) => `msg ${220 + t}`),
      );
      expect(older.messages.map((m) => m.text)).toEqual(
        Array.from({ length: 20 }, (_, t) => `msg ${200 + t}`),
      );
      // The thread's start (the Home key): the oldest page, with the way on to newer ones.
      const oldest = await clinicMessages(rec.db, clinicIds[2]!, { limit: 20, oldest: true });
      expect(oldest.messages.map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, t) => `msg ${t}`));
      expect(oldest.older).toBeNull();
      const next = await clinicMessages(rec.db, clinicIds[2]!, { limit: 20, after: oldest.newer! });
      expect(next.messages[0]!.text).toBe('msg 20');
      const reads = rec.statements.filter(
        (s) => s.sql.includes('"conversation_messages"') && /ORDER BY/.test(s.sql),
      );
      expect(reads.length).toBeGreaterThan(0);
      for (const s of reads) expect(s.sql).not.toMatch(/OFFSET/i);
      expect(reads.some((s) => /rowid [<>]/.test(s.sql))).toBe(true);
    } finally {
      db.close();
    }
  });

  it('has chatbot_metrics series and api_call_logs status classes and latency', async () => {
    const metrics = await call<LegacyMetrics>('file.metrics', { path: paths.clinic });
    expect(metrics.kind).toBe('clinic');
    const chart = (id: string) => metrics.charts.find((c) => c.id === id)!;
    expect(chart('chatbot-volume').series).toEqual([
      {
        name: 'conversations',
        points: [
          { x: '2025-03-01', y: 40 },
          { x: '2025-03-02', y: 35 },
          { x: '2025-03-03', y: 50 },
        ],
      },
      {
        name: 'appointments',
        points: [
          { x: '2025-03-01', y: 12 },
          { x: '2025-03-02', y: 10 },
          { x: '2025-03-03', y: 20 },
        ],
      },
    ]);
    expect(chart('chatbot-resolution-rate').series[0]!.points.map((p) => p.y)).toEqual([85.5, 80, 90.25]);
    expect(chart('chatbot-response-time').series[0]!.points.map((p) => p.y)).toEqual([1200, 1500, 900]);
    expect(chart('chatbot-satisfaction').series[0]!.points.map((p) => p.y)).toEqual([4.5, 4.2, 4.8]);
    expect(chart('api-status-per-day').series).toEqual([
      {
        name: '2xx',
        points: [
          { x: '2025-03-01', y: 20 },
          { x: '2025-03-02', y: 1 },
        ],
      },
      {
        name: '4xx',
        points: [
          { x: '2025-03-01', y: 0 },
          { x: '2025-03-02', y: 1 },
        ],
      },
      {
        name: '5xx',
        points: [
          { x: '2025-03-01', y: 0 },
          { x: '2025-03-02', y: 2 },
        ],
      },
    ]);
    expect(metrics.tables.find((t) => t.id === 'api-latency')!.rows).toEqual([
      ['zapi', '/send-text', '20', '10', '19', '0'],
      ['gestaods', '/agenda', '4', '200', '400', '3'],
    ]);
  });
});

describe('percentile', () => {
  it('is nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 95), percentile(xs, 100), percentile([7], 95)]).toEqual([
      50, 95, 100, 7,
    ]);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('safety', () => {
  it('changed no byte, no mtime and created no file', () => {
    readonlyCache.closeAll();
    expect(fingerprint(join(root, 'legacy'))).toEqual(before);
  });
});
