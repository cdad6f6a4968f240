import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { findObject } from '../sqlite/catalog.ts';
import { generateUserHistory } from '../fixtures/index.ts';
import { withReadonly } from '../sqlite/open.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { runStatement, toCsv } from './execute.ts';
import { runWithDeadline } from './runner.ts';
import { checkConsoleSql, tableQuerySql } from './sql.ts';
import { WorkerPool } from '../workers/pool.ts';

// Statements run in a worker of a pool, as in the app (one worker: a stopped one is replaced).
const pool = new WorkerPool(1);

let base: string;
let path: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-query-'));
  path = join(base, 'legacy', 'user_history.db');
  generateUserHistory(path, { users: 5, messagesPerUser: 60, seed: 3 });
});
afterAll(async () => {
  await pool.close();
  rmSync(base, { recursive: true, force: true });
});

const codeOf = async (run: () => unknown): Promise<string> => {
  try {
    await run();
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return 'no error';
};

const console = (sql: string, timeoutMs = 1000, rowCap = 10_000) =>
  runWithDeadline(
    pool,
    { path, sql: checkConsoleSql(sql), params: [], rowCap, output: 'cells', requireReadonly: true },
    timeoutMs,
  );

const text = (c: Cell | undefined) => (c?.t === 'text' ? c.v : c?.t === 'int' ? c.v : null);

describe('SQL console', () => {
  it('runs one SELECT in a worker and gives typed cells', async () => {
    const result = await console(
      '-- how many per type\nSELECT message_type, count(*) AS n FROM messages GROUP BY 1 ORDER BY 1;',
    );
    expect(result.output).toBe('cells');
    if (result.output !== 'cells') return;
    expect(result.columns).toEqual(['message_type', 'n']);
    const total = result.rows.reduce((sum, r) => sum + Number(text(r[1])), 0);
    expect(total).toBe(300);
  });

  it('refuses anything that is not one read-only SELECT/WITH, and the file stays unchanged', async () => {
    const before = fingerprintTree(join(base, 'legacy'));
    expect(await codeOf(() => console('DELETE FROM messages'))).toBe('invalid_input');
    expect(await codeOf(() => console('PRAGMA writable_schema = 1'))).toBe('invalid_input');
    expect(await codeOf(() => console("ATTACH 'x.db' AS x"))).toBe('invalid_input');
    // Starts with WITH, so only SQLite's own verdict (sqlite3_stmt_readonly) catches it.
    expect(
      await codeOf(() =>
        console('WITH doomed AS (SELECT id FROM messages) DELETE FROM messages WHERE id IN doomed'),
      ),
    ).toBe('invalid_input');
    // Two statements: better-sqlite3 prepares exactly one.
    expect(await codeOf(() => console('SELECT 1; DELETE FROM messages'))).not.toBe('no error');
    expect(fingerprintTree(join(base, 'legacy'))).toEqual(before);
    const count = withReadonly(path, (db) => db.prepare('SELECT count(*) FROM messages').pluck().get());
    expect(count).toBe(300);
  });

  it('stops a runaway statement at its time limit, and the next one runs', async () => {
    const started = Date.now();
    const code = await codeOf(() =>
      console('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n', 300),
    );
    expect(code).toBe('timeout');
    // Stopped near its limit, not after running for ever (generous: two shared cores).
    expect(Date.now() - started).toBeLessThan(10_000);
    const after = await console('SELECT 42 AS answer');
    expect(after.output === 'cells' && text(after.rows[0]![0])).toBe('42');
  });

  it('keeps at most the row cap and says so', async () => {
    const result = await console('SELECT id FROM messages', 1000, 50);
    expect(result.output === 'cells' && result.rows.length).toBe(50);
    expect(result.capped).toBe(true);
  });

  it('exports full values as CSV and JSON, text as it is (ç, not \\u00e7)', () => {
    const csv = runStatement({
      path,
      sql: `SELECT 'maçã, "doce"' AS fruit, 7 AS n, json_object('a', 'ç') AS j`,
      params: [],
      rowCap: 10,
      output: 'csv',
      requireReadonly: true,
    });
    expect(csv.output === 'csv' && csv.text).toBe('fruit,n,j\r\n"maçã, ""doce""",7,"{""a"":""ç""}"\r\n');
    const json = runStatement({
      path,
      sql: `SELECT 'ç' AS letter, 9007199254740993 AS big`,
      params: [],
      rowCap: 10,
      output: 'json',
      requireReadonly: true,
    });
    expect(json.output === 'json' && JSON.parse(json.text)).toEqual([
      { letter: 'ç', big: '9007199254740993' },
    ]);
    expect(toCsv(['a'], [[null]])).toBe('a\r\n\r\n');
  });
});

describe('table pages sorted and filtered', () => {
  const page = async (options: Parameters<typeof tableQuerySql>[1]) => {
    const object = withReadonly(path, (db) => findObject(db, 'messages'));
    const { sql, params } = tableQuerySql(object, options);
    const result = await runWithDeadline(
      pool,
      { path, sql, params, rowCap: 10_000, output: 'cells', requireReadonly: true },
      5000,
    );
    if (result.output !== 'cells') throw new Error('cells expected');
    return { rows: result.rows, columns: ['key', ...object.columns.map((c) => c.name)] };
  };

  it('sorts by any column, both ways', async () => {
    const { rows, columns } = await page({
      sort: { column: 'timestamp', desc: true },
      filters: [],
      offset: 0,
      limit: 1000,
    });
    const at = columns.indexOf('timestamp');
    const stamps = rows.map((r) => text(r[at]) ?? '');
    expect(stamps.length).toBe(300);
    expect(stamps).toEqual([...stamps].sort().reverse());
  });

  it('filters by column, operator and value, and pages by offset', async () => {
    const truth = withReadonly(path, (db) =>
      db
        .prepare(
          "SELECT rowid FROM messages WHERE message_type = 'user' AND content LIKE '%the%' ORDER BY rowid",
        )
        .pluck()
        .all(),
    ) as number[];
    expect(truth.length).toBeGreaterThan(5);
    const filters = [
      { column: 'message_type', op: 'eq' as const, value: 'user' },
      { column: 'content', op: 'contains' as const, value: 'the' },
    ];
    const first = await page({ filters, offset: 0, limit: 5 });
    const rest = await page({ filters, offset: 5, limit: 1000 });
    expect([...first.rows, ...rest.rows].map((r) => Number(text(r[0])))).toEqual(truth);
    const none = await page({ filters: [{ column: 'content', op: 'null' }], offset: 0, limit: 10 });
    expect(none.rows).toHaveLength(0);
  });

  it('refuses a column the table does not have', () => {
    const object = withReadonly(path, (db) => findObject(db, 'messages'));
    expect(() =>
      tableQuerySql(object, {
        filters: [{ column: 'nope"; DROP', op: 'eq', value: '1' }],
        offset: 0,
        limit: 1,
      }),
    ).toThrow(/no column named/);
  });
});
