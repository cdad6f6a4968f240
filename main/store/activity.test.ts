import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertThresholds } from '../../shared/contract/maintenance.ts';
import { FleetIndex } from '../fleet/index.ts';
import { refreshIndex } from '../fleet/refresh.ts';
import { generateRoot, type GeneratedChat } from '../fixtures/index.ts';
import { silentContext } from '../jobs/job.ts';
import { runAlerts } from '../maintenance/alerts.ts';
import { archiveInactive } from '../maintenance/archive.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { chatLastActivity, inactiveDays } from './activity.ts';
import { readChatDetail } from './chat.ts';
import { fleetMetrics } from './fleet.ts';
import { scanRoot } from './scan.ts';

// The fixtures' clock is 2026-11-01: seven months later every chat's user is long gone...
const NOW = new Date('2027-06-01T12:00:00Z');
// ...but a nightly job rewrote every metadata.json this morning.
const NIGHTLY = '2027-06-01T03:00:00Z';
const pool = new WorkerPool(0);
let base: string;
let root: string;
let chats: GeneratedChat[];
/** What each chat's last activity must be, everywhere. */
const expected = new Map<string, string>();
let future: GeneratedChat;
let laterQuickStats: GeneratedChat;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-activity-'));
  root = join(base, 'root');
  ({ chats } = generateRoot(root, { chats: 8, seed: 21 }));
  for (const c of chats) expected.set(c.chatId, c.lastActive);
  // A chat whose quick_stats saw the user after the last message the DBs keep (still long ago).
  laterQuickStats = chats[1]!;
  const later = new Date(Date.parse(laterQuickStats.lastActive) + 5 * 86_400_000).toISOString();
  expected.set(laterQuickStats.chatId, later.replace('.000Z', 'Z'));
  for (const c of chats) {
    const path = join(c.dir, 'metadata.json');
    const meta = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    meta.last_update = NIGHTLY;
    if (c === laterQuickStats)
      (meta.quick_stats as Record<string, unknown>).last_active = later.replace('.000Z', 'Z');
    writeFileSync(path, JSON.stringify(meta, null, 2));
  }
  // A chat whose newest message comes from a clock 36 years ahead: it never sets the last activity.
  future = chats[2]!;
  const db = new Database(join(future.dir, 'conversations.db'));
  db.prepare(
    "INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (1, 'skew', 'user', 'hello from 2062', '2062-03-01 10:00:00')",
  ).run();
  db.close();
});
afterAll(async () => {
  rmSync(base, { recursive: true, force: true });
  await pool.close();
});

describe("a chat's last activity is the newest plausible trace of its user", () => {
  it('the rule: messages, profile and quick_stats; never a time before 2000 or in the future', () => {
    const nowMs = NOW.getTime();
    const traces = {
      lastMessageAt: '2027-01-02T00:00:00Z',
      profileLastActive: '2027-01-01T00:00:00Z',
      quickStatsLastActive: '2027-01-03T00:00:00Z',
    };
    expect(chatLastActivity(traces, nowMs)).toBe('2027-01-03T00:00:00Z');
    expect(chatLastActivity({ ...traces, lastMessageAt: '2062-03-01T10:00:00Z' }, nowMs)).toBe(
      '2027-01-03T00:00:00Z',
    );
    expect(
      chatLastActivity(
        { lastMessageAt: '1970-01-01T00:00:00Z', profileLastActive: null, quickStatsLastActive: null },
        nowMs,
      ),
    ).toBeNull();
  });

  it('the list, the fleet index, show, alerts, the fleet overview and archive-inactive agree', async () => {
    const want = Object.fromEntries(expected);

    const list = await scanRoot(root, silentContext(), { pool, now: NOW });
    expect(Object.fromEntries(list.chats.map((c) => [c.chatId, c.lastActive]))).toEqual(want);

    const home = join(base, 'home');
    mkdirSync(home);
    const index = new FleetIndex(home, root);
    try {
      await refreshIndex(index, silentContext(), { pool, now: NOW });
      const rows = index.page({ sort: 'lastActive', desc: true, filter: {}, limit: 100 }).rows;
      expect(Object.fromEntries(rows.map((r) => [r.chatId, r.lastActive]))).toEqual(want);
      // The chat with a message from 2062 is not sorted first as the most recent.
      expect(rows[0]!.lastActive).toBe([...expected.values()].sort().at(-1));
    } finally {
      index.close();
    }

    for (const c of [future, laterQuickStats])
      expect(readChatDetail(root, c.chatId, NOW).lastActive, c.chatId).toBe(expected.get(c.chatId));

    const alerts = await runAlerts(
      { root, thresholds: AlertThresholds.parse({ inactiveDays: 60 }), pool, now: NOW },
      silentContext(),
    );
    const inactive = alerts.alerts.filter((a) => a.kind === 'inactive');
    expect(inactive.map((a) => a.chatId).sort()).toEqual([...expected.keys()].sort());
    for (const a of inactive)
      expect(a.value).toBe(Math.floor((NOW.getTime() - Date.parse(expected.get(a.chatId)!)) / 86_400_000));

    const metrics = await fleetMetrics(root, silentContext(), pool, NOW);
    expect(
      metrics.alerts
        .filter((a) => a.kind === 'inactive')
        .map((a) => a.chatId)
        .sort(),
    ).toEqual([...expected.keys()].sort());

    const out = join(base, 'archives');
    mkdirSync(out);
    const dry = await archiveInactive(
      { root, days: 60, outDir: out, dryRun: true, pool, now: NOW },
      silentContext(),
    );
    expect(Object.fromEntries(dry.candidates.map((c) => [c.chatId, c.lastActive]))).toEqual(want);
  });
});

describe('inactiveDays: the one inactive rule', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('counts whole days, strictly more than the limit, and none without a last activity', () => {
    expect(inactiveDays(null, now, 90)).toBeNull();
    expect(inactiveDays('2026-09-02T12:00:00Z', now, 90)).toBeNull(); // exactly 90 days
    expect(inactiveDays('2026-09-02T11:00:00Z', now, 90)).toBe(90); // 90 days and an hour
    expect(inactiveDays('2025-12-01T12:00:00Z', now, 90)).toBe(365);
    expect(inactiveDays('not a time', now, 90)).toBeNull();
  });
});
