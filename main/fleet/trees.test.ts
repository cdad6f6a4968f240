import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '../sqlite/driver.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatSummary, FleetTotals, ScanResult, ScanSummary } from '../../shared/domain.ts';
import type { RestoreResult } from '../../shared/contract/backup.ts';
import type { IntegrityReport } from '../../shared/contract/integrity.ts';
import type { SearchHit } from '../../shared/contract/fleet.ts';
import type { SourceMessagePageOut } from '../../shared/contract/sources.ts';
import type { ChatDetail, ChatMetrics } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import { silentContext } from '../jobs/job.ts';
import { FleetIndex } from './index.ts';
import { refreshIndex } from './refresh.ts';
import { withCopies } from './show.ts';
import { readChatDetail, readChatMetrics } from '../store/chat.ts';
import { fleetMetrics } from '../store/fleet.ts';
import { WorkerPool } from '../workers/pool.ts';
import { generateChat } from '../fixtures/index.ts';
import { cli } from '../testing/cli.ts';

// Seed 000's bot folder: `data/chats/` from before the migration and `bot/data/chats/`, the tree the bot
// reads now. Some chats are in one tree only, some in both with a different last activity.
const OLD = new Date('2026-06-01T12:00:00Z');
const NEW = new Date('2026-10-20T12:00:00Z');
const ONLY_OLD = ['111111111', '222222222'];
const ONLY_CURRENT = ['333333333', '444444444', '555555555'];
/** In both: the first is newer in bot/data/chats, the second newer in data/chats. */
const NEWER_CURRENT = '666666666';
const NEWER_OLD = '777777777';

let base: string;
let root: string;
let home: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-trees-'));
  root = join(base, 'english-teacher-bot');
  home = join(base, 'home');
  const old = join(root, 'data', 'chats');
  const current = join(root, 'bot', 'data', 'chats');
  for (const id of ONLY_OLD) generateChat(old, id, { messages: 12, now: OLD });
  for (const id of ONLY_CURRENT) generateChat(current, id, { messages: 12, now: NEW });
  generateChat(old, NEWER_CURRENT, { messages: 10, now: OLD });
  generateChat(current, NEWER_CURRENT, { messages: 14, now: NEW });
  generateChat(old, NEWER_OLD, { messages: 10, now: NEW });
  generateChat(current, NEWER_OLD, { messages: 14, now: OLD });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function scanJson(at: string, ...extra: string[]): ScanResult {
  const run = cli(['scan', at, '--json', ...extra], { env: { CHAT_INSPECTOR_HOME: home } });
  expect(run.stderr).not.toMatch(/Error|at /);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ScanResult;
}

/** The bytes of every listed chat's DB files, by lstat (the current tree's copy of a chat in both). */
function listedDbBytes(): number {
  let total = 0;
  for (const id of [...ONLY_OLD, ...ONLY_CURRENT, NEWER_CURRENT, NEWER_OLD]) {
    const tree = ONLY_OLD.includes(id) ? ['data', 'chats'] : ['bot', 'data', 'chats'];
    for (const file of ['profile.db', 'profile.db-wal', 'conversations.db', 'conversations.db-wal'])
      total += lstatSync(join(root, ...tree, `chat_${id}`, file), { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

function byId(scan: ScanResult): Map<string, ChatSummary> {
  return new Map(scan.chats.map((c) => [c.chatId, c]));
}

describe('a bot folder with two chat trees', () => {
  for (const mode of ['index', 'no-index'] as const) {
    it(`scan --json (${mode}) lists the chats of both trees, each with its tree, duplicates flagged`, () => {
      const scan = scanJson(root, ...(mode === 'no-index' ? ['--no-index'] : []));
      const chats = byId(scan);
      // Every user of both trees, once each.
      expect([...chats.keys()].sort()).toEqual(
        [...ONLY_OLD, ...ONLY_CURRENT, NEWER_CURRENT, NEWER_OLD].sort(),
      );
      for (const id of ONLY_OLD) {
        expect(chats.get(id)!.tree).toBe('data/chats');
        expect(chats.get(id)!.copies).toBeUndefined();
      }
      for (const id of ONLY_CURRENT) expect(chats.get(id)!.tree).toBe('bot/data/chats');
      // A chat in both: the current tree's copy, the other one named with its activity, the newer one said.
      // The truth: each tree scanned on its own.
      const oldTree = byId(scanJson(join(root, 'data', 'chats')));
      const currentTree = byId(scanJson(join(root, 'bot', 'data', 'chats')));
      for (const id of [NEWER_CURRENT, NEWER_OLD]) {
        const row = chats.get(id)!;
        expect(row.tree).toBe('bot/data/chats');
        expect(row.messages).toBe(14);
        expect(row.lastActive).toBe(currentTree.get(id)!.lastActive);
        expect(row.copies).toEqual([{ tree: 'data/chats', lastActive: oldTree.get(id)!.lastActive }]);
      }
      expect(currentTree.get(NEWER_CURRENT)!.lastActive! > oldTree.get(NEWER_CURRENT)!.lastActive!).toBe(
        true,
      );
      expect(chats.get(NEWER_CURRENT)!.newerIn).toBe('bot/data/chats');
      expect(oldTree.get(NEWER_OLD)!.lastActive! > currentTree.get(NEWER_OLD)!.lastActive!).toBe(true);
      expect(chats.get(NEWER_OLD)!.newerIn).toBe('data/chats');
    });
  }

  it("scan --json's summary: both trees, the chats in both, the total size of the DBs, the average query time", () => {
    for (const extra of [[], ['--no-index']]) {
      const summary = (scanJson(root, ...extra) as ScanResult & { summary: ScanSummary }).summary;
      expect(summary.trees).toEqual([
        { tree: 'bot/data/chats', chats: ONLY_CURRENT.length + 2 },
        { tree: 'data/chats', chats: ONLY_OLD.length + 2 },
      ]);
      expect(summary.inMoreThanOneTree).toBe(2);
      expect(summary.chats).toBe(7);
      // The DBs (and any -wal) of each chat listed: its copy in the current tree for a chat in both.
      expect(summary.totalBytes).toBe(listedDbBytes());
      expect(summary.timedChats).toBe(7);
      expect(summary.averageQueryMs).toEqual(expect.any(Number));
      expect(summary.averageQueryMs!).toBeGreaterThan(0);
    }
  });

  it('alerts and the Fleet screen give the same total size, and an average query time in ms', async () => {
    const run = cli(['alerts', root, '--json'], { env: { CHAT_INSPECTOR_HOME: home } });
    const alerts = JSON.parse(run.stdout) as FleetTotals & { chats: number };
    expect(alerts.chats).toBe(7);
    expect(alerts.totalBytes).toBe(listedDbBytes());
    expect(alerts.timedChats).toBe(7);
    expect(alerts.averageQueryMs).toEqual(expect.any(Number));
    const text = cli(['alerts', root], { env: { CHAT_INSPECTOR_HOME: home } });
    expect(text.stdout).toMatch(
      /^Total size \d+(\.\d)? KB; average query time \d+(\.\d+)? ms \(newest page of messages, 7 chats timed\)$/m,
    );

    const pool = new WorkerPool(0);
    try {
      const metrics = await fleetMetrics(root, silentContext(), pool);
      expect(metrics.totalBytes).toBe(listedDbBytes());
      expect(metrics.timedChats).toBe(7);
      expect(metrics.averageQueryMs).toEqual(expect.any(Number));
    } finally {
      await pool.close();
    }
  });

  it("the app's list: each page row has its tree, the overview names both trees", async () => {
    const pool = new WorkerPool(0);
    const index = new FleetIndex(join(base, 'app-home'), root);
    try {
      await refreshIndex(index, silentContext(), { pool });
      const overview = index.overview();
      expect(overview.trees).toEqual([
        { tree: 'bot/data/chats', chats: 5 },
        { tree: 'data/chats', chats: 4 },
      ]);
      expect(overview.inMoreThanOneTree).toBe(2);
      const page = index.page({ sort: 'chatId', desc: false, filter: {}, limit: 50 });
      expect(page.total).toBe(7);
      const rows = new Map(page.rows.map((r) => [r.chatId, r]));
      for (const id of ONLY_OLD) expect(rows.get(id)!.tree).toBe('data/chats');
      for (const id of ONLY_CURRENT) expect(rows.get(id)!.tree).toBe('bot/data/chats');
      expect(rows.get(NEWER_OLD)).toMatchObject({ tree: 'bot/data/chats', newerIn: 'data/chats' });
      expect(rows.get(NEWER_CURRENT)).toMatchObject({ tree: 'bot/data/chats', newerIn: 'bot/data/chats' });
      expect(rows.get(NEWER_OLD)!.copies!.map((c) => c.tree)).toEqual(['data/chats']);
      // Nothing changed: a second refresh reads no chat, the copies' identity included.
      const again = await refreshIndex(index, silentContext(), { pool });
      expect(again.visited).toBe(0);
    } finally {
      index.close();
      await pool.close();
    }
  });

  it("the app's chat detail (chat.detail) says the chat's tree and its copy", () => {
    const now = new Date();
    const detail = withCopies(root, readChatDetail(root, NEWER_OLD, now), now);
    expect(detail).toMatchObject({ tree: 'bot/data/chats', newerIn: 'data/chats' });
    expect(detail.copies!.map((c) => c.tree)).toEqual(['data/chats']);
    const single = withCopies(root, readChatDetail(root, ONLY_OLD[0]!, now), now);
    expect(single.tree).toBe('data/chats');
    expect(single.copies).toBeUndefined();
  });

  it('backup archives every chat once and names the other copy; archive-inactive says what it left', () => {
    const env = { CHAT_INSPECTOR_HOME: home };
    const out = join(base, 'two-trees.tar.gz');
    const run = cli(['backup', root, '--out', out, '--json'], { env });
    // 1: the archive holds all but what it names (the older copies), as for any file not backed up.
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as {
      chats: unknown[] | number;
      notBackedUp: { path: string; reason: string }[];
    };
    expect(result.notBackedUp.map((n) => n.path).sort()).toEqual(
      [NEWER_CURRENT, NEWER_OLD].map((id) => join(root, 'data', 'chats', `chat_${id}`)),
    );
    for (const n of result.notBackedUp)
      expect(n.reason).toMatch(/^another copy of chat \d+: the copy in bot\/data\/chats was backed up$/);

    const dry = cli(['archive-inactive', root, '--days', '1', '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `note: 4 chat(s) in ${join(root, 'data', 'chats')} were not considered: archive-inactive works on the current chat tree, ${join(root, 'bot', 'data', 'chats')}`,
    );
  });

  it('show says which tree a chat lives in and which copy is newer; --tree reads the other copy', () => {
    const env = { CHAT_INSPECTOR_HOME: home };
    const plain = cli(['show', root, NEWER_OLD], { env });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`Folder ${join(root, 'bot', 'data', 'chats', `chat_${NEWER_OLD}`)}`);
    expect(plain.stdout).toMatch(
      /^Tree bot\/data\/chats; also in data\/chats \(last active 20.*the copy in data\/chats is newer \(by last activity\) — read it with --tree data\/chats$/m,
    );
    expect(plain.stdout).toMatch(/^Messages 14 /m);

    const other = cli(['show', root, NEWER_OLD, '--tree', 'data/chats', '--json'], { env });
    expect(other.code).toBe(0);
    const detail = JSON.parse(other.stdout) as {
      dir: string;
      tree: string;
      newerIn: string;
      counts: { messages: number };
    };
    expect(detail.dir).toBe(join(root, 'data', 'chats', `chat_${NEWER_OLD}`));
    expect(detail.tree).toBe('data/chats');
    expect(detail.counts.messages).toBe(10);
    expect(detail.newerIn).toBe('data/chats');

    const onlyOld = cli(['show', root, ONLY_OLD[0]!], { env });
    expect(onlyOld.code).toBe(0);
    expect(onlyOld.stdout).toMatch(/^Tree data\/chats$/m);

    const wrong = cli(['show', root, NEWER_OLD, '--tree', 'elsewhere'], { env });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('elsewhere: not a chat tree of');
  });

  it("scan's table has a TREE column and names the trees", () => {
    const run = cli(['scan', root], { env: { CHAT_INSPECTOR_HOME: home } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/TREE/);
    expect(run.stdout).toContain('bot/data/chats (also data/chats, newer in data/chats)');
    expect(run.stdout).toContain('chat trees: bot/data/chats, data/chats; 2 chat(s) in more than one tree');
  });
});

describe('restore into a bot folder with two chat trees', () => {
  it('puts a chat back into the tree it lives in, a new chat into the current tree, and says which', () => {
    const env = { CHAT_INSPECTOR_HOME: home };
    // A copy of the bot folder: this test writes.
    const into = join(base, 'restore-target');
    cpSync(root, into, { recursive: true });
    const archive = join(base, 'restore-two-trees.tar.gz');
    const made = cli(['backup', root, '--chat', ONLY_OLD[0]!, ONLY_OLD[1]!, NEWER_OLD, '--out', archive], {
      env,
    });
    expect(made.code).toBe(0);
    const oldTree = join(into, 'data', 'chats');
    const currentTree = join(into, 'bot', 'data', 'chats');
    // ONLY_OLD[0] lost its metadata.json (restored in place, in data/chats); ONLY_OLD[1] is gone (new).
    rmSync(join(oldTree, `chat_${ONLY_OLD[0]}`, 'metadata.json'));
    rmSync(join(oldTree, `chat_${ONLY_OLD[1]}`), { recursive: true });

    const dry = cli(['restore', archive, '--into', into, '--dry-run', '--json'], { env });
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as RestoreResult;
    const chats = new Map(plan.chats.map((c) => [c.chatId, c]));
    expect(chats.get(ONLY_OLD[0]!)).toMatchObject({ tree: 'data/chats', action: 'replace' });
    expect(chats.get(ONLY_OLD[0]!)!.files.filter((f) => f.action !== 'unchanged')).toMatchObject([
      { name: 'metadata.json', action: 'add' },
    ]);
    expect(chats.get(ONLY_OLD[1]!)).toMatchObject({ tree: 'bot/data/chats', action: 'add' });
    // A chat in both: its copy in the current tree (the plain-id rule), which the archive holds.
    expect(chats.get(NEWER_OLD)).toMatchObject({ tree: 'bot/data/chats', action: 'unchanged' });

    const run = cli(['restore', archive, '--into', into], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`chat ${ONLY_OLD[0]}: replace (in data/chats)`);
    expect(run.stdout).toContain(`chat ${ONLY_OLD[1]}: add (in bot/data/chats)`);
    expect(run.stdout).toMatch(
      new RegExp(
        `^Restored into ${into.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(2 chat\\(s\\) in bot/data/chats, 1 chat\\(s\\) in data/chats\\): 1 chat\\(s\\) added, 1 replaced, 1 unchanged, 0 skipped$`,
        'm',
      ),
    );
    expect(run.stderr).toContain('a chat already there is restored in the tree holding it');
    // The metadata.json went back beside its DBs; no second copy appeared in the current tree.
    expect(existsSync(join(oldTree, `chat_${ONLY_OLD[0]}`, 'metadata.json'))).toBe(true);
    expect(existsSync(join(currentTree, `chat_${ONLY_OLD[0]}`))).toBe(false);
    expect(existsSync(join(currentTree, `chat_${ONLY_OLD[1]}`, 'conversations.db'))).toBe(true);
    expect(existsSync(join(oldTree, `chat_${ONLY_OLD[1]}`))).toBe(false);
  });
});

describe('check of a bot folder with two chat trees', () => {
  it("checks every copy of a chat in both trees: the older copy's damage is reported with its tree", () => {
    const env = { CHAT_INSPECTOR_HOME: home };
    const damaged = join(base, 'check-target');
    cpSync(root, damaged, { recursive: true });
    // The copy in data/chats (not the current one) is no longer an SQLite file.
    const oldDb = join(damaged, 'data', 'chats', `chat_${NEWER_OLD}`, 'conversations.db');
    const bytes = readFileSync(oldDb);
    bytes.write('this is not sqlite', 0);
    writeFileSync(oldDb, bytes);

    const run = cli(['check', damaged, '--json'], { env });
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as IntegrityReport;
    const copies = report.chats.filter((c) => c.chatId === NEWER_OLD);
    expect(copies.map((c) => [c.tree, c.status])).toEqual([
      ['bot/data/chats', expect.not.stringMatching(/^error$/)],
      ['data/chats', 'error'],
    ]);
    expect(copies[1]!.findings.some((f) => f.file === 'conversations.db' && f.severity === 'error')).toBe(
      true,
    );
    // Every chat once, and the other copy of each chat in both.
    expect(report.chats).toHaveLength(9);
    const text = cli(['check', damaged], { env });
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(new RegExp(`^chat ${NEWER_OLD} \\(data/chats\\)  error$`, 'm'));
    expect(text.stdout).toMatch(
      /^Checked 9 chats in .* \(of them 2 another tree's copy of a chat, checked too\)/m,
    );

    // --tree: only that tree's copies; --chat with --tree, the one copy.
    const onlyCurrent = cli(['check', damaged, '--tree', 'bot/data/chats', '--json'], { env });
    const current = JSON.parse(onlyCurrent.stdout) as IntegrityReport;
    expect(current.chats.map((c) => c.tree)).toEqual(Array(5).fill('bot/data/chats'));
    expect(current.summary.error).toBe(0);
    const one = cli(['check', damaged, '--chat', NEWER_OLD, '--tree', 'data/chats', '--json'], { env });
    expect(one.code).toBe(2);
    expect((JSON.parse(one.stdout) as IntegrityReport).chats.map((c) => [c.chatId, c.tree])).toEqual([
      [NEWER_OLD, 'data/chats'],
    ]);
    const absent = cli(['check', damaged, '--chat', ONLY_CURRENT[0]!, '--tree', 'data/chats'], { env });
    expect(absent.code).not.toBe(0);
    expect(absent.stderr.trim().split('\n')).toHaveLength(1);
    expect(absent.stderr).toContain(`chat ${ONLY_CURRENT[0]} is not in`);
  });
});

describe('search of a bot folder with two chat trees', () => {
  type Found = { totalHits: number; chatsSearched: number; hits: SearchHit[] };
  const search = (at: string, ...extra: string[]): Found => {
    const run = cli(['search', at, 'e', '--json', '--limit', '100000', '--workers', '0', ...extra], {
      env: { CHAT_INSPECTOR_HOME: home },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as Found;
  };

  it('searches every copy of a chat in both trees, each hit saying its tree; --tree one tree', () => {
    // The truth: each tree searched on its own.
    const current = search(join(root, 'bot', 'data', 'chats'));
    const old = search(join(root, 'data', 'chats'));
    expect(current.totalHits).toBeGreaterThan(0);
    expect(old.totalHits).toBeGreaterThan(0);

    const all = search(root);
    expect(all.totalHits).toBe(current.totalHits + old.totalHits);
    expect(all.chatsSearched).toBe(9);
    const key = (h: SearchHit) => `${h.chatId}:${h.messageId}`;
    expect(all.hits.filter((h) => h.tree === 'data/chats').map(key)).toEqual(old.hits.map(key));
    expect(all.hits.filter((h) => h.tree === 'bot/data/chats').map(key)).toEqual(current.hits.map(key));
    expect(all.hits.some((h) => h.chatId === NEWER_OLD && h.tree === 'data/chats')).toBe(true);
    // A root of one tree: no tree on the hits.
    expect(old.hits.every((h) => h.tree === undefined)).toBe(true);

    const onlyOld = search(root, '--tree', 'data/chats');
    expect(onlyOld.totalHits).toBe(old.totalHits);
    expect(new Set(onlyOld.hits.map((h) => h.tree))).toEqual(new Set(['data/chats']));

    const text = cli(['search', root, 'e', '--workers', '0'], { env: { CHAT_INSPECTOR_HOME: home } });
    expect(text.stdout).toMatch(/^CHAT\s+TREE\s+MESSAGE/m);
    const wrong = cli(['search', root, 'e', '--tree', 'nowhere'], { env: { CHAT_INSPECTOR_HOME: home } });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('nowhere: not a chat tree of');
  });
});

describe('export and vacuum --tree on a bot folder with two chat trees', () => {
  it("export --tree exports that tree's copy; a plain id, the current tree's", () => {
    const env = { CHAT_INSPECTOR_HOME: home };
    const exported = (tree: string[], name: string) => {
      const out = join(base, name);
      const run = cli(
        ['export', root, '--chat', NEWER_OLD, '--format', 'json', '--out', out, '--json', ...tree],
        {
          env,
        },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as { messages: number };
    };
    expect(exported([], 'plain.json').messages).toBe(14);
    expect(exported(['--tree', 'data/chats'], 'old.json').messages).toBe(10);
    const absent = cli(
      [
        'export',
        root,
        '--chat',
        ONLY_CURRENT[0]!,
        '--tree',
        'data/chats',
        '--format',
        'json',
        '--out',
        join(base, 'x.json'),
      ],
      { env },
    );
    expect(absent.code).not.toBe(0);
    expect(absent.stderr.trim().split('\n')).toHaveLength(1);
    expect(absent.stderr).toContain(`chat ${ONLY_CURRENT[0]} is not in ${join(root, 'data/chats')}`);
  });

  it("vacuum --dry-run --tree measures that tree's copies", () => {
    const env = { CHAT_INSPECTOR_HOME: home };
    // A copy of the bot folder whose DBs below have free pages (a table filled, then dropped).
    const at = join(base, 'vacuum-target');
    cpSync(root, at, { recursive: true });
    const oldTree = join(at, 'data', 'chats');
    const currentTree = join(at, 'bot', 'data', 'chats');
    for (const dir of [
      join(oldTree, `chat_${NEWER_OLD}`),
      join(currentTree, `chat_${NEWER_OLD}`),
      join(oldTree, `chat_${ONLY_OLD[0]}`),
    ]) {
      const db = new Database(join(dir, 'conversations.db'));
      db.exec('CREATE TABLE pad(x); INSERT INTO pad VALUES (randomblob(200000)); DROP TABLE pad;');
      db.close();
    }
    const planned = (...extra: string[]) => {
      const run = cli(['vacuum', at, '--dry-run', '--json', ...extra], { env });
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { candidates: { chatId: string; path: string }[] }).candidates;
    };
    const one = planned('--chat', NEWER_OLD, '--tree', 'data/chats');
    expect(one.map((c) => c.path)).toEqual([join(oldTree, `chat_${NEWER_OLD}`, 'conversations.db')]);
    const plain = planned('--chat', NEWER_OLD);
    expect(plain.map((c) => c.path)).toEqual([join(currentTree, `chat_${NEWER_OLD}`, 'conversations.db')]);
    // The whole tree: its chat folders, the copies of chats in both included.
    const tree = planned('--tree', 'data/chats');
    expect(tree.map((c) => c.path).sort()).toEqual(
      [NEWER_OLD, ONLY_OLD[0]!].map((id) => join(oldTree, `chat_${id}`, 'conversations.db')).sort(),
    );
    const wrong = cli(['vacuum', at, '--tree', 'nowhere', '--dry-run'], { env });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('nowhere: not a chat tree of');
  });
});

describe("the app's chat operations on a bot folder with two chat trees", () => {
  it('chat.detail/messages/search/metrics/learning read the copy of the tree given; a tree the root lacks or a path is refused', async () => {
    const pool = new WorkerPool(0);
    const ctx = createContext({
      userDataDir: join(base, 'ops-home'),
      pool,
      offload: null,
      rememberRecent: false,
      roots: [root],
    });
    try {
      const call = (op: string, input: Record<string, unknown>) =>
        invoke(op as 'chat.detail', { root, chatId: NEWER_OLD, ...input } as never, ctx);
      const plain = (await call('chat.detail', {})) as ChatDetail;
      expect(plain).toMatchObject({ tree: 'bot/data/chats', newerIn: 'data/chats' });
      expect(plain.counts.messages).toBe(14);
      const other = (await call('chat.detail', { tree: 'data/chats' })) as ChatDetail;
      expect(other).toMatchObject({ tree: 'data/chats', newerIn: 'data/chats' });
      expect(other.dir).toBe(join(root, 'data', 'chats', `chat_${NEWER_OLD}`));
      expect(other.counts.messages).toBe(10);
      expect(other.copies!.map((c) => c.tree)).toEqual(['bot/data/chats']);

      const page = (await call('chat.messages', { tree: 'data/chats', limit: 1000 })) as SourceMessagePageOut;
      expect(page.messages).toHaveLength(10);
      expect(((await call('chat.messages', { limit: 1000 })) as SourceMessagePageOut).messages).toHaveLength(
        14,
      );
      const found = (await call('chat.search', { tree: 'data/chats', query: 'e', limit: 1000 })) as {
        total: number;
      };
      const oldDb = new Database(join(root, 'data', 'chats', `chat_${NEWER_OLD}`, 'conversations.db'), {
        readonly: true,
      });
      const truth = oldDb
        .prepare("SELECT count(*) FROM messages WHERE content LIKE '%e%'")
        .pluck()
        .get() as number;
      oldDb.close();
      expect(found.total).toBe(truth);
      const metrics = (await call('chat.metrics', { tree: 'data/chats' })) as ChatMetrics;
      // The truth: data/chats read as a root of its own.
      expect(metrics).toEqual(readChatMetrics(join(root, 'data', 'chats'), NEWER_OLD));
      expect(metrics).not.toEqual(readChatMetrics(root, NEWER_OLD));
      await expect(call('chat.learning', { tree: 'data/chats' })).resolves.toBeTruthy();

      for (const tree of ['elsewhere', 'chats']) {
        const error = await call('chat.detail', { tree }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).message).toContain(`${tree}: not a chat tree of`);
      }
      for (const tree of ['../other', '/etc', 'data/../..'])
        expect(
          ((await call('chat.messages', { tree, limit: 10 }).catch((e: unknown) => e)) as AppError).code,
        ).toBe('invalid_input');
    } finally {
      await pool.close();
    }
  });
});
