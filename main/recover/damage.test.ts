import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  writeSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoverResult } from '../../shared/contract/backup.ts';
import { CLI, NODE, REPO, dumpDb, runCliSync } from '../testing/backup-helpers.ts';
import { damageChat, DAMAGE_KINDS, type DamagedDb, type DamageKind } from '../fixtures/damage.ts';
import { generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { silentContext } from '../jobs/job.ts';
import { withReadonly } from '../sqlite/open.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { recoverDb } from './recover.ts';

let dir: string;
let savedTmp: string | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-damage-'));
  // A temp folder of this file's own, so "no temporary file is left" is not disturbed by other processes.
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = join(dir, 'tmp');
  mkdirSync(process.env.TMPDIR);
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(dir, { recursive: true, force: true });
});

function key(row: unknown[]): string {
  return JSON.stringify(row, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('hex') : v,
  );
}

interface Comparison {
  original: number;
  present: number;
  altered: number;
  lostRowids: bigint[];
}

/** Row by row against the intact original: present (byte-identical), altered (differs or unknown rowid), lost. */
function compare(original: string, recovered: string): Record<string, Comparison> {
  const a = dumpDb(original);
  const b = dumpDb(recovered);
  const out: Record<string, Comparison> = {};
  for (const [table, rows] of Object.entries(a)) {
    if (table.startsWith('sqlite_')) continue;
    const byRowid = new Map(rows.map((r) => [r[0] as bigint, key(r)]));
    let present = 0;
    let altered = 0;
    const seen = new Set<bigint>();
    for (const r of b[table] ?? []) {
      const id = r[0] as bigint;
      if (byRowid.get(id) === key(r)) {
        present++;
        seen.add(id);
      } else altered++;
    }
    out[table] = {
      original: rows.length,
      present,
      altered,
      lostRowids: [...byRowid.keys()].filter((id) => !seen.has(id)),
    };
  }
  return out;
}

function recoverTemps(tmp: string): string[] {
  return readdirSync(tmp).filter((n) => n.startsWith('chat-inspector-recover-'));
}

async function recoverDamaged(
  d: DamagedDb,
  out: string,
): Promise<{ result: RecoverResult; cmp: Record<string, Comparison> }> {
  const before = fingerprintTree(d.chat.dir);
  const tempsBefore = readdirSync(tmpdir());
  const result = await recoverDb({ path: d.path, out }, silentContext());
  // The damaged file, its -wal and everything beside it are exactly as they were; no temp file is left.
  expect(fingerprintTree(d.chat.dir)).toEqual(before);
  expect(readdirSync(tmpdir())).toEqual(tempsBefore);
  expect(readdirSync(join(out, '..')).filter((n) => n.includes('.recover-'))).toEqual([]);
  expect(result.integrity).toBe('ok');
  return { result, cmp: compare(d.original, out) };
}

/** The reported loss is the actual loss when exact, and a bound that holds otherwise. */
function expectHonest(result: RecoverResult, cmp: Record<string, Comparison>): void {
  for (const t of result.tables) {
    const c = cmp[t.table]!;
    expect(c.altered, `${t.table}: altered rows`).toBe(0);
    expect(t.recovered, `${t.table}: recovered`).toBe(c.present);
    const actual = c.lostRowids.length - t.lostAndFound;
    if (t.lostBasis === 'exact') expect(t.lost, `${t.table}: exact lost`).toBe(actual);
    else if (t.lostBasis === 'upper_bound')
      expect(t.lost!, `${t.table}: bound`).toBeGreaterThanOrEqual(actual);
    else expect(t.lost).toBeNull();
    // Never "0 lost" when rows are missing.
    if (actual > 0) expect(t.lost).not.toBe(0);
  }
}

// Kinds where every row that was on a damaged page is lost, and no other row is.
const LEAF_KINDS: DamageKind[] = [
  'garbage_leaf',
  'zeroed_leaf',
  'overflow_chain',
  'random_pages',
  'wal_torn',
];

describe('recover: one test per kind of damage', () => {
  it.each(DAMAGE_KINDS.filter((k) => k !== 'truncated'))('%s', async (kind) => {
    const root = mkdtempSync(join(dir, `${kind}-`));
    const d = damageChat(root, kind);
    const out = join(root, 'recovered.db');
    const { result, cmp } = await recoverDamaged(d, out);
    expect(result.method).toBe('pages');
    expectHonest(result, cmp);
    // With metadata.json and profile.db beside it, every count is exact; except that random pages may hit
    // sqlite_sequence, and then conversation_sessions' one outside count (metadata.json) is unconfirmed.
    for (const t of result.tables) {
      if (kind === 'random_pages' && t.table === 'conversation_sessions')
        expect(['exact', 'upper_bound']).toContain(t.lostBasis);
      else expect(t.lostBasis, t.table).toBe('exact');
    }
    for (const [table, c] of Object.entries(cmp)) {
      const onDamaged = new Set(d.rowsOnDamagedPages[table] ?? []);
      // Only rows that were on damaged pages are lost...
      for (const id of c.lostRowids) expect(onDamaged.has(id), `${table} rowid ${id}`).toBe(true);
      // ... and where the damage destroyed the rows' own pages, every one of them is.
      if (LEAF_KINDS.includes(kind)) expect(c.lostRowids.length, table).toBe(onDamaged.size);
    }
    if (kind === 'interior_page' || kind === 'root_page') {
      const intact = d.rowsInIntactLeaves.messages!;
      expect(intact).toBeGreaterThan(3000);
      expect(cmp.messages!.present / intact).toBeGreaterThanOrEqual(0.99);
    }
    if (kind === 'bad_page_header' || kind === 'index_only' || kind === 'freelist_trunk') {
      for (const c of Object.values(cmp)) expect(c.lostRowids).toEqual([]);
    }
    if (kind === 'index_only') {
      const indexes = withReadonly(out, (db) =>
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").pluck().all(),
      );
      expect(indexes).toEqual(['sqlite_autoindex_conversation_sessions_1']);
    }
    if (kind === 'freelist_trunk') {
      // The dropped table's stale rows on unreachable freed pages: kept aside, never put in a table.
      expect(result.lostAndFound).toBeGreaterThan(0);
      const n = withReadonly(out, (db) => db.prepare('SELECT count(*) FROM lost_and_found').pluck().get());
      expect(n).toBe(result.lostAndFound);
    } else {
      expect(result.lostAndFound).toBe(0);
    }
    if (kind === 'wal_torn') {
      expect(result.wal).toMatchObject({ ignoredFrames: expect.any(Number) as number });
      expect(result.wal!.committedFrames).toBeGreaterThan(0);
      expect(result.wal!.ignoredFrames).toBeGreaterThan(0);
      expect(result.wal!.stoppedBecause).toMatch(/torn/);
      // The committed transaction is there; the torn one is not (and never was committed).
      expect(cmp.messages!.original).toBe(d.chat.messages + d.walCommittedRows!);
      expect(d.tornRows).toBeGreaterThan(0);
    }
    // Nothing the output holds is a row that was not in the original.
    const recovered = dumpDb(out);
    expect(recovered.messages!.length).toBe(cmp.messages!.present);
  });

  it.each([0.15, 0.5, 0.85])('truncated at %f of the file', async (cutAt) => {
    const root = mkdtempSync(join(dir, 'truncated-'));
    const d = damageChat(root, 'truncated', { cutAt, seed: Math.round(cutAt * 100) });
    const out = join(root, 'recovered.db');
    const { result, cmp } = await recoverDamaged(d, out);
    expectHonest(result, cmp);
    for (const [table, c] of Object.entries(cmp)) {
      expect(new Set(c.lostRowids)).toEqual(new Set(d.rowsOnDamagedPages[table] ?? []));
    }
    expect(result.pages!.missing).toBeGreaterThan(0);
  });

  it.each(['garbage_leaf', 'random_pages', 'truncated', 'short_cell_count'] as const)(
    '%s without metadata.json and profile.db: an upper bound that holds, never "0 lost"',
    async (kind) => {
      const root = mkdtempSync(join(dir, `nohint-${kind}-`));
      const d = damageChat(root, kind, { seed: 7 });
      unlinkSync(join(d.chat.dir, 'metadata.json'));
      unlinkSync(join(d.chat.dir, 'profile.db'));
      const out = join(root, 'recovered.db');
      const { result, cmp } = await recoverDamaged(d, out);
      expectHonest(result, cmp);
      const messages = result.tables.find((t) => t.table === 'messages')!;
      expect(messages.lostBasis).toBe('upper_bound');
      expect(messages.lost!).toBeGreaterThanOrEqual(cmp.messages!.lostRowids.length);
      expect(messages.lostSource).toMatch(/sqlite_sequence/);
    },
  );

  it('page 1 (the schema) damaged: no row is guessed into a table, every one is kept in lost_and_found', async () => {
    const root = mkdtempSync(join(dir, 'page1-'));
    const d = damageChat(root, 'zeroed_leaf', { seed: 13 });
    const fd = openSync(d.path, 'r+');
    writeSync(fd, Buffer.alloc(4096 - 100, 0x5a), 0, 4096 - 100, 100);
    closeSync(fd);
    const out = join(root, 'recovered.db');
    const result = await recoverDb({ path: d.path, out }, silentContext());
    expect(result.tables).toEqual([]);
    expect(result.notes.join(' ')).toMatch(/schema table is damaged.*no table definition/);
    const intact = Object.values(d.rowsInIntactLeaves).reduce((a, b) => a + b, 0);
    // Every row of every intact leaf (the schema's own rows were on page 1) is in lost_and_found.
    expect(result.lostAndFound).toBe(intact - (d.rowsInIntactLeaves.sqlite_schema ?? 0));
  });

  it.each([
    [1024, [0, 3, 1000, 4096]],
    [4096, [0, 3, 1000, 1024]],
    [65536, [0, 3, 1000, 4096]],
  ])(
    "only the header's page-size field damaged (%i-byte pages): every row recovered, counts exact",
    async (pageSize, values) => {
      const root = mkdtempSync(join(dir, `page-size-${pageSize}-`));
      const chat = generateChat(root, '777', { messages: 500, seed: pageSize });
      const path = join(chat.dir, 'conversations.db');
      const db = new Database(path);
      db.pragma('journal_mode = DELETE');
      db.pragma(`page_size = ${pageSize}`);
      db.exec('VACUUM');
      db.close();
      const original = join(root, 'original.db');
      copyFileSync(path, original);
      for (const value of values) {
        const fd = openSync(path, 'r+');
        writeSync(fd, Buffer.from([value >> 8, value & 0xff]), 0, 2, 16);
        closeSync(fd);
        const out = join(root, `recovered-${value}.db`);
        const before = fingerprintTree(chat.dir);
        const result = await recoverDb({ path, out }, silentContext());
        expect(fingerprintTree(chat.dir)).toEqual(before);
        expect(result.integrity).toBe('ok');
        expect(result.pageSizeInferredFrom, `${pageSize} as ${value}`).toBe(value);
        expect(result.notes.join(' ')).toContain(`${pageSize} inferred from the pages`);
        const cmp = compare(original, out);
        for (const [table, c] of Object.entries(cmp)) {
          expect(c.altered, `${value}: ${table}`).toBe(0);
          expect(c.lostRowids, `${value}: ${table}`).toEqual([]);
          expect(c.present, `${value}: ${table}`).toBe(c.original);
        }
        for (const t of result.tables)
          expect(t, `${value}: ${t.table}`).toMatchObject({ lost: 0, lostBasis: 'exact' });
        expect(result.tables.map((t) => t.table).sort()).toEqual(Object.keys(cmp).sort());
      }
    },
  );

  it('a single outside count is trusted only when sqlite_sequence confirms it', async () => {
    const root = mkdtempSync(join(dir, 'stale-'));
    const d = damageChat(root, 'garbage_leaf', { seed: 12 });
    unlinkSync(join(d.chat.dir, 'profile.db'));
    const out1 = join(root, 'one.db');
    // metadata.json alone, right: it equals sqlite_sequence (no row was ever deleted), so the count is exact.
    const first = await recoverDamaged(d, out1);
    expectHonest(first.result, first.cmp);
    expect(first.result.tables.find((t) => t.table === 'messages')!.lostBasis).toBe('exact');
    // metadata.json alone and stale (a few rows short): not trusted, the bound is reported instead.
    const metaPath = join(d.chat.dir, 'metadata.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { quick_stats: { total_messages: number } };
    meta.quick_stats.total_messages -= 3;
    writeFileSync(metaPath, JSON.stringify(meta));
    const second = await recoverDamaged(d, join(root, 'two.db'));
    expectHonest(second.result, second.cmp);
    const messages = second.result.tables.find((t) => t.table === 'messages')!;
    expect(messages.lostBasis).toBe('upper_bound');
    expect(messages.note).toMatch(/nothing else confirms it/);
  });

  it('reports progress and stops within 1 s of a cancel, leaving no temporary file', async () => {
    const root = mkdtempSync(join(dir, 'cancel-'));
    const d = damageChat(root, 'root_page', { messages: 6000 });
    const out = join(root, 'recovered.db');
    const controller = new AbortController();
    const progress: (number | null)[] = [];
    const tempsBefore = recoverTemps(tmpdir());
    let abortedAt = 0;
    const run = recoverDb(
      { path: d.path, out },
      {
        signal: controller.signal,
        emit: () => {},
        progress: (done, total) => {
          progress.push(total);
          if (!abortedAt) {
            abortedAt = Date.now();
            controller.abort();
          }
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(progress.length).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(recoverTemps(tmpdir())).toEqual(tempsBefore);
  });

  it('CLI: the per-table account for people, and the same facts in --json', () => {
    const root = mkdtempSync(join(dir, 'cli-'));
    const d = damageChat(root, 'garbage_leaf', { seed: 11 });
    const human = runCliSync(['recover', d.path, '--out', join(root, 'a.db')]);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/TABLE\s+RECOVERED\s+LOST_AND_FOUND\s+LOST\s+HOW LOST IS KNOWN/);
    const lost = d.rowsOnDamagedPages.messages!.length;
    expect(human.stdout).toMatch(new RegExp(`messages\\s+\\d+\\s+0\\s+${lost}\\s+exact: metadata\\.json`));
    const json = runCliSync(['recover', d.path, '--out', join(root, 'b.db'), '--json']);
    const result = JSON.parse(json.stdout) as RecoverResult;
    expect(result.method).toBe('pages');
    expect(result.tables.find((t) => t.table === 'messages')).toMatchObject({
      lost,
      lostBasis: 'exact',
      lostAndFound: 0,
    });
    expect(Object.keys(result).sort()).toEqual(
      [
        'backup',
        'durationMs',
        'integrity',
        'lostAndFound',
        'lostAndFoundTable',
        'method',
        'notes',
        'out',
        'pageSizeInferredFrom',
        'pages',
        'placedInto',
        'sourceCheck',
        'source',
        'tables',
        'wal',
      ].sort(),
    );
  });

  it('CLI: SIGINT mid-run removes every temporary file and writes no output', async () => {
    const root = mkdtempSync(join(dir, 'sigint-'));
    const d = damageChat(root, 'root_page', { messages: 6000 });
    const tmp = join(root, 'tmp');
    mkdirSync(tmp);
    const out = join(root, 'recovered.db');
    const child = spawn(NODE, [CLI, 'recover', d.path, '--out', out], {
      cwd: REPO,
      env: { ...process.env, TMPDIR: tmp },
      stdio: 'ignore',
    });
    // Wait until the job has made its private folder (it is mid-run), then interrupt it.
    const deadline = Date.now() + 20_000;
    while (recoverTemps(tmp).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(recoverTemps(tmp).length).toBe(1);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) =>
      child.on('exit', (c, signal) => r(signal ? 130 : c)),
    );
    expect(code).not.toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
