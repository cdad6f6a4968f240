import { createContext } from '../api/create-context.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Cell,
  ConversationRef,
  FileInfo,
  FileKind,
  LegacyMetrics,
  TablePage,
} from '../../shared/domain.ts';
import type { SourceMessagePageOut } from '../../shared/contract/sources.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import {
  generateClinic,
  generateDuilioCode,
  generateRoot,
  generateUserHistory,
  type GeneratedChat,
  type GeneratedClinic,
  type UserHistoryUser,
} from '../fixtures/index.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { withReadonly } from '../sqlite/open.ts';
import { WorkerPool } from '../workers/pool.ts';
import { fingerprint, type Fingerprint } from '../testing/store-dbs.ts';

// One contract, every adapter (Beekeeper's lesson): the same assertions run against each kind of file
// the fixture generator writes — realistic data, real files, counts checked against an independent read.

const NOW = new Date('2026-11-01T12:00:00Z');
let base: string;
let ctx: HandlerContext;
let users: UserHistoryUser[];
let duilio: { conversations: number; messages: number; metrics: number };
let clinic: GeneratedClinic;
let chats: GeneratedChat[];
const files: { name: string; path: string; kind: FileKind; hasConversations: boolean }[] = [];
const before = new Map<string, Fingerprint>();

async function call<T>(name: string, input: Record<string, unknown>): Promise<T> {
  return (await invoke(name, input, ctx)) as T;
}

/** Row counts read independently of the code under test (a plain count(*) on a fresh connection). */
function exactCounts(path: string): Map<string, number> {
  return withReadonly(path, (db) => {
    const names = db
      .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")
      .pluck()
      .all() as string[];
    return new Map(
      names.map((n) => [
        n,
        db
          .prepare(`SELECT count(*) FROM ${quoteIdent(n)}`)
          .pluck()
          .get() as number,
      ]),
    );
  });
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-adapter-fixtures-'));
  const legacy = join(base, 'legacy');
  users = generateUserHistory(join(legacy, 'user_history.db'), { users: 6, seed: 5, now: NOW }).users;
  duilio = generateDuilioCode(join(legacy, 'duiliocode.db'), { users: 3, seed: 5, now: NOW });
  clinic = generateClinic(join(legacy, 'clinic.db'), { conversations: 30, seed: 5, now: NOW });
  chats = generateRoot(join(base, 'root'), {
    chats: 2,
    broken: ['wal_pending', 'orphan_rows', 'schema_drift', 'db_large'],
    seed: 5,
    now: NOW,
  }).chats;
  files.push(
    {
      name: 'user_history.db',
      path: join(legacy, 'user_history.db'),
      kind: 'user_history',
      hasConversations: true,
    },
    {
      name: 'duiliocode.db',
      path: join(legacy, 'duiliocode.db'),
      kind: 'duiliocode',
      hasConversations: true,
    },
    { name: 'clinic.db', path: join(legacy, 'clinic.db'), kind: 'clinic', hasConversations: true },
  );
  for (const chat of chats) {
    files.push(
      {
        name: `${chat.kind} conversations.db`,
        path: join(chat.dir, 'conversations.db'),
        kind: 'per-chat',
        hasConversations: true,
      },
      {
        name: `${chat.kind} profile.db`,
        path: join(chat.dir, 'profile.db'),
        kind: 'per-chat',
        hasConversations: false,
      },
    );
  }
  ctx = createContext({
    userDataDir: base,
    now: () => NOW,
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [base],
  });
  for (const dir of new Set(files.map((f) => dirname(f.path)))) before.set(dir, fingerprint(dir));
});

afterAll(() => {
  readonlyCache.closeAll();
  rmSync(base, { recursive: true, force: true });
});

describe.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])('generated file #%i', (index) => {
  const file = () => files[index];

  it('is detected, and every table is listed with its exact (or capped) count', async () => {
    const f = file();
    if (!f) return;
    const info = await call<FileInfo>('file.open', { path: f.path });
    expect([f.name, info.kind, info.hasConversations]).toEqual([f.name, f.kind, f.hasConversations]);
    const counts = exactCounts(f.path);
    expect(info.tables.map((t) => t.name).sort()).toEqual([...counts.keys()].sort());
    for (const t of info.tables) {
      const exact = counts.get(t.name)!;
      expect([t.name, t.rowCount, t.rowCountCapped]).toEqual([
        t.name,
        Math.min(exact, 10_000),
        exact > 10_000,
      ]);
    }
  });

  it('pages every table to the end: each row once', async () => {
    const f = file();
    if (!f) return;
    for (const [table, exact] of exactCounts(f.path)) {
      const keys: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await call<TablePage>('file.rows', {
          path: f.path,
          table,
          limit: 1000,
          ...(after ? { after } : {}),
        });
        keys.push(...page.rows.map((r) => (r[0] as Extract<Cell, { t: 'int' }>).v));
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
      expect([table, keys.length, new Set(keys).size]).toEqual([table, exact, exact]);
    }
  });

  it('maps its conversations: counts equal what was written, and paging yields exactly them', async () => {
    const f = file();
    if (!f) return;
    const { conversations, capped } = await call<{ conversations: ConversationRef[]; capped: boolean }>(
      'file.conversations',
      {
        path: f.path,
        limit: 5000,
      },
    );
    expect(capped).toBe(false);
    if (!f.hasConversations) {
      expect(conversations).toEqual([]);
      return;
    }
    const total = conversations.reduce((n, c) => n + c.messages, 0);
    if (f.kind === 'user_history') {
      expect(conversations).toHaveLength(users.length);
      for (const u of users) expect(conversations.find((c) => c.id === u.chatId)?.messages).toBe(u.messages);
    } else if (f.kind === 'duiliocode') {
      expect([conversations.length, total]).toEqual([duilio.conversations, duilio.messages]);
    } else if (f.kind === 'clinic') {
      expect([conversations.length, total]).toEqual([clinic.conversations, clinic.messages]);
    } else {
      const chat = chats.find((c) => join(c.dir, 'conversations.db') === f.path)!;
      expect(conversations).toHaveLength(1);
      expect([conversations[0]!.id, total]).toEqual([chat.chatId, chat.messages]);
    }
    // Page the ten busiest conversations from newest to oldest.
    for (const ref of [...conversations].sort((a, b) => b.messages - a.messages).slice(0, 10)) {
      const ids: number[] = [];
      let page = await call<SourceMessagePageOut>('file.messages', {
        path: f.path,
        conversationId: ref.id,
        limit: 100,
      });
      for (;;) {
        ids.unshift(...page.messages.map((m) => Number(m.id)));
        if (page.older === null) break;
        page = await call<SourceMessagePageOut>('file.messages', {
          path: f.path,
          conversationId: ref.id,
          limit: 100,
          before: page.older,
        });
      }
      expect([ref.id, ids.length, new Set(ids).size]).toEqual([ref.id, ref.messages, ref.messages]);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('has metrics of its kind', async () => {
    const f = file();
    if (!f) return;
    const metrics = await call<LegacyMetrics>('file.metrics', { path: f.path });
    expect(metrics.kind).toBe(f.kind);
    const ids = metrics.charts.map((c) => c.id);
    if (f.kind === 'user_history') expect(ids).toEqual(['messages-per-day', 'active-users-per-day']);
    if (f.kind === 'duiliocode')
      expect(ids).toEqual(['latency-by-operation', 'calls-per-day', 'success-rate-by-operation']);
    if (f.kind === 'clinic') {
      expect(ids).toEqual(
        expect.arrayContaining([
          'chatbot-volume',
          'chatbot-resolution-rate',
          'api-status-per-day',
          'api-latency',
        ]),
      );
      const volume = metrics.charts.find((c) => c.id === 'chatbot-volume')!;
      expect(volume.series[0]!.points).toHaveLength(clinic.metrics);
      const calls = metrics.charts
        .find((c) => c.id === 'api-status-per-day')!
        .series.flatMap((s) => s.points)
        .reduce((n, p) => n + p.y, 0);
      expect(calls).toBe(clinic.apiCalls);
    }
    if (f.kind === 'per-chat' && f.hasConversations) {
      const perDay = metrics.charts.find((c) => c.id === 'messages-per-day')!;
      const chat = chats.find((c) => join(c.dir, 'conversations.db') === f.path)!;
      expect(perDay.series.flatMap((s) => s.points).reduce((n, p) => n + p.y, 0)).toBeLessThanOrEqual(
        chat.messages,
      );
    }
  });
});

describe('broken generated files', () => {
  it('are refused with their stable code, one sentence each', async () => {
    const root = join(base, 'broken');
    const broken = generateRoot(root, {
      chats: 0,
      broken: ['page_corrupt', 'truncated', 'not_sqlite', 'zero_byte', 'missing_file'],
      seed: 5,
      now: NOW,
    });
    const expected: Record<string, [string, string]> = {
      page_corrupt: ['conversations.db', 'corrupt'],
      truncated: ['conversations.db', 'truncated'],
      not_sqlite: ['conversations.db', 'not_sqlite'],
      zero_byte: ['profile.db', 'empty_file'],
      missing_file: ['conversations.db', 'not_found'],
    };
    expect(broken.chats.map((c) => c.kind).sort()).toEqual(Object.keys(expected).sort());
    for (const chat of broken.chats) {
      const [name, code] = expected[chat.kind]!;
      const error = await call('file.open', { path: join(chat.dir, name) }).catch((e: unknown) => e);
      expect([chat.kind, (error as { code?: string }).code]).toEqual([chat.kind, code]);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('after browsing every generated file', () => {
  it('covered them all', () => {
    expect(files).toHaveLength(15);
    expect(files.every((f) => existsSync(f.path))).toBe(true);
  });

  it('changed no byte, no mtime and created or removed no file', () => {
    readonlyCache.closeAll();
    for (const [dir, print] of before) expect([dir, fingerprint(dir)]).toEqual([dir, print]);
  });
});
