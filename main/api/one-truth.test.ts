// One truth per chat (issue 23): on a root with every kind of damage the fixture generator makes (the empty
// chat folder, a message dated 2062 and a hot journal included), each chat's state — health, finding codes,
// counts with their state (null when unread, 'partial' said), last activity, last backup — is the same from
// `scan --json`, `check --json`, `show --json`, `alerts --json`, `archive-inactive --dry-run`, and from the
// app's operations: fleet.page / fleet.chat, chat.detail, integrity.check, fleet.metrics' alerts and
// Maintenance's alerts and archive dry run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/contract/index.ts';
import type { FleetPage, FleetRow } from '../../shared/contract/fleet.ts';
import type { IntegrityReport } from '../../shared/contract/integrity.ts';
import type { AlertsResult, ArchiveInactiveResult } from '../../shared/contract/maintenance.ts';
import type { ChatDetail, FleetMetrics, ScanResult } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { generateRoot, type GeneratedChat, type GeneratedRoot } from '../fixtures/index.ts';
import { cli } from '../testing/cli.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { HandlerContext } from './context.ts';
import { createContext } from './create-context.ts';
import { invoke } from './dispatch.ts';

let base: string;
let gen: GeneratedRoot;
let ctx: HandlerContext;
let cliEnv: NodeJS.ProcessEnv;
const pool = new WorkerPool(0);
// The CLI reads the real clock: the root is written as of now, and the app is given the same clock.
const NOW = new Date();

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-one-truth-'));
  gen = generateRoot(join(base, 'root'), { chats: 3, broken: 'all', strays: true, seed: 23, now: NOW });
  ctx = createContext({
    userDataDir: join(base, 'app-home'),
    now: () => NOW,
    pool,
    rememberRecent: false,
    roots: [gen.root],
  });
  cliEnv = { CHAT_INSPECTOR_HOME: join(base, 'cli-home') };
});
afterAll(async () => {
  rmSync(base, { recursive: true, force: true });
  await pool.close();
});

async function runJob<R>(name: string, input: unknown): Promise<R> {
  const { jobId } = (await invoke(name, input, ctx)) as { jobId: string };
  let cursor = 0;
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId, cursor }, ctx)) as JobSnapshot;
    cursor = snapshot.cursor;
    if (snapshot.state === 'done') return snapshot.result as R;
    if (snapshot.state !== 'running')
      throw snapshot.error ? AppError.from(snapshot.error) : new Error(snapshot.state);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cliJson<T>(args: string[]): T {
  const run = cli([...args, '--json'], { env: cliEnv, timeoutMs: 120_000 });
  expect(run.stderr).not.toMatch(/Error|at .*\.ts:/);
  return JSON.parse(run.stdout) as T;
}

const kind = (k: GeneratedChat['kind']) => gen.chats.find((c) => c.kind === k)!;

/** What every surface must agree on, per chat (a surface gives what it has; undefined: not given there). */
interface State {
  health?: string;
  codes?: string[];
  messages?: number | null;
  sessions?: number | null;
  counts?: string;
  countsReason?: { code: string; file: string } | null;
  lastActive?: string | null;
  lastBackup?: string | null;
}

const sorted = (codes: Iterable<string>) => [...new Set(codes)].sort();

describe('one state per chat on every surface (issue 23)', () => {
  it('scan, check, show, the list, the chat screen, Integrity, Fleet and Maintenance agree', async () => {
    // The CLI.
    const scan = cliJson<ScanResult>(['scan', gen.root]);
    const check = cliJson<IntegrityReport>(['check', gen.root]);
    const alerts = cliJson<AlertsResult>(['alerts', gen.root]);
    const archive = cliJson<ArchiveInactiveResult>([
      'archive-inactive',
      gen.root,
      '--days',
      '90',
      '--dry-run',
    ]);
    // The app.
    await runJob('fleet.refresh', { root: gen.root });
    const page = (await invoke(
      'fleet.page',
      { root: gen.root, sort: 'chatId', limit: 1000 },
      ctx,
    )) as FleetPage;
    const appCheck = await runJob<IntegrityReport>('integrity.check', { root: gen.root });
    const metrics = await runJob<FleetMetrics>('fleet.metrics', { root: gen.root });
    const appAlerts = await runJob<AlertsResult>('maintenance.alerts', { root: gen.root });
    const appArchive = await runJob<ArchiveInactiveResult>('maintenance.archiveInactive', {
      root: gen.root,
      days: 90,
      dryRun: true,
    });

    // Every chat folder is a chat on every surface: the empty one too.
    const ids = gen.chats.map((c) => c.chatId).sort();
    expect(scan.chats.map((c) => c.chatId).sort()).toEqual(ids);
    expect(check.chats.map((c) => c.chatId).sort()).toEqual(ids);
    expect(appCheck.chats.map((c) => c.chatId).sort()).toEqual(ids);
    expect(page.rows.map((r) => r.chatId).sort()).toEqual(ids);
    expect(scan.skipped.map((s) => s.path)).not.toContain(kind('empty_folder').dir);

    const rowOf = (rows: FleetRow[], id: string) => rows.find((r) => r.chatId === id)!;
    for (const chat of gen.chats) {
      const id = chat.chatId;
      const s = scan.chats.find((c) => c.chatId === id)!;
      const row = rowOf(page.rows, id);
      const fleetChat = (await invoke('fleet.chat', { root: gen.root, chatId: id }, ctx)) as {
        row: FleetRow;
        findings: { code: string; severity: string }[];
      };
      const detail = (await invoke('chat.detail', { root: gen.root, chatId: id }, ctx)) as ChatDetail;
      const checked = check.chats.find((c) => c.chatId === id)!;
      const appChecked = appCheck.chats.find((c) => c.chatId === id)!;
      const errorCodes = sorted(checked.findings.filter((f) => f.severity === 'error').map((f) => f.code));

      const surfaces: Record<string, State> = {
        'scan --json': {
          health: s.health,
          messages: s.messages,
          sessions: s.sessions,
          counts: s.counts,
          countsReason: s.countsReason,
          lastActive: s.lastActive,
        },
        'check --json': { health: checked.status, codes: sorted(checked.findings.map((f) => f.code)) },
        'integrity.check': {
          health: appChecked.status,
          codes: sorted(appChecked.findings.map((f) => f.code)),
        },
        'fleet.page': {
          health: row.health,
          codes: sorted(row.codes),
          messages: row.messages,
          sessions: row.sessions,
          counts: row.counts,
          countsReason: row.countsReason,
          lastActive: row.lastActive,
          lastBackup: row.lastBackup?.at ?? null,
        },
        'fleet.chat': {
          health: fleetChat.row.health,
          codes: sorted(fleetChat.findings.map((f) => f.code)),
          messages: fleetChat.row.messages,
          counts: fleetChat.row.counts,
          lastActive: fleetChat.row.lastActive,
        },
        'chat.detail': {
          health: detail.health,
          messages: detail.counts.messages,
          sessions: detail.counts.sessions,
          counts: detail.countsState,
          countsReason: detail.countsReason,
          lastActive: detail.lastActive,
          lastBackup: detail.lastBackup?.at ?? null,
        },
      };
      const reference: State = {
        ...surfaces['scan --json'],
        codes: surfaces['check --json']!.codes,
        lastBackup: surfaces['fleet.page']!.lastBackup,
      };
      for (const [surface, state] of Object.entries(surfaces))
        for (const [field, value] of Object.entries(state))
          expect(value, `${surface} ${field} of chat ${id} (${chat.kind})`).toEqual(
            reference[field as keyof State],
          );

      // Counts are null where nothing could be read, never 0; partial ones say why.
      if (s.counts === 'unread') {
        expect(s.messages, `${chat.kind}`).toBeNull();
        expect(s.countsReason).not.toBeNull();
      } else expect(s.messages, `${chat.kind}`).not.toBeNull();
      if (s.counts !== 'whole') expect(s.countsReason?.file).toBe('conversations.db');

      // Last activity is never in the future.
      if (s.lastActive) expect(Date.parse(s.lastActive)).toBeLessThanOrEqual(NOW.getTime() + 86_400_000);

      // Alerts (CLI and app): an integrity alert per error finding, the same codes.
      for (const result of [alerts, appAlerts])
        expect(
          sorted(result.alerts.filter((a) => a.kind === 'integrity' && a.chatId === id).map((a) => a.code!)),
          `alerts' errors of ${chat.kind}`,
        ).toEqual(errorCodes);
    }

    // The damaged chats every surface must show as such.
    for (const k of ['empty_folder', 'truncated', 'not_sqlite', 'missing_file', 'zero_byte'] as const)
      expect(scan.chats.find((c) => c.chatId === kind(k).chatId)!.health, k).toBe('error');
    const empty = scan.chats.find((c) => c.chatId === kind('empty_folder').chatId)!;
    expect(empty.counts).toBe('unread');
    expect(empty.countsReason).toEqual({ code: 'missing_file', file: 'conversations.db' });
    const emptyCheck = check.chats.find((c) => c.chatId === kind('empty_folder').chatId)!;
    expect(
      emptyCheck.findings
        .filter((f) => f.code === 'missing_file')
        .map((f) => f.file)
        .sort(),
    ).toEqual(['conversations.db', 'profile.db']);
    const hot = scan.chats.find((c) => c.chatId === kind('hot_journal').chatId)!;
    expect(hot.messages).toBeNull();
    expect(hot.countsReason?.code).toBe('locked');
    const future = scan.chats.find((c) => c.chatId === kind('future_dated').chatId)!;
    expect(future.lastActive! < '2062').toBe(true);
    expect(check.chats.find((c) => c.chatId === future.chatId)!.findings.map((f) => f.code)).toContain(
      'clock_skew',
    );

    // The Fleet screen's alert table: a health alert for every chat in error, with its worst finding.
    const inError = sorted(scan.chats.filter((c) => c.health === 'error').map((c) => c.chatId));
    expect(sorted(metrics.alerts.filter((a) => a.kind === 'health').map((a) => a.chatId))).toEqual(inError);
    for (const a of metrics.alerts.filter((x) => x.kind === 'health')) {
      const worst = check.chats
        .find((c) => c.chatId === a.chatId)!
        .findings.find((f) => f.severity === 'error')!;
      expect(a.params).toEqual({ code: worst.code, file: worst.file });
    }

    // Inactive: one rule — the list's finding, Fleet, alerts (CLI and app) and the archive dry runs.
    const inactive = sorted(page.rows.filter((r) => r.codes.includes('inactive')).map((r) => r.chatId));
    expect(inactive).toContain(kind('inactive').chatId);
    expect(sorted(metrics.alerts.filter((a) => a.kind === 'inactive').map((a) => a.chatId))).toEqual(
      inactive,
    );
    for (const result of [alerts, appAlerts])
      expect(sorted(result.alerts.filter((a) => a.kind === 'inactive').map((a) => a.chatId))).toEqual(
        inactive,
      );
    for (const result of [archive, appArchive])
      expect(sorted(result.candidates.map((c) => c.chatId))).toEqual(inactive);
    for (const a of alerts.alerts.filter((x) => x.kind === 'inactive'))
      expect(a.params).toEqual({ days: a.value, limitDays: 90 });
  }, 180_000);

  it('show --json says the same as the list for the damaged chats', () => {
    const scan = cliJson<ScanResult>(['scan', gen.root]);
    for (const k of ['empty_folder', 'future_dated', 'hot_journal', 'page_corrupt', 'truncated'] as const) {
      const id = kind(k).chatId;
      const s = scan.chats.find((c) => c.chatId === id)!;
      const shown = cliJson<ChatDetail>(['show', gen.root, id]);
      expect(
        {
          health: shown.health,
          messages: shown.counts.messages,
          sessions: shown.counts.sessions,
          counts: shown.countsState,
          countsReason: shown.countsReason,
          lastActive: shown.lastActive,
        },
        k,
      ).toEqual({
        health: s.health,
        messages: s.messages,
        sessions: s.sessions,
        counts: s.counts,
        countsReason: s.countsReason,
        lastActive: s.lastActive,
      });
      if (s.counts === 'unread') expect(shown.counts.userMessages, k).toBeNull();
    }
  }, 120_000);
});
