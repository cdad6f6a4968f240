import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceInfoOut, SourceRef } from '../../shared/contract/sources.ts';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import {
  damageArchiveFile,
  writeMessaging,
  type MessagingTruth,
  type TruthMessage,
} from '../fixtures/messaging.ts';
import { sourceContractSuite } from '../sources/contract-suite.ts';
import '../kinds/index.ts';
import { openSource } from '../sources/index.ts';
import type { Source, SourceMessage } from '../sources/types.ts';
import { fingerprintTree } from '../testing/tree.ts';
import type { MysqlSource } from './source.ts';
import {
  requireMariaDbForTests,
  startMariaDb,
  TEST_USER,
  type MariaDbTestServer,
} from '../testing/mariadb-server.ts';

// MySQL/MariaDB sources against a real, throwaway MariaDB 10.11 (mariadb-install-db + mariadbd as the `mysql`
// user on a random loopback port). Seed 003's messaging fixture — hot and warm tables, the cold archive of
// gzipped JSON Lines — is asserted against the generator's truth. Without the binaries these tests are
// skipped with the reason; under CI that is a failure instead.

const availability = requireMariaDbForTests();
const skipReason = availability.ok ? '' : ` (skipped: ${availability.reason})`;

let server: MariaDbTestServer;
let url: string;
let truth: MessagingTruth;
const work = mkdtempSync(join(tmpdir(), 'ci-mysql-test-'));
const archive = join(work, 'archive');
const NOW = new Date('2026-11-01T12:00:00Z');

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
    return { code: 'resolved', message: '' };
  } catch (error) {
    return error instanceof AppError
      ? { code: error.code, message: error.message }
      : { code: 'not an AppError', message: String(error) };
  }
}

async function adminRows(
  sql: string,
  params: unknown[] = [],
  database = 'messaging',
): Promise<Record<string, unknown>[]> {
  const c = await server.admin(database);
  try {
    const [rows] = await c.query(sql, params);
    return rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

const fingerprint = async (): Promise<string> =>
  JSON.stringify(
    await adminRows(
      `SELECT (SELECT count(*) FROM messages) AS hot, (SELECT count(*) FROM messages_warm) AS warm,
              (SELECT md5(group_concat(content ORDER BY id)) FROM messages) AS h,
              (SELECT count(*) FROM conversations) AS conversations,
              (SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'messaging') AS tables`,
    ),
  ) + JSON.stringify([...fingerprintTree(archive).entries()].sort());

async function wholeThread(
  source: Source,
  conversationId: string,
  tenant: string,
  limit: number,
): Promise<SourceMessage[]> {
  const pages: SourceMessage[][] = [];
  let page = await source.messages({ conversationId, tenant, limit });
  pages.unshift(page.messages);
  while (page.older) {
    page = await source.messages({ conversationId, tenant, limit, before: page.older });
    pages.unshift(page.messages);
  }
  return pages.flat();
}

const ready = (async () => {
  if (!availability.ok) return;
  server = await startMariaDb();
  url = await server.createDatabase('messaging');
  const c = await server.admin('messaging');
  try {
    truth = await writeMessaging(c, archive, {
      now: NOW,
      companies: 3,
      clientsPerCompany: 4,
      conversationsPerClient: 2,
    });
  } finally {
    await c.end();
  }
})();

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!availability.ok)(`MySQL/MariaDB sources${skipReason}`, () => {
  beforeAll(() => ready, 120_000);

  describe('seed 003 messaging: the figures match the generator', () => {
    let source: Source;
    beforeAll(async () => {
      await ready;
      source = await openSource(url, { archive });
    });
    afterAll(() => source?.close());

    it('detects the messaging schema on MariaDB; companies are the tenants', async () => {
      const summary = source.summary();
      expect(summary).toMatchObject({
        engine: 'mysql',
        kind: 'messaging',
        tenantScoped: true,
        hasConversations: true,
      });
      expect(summary.source).not.toContain(server.userPassword);
      expect(summary.source).toContain('***');
      expect((source as MysqlSource).db.dialect).toBe('mariadb');
      const tenants = await source.tenants();
      expect(tenants.map((t) => t.id).sort()).toEqual(truth.companies.map((c) => c.id).sort());
      const info = await source.info();
      const rows = Object.fromEntries(info.tables.map((t) => [t.name, t.rows]));
      expect(rows.messages).toBe(truth.totals.hot);
      expect(rows.messages_warm).toBe(truth.totals.warm);
      expect(truth.totals.hot).toBeGreaterThan(0);
      expect(truth.totals.warm).toBeGreaterThan(0);
      expect(truth.totals.cold).toBeGreaterThan(0);
    });

    it('one thread across hot, warm and cold equals the generator, each message with its tier', async () => {
      const big = truth.bigConversation;
      expect(big.tiers.hot).toBeGreaterThan(0);
      expect(big.tiers.warm).toBeGreaterThan(0);
      expect(big.tiers.cold).toBeGreaterThan(0);
      const expected = truth.threads.get(big.id)!;
      for (const limit of [7, 50]) {
        const thread = await wholeThread(source, big.id, big.companyId, limit);
        expect(thread.map((m) => m.id)).toEqual(expected.map((m) => m.id));
        expect(thread.map((m) => m.extra?.tier)).toEqual(expected.map((m) => m.tier));
        expect(thread.map((m) => m.timestamp)).toEqual(expected.map((m) => m.createdAt));
        expect(thread.map((m) => m.text)).toEqual(expected.map((m) => m.content));
      }
      const cold = (await wholeThread(source, big.id, big.companyId, 500)).find(
        (m) => m.extra?.tier === 'cold',
      )!;
      expect(cold.extra?.archiveFile).toBe(`${big.companyId}/${cold.timestamp!.slice(0, 7)}.jsonl.gz`);
      expect(typeof cold.extra?.archiveLine).toBe('number');
      // Every conversation of every company: count and thread.
      for (const company of truth.companies) {
        for (const conv of company.conversations.values()) {
          const one = await source.conversation(conv.id, { tenant: company.id });
          expect(one.messages, conv.id).toBe(conv.messages);
          const thread = await wholeThread(source, conv.id, company.id, 20);
          expect(thread.map((m) => m.id)).toEqual(truth.threads.get(conv.id)!.map((m: TruthMessage) => m.id));
        }
      }
    });

    it('a page at a time spanning warm and cold, forwards from a moment', async () => {
      const big = truth.bigConversation;
      const expected = truth.threads.get(big.id)!;
      const boundary = expected.findIndex((m) => m.tier === 'warm');
      const at = expected[boundary - 3]!.createdAt;
      const page = await source.messages({ conversationId: big.id, tenant: big.companyId, limit: 6, at });
      expect(page.messages.map((m) => m.extra?.tier)).toEqual(
        expected.slice(boundary - 3, boundary + 3).map((m) => m.tier),
      );
      expect(page.messages.map((m) => m.id)).toEqual(
        expected.slice(boundary - 3, boundary + 3).map((m) => m.id),
      );
      expect(page.older).not.toBeNull();
      expect(page.newer).not.toBeNull();
    });

    it('conversations per company (most recent first) and per client (search by name or phone)', async () => {
      for (const company of truth.companies) {
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page = await source.conversations({ tenant: company.id, limit: 3, after });
          for (const c of page.conversations) {
            seen.push(c.id);
            expect(c.messages).toBe(company.conversations.get(c.id)!.messages);
            expect(c.lastActivity).toBe(company.conversations.get(c.id)!.last);
          }
          after = page.next ?? undefined;
        } while (after);
        const expected = [...company.conversations.values()]
          .sort((a, b) => (a.last === b.last ? (a.id < b.id ? 1 : -1) : a.last < b.last ? 1 : -1))
          .map((c) => c.id);
        expect(seen).toEqual(expected);
      }
      const big = truth.bigConversation;
      const byClient = await source.conversations({
        tenant: big.companyId,
        search: big.clientName,
        limit: 50,
      });
      const mine = [...truth.companies[0]!.conversations.values()].filter(
        (c) => c.clientName === big.clientName,
      );
      expect(byClient.conversations.map((c) => c.id).sort()).toEqual(mine.map((c) => c.id).sort());
    });

    it('the summary beside the thread', async () => {
      const big = truth.bigConversation;
      const summary = await (source as MysqlSource).conversationSummary(big.id, { tenant: big.companyId });
      expect(summary).toMatchObject({
        summary: big.summary!.summary,
        keyPoints: big.summary!.keyPoints,
        sentiment: big.summary!.sentiment,
        tags: big.summary!.tags,
        messageCount: big.messages,
        duration: big.summary!.duration,
      });
    });

    it('per-company stats: messages per day per tier, response times, sentiment, tags', async () => {
      for (const company of truth.companies) {
        const metrics = await source.metrics({ tenant: company.id });
        const perDay = metrics.charts.find((c) => c.id === 'messages-per-day-tier')!;
        for (const series of perDay.series) {
          for (const p of series.points)
            expect(p.y, `${p.x} ${series.name}`).toBe(company.perDayTier.get(`${p.x}|${series.name}`) ?? 0);
          expect(series.points.reduce((a, p) => a + p.y, 0)).toBe(company.tierTotals[series.name as 'hot']);
        }
        const tiers = metrics.tables.find((t) => t.id === 'tiers')!.rows;
        const all = tiers.find((r) => r[0] === 'all')!;
        expect(all[1]).toBe(String(company.messages));
        expect(all[2]).toBe(String(company.responseTimeCount));
        expect(Number(all[3])).toBeCloseTo(company.responseTimeSum / company.responseTimeCount / 1000, 2);
        const buckets = metrics.charts.find((c) => c.id === 'response-times')!;
        const sums = company.responseBuckets.map((_, i) =>
          buckets.series.reduce((a, s) => a + s.points[i]!.y, 0),
        );
        expect(sums).toEqual(company.responseBuckets);
        const sentiment = metrics.charts.find((c) => c.id === 'sentiment')!.series[0]!.points;
        expect(Object.fromEntries(sentiment.map((p) => [p.x, p.y]))).toEqual(
          Object.fromEntries(company.sentiments),
        );
        const tags = metrics.charts.find((c) => c.id === 'tags')!.series[0]!.points;
        expect(Object.fromEntries(tags.map((p) => [p.x, p.y]))).toEqual(Object.fromEntries(company.tags));
        expect(metrics.tables.find((t) => t.id === 'archive-warnings')).toBeUndefined();
      }
    });

    it('needs a company', async () => {
      expect((await codeOf(source.conversations({ limit: 5 }))).code).toBe('invalid_input');
      expect((await codeOf(source.conversations({ tenant: 'nope', limit: 5 }))).code).toBe('not_found');
      const other = truth.companies[1]!.id;
      expect((await codeOf(source.conversation(truth.bigConversation.id, { tenant: other }))).code).toBe(
        'not_found',
      );
    });
  });

  it("EXPLAIN: the thread uses (clientId, createdAt), the company's figures (companyId, createdAt)", async () => {
    // Many clients per company, as in production: one client's rows are a small part of a table.
    const explainUrl = await server.createDatabase('explain');
    const writer = await server.admin('explain');
    let many: MessagingTruth;
    try {
      many = await writeMessaging(writer, join(work, 'explain-archive'), {
        now: NOW,
        companies: 3,
        clientsPerCompany: 40,
        keepMessages: false,
      });
      // …and other companies' traffic beside them in both tables (the fixture's hot day is small).
      for (const table of ['messages', 'messages_warm'])
        await writer.query(
          `INSERT INTO ${table} (id, conversationId, clientId, companyId, role, content, responseTimeMs, createdAt)
           SELECT 10000000 + seq, CONCAT('other-', seq % 900), CONCAT('other-client-', seq % 900), CONCAT('other-company-', seq % 30),
                  'user', 'other traffic', NULL, '2026-11-01 00:00:00' FROM seq_1_to_20000`,
        );
      await writer.query('ANALYZE TABLE messages, messages_warm, conversations');
    } finally {
      await writer.end();
    }
    const seen: { sql: string; params: unknown[] }[] = [];
    const source = await openSource(explainUrl, {
      archive: join(work, 'explain-archive'),
      onQuery: (sql, params) => seen.push({ sql, params }),
    });
    const big = many.bigConversation;
    try {
      const page = await source.messages({ conversationId: big.id, tenant: big.companyId, limit: 10 });
      await source.messages({
        conversationId: big.id,
        tenant: big.companyId,
        limit: 10,
        before: page.older!,
      });
      await source.conversations({ tenant: big.companyId, limit: 5 });
      await source.metrics({ tenant: big.companyId });
    } finally {
      await source.close();
    }
    const c = await server.admin('explain');
    try {
      // A small table makes a full scan cheapest; with scans priced out (as enable_seqscan=off does on
      // PostgreSQL), what remains is what the indexes allow.
      await c.query('SET SESSION max_seeks_for_key = 1');
      const explain = async (sql: string, params: unknown[]) => {
        const [rows] = await c.query(`EXPLAIN ${sql}`, params);
        return rows as { table: string; key: string | null }[];
      };
      const threadQueries = seen.filter((q) =>
        /FROM `messages(_warm)?` WHERE clientId = \? AND conversationId = \?/.test(q.sql),
      );
      expect(threadQueries.length).toBeGreaterThan(2);
      for (const q of threadQueries) {
        const plan = await explain(q.sql, q.params);
        for (const row of plan.filter((r) => /^messages/.test(r.table)))
          expect(String(row.key), `${q.sql}\n${JSON.stringify(plan)}`).toMatch(
            /^idx_messages(_warm)?_client_created$/,
          );
      }
      const companyQueries = seen.filter((q) => /FROM `messages(_warm)?` WHERE companyId = \?/.test(q.sql));
      expect(companyQueries.length).toBeGreaterThan(1);
      for (const q of companyQueries) {
        const plan = await explain(q.sql, q.params);
        expect(String(plan[0]!.key), `${q.sql}\n${JSON.stringify(plan)}`).toMatch(
          /^idx_messages(_warm)?_company_created$/,
        );
      }
    } finally {
      await c.end();
    }
  });

  describe('every session is read-only with a statement time limit', () => {
    it('a write is refused (by the statement check and by the server) and nothing changes', async () => {
      const before = await fingerprint();
      const source = (await openSource(url, { archive })) as MysqlSource;
      try {
        for (const sql of [
          "UPDATE messages SET content = 'x'",
          'DELETE FROM messages_warm',
          'DROP TABLE conversations',
          "SELECT * FROM messages INTO OUTFILE '/tmp/ci-out.txt'",
          'WITH x AS (SELECT 1) DELETE FROM messages',
          'SET SESSION TRANSACTION READ WRITE',
        ])
          expect((await codeOf(source.query(sql))).code, sql).toBe('read_only');
        // The server's own guard, reached without the statement check: the session is read-only.
        expect((await codeOf(source.db.rows("UPDATE messages SET content = 'x'"))).code).toBe('read_only');
        expect((await codeOf(source.db.rows('SELECT * FROM messages LIMIT 1 FOR UPDATE'))).code).toBe(
          'read_only',
        );
        expect((await codeOf(source.query('SELECT 1; DELETE FROM messages'))).code).toBe('invalid_input');
        const read = await source.query('SHOW VARIABLES LIKE "tx_read_only"');
        expect(read.rows[0]![1]).toBe('ON');
        const limit = await source.query('SELECT @@max_statement_time AS t');
        expect(Number(limit.rows[0]![0])).toBe(5);
      } finally {
        await source.close();
      }
      expect(await fingerprint()).toBe(before);
    });

    it('stops a slow statement at the configured limit (MariaDB max_statement_time) with a clear error', async () => {
      const source = await openSource(url, { statementTimeoutMs: 1000 });
      try {
        const started = Date.now();
        const result = await codeOf(source.query('SELECT SLEEP(3)'));
        expect(result.code).toBe('timeout');
        expect(result.message).toMatch(/1 s statement time limit/);
        expect(Date.now() - started).toBeLessThan(2900);
      } finally {
        await source.close();
      }
    });
  });

  describe('errors are one line a person understands, never with the password', () => {
    const expectClean = (message: string) => {
      expect(message).not.toContain(server.userPassword);
      expect(message).not.toContain('\n');
    };

    it('unreachable, authentication failed, unknown database, permission denied', async () => {
      const closed = await codeOf(
        openSource(`mysql://${TEST_USER}:${server.userPassword}@127.0.0.1:1/messaging`),
      );
      expect(closed.code).toBe('unreachable');
      expect(closed.message).toMatch(/cannot reach the MySQL server at 127\.0\.0\.1:1 .*connection refused/);
      expectClean(closed.message);
      const wrong = await codeOf(openSource(server.url('messaging', TEST_USER, 'Wr0ng-pass-xyz')));
      expect(wrong.code).toBe('unauthorized');
      expect(wrong.message).toMatch(/authentication failed for user "reader"/);
      expect(wrong.message).not.toContain('Wr0ng-pass-xyz');
      const missing = await codeOf(openSource(server.url('nowhere')));
      expect(['not_found', 'permission_denied']).toContain(missing.code);
      expect(missing.message).toMatch(/"nowhere"/);
      expectClean(missing.message);
      const c = await server.admin();
      try {
        await c.query(
          'CREATE DATABASE locked; CREATE TABLE locked.open_t (id INT PRIMARY KEY); CREATE TABLE locked.secret (id INT PRIMARY KEY, card TEXT)',
        );
        await c.query(`GRANT SELECT ON locked.open_t TO '${TEST_USER}'@'127.0.0.1'`);
      } finally {
        await c.end();
      }
      const source = await openSource(server.url('locked'));
      try {
        const denied = await codeOf(source.query('SELECT * FROM secret'));
        expect(denied.code).toBe('permission_denied');
        expect(denied.message).toMatch(
          /permission denied for table secret: the user "reader" needs SELECT on it/,
        );
      } finally {
        await source.close();
      }
      const mariadbScheme = await openSource(server.url('messaging').replace(/^mysql:/, 'mariadb:'));
      expect(mariadbScheme.summary().kind).toBe('messaging');
      await mariadbScheme.close();
    });

    it('MYSQL_PWD is used when the URL has no password', async () => {
      const saved = process.env.MYSQL_PWD;
      try {
        process.env.MYSQL_PWD = server.userPassword;
        const source = await openSource(`mysql://${TEST_USER}@127.0.0.1:${server.port}/messaging`);
        expect(source.summary().kind).toBe('messaging');
        await source.close();
      } finally {
        if (saved === undefined) delete process.env.MYSQL_PWD;
        else process.env.MYSQL_PWD = saved;
      }
    });

    it('lost connection mid-query: code connection_lost, and the next request reconnects', async () => {
      const source = await openSource(url, { statementTimeoutMs: 10_000 });
      try {
        const running = codeOf(source.query('SELECT SLEEP(5)'));
        await new Promise((r) => setTimeout(r, 500));
        const c = await server.admin();
        try {
          const [rows] = await c.query(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${TEST_USER}' AND INFO LIKE 'SELECT SLEEP%'`,
          );
          for (const r of rows as { ID: number }[]) await c.query(`KILL ${r.ID}`);
        } finally {
          await c.end();
        }
        const failure = await running;
        expect(failure.code).toBe('connection_lost');
        expectClean(failure.message);
        expect(Number((await source.query('SELECT 1 AS one')).rows[0]![0])).toBe(1);
      } finally {
        await source.close();
      }
    });
  });

  describe('the cold archive', () => {
    it('a damaged archive: the warning names the file and line, the rest of the thread still shows', async () => {
      const damaged = join(work, 'damaged');
      cpSync(archive, damaged, { recursive: true });
      const big = truth.bigConversation;
      const expected = truth.threads.get(big.id)!;
      const coldMonths = [
        ...new Set(expected.filter((m) => m.tier === 'cold').map((m) => m.createdAt.slice(0, 7))),
      ].sort();
      expect(coldMonths.length).toBeGreaterThan(1);
      const badLine = damageArchiveFile(
        join(damaged, big.companyId, `${coldMonths[0]}.jsonl.gz`),
        'bad-line',
        2,
      );
      const truncated = damageArchiveFile(
        join(damaged, big.companyId, `${coldMonths[1]}.jsonl.gz`),
        'truncated',
      );
      const source = await openSource(url, { archive: damaged });
      try {
        const warnings = new Set<string>();
        const pages: SourceMessage[][] = [];
        let page = await source.messages({ conversationId: big.id, tenant: big.companyId, limit: 25 });
        pages.unshift(page.messages);
        for (const w of page.warnings ?? []) warnings.add(w);
        while (page.older) {
          page = await source.messages({
            conversationId: big.id,
            tenant: big.companyId,
            limit: 25,
            before: page.older,
          });
          pages.unshift(page.messages);
          for (const w of page.warnings ?? []) warnings.add(w);
        }
        const shown = pages.flat();
        const all = [...warnings];
        expect(all.some((w) => w.includes(badLine.path) && w.includes('line 2'))).toBe(true);
        expect(all.some((w) => w.includes(truncated.path) && /truncated gzip at line \d+/.test(w))).toBe(
          true,
        );
        // Everything in MySQL and in the undamaged files is there, in order.
        const undamaged = expected.filter(
          (m) => m.tier !== 'cold' || m.createdAt.slice(0, 7) > coldMonths[1]!,
        );
        const shownIds = new Set(shown.map((m) => m.id));
        for (const m of undamaged) expect(shownIds.has(m.id), m.id).toBe(true);
        expect(shown.length).toBeLessThan(expected.length);
        const metrics = await source.metrics({ tenant: big.companyId });
        const problems = metrics.tables.find((t) => t.id === 'archive-warnings')!.rows.map((r) => r[0]);
        expect(problems.some((p) => p!.includes(badLine.path))).toBe(true);
      } finally {
        await source.close();
      }
    });

    it('an archive file out of time order still gives the thread in order (pages and export)', async () => {
      const shuffled = join(work, 'shuffled');
      cpSync(archive, shuffled, { recursive: true });
      const big = truth.bigConversation;
      const expected = truth.threads.get(big.id)!;
      for (const month of new Set(
        expected.filter((m) => m.tier === 'cold').map((m) => m.createdAt.slice(0, 7)),
      ))
        damageArchiveFile(join(shuffled, big.companyId, `${month}.jsonl.gz`), 'out-of-order');
      const source = await openSource(url, { archive: shuffled });
      try {
        const thread = await wholeThread(source, big.id, big.companyId, 9);
        expect(thread.map((m) => m.id)).toEqual(expected.map((m) => m.id));
        const exported: string[] = [];
        for await (const page of source.exportMessages({
          conversationId: big.id,
          tenant: big.companyId,
          pageSize: 13,
        }))
          exported.push(...page.map((m) => m.id));
        expect(exported).toEqual(expected.map((m) => m.id));
      } finally {
        await source.close();
      }
    });

    it('a link in the archive is not followed; a missing folder is one clear error', async () => {
      const linked = join(work, 'linked');
      cpSync(archive, linked, { recursive: true });
      const big = truth.bigConversation;
      const month = truth.threads
        .get(big.id)!
        .find((m) => m.tier === 'cold')!
        .createdAt.slice(0, 7);
      const file = join(linked, big.companyId, `${month}.jsonl.gz`);
      rmSync(file);
      symlinkSync(join(archive, big.companyId, `${month}.jsonl.gz`), file);
      const source = await openSource(url, { archive: linked });
      try {
        const thread = await wholeThread(source, big.id, big.companyId, 500);
        expect(thread.some((m) => m.extra?.tier === 'cold' && m.timestamp!.startsWith(month))).toBe(false);
      } finally {
        await source.close();
      }
      const missing = await codeOf(openSource(url, { archive: join(work, 'no-such-folder') }));
      expect(missing.code).toBe('not_found');
    });
  });

  it('generic schema: tables (exact and estimated), keyset table browser, no conversations', async () => {
    const generic = await server.createDatabase('generic');
    const c = await server.admin('generic');
    try {
      await c.query(
        `CREATE TABLE small (a INT NOT NULL, b VARCHAR(10) NOT NULL, v TEXT, PRIMARY KEY (a, b));
         INSERT INTO small VALUES (1, 'x', 'one'), (1, 'y', 'two'), (2, 'a', 'three'), (3, 'b', 'four'), (3, 'c', 'five');
         CREATE TABLE big (id INT PRIMARY KEY, v CHAR(8));
         INSERT INTO big SELECT seq, 'row' FROM seq_1_to_220000;
         ANALYZE TABLE big;
         CREATE VIEW small_view AS SELECT a FROM small;`,
      );
    } finally {
      await c.end();
    }
    const source = (await openSource(generic)) as MysqlSource;
    try {
      const info = await source.info();
      expect(info.kind).toBe('generic');
      expect(info.hasConversations).toBe(false);
      expect(info.tables.find((t) => t.name === 'small')).toMatchObject({ rows: 5, rowsEstimated: false });
      const big = info.tables.find((t) => t.name === 'big')!;
      expect(big.rowsEstimated).toBe(true);
      expect(big.rows).toBeGreaterThan(100_000);
      expect(info.tables.find((t) => t.name === 'small_view')?.type).toBe('view');
      const seen: unknown[][] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await source.browseTable('small', { after, limit: 2 });
        expect(page.key).toEqual(['a', 'b']);
        seen.push(...page.rows);
        after = page.next ?? undefined;
        pages++;
      } while (after);
      expect(pages).toBe(3);
      expect(seen.map((r) => r[2])).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect((await codeOf(source.browseTable('nope'))).code).toBe('not_found');
      expect((await codeOf(source.conversations({ limit: 5 }))).code).toBe('invalid_input');
      expect((await codeOf(source.query('DELETE FROM small'))).code).toBe('read_only');
      expect(Number((await source.query('SELECT count(*) AS n FROM small')).rows[0]![0])).toBe(5);
    } finally {
      await source.close();
    }
  }, 120_000);

  it('the app operations: connect with a separate password and an archive folder, thread with tiers, summary', async () => {
    const ctx = createContext({ rememberRecent: false, canPickWithDialog: true });
    const big = truth.bigConversation;
    const bare = `mysql://${TEST_USER}@127.0.0.1:${server.port}/messaging`;
    const ref = (await invoke(
      'sources.connect',
      { url: bare, password: server.userPassword, archive },
      ctx,
    )) as SourceRef;
    expect(ref.kind).toBe('messaging');
    expect(ref.label).toContain(archive);
    const info = (await invoke('sources.info', { id: ref.id }, ctx)) as SourceInfoOut;
    expect(info.engine).toBe('mysql');
    expect(info.tenants.map((t) => t.id).sort()).toEqual(truth.companies.map((c) => c.id).sort());
    const page = (await invoke(
      'sources.messages',
      { id: ref.id, tenant: big.companyId, conversationId: big.id, limit: 500 },
      ctx,
    )) as { messages: { id: string; extra: { tier: string } }[]; warnings?: string[] };
    expect(page.messages.map((m) => m.extra.tier)).toEqual(truth.threads.get(big.id)!.map((m) => m.tier));
    expect(page.warnings).toBeUndefined();
    const summary = (await invoke(
      'messaging.summary',
      { id: ref.id, tenant: big.companyId, conversationId: big.id },
      ctx,
    )) as { summary: { sentiment: string; tags: string[] } | null };
    expect(summary.summary).toMatchObject({ sentiment: big.summary!.sentiment, tags: big.summary!.tags });
    expect(JSON.stringify([ref, info])).not.toContain(server.userPassword);
    const wrongArchive = await codeOf(
      invoke(
        'sources.connect',
        { url: bare, password: server.userPassword, archive: join(work, 'none') },
        ctx,
      ),
    );
    expect(wrongArchive.code).toBe('not_found');
  });

  describe('CLI over a mysql:// URL with --archive', () => {
    const cli = (...args: string[]) =>
      spawnSync(join(process.cwd(), 'node_modules/.bin/node'), ['main/cli/main.ts', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });

    it('open, conversations, messages and export: every tier, and no password anywhere', async () => {
      const big = truth.bigConversation;
      const open = cli('open', url, '--archive', archive, '--json');
      expect(open.status, open.stderr).toBe(0);
      expect(JSON.parse(open.stdout)).toMatchObject({ kind: 'messaging', engine: 'mysql' });
      const conv = cli('conversations', url, '--archive', archive, '--tenant', big.companyId, '--json');
      expect(conv.status, conv.stderr).toBe(0);
      const list = JSON.parse(conv.stdout);
      expect(list.conversations.find((c: { id: string }) => c.id === big.id).messages).toBe(big.messages);
      const msgs = cli(
        'messages',
        url,
        big.id,
        '--archive',
        archive,
        '--tenant',
        big.companyId,
        '--limit',
        '5',
        '--json',
      );
      expect(msgs.status, msgs.stderr).toBe(0);
      expect(JSON.parse(msgs.stdout).messages.map((m: { id: string }) => m.id)).toEqual(
        truth.threads
          .get(big.id)!
          .slice(-5)
          .map((m) => m.id),
      );
      const out = join(work, 'big.json');
      const exported = cli(
        'export',
        url,
        '--archive',
        archive,
        '--chat',
        big.id,
        '--tenant',
        big.companyId,
        '--format',
        'json',
        '--out',
        out,
      );
      expect(exported.status, exported.stderr).toBe(0);
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      expect(doc.chats[0].messages.map((m: { id: number }) => String(m.id))).toEqual(
        truth.threads.get(big.id)!.map((m) => m.id),
      );
      expect(doc.chats[0].messages.map((m: { extra: { tier: string } }) => m.extra.tier)).toEqual(
        truth.threads.get(big.id)!.map((m) => m.tier),
      );
      expect(existsSync(`${out}.partial`)).toBe(false);
      for (const run of [open, conv, msgs, exported])
        expect(run.stdout + run.stderr).not.toContain(server.userPassword);
      const wrong = cli(
        'conversations',
        server.url('messaging', TEST_USER, 'Wr0ng-pass'),
        '--tenant',
        big.companyId,
      );
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toMatch(/^chat-inspector: authentication failed for user "reader"/);
      expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('demo --mysql fills an empty database and a new archive folder, and refuses a database that is not empty', async () => {
      const demoUrl = await server.createDatabase('demo');
      const demoArchive = join(work, 'demo-archive');
      const run = cli('demo', '--mysql', demoUrl, '--archive', demoArchive, '--json');
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.companies).toHaveLength(4);
      expect(result.source).not.toContain(server.userPassword);
      expect(result.messages.cold).toBeGreaterThan(0);
      const again = cli('demo', '--mysql', demoUrl, '--archive', join(work, 'demo-archive-2'));
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/already has tables/);
      expect(existsSync(join(work, 'demo-archive-2'))).toBe(false);
      const source = await openSource(demoUrl, { archive: demoArchive });
      try {
        const page = await source.conversations({ tenant: result.companies[0].id, limit: 1 });
        expect(page.conversations).toHaveLength(1);
      } finally {
        await source.close();
      }
    });
  });
});

if (availability.ok) {
  sourceContractSuite('MariaDB seed-003 messaging (hot, warm and cold archive)', async () => {
    await ready;
    const big = truth.bigConversation;
    const company = truth.companies.find((c) => c.id === big.companyId)!;
    return {
      truth: {
        kind: 'messaging',
        tables: {
          messages: truth.totals.hot,
          messages_warm: truth.totals.warm,
          companies: truth.companies.length,
          conversations: truth.companies.reduce((n, c) => n + c.conversations.size, 0),
        },
        tenant: company.id,
        conversationIds: [...company.conversations.keys()],
        conversation: { id: big.id, messages: big.messages },
        searchText: 'Protocolo',
        writeSql: 'DELETE FROM messages',
        fingerprint,
      },
      open: () => openSource(url, { archive }),
    };
  });
}
