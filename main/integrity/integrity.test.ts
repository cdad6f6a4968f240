import { createContext } from '../api/create-context.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCheck, IntegrityReport } from '../../shared/contract/integrity.ts';
import { IntegrityReport as IntegrityReportSchema } from '../../shared/contract/integrity.ts';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import type { FindingCode, Severity } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import {
  generateClinic,
  generateDuilioCode,
  generateRoot,
  generateUserHistory,
  type BrokenKind,
  type GeneratedRoot,
} from '../fixtures/index.ts';
import { invoke } from '../api/dispatch.ts';
import { silentContext } from '../jobs/job.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { closeCheckConnection } from './attach.ts';
import { escapeHtml, exportReport, reportToHtml } from '../../shared/integrity-report.ts';
import { exitCodeOf } from '../../shared/integrity-report.ts';
import { checkFile, checkRoot } from './run.ts';
import { fingerprintTree } from '../testing/tree.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
const REPO = resolve(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'main', 'cli', 'main.ts');

let base: string;
let gen: GeneratedRoot;
let pool: WorkerPool;
const inline = new WorkerPool(0);

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-integrity-'));
  gen = generateRoot(join(base, 'root'), { chats: 8, broken: 'all', strays: true, seed: 11, now: NOW });
  pool = new WorkerPool(2);
});
afterAll(async () => {
  closeCheckConnection();
  await pool.close();
  rmSync(base, { recursive: true, force: true });
});

async function check(root: string, options: { full?: boolean; p?: WorkerPool; chatIds?: string[] } = {}) {
  const events: ChatCheck[] = [];
  const report = await checkRoot(
    root,
    silentContext((e: ChatCheck) => events.push(e)),
    { pool: options.p ?? pool, full: options.full, now: NOW, chatIds: options.chatIds, busyTimeoutMs: 200 },
  );
  return { report, events };
}

function chatOf(report: IntegrityReport, kind: GeneratedRoot['chats'][number]['kind']): ChatCheck {
  const chat = gen.chats.find((c) => c.kind === kind);
  if (!chat) throw new Error(`no ${kind} chat generated`);
  const found = report.chats.find((c) => c.chatId === chat.chatId);
  if (!found) throw new Error(`chat ${chat.chatId} (${kind}) is not in the report`);
  return found;
}

/** What each generated broken chat must produce: code, severity and file (the mode it needs). */
const EXPECTED: Record<BrokenKind, { code: FindingCode; severity: Severity; file: string; full?: true }> = {
  page_corrupt: { code: 'corrupt', severity: 'error', file: 'conversations.db' },
  truncated: { code: 'truncated', severity: 'error', file: 'conversations.db' },
  zero_byte: { code: 'empty_file', severity: 'error', file: 'profile.db' },
  not_sqlite: { code: 'not_sqlite', severity: 'error', file: 'conversations.db' },
  missing_file: { code: 'missing_file', severity: 'error', file: 'conversations.db' },
  metadata_missing: { code: 'metadata_missing', severity: 'warning', file: 'metadata.json' },
  metadata_malformed: { code: 'metadata_malformed', severity: 'warning', file: 'metadata.json' },
  metadata_stale: { code: 'metadata_mismatch', severity: 'warning', file: 'metadata.json' },
  wal_pending: { code: 'wal_pending', severity: 'info', file: 'conversations.db' },
  schema_drift: { code: 'schema_drift', severity: 'warning', file: 'conversations.db' },
  orphan_rows: { code: 'orphan_rows', severity: 'warning', file: 'conversations.db', full: true },
  fk_violation: { code: 'fk_violation', severity: 'warning', file: 'profile.db', full: true },
  db_large: { code: 'db_large', severity: 'warning', file: 'conversations.db' },
  inactive: { code: 'inactive', severity: 'info', file: 'profile.db' },
  empty_folder: { code: 'missing_file', severity: 'error', file: 'profile.db' },
  future_dated: { code: 'clock_skew', severity: 'info', file: 'conversations.db' },
  hot_journal: { code: 'locked', severity: 'warning', file: 'conversations.db' },
};

describe('integrity check of a generated root', () => {
  it('finds every broken kind with its stable code, severity and file (quick and full, inline and in workers)', async () => {
    const quick = await check(gen.root, { p: inline });
    const full = await check(gen.root, { full: true });
    expect(quick.report.mode).toBe('quick');
    expect(full.report.mode).toBe('full');
    for (const [kind, want] of Object.entries(EXPECTED) as [BrokenKind, (typeof EXPECTED)[BrokenKind]][]) {
      for (const [mode, report] of [
        ['quick', quick.report],
        ['full', full.report],
      ] as const) {
        const chat = chatOf(report, kind);
        const match = chat.findings.filter((f) => f.code === want.code && f.file === want.file);
        if (want.full && mode === 'quick') {
          expect(match, `${kind} is a full-mode finding`).toEqual([]);
          continue;
        }
        expect(match, `${kind} in ${mode} mode: ${JSON.stringify(chat.findings)}`).toHaveLength(1);
        expect(match[0]!.severity).toBe(want.severity);
        // One sentence a support person reads (the file is in its own field; most sentences name it too).
        if (want.code !== 'inactive' && want.code !== 'clock_skew')
          expect(match[0]!.message).toMatch(new RegExp(want.file.replace('.', '\\.')));
        expect(match[0]!.message.length).toBeGreaterThan(30);
      }
    }
  });

  it('finds page corruption in the middle of the messages table in quick mode, and says so', async () => {
    const { report } = await check(gen.root);
    const chat = chatOf(report, 'page_corrupt');
    expect(chat.status).toBe('error');
    const corrupt = chat.findings.find((f) => f.code === 'corrupt')!;
    expect(corrupt.message).toMatch(/quick check/);
    expect(corrupt.message).toMatch(/recover|backup/);
  });

  it('reports healthy chats with no warning or error, and the WAL-only chat as info, not an error', async () => {
    const { report } = await check(gen.root, { full: true });
    const healthy = gen.chats.filter((c) => c.kind === 'healthy');
    expect(healthy.length).toBe(8);
    for (const chat of healthy) {
      const row = report.chats.find((c) => c.chatId === chat.chatId)!;
      expect(row.status, JSON.stringify(row.findings)).toBe('ok');
      expect(row.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    }
    const wal = chatOf(report, 'wal_pending');
    expect(wal.status).toBe('ok');
    expect(wal.findings.map((f) => f.code)).toEqual(['wal_pending']);
    // Damaged-only kinds are errors; the inactive chat is only info.
    expect(chatOf(report, 'inactive').status).toBe('ok');
  });

  it('streams one event per chat and reports chats in the root order with a matching summary', async () => {
    const { report, events } = await check(gen.root);
    expect(events).toHaveLength(report.chats.length);
    expect(new Set(events.map((e) => e.chatId))).toEqual(new Set(report.chats.map((c) => c.chatId)));
    const ids = report.chats.map((c) => BigInt(c.chatId));
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    const counts = { ok: 0, warning: 0, error: 0 };
    for (const c of report.chats) counts[c.status]++;
    expect(report.summary).toEqual(counts);
    // The damaged kinds, the empty chat folder among them (a chat whose files are all missing).
    const errorKinds = report.chats
      .filter((c) => c.status === 'error')
      .map((c) => gen.chats.find((g) => g.chatId === c.chatId)!.kind)
      .sort();
    expect(errorKinds).toEqual(
      ['empty_folder', 'missing_file', 'not_sqlite', 'page_corrupt', 'truncated', 'zero_byte'].sort(),
    );
    // The strays are listed as skipped, as the scan lists them, never as failed chats.
    expect(report.skipped.length).toBe(gen.strays.length);
    expect(() => IntegrityReportSchema.parse(report)).not.toThrow();
  });

  it('checks only the chats asked for, and refuses an unknown chat id', async () => {
    const wanted = gen.chats.filter((c) => c.kind === 'zero_byte' || c.kind === 'healthy').slice(0, 2);
    const { report } = await check(gen.root, { chatIds: wanted.map((c) => c.chatId) });
    expect(report.chats.map((c) => c.chatId).sort()).toEqual(wanted.map((c) => c.chatId).sort());
    await expect(check(gen.root, { chatIds: ['4242'] })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('changes nothing under the root: bytes, mtimes and the list of files stay the same after a full check', async () => {
    const before = fingerprintTree(gen.root);
    await check(gen.root, { full: true });
    await check(gen.root, { full: true, p: inline });
    expect(fingerprintTree(gen.root)).toEqual(before);
  });

  it('reports a DB held exclusively by another process as locked (a warning), and the run goes on', async () => {
    const root = join(base, 'locked');
    const g = generateRoot(root, { chats: 3, seed: 5, now: NOW });
    const victim = g.chats[1]!;
    const holder = await holdExclusive(join(victim.dir, 'profile.db'));
    try {
      for (const p of [inline, pool]) {
        const { report } = await check(root, { p });
        expect(report.chats).toHaveLength(3);
        const row = report.chats.find((c) => c.chatId === victim.chatId)!;
        const locked = row.findings.filter((f) => f.code === 'locked');
        expect(locked, JSON.stringify(row.findings)).toHaveLength(1);
        expect(locked[0]).toMatchObject({ severity: 'warning', file: 'profile.db' });
        expect(row.status).toBe('warning');
        for (const other of report.chats.filter((c) => c.chatId !== victim.chatId))
          expect(other.status).toBe('ok');
      }
    } finally {
      holder.kill();
    }
  });

  it('stops when cancelled, promptly and with a cancelled error', async () => {
    const root = join(base, 'many');
    generateRoot(root, { chats: 300, messagesPerChat: 3, seed: 3, now: NOW });
    for (const p of [inline, pool]) {
      const controller = new AbortController();
      let seen = 0;
      const ctx = silentContext<ChatCheck>(() => {
        seen++;
        if (seen === 1) controller.abort();
      }, controller.signal);
      const error = await checkRoot(root, ctx, { pool: p, now: NOW }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('cancelled');
      expect(seen).toBeLessThan(300);
    }
  });
});

/** A child process that opens a rollback-journal DB with better-sqlite3 and holds `BEGIN EXCLUSIVE`. */
async function holdExclusive(path: string): Promise<ChildProcess> {
  const script = `
    import Database from ${JSON.stringify(join(REPO, 'main', 'sqlite', 'driver.ts'))};
    const db = new Database(${JSON.stringify(path)});
    if (db.pragma('journal_mode', { simple: true }) === 'wal') throw new Error('expected a rollback-journal DB');
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    // The timer keeps the connection referenced: a collected connection would release its lock.
    setInterval(() => void db.inTransaction, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolvePromise, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.once('data', () => resolvePromise());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}): ${err}`)));
  });
  return child;
}

describe('single-file checks', () => {
  it('recognises legacy and foreign files and checks them by their own schema', async () => {
    const dir = join(base, 'files');
    mkdirSync(dir, { recursive: true });
    generateUserHistory(join(dir, 'user_history.db'), { users: 4, seed: 2, now: NOW });
    generateDuilioCode(join(dir, 'duilio.db'), { users: 3, seed: 2, now: NOW });
    generateClinic(join(dir, 'clinic.db'), { conversations: 5, seed: 2, now: NOW });
    const generic = new Database(join(dir, 'notes.db'));
    generic.exec(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello');",
    );
    generic.close();
    for (const [name, kind] of [
      ['user_history.db', 'user_history'],
      ['duilio.db', 'duiliocode'],
      ['clinic.db', 'clinic'],
      ['notes.db', 'generic'],
    ] as const) {
      const report = await checkFile(join(dir, name), silentContext(), { pool: inline, full: true });
      expect(report.fileKind).toBe(kind);
      expect(report.chats).toHaveLength(1);
      expect(report.chats[0]).toMatchObject({ chatId: name, status: 'ok', findings: [] });
      expect(report.summary).toEqual({ ok: 1, warning: 0, error: 0 });
    }
  });

  it('finds orphan rows and foreign-key violations in user_history.db (full mode only)', async () => {
    const path = join(base, 'files-legacy', 'user_history.db');
    generateUserHistory(path, { users: 3, seed: 4, now: NOW });
    const db = new Database(path);
    db.pragma('foreign_keys = OFF');
    db.prepare(
      "INSERT INTO messages (chat_id, message_type, content) VALUES (99, 'user', 'who am I?')",
    ).run();
    db.prepare("INSERT INTO learning_progress (chat_id, skill_name) VALUES (98, 'past tense')").run();
    db.close();
    const quick = await checkFile(path, silentContext(), { pool: inline });
    expect(quick.chats[0]!.findings).toEqual([]);
    const full = await checkFile(path, silentContext(), { pool, full: true });
    const codes = full.chats[0]!.findings.map((f) => [f.code, f.severity, f.file]);
    expect(codes).toContainEqual(['orphan_rows', 'warning', 'user_history.db']);
    expect(codes).toContainEqual(['fk_violation', 'warning', 'user_history.db']);
    const orphan = full.chats[0]!.findings.find((f) => f.code === 'orphan_rows')!;
    expect(orphan.message).toMatch(/2 rows/);
  });

  it('names a damaged or missing file for what it is', async () => {
    const corrupt = gen.chats.find((c) => c.kind === 'page_corrupt')!;
    const r1 = await checkFile(join(corrupt.dir, 'conversations.db'), silentContext(), { pool: inline });
    expect(r1.chats[0]!.findings.map((f) => f.code)).toEqual(['corrupt']);
    expect(exitCodeOf(r1)).toBe(2);
    const r2 = await checkFile(join(base, 'nope.db'), silentContext(), { pool: inline });
    expect(r2.chats[0]!.findings.map((f) => f.code)).toEqual(['missing_file']);
    const notDb = join(base, 'page.db');
    writeFileSync(notDb, '<html>502 Bad Gateway</html>');
    const r3 = await checkFile(notDb, silentContext(), { pool: inline });
    expect(r3.chats[0]!.findings.map((f) => [f.code, f.severity])).toEqual([['not_sqlite', 'error']]);
  });
});

describe('report export', () => {
  it('writes the JSON shape of the spec and a self-contained, escaped HTML page', async () => {
    const { report } = await check(gen.root);
    const json = exportReport(report, 'json');
    expect(json.mimeType).toBe('application/json');
    expect(json.fileName).toMatch(/^integrity-report-.*\.json$/);
    const parsed = JSON.parse(json.text) as IntegrityReport;
    expect(Object.keys(parsed.summary).sort()).toEqual(['error', 'ok', 'warning']);
    expect(Object.keys(parsed.chats[0]!).sort()).toEqual(['chatId', 'findings', 'status']);
    const html = exportReport(report, 'html');
    expect(html.mimeType).toBe('text/html');
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).not.toMatch(/<script|<link|src=|@import|url\(/i);
    for (const chat of report.chats.filter((c) => c.findings.length > 0))
      expect(html.text).toContain(`data-chat="${chat.chatId}"`);
    expect(html.text).toContain(`<b>${report.summary.error}</b><span>error</span>`);
    const hostile: IntegrityReport = {
      ...report,
      root: '/tmp/<script>alert(1)</script>',
      chats: [
        {
          chatId: '1',
          status: 'warning',
          findings: [
            {
              code: 'schema_drift',
              severity: 'warning',
              file: 'x.db',
              message: 'extra table "<img src=x onerror=alert(1)>"',
              params: {},
            },
          ],
        },
      ],
    };
    const page = reportToHtml(hostile);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain(escapeHtml('<img src=x onerror=alert(1)>'));
  });
});

describe('CLI: chat-inspector check', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'check', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

  it('exits 0 when every chat is ok, 1 when the worst is a warning, 2 on any error; --json has the spec shape', () => {
    const okRoot = join(base, 'cli-ok');
    const g = generateRoot(okRoot, { chats: 3, seed: 21, now: new Date() });
    const ok = run(okRoot, '--json');
    expect(ok.status, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as IntegrityReport;
    expect(report.chats).toHaveLength(3);
    expect(report.summary).toEqual({ ok: 3, warning: 0, error: 0 });
    for (const c of report.chats) expect(Object.keys(c).sort()).toEqual(['chatId', 'findings', 'status']);

    const warnRoot = join(base, 'cli-warn');
    generateRoot(warnRoot, { chats: 2, broken: ['metadata_missing'], seed: 22, now: new Date() });
    const warn = run(warnRoot);
    expect(warn.status, warn.stderr).toBe(1);
    expect(warn.stdout).toMatch(/metadata_missing/);
    expect(warn.stdout).toMatch(/Checked 3 chats .*\(quick\): 2 ok, 1 warning, 0 error/);

    const errRoot = join(base, 'cli-err');
    generateRoot(errRoot, { chats: 2, broken: ['zero_byte', 'metadata_missing'], seed: 23, now: new Date() });
    const htmlPath = join(base, 'cli-report.html');
    const err = run(errRoot, '--full', '--json', '--html', htmlPath);
    expect(err.status, err.stderr).toBe(2);
    const errReport = JSON.parse(err.stdout) as IntegrityReport;
    expect(errReport.mode).toBe('full');
    expect(errReport.summary).toEqual({ ok: 2, warning: 1, error: 1 });
    const flat = errReport.chats.flatMap((c) => c.findings.map((f) => f.code));
    expect(flat).toContain('empty_file');
    expect(readFileSync(htmlPath, 'utf8')).toMatch(/empty_file/);

    // --chat narrows the check; a single DB file is accepted instead of a root.
    const one = run(okRoot, '--chat', g.chats[0]!.chatId, '--json');
    expect((JSON.parse(one.stdout) as IntegrityReport).chats.map((c) => c.chatId)).toEqual([
      g.chats[0]!.chatId,
    ]);
    const file = run(join(g.chats[0]!.dir, 'conversations.db'), '--json');
    expect(file.status).toBe(0);
    expect((JSON.parse(file.stdout) as IntegrityReport).fileKind).toBe('per-chat');
    // Errors are one line on stderr, exit 2.
    const missing = run(join(base, 'no-such-root'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('contract operations', () => {
  it('runs integrity.check as a job, streams events, and exports the report by job id (JSON and HTML)', async () => {
    const ctx = createContext({
      userDataDir: join(base, 'home'),
      now: () => NOW,
      pool: inline,
      rememberRecent: false,
      roots: [gen.root],
    });
    const { jobId } = (await invoke('integrity.check', { root: gen.root, full: true }, ctx)) as {
      jobId: string;
    };
    let snapshot: JobSnapshot;
    let events = 0;
    let cursor = 0;
    for (;;) {
      snapshot = (await invoke('jobs.poll', { jobId, cursor }, ctx)) as JobSnapshot;
      events += snapshot.events.length;
      cursor = snapshot.cursor;
      if (snapshot.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(snapshot.state).toBe('done');
    const report = IntegrityReportSchema.parse(snapshot.result);
    expect(events).toBe(report.chats.length);
    expect(report.mode).toBe('full');
    const html = (await invoke('integrity.exportReport', { jobId, format: 'html' }, ctx)) as {
      text: string;
      fileName: string;
    };
    expect(html.fileName).toMatch(/\.html$/);
    expect(html.text).toContain('fk_violation');
    const json = (await invoke('integrity.exportReport', { report, format: 'json' }, ctx)) as {
      text: string;
    };
    expect(JSON.parse(json.text)).toMatchObject({ summary: report.summary });
    // A root nobody opened is refused before anything is read; so is an export of nothing.
    const refused = (await invoke('integrity.check', { root: base }, ctx)) as { jobId: string };
    for (;;) {
      snapshot = (await invoke('jobs.poll', { jobId: refused.jobId }, ctx)) as JobSnapshot;
      if (snapshot.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(snapshot).toMatchObject({ state: 'failed', error: { code: 'forbidden_path' } });
    await expect(invoke('integrity.exportReport', { format: 'json' }, ctx)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    // A single file inside the opened root can be checked on its own.
    const one = gen.chats.find((c) => c.kind === 'schema_drift')!;
    const started = (await invoke(
      'integrity.checkFile',
      { path: join(one.dir, 'conversations.db') },
      ctx,
    )) as { jobId: string };
    for (;;) {
      snapshot = (await invoke('jobs.poll', { jobId: started.jobId }, ctx)) as JobSnapshot;
      if (snapshot.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const fileReport = IntegrityReportSchema.parse(snapshot.result);
    expect(fileReport.chats[0]!.findings.map((f) => f.code)).toContain('schema_drift');
  });
});
