import { createContext } from '../api/create-context.ts';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, FileInfo, TablePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import Database from '../sqlite/driver.ts';
import { withReadonly } from '../sqlite/open.ts';
import { WorkerPool } from '../workers/pool.ts';
import { readTablePage } from './generic.ts';
import { prettyJson } from './json.ts';
import { fingerprint, queryPlan, recordingDb, writeDb, type Fingerprint } from '../testing/store-dbs.ts';

const HOSTILE = 'x"; DROP TABLE y; --';
const UNICODE = 'my table · ünïcode 表 🚀';
const HOSTILE_COLUMN = 'a"b; DELETE FROM y';
const BIG = 9007199254740993n; // 2^53 + 1: not representable as a JS number
const MAX = 9223372036854775807n;

let base: string;
let dir: string;
let file: string;
let ctx: HandlerContext;
let before: Fingerprint;

async function call<T>(name: string, input: Record<string, unknown>): Promise<T> {
  return (await invoke(name, input, ctx)) as T;
}

async function allPages(table: string, limit: number): Promise<TablePage[]> {
  const pages: TablePage[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await call<TablePage>('file.rows', {
      path: file,
      table,
      limit,
      ...(after === undefined ? {} : { after }),
    });
    pages.push(page);
    if (page.nextCursor === null) return pages;
    after = page.nextCursor;
  }
  throw new Error('paging did not end');
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-generic-'));
  dir = join(base, 'files');
  file = join(dir, 'foreign.db');
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  mkdirSync(dir, { recursive: true });
  writeDb(
    file,
    `CREATE TABLE y (id INTEGER PRIMARY KEY, v TEXT);
     CREATE TABLE ${q(HOSTILE)} (${q(HOSTILE_COLUMN)} TEXT, n INTEGER);
     CREATE TABLE ${q(UNICODE)} ("naïve col" TEXT);
     CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER);
     CREATE TABLE exact (id INTEGER PRIMARY KEY);
     CREATE TABLE gaps (k INTEGER PRIMARY KEY, label TEXT);
     CREATE TABLE cells (i INTEGER, r REAL, t TEXT, b BLOB, z);
     CREATE TABLE shadow (rowid TEXT, oid TEXT, v TEXT);
     CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
     CREATE VIEW recent_gaps AS SELECT k, label FROM gaps WHERE k % 2 = 0;
     CREATE TABLE wide (${Array.from({ length: 1200 }, (_, i) => `c${i}`).join(', ')});`,
    (db) => {
      db.prepare('INSERT INTO y (v) VALUES (?)').run('must survive');
      const hostile = db.prepare(`INSERT INTO ${q(HOSTILE)} VALUES (?, ?)`);
      for (let i = 0; i < 250; i++) hostile.run(`row ${i}'); DROP TABLE y; --`, i);
      db.prepare(`INSERT INTO ${q(UNICODE)} VALUES (?)`).run('olá 世界');
      const big = db.prepare('INSERT INTO big (n) VALUES (?)');
      for (let i = 0; i < 10_050; i++) big.run(i);
      const exact = db.prepare('INSERT INTO exact DEFAULT VALUES');
      for (let i = 0; i < 10_000; i++) exact.run();
      // Gaps and negative keys: a rowid walk must still see each row once.
      const gaps = db.prepare('INSERT INTO gaps (k, label) VALUES (?, ?)');
      for (let i = -300; i < 2_400; i++) if (i % 7 !== 3) gaps.run(i * 3, `g${i}`);
      gaps.run(MAX, 'max');
      const cells = db.prepare('INSERT INTO cells VALUES (?, ?, ?, ?, ?)');
      cells.run(BIG, 1.5, 'x'.repeat(1000), Buffer.alloc(100, 0xab), null);
      cells.run(
        MAX,
        -0.25,
        JSON.stringify({ id: 1, nested: { list: [1, 2] } }).replace('1,', '12345678901234567890,'),
        Buffer.from([1, 2, 3]),
        7n,
      );
      cells.run(-1n, 1e300, '🚀'.repeat(600), Buffer.alloc(0), 'short');
      db.prepare('INSERT INTO shadow VALUES (?, ?, ?)').run('not the rowid', 'nor this', 'v1');
      db.prepare('INSERT INTO shadow VALUES (?, ?, ?)').run('still not', 'no', 'v2');
      db.prepare('INSERT INTO wide (c0, c1, c1199) VALUES (?, ?, ?)').run(
        42n,
        Buffer.alloc(70, 1),
        'é'.repeat(800),
      );
      const kv = db.prepare('INSERT INTO kv VALUES (?, ?)');
      for (let i = 0; i < 333; i++) kv.run(`key${String(i).padStart(4, '0')}`, `value ${i}`);
    },
  );
  ctx = createContext({
    userDataDir: base,
    now: () => new Date('2025-04-01T00:00:00Z'),
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [dir],
  });
  before = fingerprint(dir);
});

afterAll(() => {
  readonlyCache.closeAll();
  rmSync(base, { recursive: true, force: true });
});

describe('file.open on a foreign file', () => {
  it('lists every table and view, hostile names included, with capped counts', async () => {
    const info = await call<FileInfo>('file.open', { path: file });
    expect(info.kind).toBe('generic');
    expect(info.hasConversations).toBe(false);
    expect(info.journalMode).toBe('delete');
    expect(info.pageSize).toBe(4096);
    const byName = new Map(info.tables.map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining(['y', HOSTILE, UNICODE, 'big', 'exact', 'gaps', 'cells', 'kv', 'recent_gaps']),
    );
    expect(byName.get(HOSTILE)).toMatchObject({ type: 'table', rowCount: 250, rowCountCapped: false });
    expect(byName.get(HOSTILE)!.columns.map((c) => c.name)).toEqual([HOSTILE_COLUMN, 'n']);
    expect(byName.get(UNICODE)).toMatchObject({ rowCount: 1, rowCountCapped: false });
    expect(byName.get('big')).toMatchObject({ rowCount: 10_000, rowCountCapped: true });
    expect(byName.get('exact')).toMatchObject({ rowCount: 10_000, rowCountCapped: false });
    expect(byName.get('recent_gaps')).toMatchObject({ type: 'view' });
    expect(byName.get('kv')).toMatchObject({ rowCount: 333 });
    expect(byName.get('y')!.columns[0]).toEqual({
      name: 'id',
      type: 'INTEGER',
      notNull: false,
      primaryKey: true,
    });
  });

  it('executes nothing a name says: y still exists with its row', () => {
    const fresh = new Database(file, { readonly: true });
    try {
      expect(fresh.prepare('SELECT v FROM y').pluck().all()).toEqual(['must survive']);
    } finally {
      fresh.close();
    }
  });
});

describe('file.rows', () => {
  it('pages a hostile-named table with keyset paging, every row once', async () => {
    const pages = await allPages(HOSTILE, 100);
    expect(pages.map((p) => p.rows.length)).toEqual([100, 100, 50]);
    expect(pages[0]!.columns).toEqual(['rowid', HOSTILE_COLUMN, 'n']);
    const ns = pages.flatMap((p) => p.rows.map((r) => (r[2] as Extract<Cell, { t: 'int' }>).v));
    expect(ns).toEqual(Array.from({ length: 250 }, (_, i) => String(i)));
    expect(pages[0]!.rows[0]![1]).toEqual({
      t: 'text',
      v: "row 0'); DROP TABLE y; --",
      length: 25,
      truncated: false,
    });
  });

  it('pages a unicode-named table', async () => {
    const page = await call<TablePage>('file.rows', { path: file, table: UNICODE, limit: 10 });
    expect(page.table).toBe(UNICODE);
    expect(page.rows[0]![1]).toMatchObject({ t: 'text', v: 'olá 世界' });
  });

  it('covers every row exactly once across gaps, negative keys and the largest rowid', async () => {
    const expected = withReadonly(file, (db) =>
      db
        .prepare('SELECT k FROM gaps ORDER BY k')
        .safeIntegers(true)
        .all()
        .map((r) => String((r as { k: bigint }).k)),
    );
    const pages = await allPages('gaps', 97);
    const seen = pages.flatMap((p) => p.rows.map((r) => (r[0] as Extract<Cell, { t: 'int' }>).v));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
    expect(seen.at(-1)).toBe(MAX.toString());
    expect(pages.at(-1)!.nextCursor).toBeNull();
  });

  it('walks the rowid b-tree: no full scan, no sort', () => {
    withReadonly(file, (db) => {
      const rec = recordingDb(db);
      readTablePage(rec.db, 'gaps', '300', 50);
      readTablePage(rec.db, HOSTILE, '10', 50);
      const pages = rec.statements.filter((s) => s.sql.includes('> ?'));
      expect(pages).toHaveLength(2);
      for (const s of pages) {
        const plan = queryPlan(db, s.sql, s.args).join(' | ');
        expect(plan).toMatch(/SEARCH .* USING INTEGER PRIMARY KEY \(rowid>\?\)/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      }
    });
  });

  it('uses _rowid_ when columns shadow rowid and oid', async () => {
    const page = await call<TablePage>('file.rows', { path: file, table: 'shadow', limit: 1 });
    expect(page.columns).toEqual(['_rowid_', 'rowid', 'oid', 'v']);
    expect(page.rows[0]![0]).toEqual({ t: 'int', v: '1' });
    expect(page.rows[0]![1]).toMatchObject({ v: 'not the rowid' });
    const next = await call<TablePage>('file.rows', {
      path: file,
      table: 'shadow',
      limit: 1,
      after: page.nextCursor,
    });
    expect(next.rows[0]![3]).toMatchObject({ v: 'v2' });
    expect(next.nextCursor).toBeNull();
  });

  it('pages WITHOUT ROWID tables and views by position', async () => {
    const pages = await allPages('kv', 100);
    expect(pages[0]!.columns).toEqual(['#', 'k', 'v']);
    const keys = pages.flatMap((p) => p.rows.map((r) => (r[1] as Extract<Cell, { t: 'text' }>).v));
    expect(keys).toHaveLength(333);
    expect(new Set(keys).size).toBe(333);
    expect(pages[1]!.rows[0]![0]).toEqual({ t: 'int', v: '101' });
    const view = await allPages('recent_gaps', 500);
    const viewCount = withReadonly(
      file,
      (db) => db.prepare('SELECT count(*) FROM recent_gaps').pluck().get() as number,
    );
    expect(view.reduce((n, p) => n + p.rows.length, 0)).toBe(viewCount);
  });

  it('returns typed cells: exact big integers, cut text with length, blob previews', async () => {
    const page = await call<TablePage>('file.rows', { path: file, table: 'cells', limit: 10 });
    expect(page.columns).toEqual(['rowid', 'i', 'r', 't', 'b', 'z']);
    const [a, b, c] = page.rows;
    expect(a![1]).toEqual({ t: 'int', v: BIG.toString() });
    expect(a![2]).toEqual({ t: 'real', v: 1.5 });
    expect(a![3]).toEqual({ t: 'text', v: 'x'.repeat(500), length: 1000, truncated: true });
    expect(a![4]).toEqual({ t: 'blob', hex: 'ab'.repeat(64), length: 100, truncated: true });
    expect(a![5]).toEqual({ t: 'null' });
    expect(b![1]).toEqual({ t: 'int', v: MAX.toString() });
    expect(b![4]).toEqual({ t: 'blob', hex: '010203', length: 3, truncated: false });
    expect(b![5]).toEqual({ t: 'int', v: '7' });
    expect(c![1]).toEqual({ t: 'int', v: '-1' });
    expect(c![3]).toEqual({ t: 'text', v: '🚀'.repeat(500), length: 600, truncated: true });
    expect(c![4]).toEqual({ t: 'blob', hex: '', length: 0, truncated: false });
    // A JS number bound into an untyped column is stored as REAL: shown as what it is.
    expect(c![2]).toEqual({ t: 'real', v: 1e300 });
  });

  it('cuts cells of tables too wide for SQL-side cutting (1200 columns) the same way', async () => {
    const page = await call<TablePage>('file.rows', { path: file, table: 'wide', limit: 5 });
    expect(page.columns).toHaveLength(1201);
    const row = page.rows[0]!;
    expect(row[1]).toEqual({ t: 'int', v: '42' });
    expect(row[2]).toEqual({ t: 'blob', hex: '01'.repeat(64), length: 70, truncated: true });
    expect(row[1200]).toEqual({ t: 'text', v: 'é'.repeat(500), length: 800, truncated: true });
    expect(row[3]).toEqual({ t: 'null' });
  });

  it('refuses unknown tables and malformed cursors with a clear error', async () => {
    await expect(call('file.rows', { path: file, table: 'nope', limit: 5 })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      call('file.rows', { path: file, table: 'gaps', limit: 5, after: '1 OR 1=1' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('file.rows', { path: file, table: 'kv', limit: 5, after: '12' })).rejects.toMatchObject(
      { code: 'invalid_input' },
    );
  });
});

describe('file.cell', () => {
  it('returns the full value: text, exact integers, pretty JSON that keeps big numbers, hex blobs', async () => {
    expect(await call('file.cell', { path: file, table: 'cells', rowid: '1', column: 't' })).toEqual({
      text: 'x'.repeat(1000),
      isJson: false,
    });
    expect(await call('file.cell', { path: file, table: 'cells', rowid: '1', column: 'i' })).toEqual({
      text: BIG.toString(),
      isJson: false,
    });
    expect(await call('file.cell', { path: file, table: 'cells', rowid: '1', column: 'b' })).toEqual({
      text: 'ab'.repeat(100),
      isJson: false,
    });
    expect(await call('file.cell', { path: file, table: 'cells', rowid: '1', column: 'z' })).toEqual({
      text: 'NULL',
      isJson: false,
    });
    expect(await call('file.cell', { path: file, table: 'cells', rowid: '3', column: 'b' })).toEqual({
      text: '',
      isJson: false,
    });
    expect(await call('file.cell', { path: file, table: 'cells', rowid: '3', column: 'r' })).toEqual({
      text: '1e+300',
      isJson: false,
    });
    const json = await call<{ text: string; isJson: boolean }>('file.cell', {
      path: file,
      table: 'cells',
      rowid: '2',
      column: 't',
    });
    expect(json.isJson).toBe(true);
    expect(json.text).toContain('"id": 12345678901234567890');
    expect(json.text.split('\n').length).toBeGreaterThan(3);
  });

  it('reads hostile columns of hostile tables and positions of WITHOUT ROWID tables', async () => {
    expect(
      await call('file.cell', { path: file, table: HOSTILE, rowid: '3', column: HOSTILE_COLUMN }),
    ).toEqual({
      text: "row 2'); DROP TABLE y; --",
      isJson: false,
    });
    expect(await call('file.cell', { path: file, table: 'kv', rowid: '101', column: 'v' })).toEqual({
      text: 'value 100',
      isJson: false,
    });
  });

  it('refuses unknown columns and missing rows', async () => {
    await expect(
      call('file.cell', { path: file, table: 'cells', rowid: '1', column: 'nope' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      call('file.cell', { path: file, table: 'cells', rowid: '99', column: 't' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      call('file.cell', { path: file, table: 'cells', rowid: '1; DROP TABLE y', column: 't' }),
    ).rejects.toBeInstanceOf(AppError);
  });
});

describe('file.metrics on a generic file', () => {
  it('has no charts and a table of row counts', async () => {
    const metrics = await call<{
      kind: string;
      charts: unknown[];
      tables: { id: string; rows: string[][] }[];
    }>('file.metrics', { path: file });
    expect(metrics.kind).toBe('generic');
    expect(metrics.charts).toEqual([]);
    const rows = new Map(metrics.tables[0]!.rows.map((r) => [r[0], r[3]]));
    expect(rows.get('big')).toBe('>10000');
    expect(rows.get('exact')).toBe('10000');
    expect(rows.get(HOSTILE)).toBe('250');
  });
});

describe('access and safety', () => {
  it('refuses files outside the opened places', async () => {
    const outside = join(base, 'outside.db');
    writeDb(outside, 'CREATE TABLE t (a)');
    await expect(call('file.open', { path: outside })).rejects.toMatchObject({ code: 'forbidden_path' });
  });

  it('changed no byte, no mtime and created no file in the folder', () => {
    readonlyCache.closeAll();
    expect(fingerprint(dir)).toEqual(before);
  });
});

describe('a WAL database held open by a running bot', () => {
  it('reads rows that live only in -wal, sees new commits, and changes neither the DB nor its -wal', async () => {
    const liveDir = join(base, 'live');
    mkdirSync(liveDir);
    const live = join(liveDir, 'conversations.db');
    const bot = new Database(live);
    try {
      bot.pragma('journal_mode = WAL');
      bot.pragma('wal_autocheckpoint = 0');
      bot.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)');
      const insert = bot.prepare('INSERT INTO events (what) VALUES (?)');
      for (let i = 0; i < 5; i++) insert.run(`e${i}`);
      ctx.places.add(liveDir, 'cli');
      const liveBefore = fingerprint(liveDir);
      expect(liveBefore.files).toContain('conversations.db-wal');
      const info = await call<FileInfo>('file.open', { path: live });
      expect(info.journalMode).toBe('wal');
      expect(info.tables.find((t) => t.name === 'events')).toMatchObject({ rowCount: 5 });
      expect(fingerprint(liveDir)).toEqual(liveBefore);
      for (let i = 5; i < 8; i++) insert.run(`e${i}`);
      const page = await call<TablePage>('file.rows', { path: live, table: 'events', limit: 100 });
      expect(page.rows.map((r) => (r[2] as Extract<Cell, { t: 'text' }>).v)).toEqual(
        Array.from({ length: 8 }, (_, i) => `e${i}`),
      );
    } finally {
      readonlyCache.closeAll();
      bot.close();
    }
  });
});

describe('prettyJson', () => {
  it('re-indents without touching literals', () => {
    expect(prettyJson('{"a":[1,2.50,{}],"b":"x,{y}:z","c":[]}')).toBe(
      '{\n  "a": [\n    1,\n    2.50,\n    {}\n  ],\n  "b": "x,{y}:z",\n  "c": []\n}',
    );
    expect(prettyJson('"just a string"')).toBeNull();
    expect(prettyJson('{broken')).toBeNull();
    expect(prettyJson('{"q":"say \\"hi\\""}')).toBe('{\n  "q": "say \\"hi\\""\n}');
  });
});
