import { join } from 'node:path';
import {
  INACTIVE_DAYS,
  fleetTotalsOf,
  type FindingCode,
  type FleetMetrics,
  type Health,
} from '../../shared/domain.ts';
import { visitChatTask } from '../fleet/visit.ts';
import { timeNewestPage } from '../maintenance/figures.ts';
import type { JobContext } from '../jobs/job.ts';
import { openReadonly } from '../sqlite/open.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { listChats } from './layout.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { inactiveDays } from './activity.ts';
import { EARLIEST_PLAUSIBLE, latestPlausible, type ScanItem } from './summary.ts';

export interface FleetChatFigures {
  chatId: string;
  /** The chat's state as the fleet visit reads it (the list's, Integrity's and Maintenance's). */
  health: Health;
  /** Its worst error finding (the health alert's params), null when it has none. */
  worstError: { code: FindingCode; file: string } | null;
  /** Codes of its findings: db_large and inactive alerts follow the list's findings. */
  codes: FindingCode[];
  createdDay: string | null;
  lastActive: string | null;
  sizeBytes: number;
  /** [day, messages] pairs. */
  perDay: [string, number][];
  /** ms of the chat's standard query (its newest page of messages); null when not timed. */
  queryMs: number | null;
}

/** Per-chat figures for the fleet dashboard (runs in a worker). */
export function fleetChatTask(item: ScanItem): FleetChatFigures {
  // The same visit as the list's (findings ordered worst first), so the alert table leaves no chat out.
  const visit = visitChatTask({ chatId: item.chatId, dir: item.dir, nowMs: item.nowMs });
  const worst = visit.findings.find((f) => f.severity === 'error');
  let createdDay: string | null = null;
  let perDay: [string, number][] = [];
  try {
    const { db } = openReadonly(join(item.dir, PROFILE_DB));
    try {
      const created = db.prepare('SELECT created_at FROM user_profile LIMIT 1').pluck().get();
      createdDay = typeof created === 'string' ? created.slice(0, 10) : null;
    } finally {
      db.close();
    }
  } catch {
    // unreadable: counted by health
  }
  try {
    const { db } = openReadonly(join(item.dir, CONVERSATIONS_DB));
    try {
      perDay = db
        .prepare(
          `SELECT substr(timestamp, 1, 10) AS d, count(*) AS n FROM messages WHERE timestamp IS NOT NULL GROUP BY d`,
        )
        .raw()
        .all() as [string, number][];
    } finally {
      db.close();
    }
  } catch {
    // unreadable: counted by health
  }
  return {
    chatId: item.chatId,
    health: visit.summary.health,
    worstError: worst ? { code: worst.code, file: worst.file } : null,
    codes: [...new Set(visit.findings.map((f) => f.code))],
    createdDay,
    lastActive: visit.summary.lastActive,
    sizeBytes: visit.summary.sizeBytes,
    perDay,
    queryMs: timeNewestPage(item.dir),
  };
}

const SIZE_BUCKETS: [string, number][] = [
  ['<100 KB', 100 * 1024],
  ['100 KB–1 MB', 1024 * 1024],
  ['1–5 MB', 5 * 1024 * 1024],
  ['5–10 MB', 10 * 1024 * 1024],
  ['>10 MB', Infinity],
];

export async function fleetMetrics(
  root: string,
  ctx: JobContext<null>,
  pool: WorkerPool,
  now = new Date(),
): Promise<FleetMetrics> {
  const { chats } = listChats(root);
  const items: ScanItem[] = chats.map((c) => ({ chatId: c.chatId, dir: c.dir, nowMs: now.getTime() }));
  const active = new Map<string, number>();
  const messages = new Map<string, number>();
  const created = new Map<string, number>();
  const sizes = SIZE_BUCKETS.map(([bucket]) => ({ bucket, count: 0 }));
  const alerts: FleetMetrics['alerts'] = [];
  // Days outside 2000..tomorrow come from a wrong clock: left out of the charts, reported once per chat.
  const lastDay = latestPlausible(now.getTime()).slice(0, 10);
  const plausible = (day: string) => day >= EARLIEST_PLAUSIBLE && day <= lastDay;
  const largest: { chatId: string; sizeBytes: number }[] = [];
  const timed: { sizeBytes: number; queryMs: number | null }[] = [];
  let clockSkewChats = 0;
  let counted = 0;
  let done = 0;
  ctx.progress(0, items.length, null);
  await pool.map('fleet.chat', items, {
    signal: ctx.signal,
    onResult: (index, outcome) => {
      done++;
      ctx.progress(done, items.length, items[index]!.chatId);
      if (!outcome.ok) return;
      const f = outcome.value;
      counted++;
      timed.push({ sizeBytes: f.sizeBytes, queryMs: f.queryMs });
      const skewed: string[] = [];
      for (const [day, n] of f.perDay) {
        if (!plausible(day)) {
          skewed.push(day);
          continue;
        }
        active.set(day, (active.get(day) ?? 0) + 1);
        messages.set(day, (messages.get(day) ?? 0) + n);
      }
      if (f.createdDay && plausible(f.createdDay))
        created.set(f.createdDay, (created.get(f.createdDay) ?? 0) + 1);
      else if (f.createdDay) skewed.push(f.createdDay);
      if (skewed.length > 0) {
        clockSkewChats++;
        skewed.sort();
        const first = skewed[0]!;
        const last = skewed.at(-1)!;
        alerts.push({
          chatId: f.chatId,
          kind: 'clock_skew',
          severity: 'info',
          message: `dates outside 2000–today (${[...new Set([first, last])].join(' … ')}): left out of the charts`,
          params: { first, last },
        });
      }
      sizes[SIZE_BUCKETS.findIndex(([, upper]) => f.sizeBytes < upper)]!.count++;
      largest.push({ chatId: f.chatId, sizeBytes: f.sizeBytes });
      if (largest.length > 40) {
        largest.sort((a, b) => b.sizeBytes - a.sizeBytes);
        largest.length = 10;
      }
      if (f.codes.includes('db_large')) {
        const mb = Math.round((f.sizeBytes / 1048576) * 10) / 10;
        alerts.push({
          chatId: f.chatId,
          kind: 'db_large',
          severity: 'warning',
          message: `${mb.toFixed(1)} MB (over 10 MB)`,
          params: { mb, limitMb: 10 },
        });
      }
      const days = inactiveDays(f.lastActive, now.getTime(), INACTIVE_DAYS);
      if (days !== null) {
        alerts.push({
          chatId: f.chatId,
          kind: 'inactive',
          severity: 'info',
          message: `inactive for ${days} days`,
          params: { days, limitDays: INACTIVE_DAYS },
        });
      }
      if (f.health === 'error' && f.worstError)
        alerts.push({
          chatId: f.chatId,
          kind: 'health',
          severity: 'error',
          message: `${f.worstError.file}: ${f.worstError.code}`,
          params: { code: f.worstError.code, file: f.worstError.file },
        });
    },
  });
  const series = (m: Map<string, number>) =>
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, count]) => ({ day, count }));
  return {
    ...fleetTotalsOf(timed),
    chats: counted,
    activeUsersPerDay: series(active),
    newUsersPerDay: series(created),
    messagesPerDay: series(messages),
    sizeBuckets: sizes,
    largestChats: largest.sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, 10),
    clockSkewChats,
    alerts: alerts.sort((a, b) =>
      a.severity === b.severity ? a.chatId.localeCompare(b.chatId) : a.severity === 'error' ? -1 : 1,
    ),
  };
}
