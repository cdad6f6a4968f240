import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { generateChatLogs, type FrameworkTruth } from '../fixtures/frameworks.ts';
import { openReadonly, type ReadableDb } from '../sqlite/open.ts';
import {
  decodeIdCursor,
  decodeKey,
  idCursor,
  keysetClause,
  keysetPage,
  keysetWalk,
  readTable,
  type KeysetReader,
  type KeysetTable,
} from './keyset.ts';
import { mysqlDialect, postgresDialect, sqliteDialect, sqliteEngine } from './sql-engine.ts';
import type { Row, SqlDialect } from './sql.ts';

// The one keyset pager over a real SQLite file (the chat_logs fixture): both spellings of the key condition
// (spelled out, and PostgreSQL's row comparison, which SQLite reads too) page a thread the same way, both
// ways, from a moment on and as an export; foreign cursors are one clear error. Truth is the generator's.

const base = mkdtempSync(join(tmpdir(), 'ci-keyset-'));
let db: ReadableDb;
let truth: FrameworkTruth;
afterAll(() => {
  db?.close();
  rmSync(base, { recursive: true, force: true });
});
beforeAll(() => {
  const path = join(base, 'chat.db');
  truth = generateChatLogs(path);
  db = openReadonly(path).db;
});

const spellings: [string, SqlDialect][] = [
  ['spelled out', sqliteDialect],
  ['row comparison', { ...sqliteDialect, name: 'postgres' }],
];

function reader(dialect: SqlDialect, conversation: string): KeysetReader<Row> {
  const engine = sqliteEngine(db);
  const table: KeysetTable = {
    dialect,
    rows: (sql, params) => engine.rows(sql, params),
    select: 'id, created_at, body',
    from: 'chat_logs',
    where: (add) => `conv_id = ${add(conversation)}`,
    columns: [{ expr: 'created_at' }, { expr: 'id' }],
  };
  return {
    read: (direction, bound, n) => readTable(table, direction, bound, n),
    keyOf: (row) => [String(row.created_at), Number(row.id)],
    decode: (cursor) => decodeKey(cursor, 2),
    at: (at) => ({ key: [at.replace('T', ' ').replace(/Z$/, '')], inclusive: true }),
  };
}

const longest = (): FrameworkTruth['conversations'][number] =>
  [...truth.conversations].sort((a, b) => b.messages - a.messages)[0]!;

describe('one keyset pager', () => {
  for (const [name, dialect] of spellings)
    it(`pages a thread both ways, every message once, in the generator's order (${name})`, async () => {
      const thread = longest();
      expect(thread.messages).toBeGreaterThan(6);
      const r = reader(dialect, thread.id);
      const backwards: string[][] = [];
      let page = await keysetPage(r, { limit: 3 });
      expect(page.newer).toBeNull();
      backwards.unshift(page.rows.map((row) => String(row.body)));
      while (page.older !== null) {
        page = await keysetPage(r, { limit: 3, before: page.older });
        expect(page.newer).not.toBeNull();
        backwards.unshift(page.rows.map((row) => String(row.body)));
      }
      expect(backwards.flat()).toEqual(thread.texts);

      const forwards: string[] = [];
      page = await keysetPage(r, { limit: 3, at: '1970-01-01' });
      expect(page.older).toBeNull();
      forwards.push(...page.rows.map((row) => String(row.body)));
      while (page.newer !== null) {
        page = await keysetPage(r, { limit: 3, after: page.newer });
        expect(page.older).not.toBeNull();
        forwards.push(...page.rows.map((row) => String(row.body)));
      }
      expect(forwards).toEqual(thread.texts);

      // The oldest page (the thread's Home): the first messages, nothing older, the rest newer.
      const first = await keysetPage(r, { limit: 3, oldest: true });
      expect(first.rows.map((row) => String(row.body))).toEqual(thread.texts.slice(0, 3));
      expect(first.older).toBeNull();
      expect(first.newer).not.toBeNull();
      const whole = await keysetPage(r, { limit: thread.messages, oldest: true });
      expect(whole.rows.map((row) => String(row.body))).toEqual(thread.texts);
      expect(whole.newer).toBeNull();

      const exported: string[] = [];
      for await (const rows of keysetWalk(r, 4)) exported.push(...rows.map((row) => String(row.body)));
      expect(exported).toEqual(thread.texts);

      // Past the last message, a jump shows the newest page.
      const late = await keysetPage(r, { limit: 3, at: '2999-01-01' });
      expect(late.rows.map((row) => String(row.body))).toEqual(thread.texts.slice(-3));
      expect(late.newer).toBeNull();
    });

  it('both spellings give the same pages and cursors', async () => {
    const thread = longest();
    const [a, b] = spellings.map(([, d]) => reader(d, thread.id));
    let pa = await keysetPage(a!, { limit: 2 });
    let pb = await keysetPage(b!, { limit: 2 });
    while (pa.older !== null) {
      expect(pb).toEqual(pa);
      pa = await keysetPage(a!, { limit: 2, before: pa.older });
      pb = await keysetPage(b!, { limit: 2, before: pb.older! });
    }
    expect(pb).toEqual(pa);
  });

  it("spells the condition in each dialect's way, a jump on the time alone", () => {
    const columns = [{ expr: 't', param: (p: string) => `${p}::timestamptz` }, { expr: 'id' }];
    const plain = [{ expr: 't' }, { expr: 'id' }];
    const values: unknown[] = [];
    const add = (v: unknown): string => {
      values.push(v);
      return `$${values.length}`;
    };
    expect(keysetClause(postgresDialect, columns, 'older', { key: ['x', 7], inclusive: false }, add)).toEqual(
      {
        where: '(t, id) < ($1::timestamptz, $2)',
        order: 't DESC, id DESC',
      },
    );
    expect(
      keysetClause(mysqlDialect, plain, 'newer', { key: ['x', 7], inclusive: false }, () => '?'),
    ).toEqual({ where: '(t > ? OR (t = ? AND id > ?))', order: 't ASC, id ASC' });
    expect(keysetClause(mysqlDialect, plain, 'newer', { key: ['x'], inclusive: true }, () => '?').where).toBe(
      't >= ?',
    );
    expect(keysetClause(sqliteDialect, columns, 'older', null, () => '?')).toEqual({
      where: null,
      order: 't DESC, id DESC',
    });
  });

  it('refuses a cursor it did not give out, with one clear error', () => {
    expect(decodeIdCursor(idCursor(42))).toBe(42);
    for (const foreign of ['bm9wZQ', Buffer.from('["a"]').toString('base64url'), idCursor(1.5)]) {
      let error: unknown;
      try {
        decodeIdCursor(foreign);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid_input');
      expect((error as AppError).message).toMatch(/not one this source gave out/);
    }
  });
});
