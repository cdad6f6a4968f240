import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRow, SearchHit } from '../../shared/contract/fleet.ts';
import type { ChatSummary, Finding, ScanResult } from '../../shared/domain.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { checkChatTask } from '../integrity/chat.ts';
import { silentContext } from '../jobs/job.ts';
import Database from '../sqlite/driver.ts';
import { openForWrite, openOwnFile } from '../sqlite/write.ts';
import { fleetMetrics } from '../store/fleet.ts';
import { scanRoot, type CountsRead } from '../store/scan.ts';
import { CONVERSATIONS_DB } from '../adapters/per-chat-schema.ts';
import { cli } from '../testing/cli.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { WorkerPool } from '../workers/pool.ts';
import { writeScanJson } from '../cli/scan.ts';
import { FleetIndex } from './index.ts';
import { FLEET_APP_ID, indexPathFor } from './index-db.ts';
import { refreshIndex } from './refresh.ts';
import { closeFleetIndexes } from './registry.ts';
import { searchRoot } from './search.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
let base: string;
let gen: GeneratedRoot;
let pool: WorkerPool;
const open: FleetIndex[] = [];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-fleet-'));
  gen = generateRoot(join(base, 'root'), { chats: 10, broken: 'all', strays: true, seed: 11, now: NOW });
  pool = new WorkerPool(2);
});
afterEach(() => {
  while (open.length) open.pop()!.close();
  closeFleetIndexes();
});
afterAll(async () => {
  await pool.close();
  rmSync(base, { recursive: true, force: true });
});

/** A scan's JSON with its summary's measured time replaced by a check of its kind (two runs differ). */
function untimed(scan: ScanResult): ScanResult {
  const { summary } = scan as ScanResult & { summary?: Record<string, unknown> };
  if (!summary) return scan;
  return { ...scan, summary: { ...summary, averageQueryMs: expect.any(Number) } } as ScanResult;
}

let copies = 0;
/** A private copy of the fixture root (tests that change files) and an empty home for its index. */
function copyRoot(): { root: string; home: string } {
  const dir = join(base, `copy-${++copies}`);
  cpSync(gen.root, join(dir, 'root'), { recursive: true });
  return { root: join(dir, 'root'), home: join(dir, 'home') };
}

function openIndex(home: string, root: string): FleetIndex {
  const index = new FleetIndex(home, root);
  open.push(index);
  return index;
}

async function refresh(index: FleetIndex, onEvent?: () => void, identityInWorkersFrom?: number) {
  return refreshIndex(index, silentContext(onEvent), { pool, now: NOW, identityInWorkersFrom });
}

function allRows(index: FleetIndex): FleetRow[] {
  return index.page({ sort: 'chatId', desc: false, filter: {}, limit: 1000 }).rows;
}

const chatOf = (kind: string) => gen.chats.find((c) => c.kind === kind)!;

describe('one pass', () => {
  it('never lists a damaged or unreadable chat as ok, and its findings are the integrity check’s', async () => {
    const findings = new Map<string, Finding[]>();
    const result = await scanRoot(gen.root, silentContext(), {
      pool,
      now: NOW,
      onVisit: (id, f) => findings.set(id, f),
    });
    for (const kind of ['page_corrupt', 'truncated', 'zero_byte', 'not_sqlite', 'missing_file']) {
      const chat = chatOf(kind);
      const row = result.chats.find((r) => r.chatId === chat.chatId)!;
      expect(row.health, kind).toBe('error');
      const check = checkChatTask({ chatId: chat.chatId, dir: chat.dir, nowMs: NOW.getTime(), full: false });
      expect(check.kind).toBe('chat');
      if (check.kind === 'chat') {
        expect(findings.get(chat.chatId), kind).toEqual(check.check.findings);
        expect(row.health).toBe(check.check.status);
      }
    }
    // The corrupt page is found by the quick check within the pass, not left for the Integrity screen.
    expect(findings.get(chatOf('page_corrupt').chatId)?.map((f) => f.code)).toContain('corrupt');
    // Healthy chats are ok, with their exact counts.
    for (const chat of gen.chats.filter((c) => c.kind === 'healthy')) {
      expect(result.chats.find((r) => r.chatId === chat.chatId)).toMatchObject({
        health: 'ok',
        messages: chat.messages,
      });
    }
  });

  it('the index has the same rows as a pass without it, and marks the counts of damaged chats partial', async () => {
    const { home } = copyRoot();
    const index = openIndex(home, gen.root);
    const first = await refresh(index);
    expect(first.visited).toBe(gen.chats.length); // the empty chat folder too: it is a chat
    const counts = new Map<string, CountsRead>();
    const pass = await scanRoot(gen.root, silentContext(), {
      pool,
      now: NOW,
      onVisit: (chatId, _findings, read) => counts.set(chatId, read),
    });
    const strip = ({ partial: _p, unread: _u, codes: _c, ...s }: FleetRow): ChatSummary => s as ChatSummary;
    expect(allRows(index).map(strip)).toEqual(
      [...pass.chats].sort((a, b) => Number(a.chatId) - Number(b.chatId)),
    );
    const rows = new Map(allRows(index).map((r) => [r.chatId, r]));
    expect(rows.get(chatOf('not_sqlite').chatId)?.partial).toBe(true);
    expect(rows.get(chatOf('truncated').chatId)?.partial).toBe(true);
    expect(rows.get(gen.chats[0]!.chatId)?.partial).toBe(false);
    // A conversations.db that cannot be read at all has no counts (not "0 messages").
    expect(rows.get(chatOf('not_sqlite').chatId)?.unread).toBe(true);
    expect(rows.get(chatOf('missing_file').chatId)?.unread).toBe(true);
    expect(rows.get(gen.chats[0]!.chatId)?.unread).toBe(false);
    // The pass and the index agree on whose counts are not the whole chat's (the CLI's table marks them).
    const incomplete = index.incompleteCounts();
    expect(incomplete).toEqual(new Map([...counts].filter(([, read]) => read !== 'whole')));
    expect(incomplete.get(chatOf('not_sqlite').chatId)).toBe('unread');
    expect(incomplete.get(chatOf('truncated').chatId)).toBeDefined();
    expect(incomplete.has(gen.chats[0]!.chatId)).toBe(false);
    expect(index.skipped().map((s) => s.path)).toEqual(pass.skipped.map((s) => s.path));
  });
});

describe('scan --json', () => {
  it('streams the rows from the index in the JSON a full pass prints, byte for byte as JSON.stringify', () => {
    const { root, home } = copyRoot();
    const env = { CHAT_INSPECTOR_HOME: home };
    const indexed = cli(['scan', root, '--json'], { env });
    const full = cli(['scan', root, '--json', '--no-index'], { env });
    expect([indexed.code, full.code]).toEqual([0, 0]);
    const fromIndex = JSON.parse(indexed.stdout) as ScanResult;
    expect(indexed.stdout).toBe(`${JSON.stringify(fromIndex, null, 2)}\n`);
    const byId = (rows: ChatSummary[]) => [...rows].sort((a, b) => a.chatId.localeCompare(b.chatId));
    const fromPass = JSON.parse(full.stdout) as ScanResult;
    expect(fromIndex.chats.length).toBe(gen.chats.length);
    expect({ ...untimed(fromIndex), chats: byId(fromIndex.chats) }).toEqual({
      ...untimed(fromPass),
      chats: byId(fromPass.chats),
    });
  });

  it('shows counts that could not be read as "—" and counts of a damaged file as partial, never as 0', () => {
    const { root, home } = copyRoot();
    const env = { CHAT_INSPECTOR_HOME: home };
    for (const args of [
      ['scan', root],
      ['scan', root, '--no-index'],
    ]) {
      const { code, stdout } = cli(args, { env });
      expect(code).toBe(0);
      const line = (kind: string) => stdout.split('\n').find((l) => l.startsWith(`${chatOf(kind).chatId} `))!;
      expect(line('not_sqlite')).toMatch(/ — +— +/);
      expect(line('missing_file')).toMatch(/ — +— +/);
      expect(line('truncated')).toMatch(/ — +— +/);
      const healthy = gen.chats.find((c) => c.kind === 'healthy')!;
      expect(line('healthy')).toMatch(new RegExp(` ${healthy.messages} +${healthy.sessions} +`));
    }
  });

  it('writes what JSON.stringify writes for no rows, one row and text that needs escaping', async () => {
    const row = (chatId: string, name: string | null): ChatSummary => ({
      chatId,
      name,
      level: 'B1',
      messages: 3,
      sessions: 1,
      counts: 'whole',
      countsReason: null,
      lastActive: null,
      sizeBytes: 10,
      health: 'ok',
    });
    const cases: ScanResult[] = [
      { root: '/r', chats: [], skipped: [] },
      {
        root: '/r "quoted"\n',
        chats: [row('1', 'Zoë\n"x"\u2028')],
        skipped: [{ path: '/r/x', code: 'bad_name', reason: 'a\nb' }],
      },
      { root: '/r', chats: Array.from({ length: 900 }, (_, i) => row(String(i), `n${i}`)), skipped: [] },
    ];
    for (const scan of cases) {
      let out = '';
      let writes = 0;
      await writeScanJson(scan, (text) => {
        out += text;
        writes++;
      });
      expect(out).toBe(`${JSON.stringify(scan, null, 2)}\n`);
      if (scan.chats.length === 900) expect(writes).toBeGreaterThan(1);
    }
    // A reader that is behind: no more rows are taken until the last piece was taken.
    const rows = Array.from({ length: 900 }, (_, i) => row(String(i), `n${i}`));
    let taken = 0;
    const counted = (function* () {
      for (const r of rows) {
        taken++;
        yield r;
      }
    })();
    const takenAtWrite: number[] = [];
    await writeScanJson({ root: '/r', chats: counted, skipped: [] }, async (text) => {
      takenAtWrite.push(taken);
      await new Promise((r) => setTimeout(r, 1));
      expect(taken).toBe(takenAtWrite.at(-1));
      void text;
    });
    expect(takenAtWrite.length).toBeGreaterThan(2);
    expect(taken).toBe(900);
  });
});

describe('fleet index', () => {
  it('lists new chats at once as unchecked, then checked', async () => {
    const { home } = copyRoot();
    const index = openIndex(home, gen.root);
    let firstEvent: FleetRow[] | null = null;
    await refresh(index, () => {
      firstEvent ??= allRows(index);
    });
    expect(firstEvent).not.toBeNull();
    expect(firstEvent!.length).toBe(gen.chats.length);
    expect(firstEvent!.every((r) => r.health === 'unchecked')).toBe(true);
    expect(allRows(index).some((r) => r.health === 'unchecked')).toBe(false);
  });

  it('survives a restart: reopening reads nothing when nothing changed', async () => {
    const { root, home } = copyRoot();
    const a = new FleetIndex(home, root);
    await refresh(a);
    const before = allRows(a);
    a.close();
    const b = openIndex(home, root);
    expect(b.rebuilt).toBe(false);
    expect(allRows(b)).toEqual(before);
    const again = await refresh(b);
    expect(again.visited).toBe(0);
    expect(again.removed).toBe(0);
    expect(allRows(b)).toEqual(before);
  });

  // Comparing on this thread (small roots) and in the workers (100,000 chats) must find the same changes.
  it.each([
    ['on this thread', undefined],
    ['in the workers', 0],
  ])(
    're-reads a chat changed by size, by mtime only, or replaced by a rename; drops a deleted one (%s)',
    async (_where, identityInWorkersFrom) => {
      const { root, home } = copyRoot();
      const index = openIndex(home, root);
      await refresh(index);
      const healthy = gen.chats.filter((c) => c.kind === 'healthy');
      const dirOf = (id: string) =>
        join(root, relative(gen.root, gen.chats.find((c) => c.chatId === id)!.dir));
      const [bySize, byMtime, byRename, deleted] = healthy.map((c) => c.chatId);

      // Size: one more message.
      const db = openForWrite(join(dirOf(bySize!), CONVERSATIONS_DB), { fileMustExist: true });
      db.prepare(
        "INSERT INTO messages (chat_id, message_type, content, timestamp) VALUES (?, 'user', 'hi', ?)",
      ).run(Number(bySize), '2026-10-31 10:00:00');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      // Mtime only.
      const touched = join(dirOf(byMtime!), CONVERSATIONS_DB);
      const later = new Date(statSync(touched).mtimeMs + 5000);
      utimesSync(touched, later, later);
      // Replaced by a rename: same size and mtime, other bytes (a damaged page), a new inode.
      const target = join(dirOf(byRename!), CONVERSATIONS_DB);
      const st = statSync(target);
      const temp = `${target}.new`;
      copyFileSync(target, temp);
      const fd = openSync(temp, 'r+');
      writeSync(fd, Buffer.alloc(st.size - 4096 * 2, 0xa5), 0, st.size - 4096 * 2, 4096 * 2);
      closeSync(fd);
      utimesSync(temp, st.atime, st.mtime);
      renameSync(temp, target);
      expect(statSync(target).size).toBe(st.size);
      // Deleted.
      rmSync(dirOf(deleted!), { recursive: true });

      const result = await refresh(index, undefined, identityInWorkersFrom);
      expect(result.visited).toBe(3);
      expect(result.removed).toBe(1);
      const rows = new Map(allRows(index).map((r) => [r.chatId, r]));
      expect(rows.has(deleted!)).toBe(false);
      const sizeChat = healthy.find((c) => c.chatId === bySize)!;
      expect(rows.get(bySize!)?.messages).toBe(sizeChat.messages + 1);
      expect(rows.get(byMtime!)?.health).toBe('ok');
      expect(rows.get(byRename!)?.health).toBe('error');
    },
  );

  it('notices a watched file that appears beside unchanged ones (the folder’s mtime), and stats only what it holds', async () => {
    const { root, home } = copyRoot();
    const index = openIndex(home, root);
    await refresh(index);
    const chat = gen.chats.filter((c) => c.kind === 'healthy')[1]!;
    const dir = join(root, relative(gen.root, chat.dir));
    // A bot starts writing: a -wal appears (copied from a real one), the DB itself is untouched.
    const walChat = chatOf('wal_pending');
    copyFileSync(join(walChat.dir, `${CONVERSATIONS_DB}-wal`), join(dir, `${CONVERSATIONS_DB}-wal`));
    const result = await refresh(index);
    expect(result.visited).toBe(1);
    expect(index.chat(chat.chatId).row?.codes).toContain('wal_pending');
    // And nothing else is read again.
    expect((await refresh(index)).visited).toBe(0);
  });

  it('lives outside the root, and the root’s bytes are unchanged', async () => {
    const { home } = copyRoot();
    const before = fingerprintTree(gen.root);
    const index = openIndex(home, gen.root);
    await refresh(index);
    await searchRoot(gen.root, { query: 'the', limit: 10 }, silentContext(), pool);
    expect(fingerprintTree(gen.root)).toEqual(before);
    expect(index.path.startsWith(resolve(home))).toBe(true);
    expect(relative(gen.root, index.path).startsWith('..')).toBe(true);
  });

  it('rebuilds a damaged or foreign index instead of trusting it', async () => {
    const { home } = copyRoot();
    const path = indexPathFor(home, gen.root);
    const first = new FleetIndex(home, gen.root);
    await refresh(first);
    const good = allRows(first);
    first.close();

    // Damaged: garbage over the pages after the header.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
    closeSync(fd);
    const damaged = openIndex(home, gen.root);
    expect(damaged.rebuilt).toBe(true);
    expect(allRows(damaged)).toEqual([]);
    await refresh(damaged);
    expect(allRows(damaged)).toEqual(good);
    damaged.close();
    open.pop();

    // Foreign: some other SQLite file where the index should be.
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE chats (x); INSERT INTO chats VALUES (1);');
    foreign.close();
    const reopened = openIndex(home, gen.root);
    expect(reopened.rebuilt).toBe(true);
    expect(allRows(reopened)).toEqual([]);

    // Not SQLite at all.
    reopened.close();
    open.pop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    writeFileSync(path, 'not a database, just text '.repeat(100));
    const text = openIndex(home, gen.root);
    expect(text.rebuilt).toBe(true);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('application_id', { simple: true })).toBe(FLEET_APP_ID);
    check.close();
  });

  it("opens its file only inside Chat Inspector's own folder", () => {
    const home = join(base, 'own-home');
    expect(() => openOwnFile(join(gen.root, 'index.sqlite'), home)).toThrow(
      /not one of Chat Inspector's own files/,
    );
    expect(() => openOwnFile(join(home, '..', 'escape.sqlite'), home)).toThrow(/own files/);
    expect(existsSync(join(gen.root, 'index.sqlite'))).toBe(false);
  });

  it('two processes refreshing the same index at once leave it sound and complete', async () => {
    const { root, home } = copyRoot();
    const cli = resolve(import.meta.dirname, '../cli/main.ts');
    const run = () =>
      new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn(process.execPath, [cli, 'scan', root, '--json', '--workers', '1'], {
          env: { ...process.env, CHAT_INSPECTOR_HOME: home },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code) => done({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(untimed(JSON.parse(a.out) as ScanResult)).toEqual(untimed(JSON.parse(b.out) as ScanResult));
    const path = indexPathFor(home, root);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT count(*) FROM chats').pluck().get()).toBe(gen.chats.length);
    db.close();
    expect(existsSync(join(root, 'fleet-index'))).toBe(false);
  });
});

describe("a damaged chat's health", () => {
  // The e2e "a chat with a damaged page is an error in the list" once saw the page_corrupt chat as
  // `warning`: backups.spec, in the same Playwright worker and on the same root, had recovered it and
  // put the recovered DB in place. The list was right (the file there was no longer damaged); the
  // shared root was the fault (e2e/support/server.ts now gives writing spec files a root of their own).
  // This is that sequence, step by step.
  it('follows the file actually there: error, then unchecked (never ok) while a replaced file waits, then its new findings', async () => {
    const { root, home } = copyRoot();
    const index = openIndex(home, root);
    await refresh(index);
    const corrupt = chatOf('page_corrupt');
    const dir = join(root, relative(gen.root, corrupt.dir));
    expect(index.chat(corrupt.chatId).row).toMatchObject({ health: 'error', partial: true });
    expect(index.chat(corrupt.chatId).row?.codes).toContain('corrupt');

    // "Put it in place": the damaged file kept as .bak, a sound copy renamed over it (here a healthy
    // chat's DB, so metadata.json no longer matches it: a warning, as after a real recovery).
    const target = join(dir, CONVERSATIONS_DB);
    copyFileSync(target, `${target}.bak-test`);
    const healthy = gen.chats.find((c) => c.kind === 'healthy')!;
    copyFileSync(join(healthy.dir, CONVERSATIONS_DB), `${target}.new`);
    renameSync(`${target}.new`, target);

    const seen: (string | undefined)[] = [];
    await refresh(index, () => seen.push(index.chat(corrupt.chatId).row?.health));
    expect(seen[0]).toBe('unchecked');
    expect(seen).not.toContain('ok');
    const after = index.chat(corrupt.chatId);
    expect(after.row?.codes).not.toContain('corrupt');
    expect(after.row?.health).toBe('warning');
    expect(after.findings.map((f) => f.code)).toContain('metadata_mismatch');
  });

  it('keeps damage found before when the file is locked by another program this time', async () => {
    const { root, home } = copyRoot();
    const index = openIndex(home, root);
    await refresh(index);
    const corrupt = chatOf('page_corrupt');
    const target = join(root, relative(gen.root, corrupt.dir), CONVERSATIONS_DB);
    const touch = () => {
      const later = new Date(statSync(target).mtimeMs + 5000);
      utimesSync(target, later, later);
    };
    touch();
    // Another program (the bot) holds the write lock while the chat is read again.
    const holder = new Database(target, { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const result = await refresh(index);
      expect(result.visited).toBe(1);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const locked = index.chat(corrupt.chatId);
    expect(locked.row?.health).toBe('error');
    expect(locked.findings.map((f) => f.code).sort()).toEqual(expect.arrayContaining(['corrupt', 'locked']));
    expect(locked.findings.find((f) => f.code === 'corrupt')?.message).toMatch(/previous check/);

    // Unlocked: read again for real, the note goes.
    touch();
    await refresh(index);
    const again = index.chat(corrupt.chatId);
    expect(again.findings.map((f) => f.code)).not.toContain('locked');
    expect(again.findings.find((f) => f.code === 'corrupt')?.message).not.toMatch(/previous check/);
  });
});

describe('show: the health of the list and the Integrity screen', () => {
  it('comes from the fleet index when its files are unchanged, else from a quick check of that chat', () => {
    const { root, home } = copyRoot();
    const env = { ...process.env, CHAT_INSPECTOR_HOME: home };
    const drift = chatOf('schema_drift');
    const corrupt = chatOf('page_corrupt');
    const indexFile = indexPathFor(home, root);

    // No index yet: a quick check of that one chat (schema drift is not a cheap finding), no index made.
    const fresh = cli(['show', root, drift.chatId], { env });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/health warning/);
    expect(fresh.stdout).toMatch(/Findings \(quick check\)\nwarning schema_drift/);
    expect(existsSync(indexFile)).toBe(false);
    const json = JSON.parse(cli(['show', root, drift.chatId, '--json'], { env }).stdout) as {
      health: string;
    };
    expect(json.health).toBe('warning');

    // Indexed: the index's findings, the same as the list's row.
    expect(cli(['scan', root], { env }).code).toBe(0);
    const listed = cli(['show', root, corrupt.chatId], { env });
    expect(listed.stdout).toMatch(/health error/);
    expect(listed.stdout).toMatch(/Findings \(fleet index, checked /);
    expect(listed.stdout).toMatch(/error corrupt conversations\.db: .*quick check found/);

    // Its file changed since: checked again, not taken from the index.
    const db = join(root, relative(gen.root, corrupt.dir), CONVERSATIONS_DB);
    const later = new Date(statSync(db).mtimeMs + 5000);
    utimesSync(db, later, later);
    const changed = cli(['show', root, corrupt.chatId], { env });
    expect(changed.stdout).toMatch(/health error/);
    expect(changed.stdout).toMatch(/Findings \(quick check\)/);
  });
});

describe('the list from the index', () => {
  let index: FleetIndex;
  let rows: FleetRow[];
  beforeAll(async () => {
    index = new FleetIndex(join(base, 'list-home'), gen.root);
    await refreshIndex(index, silentContext(), { pool, now: NOW });
    rows = index.page({ sort: 'chatId', desc: false, filter: {}, limit: 1000 }).rows;
  });
  afterAll(() => index.close());

  it('pages by key through every sort in both directions, without gaps or repeats', () => {
    for (const sort of [
      'chatId',
      'name',
      'level',
      'messages',
      'lastActive',
      'sizeBytes',
      'health',
    ] as const) {
      for (const desc of [false, true]) {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = index.page({ sort, desc, filter: {}, after, limit: 4 });
          expect(page.total).toBe(rows.length);
          seen.push(...page.rows.map((r) => r.chatId));
          if (!page.nextCursor) break;
          after = page.nextCursor;
        }
        expect(new Set(seen).size, `${sort} ${desc}`).toBe(rows.length);
        // Offsets (a jump in the list) give the same order.
        const jump = index.page({ sort, desc, filter: {}, offset: 5, limit: 3 });
        expect(jump.rows.map((r) => r.chatId)).toEqual(seen.slice(5, 8));
      }
    }
    const bySize = index.page({ sort: 'sizeBytes', desc: true, filter: {}, limit: 1000 }).rows;
    for (let i = 1; i < bySize.length; i++)
      expect(bySize[i - 1]!.sizeBytes).toBeGreaterThanOrEqual(bySize[i]!.sizeBytes);
  });

  it('filters by health, level, finding code, last active range and id or name', () => {
    const q = (filter: Parameters<FleetIndex['page']>[0]['filter']) =>
      index.page({ sort: 'chatId', desc: false, filter, limit: 1000 }).rows.map((r) => r.chatId);
    const ids = (pred: (r: FleetRow) => boolean) => rows.filter(pred).map((r) => r.chatId);
    expect(q({ health: ['error'] })).toEqual(ids((r) => r.health === 'error'));
    expect(q({ health: ['error'] }).length).toBeGreaterThanOrEqual(5);
    const level = rows.find((r) => r.level)!.level!;
    expect(q({ level })).toEqual(ids((r) => r.level === level));
    expect(q({ code: 'corrupt' })).toEqual(ids((r) => r.codes.includes('corrupt')));
    expect(q({ code: 'corrupt' })).toContain(chatOf('page_corrupt').chatId);
    expect(q({ activeFrom: '2026-10-01', activeTo: '2026-10-31' })).toEqual(
      ids((r) => r.lastActive !== null && r.lastActive >= '2026-10-01' && r.lastActive < '2026-11-01'),
    );
    const named = rows.find((r) => r.name && /[áéíóúãõç]/i.test(r.name)) ?? rows.find((r) => r.name)!;
    const plain = named
      .name!.normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toUpperCase();
    expect(q({ text: plain })).toContain(named.chatId);
    expect(q({ text: named.chatId.slice(2, 8) })).toContain(named.chatId);
    const overview = index.overview();
    expect(overview.total).toBe(rows.length);
    expect(overview.counts.error).toBe(ids((r) => r.health === 'error').length);
  });
});

describe('search across every chat', () => {
  /** Every message read in plain JavaScript from a copy of each chat (its -wal included). */
  function bruteForce(query: string, role?: 'user' | 'bot') {
    const fold = (t: string) => t.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const needle = fold(query);
    let total = 0;
    const hits: string[] = [];
    const scratch = mkdtempSync(join(base, 'brute-'));
    for (const chat of [...gen.chats].sort((a, b) => (BigInt(a.chatId) < BigInt(b.chatId) ? -1 : 1))) {
      const path = join(chat.dir, CONVERSATIONS_DB);
      const copy = join(scratch, `${chat.chatId}.db`);
      // A hot journal beside it: unreadable (locked) until a writer rolls it back, so not searched.
      if (existsSync(`${path}-journal`)) continue;
      let db;
      try {
        copyFileSync(path, copy);
        if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
        db = new Database(copy, { readonly: true, fileMustExist: true });
        const rows = db.prepare('SELECT id, message_type, content FROM messages ORDER BY id').raw().all() as [
          number,
          string | null,
          string | null,
        ][];
        for (const [id, type, content] of rows) {
          if (content === null || !fold(content).includes(needle)) continue;
          if (role === 'user' && type !== 'user') continue;
          if (role === 'bot' && type === 'user') continue;
          total++;
          hits.push(`${chat.chatId}:${id}`);
        }
      } catch {
        // unreadable: not searched
      } finally {
        db?.close();
      }
    }
    rmSync(scratch, { recursive: true, force: true });
    return { total, hits };
  }

  it.each([
    ['the', undefined],
    ['THE', 'user'],
    ['você', 'bot'],
    ['100%', undefined],
  ] as const)('finds exactly what a brute-force LIKE finds (%s, %s)', async (query, role) => {
    const expected = bruteForce(query, role);
    const hits: SearchHit[] = [];
    const summary = await searchRoot(
      gen.root,
      { query, role, limit: 1_000_000 },
      silentContext((h: SearchHit) => hits.push(h)),
      pool,
    );
    expect(summary.totalHits).toBe(expected.total);
    expect(hits.map((h) => `${h.chatId}:${h.messageId}`)).toEqual(expected.hits);
    if (role) expect(hits.every((h) => (role === 'user' ? h.role === 'user' : h.role !== 'user'))).toBe(true);
  });

  it('caps the hits it sends, not the total, and filters by date', async () => {
    const hits: SearchHit[] = [];
    const summary = await searchRoot(
      gen.root,
      { query: 'e', limit: 7 },
      silentContext((h: SearchHit) => hits.push(h)),
      pool,
    );
    expect(hits).toHaveLength(7);
    expect(summary.totalHits).toBe(bruteForce('e').total);
    expect(summary.capped).toBe(true);
    const dated: SearchHit[] = [];
    await searchRoot(
      gen.root,
      { query: 'e', from: '2026-10-20', to: '2026-10-25', limit: 100_000 },
      silentContext((h: SearchHit) => dated.push(h)),
      pool,
    );
    expect(dated.length).toBeGreaterThan(0);
    expect(dated.every((h) => h.timestamp! >= '2026-10-20' && h.timestamp! < '2026-10-26')).toBe(true);
  });

  it('search --json prints the documented shape', async () => {
    const cli = resolve(import.meta.dirname, '../cli/main.ts');
    const out = await new Promise<string>((done) => {
      const child = spawn(process.execPath, [cli, 'search', gen.root, 'the', '--limit', '3', '--json']);
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('close', () => done(text));
    });
    const parsed = JSON.parse(out) as Record<string, unknown> & { hits: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['query', 'chatsSearched', 'totalHits', 'hits']);
    expect(parsed.totalHits).toBe(bruteForce('the').total);
    expect(parsed.hits).toHaveLength(3);
    expect(Object.keys(parsed.hits[0]!)).toEqual(['chatId', 'messageId', 'timestamp', 'role', 'snippet']);
  });
});

describe('a clock that ran wild', () => {
  it('is an info finding of its own, and its days are left out of the fleet charts', async () => {
    const { root } = copyRoot();
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const dir = join(root, relative(gen.root, chat.dir));
    const db = openForWrite(join(dir, CONVERSATIONS_DB), { fileMustExist: true });
    db.prepare(
      "INSERT INTO messages (chat_id, message_type, content, timestamp) VALUES (?, 'user', 'from the future', '2062-03-01 10:00:00')",
    ).run(Number(chat.chatId));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const findings = new Map<string, Finding[]>();
    const result = await scanRoot(root, silentContext(), {
      pool,
      now: NOW,
      onVisit: (id, f) => findings.set(id, f),
    });
    const skew = findings.get(chat.chatId)!.find((f) => f.code === 'clock_skew');
    expect(skew?.severity).toBe('info');
    expect(skew?.message).toContain('2062-03-01');
    // The skew alone lowers nothing (the added row makes metadata.json out of date, a warning of its own).
    expect(
      findings
        .get(chat.chatId)!
        .filter((f) => f.severity !== 'info')
        .map((f) => f.code),
    ).toEqual(['metadata_mismatch']);
    expect(result.chats.find((r) => r.chatId === chat.chatId)?.health).toBe('warning');
    // This chat and the generator's future_dated one.
    const future = gen.chats.find((c) => c.kind === 'future_dated')!;
    const skewed = [...findings.entries()].filter(([, f]) => f.some((x) => x.code === 'clock_skew'));
    expect(skewed.map(([id]) => id).sort()).toEqual([chat.chatId, future.chatId].sort());

    const metrics = await fleetMetrics(root, silentContext(), pool, NOW);
    const days = [...metrics.activeUsersPerDay, ...metrics.messagesPerDay].map((d) => d.day);
    expect(days.every((d) => d >= '2000-01-01' && d <= '2026-11-02')).toBe(true);
    expect(metrics.clockSkewChats).toBe(2);
    expect(metrics.alerts).toContainEqual(
      expect.objectContaining({ chatId: chat.chatId, kind: 'clock_skew' }),
    );
    // The size histogram's outliers: the largest chats, biggest first.
    expect(metrics.largestChats.length).toBeGreaterThan(0);
    const sizes = metrics.largestChats.map((c) => c.sizeBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(metrics.largestChats[0]!.chatId).toBe(chatOf('db_large').chatId);
  });
});
