import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatSummary, Finding } from '../../shared/domain.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { silentContext } from '../jobs/job.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { withReadonly } from '../sqlite/open.ts';
import { WorkerPool } from '../workers/pool.ts';
import { readChatDetail, readChatMessages, readChatMetrics, searchChat } from './chat.ts';
import { fleetMetrics } from './fleet.ts';
import { scanRoot } from './scan.ts';
import { fingerprintTree } from '../testing/tree.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
let base: string;
let gen: GeneratedRoot;
let pool: WorkerPool;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-store-'));
  gen = generateRoot(join(base, 'root'), { chats: 12, broken: 'all', strays: true, seed: 7, now: NOW });
  pool = new WorkerPool(2);
});
afterAll(async () => {
  readonlyCache.closeAll();
  await pool.close();
  rmSync(base, { recursive: true, force: true });
});

async function scan(p = pool) {
  const findings = new Map<string, Finding[]>();
  const streamed: ChatSummary[] = [];
  const result = await scanRoot(
    gen.root,
    silentContext((row: ChatSummary) => streamed.push(row)),
    {
      pool: p,
      now: NOW,
      onVisit: (id, f) => findings.set(id, f),
    },
  );
  return { result, findings, streamed };
}

const chatOf = (kind: string) => gen.chats.find((c) => c.kind === kind)!;

describe('scan', () => {
  it('lists every chat with the exact counts the generator wrote', async () => {
    const { result, streamed } = await scan();
    const healthy = gen.chats.filter((c) => c.kind === 'healthy');
    expect(healthy).toHaveLength(12);
    for (const chat of healthy) {
      const row = result.chats.find((r) => r.chatId === chat.chatId);
      expect(row, chat.chatId).toMatchObject({
        messages: chat.messages,
        sessions: chat.sessions,
        health: 'ok',
        level: chat.level,
      });
    }
    expect(streamed).toHaveLength(result.chats.length);
  });

  it('gives the same answer in one thread and in workers', async () => {
    const single = new WorkerPool(0);
    const a = await scan(single);
    const b = await scan();
    expect(a.result).toEqual(b.result);
  });

  it('skips entries that are not chats, each with its reason', async () => {
    const { result } = await scan();
    const reasons: Record<string, string> = Object.fromEntries(
      result.skipped.map((s) => [s.path.split('/').pop()!, s.reason]),
    );
    expect(reasons['notes.txt']).toMatch(/not a chat folder/);
    expect(reasons['chat_notanumber']).toMatch(/not chat_<number>/);
    // An empty chat folder is a chat (an error row), never a skipped entry.
    expect(Object.values(reasons).some((r) => /empty chat folder/.test(r))).toBe(false);
    expect(result.skipped.map((s) => s.code).sort()).toEqual([
      'bad_name',
      'hidden',
      'not_a_folder',
      'not_a_folder',
    ]);
    const empty = gen.chats.find((c) => c.kind === 'empty_folder')!;
    const row = result.chats.find((c) => c.chatId === empty.chatId)!;
    expect(row).toMatchObject({ health: 'error', messages: null, sessions: null, counts: 'unread' });
  });

  it.each([
    ['zero_byte', 'empty_file', 'profile.db', 'error'],
    ['not_sqlite', 'not_sqlite', 'conversations.db', 'error'],
    ['truncated', 'truncated', 'conversations.db', 'error'],
    ['missing_file', 'missing_file', 'conversations.db', 'error'],
    ['metadata_missing', 'metadata_missing', 'metadata.json', 'warning'],
    ['metadata_malformed', 'metadata_malformed', 'metadata.json', 'warning'],
    ['metadata_stale', 'metadata_mismatch', 'metadata.json', 'warning'],
    ['db_large', 'db_large', 'conversations.db', 'warning'],
    ['wal_pending', 'wal_pending', 'conversations.db', 'ok'],
    ['inactive', 'inactive', 'profile.db', 'ok'],
  ])('a %s chat is reported as %s on %s (health %s)', async (kind, code, file, health) => {
    const { result, findings } = await scan();
    const chat = chatOf(kind);
    expect(findings.get(chat.chatId)?.map((f) => [f.code, f.file])).toContainEqual([code, file]);
    expect(result.chats.find((r) => r.chatId === chat.chatId)?.health).toBe(health);
  });

  it('counts rows that live only in the -wal', async () => {
    const { result } = await scan();
    const chat = chatOf('wal_pending');
    expect(chat.walOnlyMessages).toBeGreaterThan(0);
    expect(result.chats.find((r) => r.chatId === chat.chatId)?.messages).toBe(chat.messages);
  });
});

describe('reading one chat', () => {
  it('returns profile, preferences, progress, sessions and counts', () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const detail = readChatDetail(gen.root, chat.chatId, NOW);
    expect(detail.counts.messages).toBe(chat.messages);
    expect(detail.counts.sessions).toBe(chat.sessions);
    expect(detail.progress).toHaveLength(chat.progress);
    expect(detail.profile?.currentLevel).toBe(chat.level);
    expect(detail.preferences).not.toBeNull();
    expect(detail.metadata.state).toBe('ok');
    expect(detail.health).toBe('ok');
  });

  it('shows why a broken chat cannot be read, and still shows the rest', () => {
    const detail = readChatDetail(gen.root, chatOf('not_sqlite').chatId, NOW);
    expect(detail.problems.map((p) => p.code)).toContain('not_sqlite');
    expect(detail.profile).not.toBeNull();
    expect(detail.health).toBe('error');
    const stale = readChatDetail(gen.root, chatOf('metadata_stale').chatId, NOW);
    expect(stale.metadata.state).toBe('stale');
    expect(stale.metadata.differences.length).toBeGreaterThan(0);
  });

  it('pages through every message by key, newest first, each exactly once', () => {
    const chat = [...gen.chats]
      .filter((c) => c.kind === 'healthy')
      .sort((a, b) => b.messages - a.messages)[0]!;
    const seen: number[] = [];
    let page = readChatMessages(gen.root, chat.chatId, { limit: 7 });
    expect(page.newerCursor).toBeNull();
    for (;;) {
      seen.unshift(...page.messages.map((m) => m.id));
      if (page.olderCursor === null) break;
      page = readChatMessages(gen.root, chat.chatId, { before: page.olderCursor, limit: 7 });
    }
    expect(seen).toHaveLength(chat.messages);
    expect(new Set(seen).size).toBe(chat.messages);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // And forward again from the oldest.
    const first = readChatMessages(gen.root, chat.chatId, { after: 0, limit: 5 });
    expect(first.messages[0]!.id).toBe(seen[0]);
    expect(first.olderCursor).toBeNull();
    expect(first.newerCursor).toBe(first.messages[4]!.id);
  });

  it('jumps to a date', () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const all = readChatMessages(gen.root, chat.chatId, { after: 0, limit: 1000 }).messages;
    const target = all[Math.floor(all.length / 2)]!;
    const page = readChatMessages(gen.root, chat.chatId, { at: target.timestamp!, limit: 10 });
    expect(page.messages[0]!.timestamp! >= target.timestamp!).toBe(true);
    expect(page.messages[0]!.id).toBeLessThanOrEqual(target.id);
  });

  it('maps corrections, voice and bot fields', () => {
    const messages = gen.chats
      .filter((c) => c.kind === 'healthy')
      .flatMap((c) => readChatMessages(gen.root, c.chatId, { after: 0, limit: 1000 }).messages);
    expect(messages.some((m) => m.isVoice && (m.voiceDuration ?? 0) > 0)).toBe(true);
    const corrected = messages.find((m) => m.hasErrors && m.originalContent);
    expect(corrected?.corrections).toBeTruthy();
    expect(messages.some((m) => m.role === 'bot' && m.confidence !== null && m.responseTime !== null)).toBe(
      true,
    );
  });

  it('finds messages by text', () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const sample = readChatMessages(gen.root, chat.chatId, { limit: 1 }).messages[0]!;
    const word = (sample.content ?? '').split(/\s+/).find((w) => w.length > 4) ?? sample.content!.slice(0, 3);
    const { hits } = searchChat(gen.root, chat.chatId, word, 50);
    expect(hits.some((h) => h.id === sample.id)).toBe(true);
  });

  it('computes per-chat metrics from the messages', () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const m = readChatMetrics(gen.root, chat.chatId);
    // One role definition: the side panel's counts and the chart's per-day sums agree (system excluded).
    const counts = readChatDetail(gen.root, chat.chatId, NOW).counts;
    expect(m.messagesPerDay.reduce((n, d) => n + d.bot, 0)).toBe(counts.botMessages);
    expect(m.messagesPerDay.reduce((n, d) => n + d.user, 0)).toBe(counts.userMessages);
    expect(counts.userMessages! + counts.botMessages!).toBeLessThanOrEqual(chat.messages);
    expect(m.responseTimes.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(0);
    expect(m.sessionLengths).toHaveLength(chat.sessions);
  });

  it('pages by key: the plan uses the rowid, never a full scan', () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    withReadonly(join(chat.dir, 'conversations.db'), (db) => {
      const plan = db
        .prepare('EXPLAIN QUERY PLAN SELECT * FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?')
        .all(100, 10) as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY/);
    });
  });
});

describe('fleet', () => {
  it('aggregates messages per day across chats', async () => {
    const fleet = await fleetMetrics(gen.root, silentContext(), pool, NOW);
    const healthyMessages = gen.chats.filter((c) => c.kind === 'healthy').reduce((n, c) => n + c.messages, 0);
    expect(fleet.messagesPerDay.reduce((n, d) => n + d.count, 0)).toBeGreaterThanOrEqual(healthyMessages);
    expect(fleet.alerts.some((a) => a.kind === 'db_large' && a.chatId === chatOf('db_large').chatId)).toBe(
      true,
    );
    expect(fleet.alerts.some((a) => a.kind === 'inactive' && a.chatId === chatOf('inactive').chatId)).toBe(
      true,
    );
  });
});

describe('read-only guarantee', () => {
  it('scanning and reading the whole root changes no byte and creates or deletes no file', async () => {
    const before = fingerprintTree(gen.root);
    await scan();
    for (const chat of gen.chats) {
      const detail = readChatDetail(gen.root, chat.chatId, NOW);
      if (detail.problems.some((p) => p.file === 'conversations.db')) continue;
      readChatMessages(gen.root, chat.chatId, { limit: 50 });
      readChatMetrics(gen.root, chat.chatId);
      searchChat(gen.root, chat.chatId, 'the', 10);
    }
    await fleetMetrics(gen.root, silentContext(), pool, NOW);
    readonlyCache.closeAll();
    expect(fingerprintTree(gen.root)).toEqual(before);
  });

  it('keeps a bounded number of files open while browsing many chats', () => {
    for (const chat of gen.chats.filter((c) => c.kind === 'healthy')) {
      readChatDetail(gen.root, chat.chatId, NOW);
    }
    expect(readonlyCache.openCount).toBeLessThanOrEqual(16);
  });
});

describe('CLI read commands', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [resolve(import.meta.dirname, '../cli/main.ts'), ...args], {
      encoding: 'utf8',
      // The scan's fleet index goes to a folder of the test's own, never the person's home.
      env: { ...process.env, CHAT_INSPECTOR_HOME: join(base, 'home') },
    });

  it('scan --json prints the spec shape', () => {
    const run = cli('scan', gen.root, '--json');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as {
      root: string;
      chats: Record<string, unknown>[];
      skipped: unknown[];
    };
    expect(Object.keys(out)).toEqual(['root', 'chats', 'skipped', 'summary']);
    expect(Object.keys(out.chats[0]!)).toEqual([
      'chatId',
      'name',
      'level',
      'messages',
      'sessions',
      'counts',
      'countsReason',
      'lastActive',
      'sizeBytes',
      'health',
      'tree',
    ]);
    expect(typeof out.chats[0]!.chatId).toBe('string');
  });

  it('show prints one chat', () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const run = cli('show', gen.root, chat.chatId, '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      chatId: chat.chatId,
      counts: { messages: chat.messages },
    });
  });

  it.each([
    [['scan', '/no/such/root'], /no such folder/],
    [['show', 'ROOT', '999'], /chat 999 is not in/],
    [['show', 'ROOT', 'abc'], /not a chat id/],
  ])('%j fails with one clear line and exit 2', (args, message) => {
    const run = cli(...args.map((a) => (a === 'ROOT' ? gen.root : a)));
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
