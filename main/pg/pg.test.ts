import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { writeClinicPg, type ClinicPgTruth } from '../fixtures/clinic-pg.ts';
import {
  EVOSENSE_SCHEMA,
  RETENTION_DAYS,
  TOPICS,
  writeEvoSense,
  type EvoSenseTruth,
} from '../fixtures/evosense.ts';
import { sourceContractSuite } from '../sources/contract-suite.ts';
import '../kinds/index.ts';
import { openSource } from '../sources/index.ts';
import type { Source } from '../sources/types.ts';
import { PgSource } from './source.ts';
import { conversationWindow } from './evosense.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import type { ConnectionsOut, SourceInfoOut, SourceRef } from '../../shared/contract/sources.ts';
import { SourceSession } from '../sources/session.ts';
import { requirePgForTests, startTestServer, type TestServer } from '../testing/pg-server.ts';

// PostgreSQL sources against a real, throwaway server (initdb + postgres as the `postgres` user, random
// loopback port, fsync off) with pgvector. Every figure is checked against the fixture generator's truth.
// Without the binaries these tests are skipped with the reason — under CI that is a failure instead.

const availability = requirePgForTests({ vector: true });
const skipReason = availability.ok ? '' : ` (skipped: ${availability.reason})`;

let server: TestServer;
let evoUrl: string;
let readerUrl: string;
let clinicUrl: string;
let evo: EvoSenseTruth;
let clinic: ClinicPgTruth;
const READER_PASSWORD = 'Reader-s3cret-pw';
const work = mkdtempSync(join(tmpdir(), 'ci-pg-test-'));

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

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

const ready = (async () => {
  if (!availability.ok) return;
  server = await startTestServer();
  evoUrl = await server.createDatabase('evosense');
  evo = await withClient(evoUrl, (c) =>
    writeEvoSense(c, { messagesPerTenant: 240, chatsPerTenant: 10, bigChatMessages: 300 }),
  );
  await server.admin(
    `CREATE ROLE reader LOGIN PASSWORD '${READER_PASSWORD}';
     ALTER ROLE reader SET default_transaction_read_only = off;
     ALTER ROLE reader SET statement_timeout = 0;
     GRANT CONNECT ON DATABASE evosense TO reader;`,
  );
  await server.admin(
    `GRANT USAGE ON SCHEMA public TO reader;
     GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
     CREATE TABLE billing_secret (id int PRIMARY KEY, card text);
     INSERT INTO billing_secret VALUES (1, '4111');`,
    'evosense',
  );
  readerUrl = server.url('evosense', 'reader', READER_PASSWORD);
  clinicUrl = await server.createDatabase('clinic', { vector: false });
  clinic = await withClient(clinicUrl, (c) => writeClinicPg(c, { conversations: 9 }));
})();

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!availability.ok)(`PostgreSQL sources${skipReason}`, () => {
  beforeAll(() => ready);

  describe('EvoSense figures match the generator', () => {
    let source: Source;
    beforeAll(async () => {
      await ready;
      source = await openSource(readerUrl);
    });
    afterAll(() => source?.close());

    it('detects EvoSense and lists its tenants', async () => {
      const summary = source.summary();
      expect(summary.kind).toBe('evosense');
      expect(summary.engine).toBe('postgres');
      expect(summary.tenantScoped).toBe(true);
      expect(summary.hasSimilar).toBe(true);
      expect(summary.source).not.toContain(READER_PASSWORD);
      const tenants = await source.tenants();
      expect(tenants.map((t) => t.id).sort()).toEqual(evo.tenants.map((t) => t.id).sort());
      expect(new Set(tenants.map((t) => t.plan))).toEqual(new Set(['starter', 'pro', 'scale', 'enterprise']));
      const info = await source.info();
      const messages = info.tables.find((t) => t.name === 'messages_message')!;
      expect(messages.rows).toBe(evo.messages.length);
      expect(messages.rowsEstimated).toBe(false);
      expect(info.tables.find((t) => t.name === 'tenant_metrics')?.type).toBe('view');
    });

    it("lists every tenant's conversations with exact counts and last activity", async () => {
      for (const tenant of evo.tenants) {
        const seen = new Map<string, { messages: number | null; last: string | null }>();
        let after: string | undefined;
        do {
          const page = await source.conversations({ tenant: tenant.id, limit: 4, after });
          for (const c of page.conversations) seen.set(c.id, { messages: c.messages, last: c.lastActivity });
          after = page.next ?? undefined;
        } while (after);
        expect(seen.size).toBe(tenant.chats.size);
        for (const [chatId, truth] of tenant.chats) {
          expect(seen.get(chatId)?.messages, chatId).toBe(truth.messages);
          expect(seen.get(chatId)?.last).toBe(new Date(truth.last).toISOString());
        }
      }
    });

    it('conversation pages stay exact when the newest-messages window must widen or fall back', async () => {
      const saved = { ...conversationWindow };
      try {
        for (const [start, max] of [
          [8, 512],
          [8, 32],
        ] as const) {
          conversationWindow.start = start;
          conversationWindow.max = max;
          for (const tenant of evo.tenants.slice(0, 3)) {
            const order: string[] = [];
            let after: string | undefined;
            do {
              const page = await source.conversations({ tenant: tenant.id, limit: 2, after });
              for (const c of page.conversations) {
                expect(c.messages, c.id).toBe(tenant.chats.get(c.id)!.messages);
                order.push(c.id);
              }
              after = page.next ?? undefined;
            } while (after);
            const expected = [...tenant.chats.entries()]
              .sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? 1 : -1))
              .map(([id]) => id);
            expect(order).toEqual(expected);
          }
        }
      } finally {
        Object.assign(conversationWindow, saved);
      }
    });

    it('tenant metrics: volume, sentiment, emotions, embedding coverage, retention due per plan, experiments', async () => {
      for (const tenant of evo.tenants) {
        const metrics = await source.metrics({ tenant: tenant.id });
        const overview = Object.fromEntries(
          metrics.tables.find((t) => t.id === 'overview')!.rows.map((r) => [r[0], r[1]]),
        );
        expect(overview.Messages).toBe(String(tenant.messages));
        expect(overview.Conversations).toBe(String(tenant.chats.size));
        expect(Number(overview['Average sentiment'])).toBeCloseTo(tenant.sentimentSum / tenant.messages, 3);
        expect(overview['Embedding coverage']).toContain(`(${tenant.embedded} of ${tenant.messages})`);
        const days = RETENTION_DAYS[tenant.plan];
        expect(overview[`Past the ${tenant.plan} plan's retention (${days} days)`]).toMatch(
          new RegExp(`^${tenant.pastRetention} messages`),
        );
        expect(tenant.pastRetention).toBeGreaterThan(0);
        const emotions = metrics.charts.find((c) => c.id === 'emotions')!.series[0]!.points;
        expect(Object.fromEntries(emotions.map((p) => [p.x, p.y]))).toEqual(
          Object.fromEntries(tenant.emotions),
        );
        const perDay = metrics.charts.find((c) => c.id === 'messages-per-day')!.series[0]!.points;
        expect(perDay.reduce((s, p) => s + p.y, 0)).toBe(tenant.messages);
        const satisfaction = metrics.charts.find((c) => c.id === 'satisfaction-distribution')!.series[0]!
          .points;
        expect(satisfaction.reduce((s, p) => s + p.y, 0)).toBe(tenant.messages);
        const latency = metrics.tables.find((t) => t.id === 'experiments-latency')!.rows;
        for (const [key, agg] of tenant.inferences) {
          const [model, version] = key.split('|');
          const row = latency.find((r) => r[0] === model && r[1] === version)!;
          expect(row[2]).toBe(String(agg.count));
          expect(Number(row[3])).toBeCloseTo(agg.latencySum / agg.count, 1);
        }
        const modes = metrics.tables.find((t) => t.id === 'shadow-vs-live')!.rows.map((r) => r[0]);
        expect(modes).toEqual(['live', 'shadow']);
        expect(metrics.tables.find((t) => t.id === 'tenant-metrics-view')).toBeDefined();
        expect(metrics.tables.find((t) => t.id === 'vector-index-use')!.rows[0]![0]).toBe(
          'idx_message_embedding',
        );
      }
    });

    it("similar messages: a message's nearest neighbours are of its own topic, closest first, same tenant", async () => {
      const tenant = evo.tenants[1]!;
      const mine = evo.messages.filter((m) => m.tenantId === tenant.id);
      for (const topic of [0, 2, 4]) {
        const selected = mine.find((m) => m.embedded && m.topic === topic)!;
        const similar = await source.similar!({ tenant: tenant.id, messageId: selected.id, limit: 10 });
        expect(similar.length).toBe(10);
        const byId = new Map(evo.messages.map((m) => [m.id, m]));
        for (const s of similar) {
          expect(s.messageId).not.toBe(selected.id);
          expect(byId.get(s.messageId)!.tenantId).toBe(tenant.id);
          expect(byId.get(s.messageId)!.topic, TOPICS[topic]!.name).toBe(topic);
        }
        const distances = similar.map((s) => s.distance);
        expect([...distances].sort((a, b) => a - b)).toEqual(distances);
      }
      const unembedded = mine.find((m) => !m.embedded)!;
      expect(
        (await codeOf(source.similar!({ tenant: tenant.id, messageId: unembedded.id, limit: 5 }))).code,
      ).toBe('not_found');
      const foreign = evo.messages.find((m) => m.tenantId !== tenant.id)!;
      expect(
        (await codeOf(source.similar!({ tenant: tenant.id, messageId: foreign.id, limit: 5 }))).code,
      ).toBe('not_found');
    });

    it('full-text search (portuguese) finds exactly the tenant messages with the word, and conversations by it', async () => {
      const tenant = evo.tenants[2]!;
      const expected = evo.messages.filter((m) => m.tenantId === tenant.id && /encomenda/i.test(m.text));
      const hits = await source.searchMessages({ tenant: tenant.id, text: 'encomenda', limit: 1000 });
      expect(hits.map((h) => h.messageId).sort()).toEqual(expected.map((m) => m.id).sort());
      const chats = await source.conversations({ tenant: tenant.id, search: 'encomenda', limit: 100 });
      expect(chats.conversations.map((c) => c.id).sort()).toEqual(
        [...new Set(expected.map((m) => m.chatId))].sort(),
      );
    });

    it('needs a known tenant, and a UUID', async () => {
      expect((await codeOf(source.conversations({ limit: 5 }))).code).toBe('invalid_input');
      expect((await codeOf(source.conversations({ tenant: 'acme', limit: 5 }))).code).toBe('invalid_input');
      expect(
        (await codeOf(source.conversations({ tenant: '00000000-0000-4000-8000-000000000000', limit: 5 })))
          .code,
      ).toBe('not_found');
    });
  });

  describe('every transaction is read-only with time limits, whatever the role says', () => {
    it('re-asserts READ ONLY, statement_timeout, lock_timeout and application_name per transaction', async () => {
      const source = await openSource(readerUrl);
      try {
        const show = async (setting: string) => String((await source.query(`SHOW ${setting}`)).rows[0]![0]);
        expect(await show('transaction_read_only')).toBe('on');
        expect(await show('statement_timeout')).toBe('5s');
        expect(await show('lock_timeout')).toBe('1s');
        expect(await show('application_name')).toBe('chat-inspector');
        // A session-level change inside one request does not survive into the next.
        await source.query('SET statement_timeout = 0');
        expect(await show('statement_timeout')).toBe('5s');
        expect(
          (await codeOf(source.query('SET transaction_read_only = off; DELETE FROM messages_message'))).code,
        ).toBe('invalid_input');
        expect(
          (
            await codeOf(
              source.query(
                'WITH gone AS (DELETE FROM messages_message RETURNING 1) SELECT count(*) FROM gone',
              ),
            )
          ).code,
        ).toBe('read_only');
      } finally {
        await source.close();
      }
      const count = await withClient(evoUrl, (c) =>
        c.query('SELECT count(*)::int AS n FROM messages_message'),
      );
      expect(count.rows[0].n).toBe(evo.messages.length);
    });

    it('stops a statement at the configured limit with a clear error', async () => {
      const source = await openSource(readerUrl, { statementTimeoutMs: 300 });
      try {
        const result = await codeOf(source.query('SELECT pg_sleep(3)'));
        expect(result.code).toBe('timeout');
        expect(result.message).toMatch(/300 ms statement time limit/);
      } finally {
        await source.close();
      }
    });
  });

  describe('errors are one line a person understands, never with the password', () => {
    const expectClean = (message: string) => {
      expect(message).not.toContain(READER_PASSWORD);
      expect(message).not.toContain(server.superPassword);
      expect(message).not.toContain('\n');
    };

    it('unreachable host', async () => {
      const closed = server.port === 1 ? 2 : 1;
      const r = await codeOf(
        openSource(`postgresql://reader:${READER_PASSWORD}@127.0.0.1:${closed}/evosense`),
      );
      expect(r.code).toBe('unreachable');
      expect(r.message).toMatch(/cannot reach the PostgreSQL server at 127\.0\.0\.1:1.*connection refused/);
      expectClean(r.message);
    });

    it('authentication failed', async () => {
      const r = await codeOf(openSource(server.url('evosense', 'reader', 'wrong-password-xyz')));
      expect(r.code).toBe('unauthorized');
      expect(r.message).toMatch(/authentication failed for user "reader"/);
      expect(r.message).not.toContain('wrong-password-xyz');
    });

    it('database does not exist', async () => {
      const r = await codeOf(openSource(server.url('nowhere', 'reader', READER_PASSWORD)));
      expect(r.code).toBe('not_found');
      expect(r.message).toBe(`database "nowhere" does not exist on 127.0.0.1:${server.port}`);
    });

    it('permission denied names the table', async () => {
      const source = await openSource(readerUrl);
      try {
        const r = await codeOf(source.query('SELECT * FROM billing_secret'));
        expect(r.code).toBe('permission_denied');
        expect(r.message).toMatch(
          /permission denied for table billing_secret: the role "reader" needs SELECT on it/,
        );
      } finally {
        await source.close();
      }
    });

    const terminateReaders = (who: string) =>
      server.admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'chat-inspector' AND usename = '${who}' AND pid <> pg_backend_pid()`,
      );

    it('lost connection mid-query: one line, code connection_lost (the UI offers a retry)', async () => {
      const source = await openSource(readerUrl);
      try {
        const running = codeOf(source.query('SELECT pg_sleep(3)'));
        await new Promise((r) => setTimeout(r, 400));
        await terminateReaders('reader');
        const failure = await running;
        expect(failure.code).toBe('connection_lost');
        expect(failure.message).toMatch(/lost the connection .* retry/);
        // The next request gets a fresh connection.
        expect((await source.query('SELECT 1 AS one')).rows[0]![0]).toBe(1);
      } finally {
        await source.close();
      }
    });

    it('lost connection mid-export: a cursor export fails, never a short file', async () => {
      const source = await openSource(clinicUrl);
      const chosen = [...clinic.conversations].sort((a, b) => b.messages - a.messages)[0]!;
      const pages = source.exportMessages({ conversationId: chosen.id, pageSize: 2 })[Symbol.asyncIterator]();
      try {
        expect((await pages.next()).value).toHaveLength(2);
        await terminateReaders('postgres');
        let failure = { code: 'resolved', message: '' };
        try {
          for (;;) if ((await pages.next()).done) break;
        } catch (error) {
          failure = { code: (error as AppError).code, message: (error as Error).message };
        }
        expect(failure.code).toBe('connection_lost');
      } finally {
        await source.close();
      }
    });

    it('an EvoSense export (a keyset page per transaction) carries on over a dropped idle connection, exactly', async () => {
      const source = await openSource(readerUrl);
      const { tenantId, chatId } = evo.bigChat;
      const ids: string[] = [];
      try {
        for await (const page of source.exportMessages({
          conversationId: chatId,
          tenant: tenantId,
          pageSize: 40,
        })) {
          ids.push(...page.map((m) => m.id));
          if (ids.length === 40) await terminateReaders('reader');
        }
      } finally {
        await source.close();
      }
      const truth = evo.messages
        .filter((m) => m.chatId === chatId)
        .sort((a, b) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id));
      expect(ids).toEqual(truth.map((m) => m.id));
    });

    it('PGPASSWORD and ~/.pgpass are honoured when the URL has no password', async () => {
      const bare = `postgresql://reader@127.0.0.1:${server.port}/evosense`;
      const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
      try {
        process.env.PGPASSWORD = READER_PASSWORD;
        let source = await openSource(bare);
        expect(source.summary().kind).toBe('evosense');
        await source.close();
        delete process.env.PGPASSWORD;
        const passfile = join(work, 'pgpass');
        writeFileSync(passfile, `127.0.0.1:${server.port}:evosense:reader:${READER_PASSWORD}\n`);
        chmodSync(passfile, 0o600);
        process.env.PGPASSFILE = passfile;
        source = await openSource(bare);
        expect(source.summary().kind).toBe('evosense');
        await source.close();
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });
  });

  it("EXPLAIN of the hot queries: the seed's indexes serve them (no Seq Scan on messages_message)", async () => {
    const seen: { sql: string; params: unknown[] }[] = [];
    const source = await openSource(readerUrl, { onQuery: (sql, params) => seen.push({ sql, params }) });
    const tenant = evo.tenants[0]!;
    try {
      const page = await source.conversations({ tenant: tenant.id, limit: 5 });
      await source.conversations({ tenant: tenant.id, limit: 5, after: page.next! });
      const thread = await source.messages({
        tenant: tenant.id,
        conversationId: evo.bigChat.chatId,
        limit: 20,
      });
      await source.messages({
        tenant: tenant.id,
        conversationId: evo.bigChat.chatId,
        limit: 20,
        before: thread.older!,
      });
      await source.searchMessages({ tenant: tenant.id, text: 'entrega', limit: 20 });
      await source.conversations({ tenant: tenant.id, search: 'pedido', limit: 5 });
      const selected = evo.messages.find((m) => m.tenantId === tenant.id && m.embedded)!;
      await source.similar!({ tenant: tenant.id, messageId: selected.id, limit: 10 });
    } finally {
      await source.close();
    }
    const hot = seen.filter((q) => /FROM messages_message/.test(q.sql));
    expect(hot.length).toBeGreaterThan(6);
    await withClient(evoUrl, async (client) => {
      // A small table makes a sequential scan cheapest; with it priced out, what remains is what the indexes allow.
      await client.query('SET enable_seqscan = off');
      for (const q of hot) {
        const plan = (await client.query({ text: `EXPLAIN ${q.sql}`, values: q.params })).rows
          .map((r: Record<string, string>) => r['QUERY PLAN'])
          .join('\n');
        expect(plan, `${q.sql}\n${plan}`).not.toMatch(/Seq Scan on messages_message/);
      }
    });
  });

  it('counts big tables by estimate (rowsEstimated), never with a full count', async () => {
    const url = await server.createDatabase('generic', { vector: false });
    await server.admin(
      'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 150000) g; CREATE TABLE small (id int); INSERT INTO small VALUES (1), (2); ANALYZE',
      'generic',
    );
    const source = await openSource(url);
    try {
      const info = await source.info();
      expect(info.kind).toBe('generic');
      expect(info.hasConversations).toBe(false);
      const big = info.tables.find((t) => t.name === 'big')!;
      expect(big.rowsEstimated).toBe(true);
      expect(big.rows).toBeGreaterThan(100_000);
      expect(info.tables.find((t) => t.name === 'small')).toMatchObject({ rows: 2, rowsEstimated: false });
      expect((await codeOf(source.conversations({ limit: 5 }))).code).toBe('invalid_input');
    } finally {
      await source.close();
    }
  });

  describe('the app operations (contract sources.*)', () => {
    it('connect with a separate password, browse a tenant, similar; the URL and password never come back', async () => {
      const ctx = createContext({ rememberRecent: false, canPickWithDialog: true });
      const bare = `postgresql://reader@127.0.0.1:${server.port}/evosense`;
      const ref = (await invoke(
        'sources.connect',
        { url: bare, password: READER_PASSWORD },
        ctx,
      )) as SourceRef;
      expect(ref.kind).toBe('evosense');
      const list = (await invoke('sources.list', {}, ctx)) as { sources: SourceRef[]; canConnect: boolean };
      expect(list.sources.map((x) => x.id)).toContain(ref.id);
      const tenant = evo.tenants[3]!;
      const info = (await invoke('sources.info', { id: ref.id }, ctx)) as SourceInfoOut;
      expect(info.tenants).toHaveLength(evo.tenants.length);
      const page = (await invoke(
        'sources.conversations',
        { id: ref.id, tenant: tenant.id, limit: 500 },
        ctx,
      )) as {
        conversations: { id: string; messages: number }[];
      };
      expect(page.conversations.reduce((n, c) => n + c.messages, 0)).toBe(tenant.messages);
      const chat = page.conversations[0]!.id;
      const thread = (await invoke(
        'sources.messages',
        { id: ref.id, tenant: tenant.id, conversationId: chat, limit: 500 },
        ctx,
      )) as {
        messages: { id: string; analysis: { sentiment: number } | null; extra: { hasEmbedding: boolean } }[];
      };
      expect(thread.messages).toHaveLength(tenant.chats.get(chat)!.messages);
      expect(typeof thread.messages[0]!.analysis!.sentiment).toBe('number');
      const embedded = thread.messages.find((m) => m.extra.hasEmbedding)!;
      const similar = (await invoke(
        'sources.similar',
        { id: ref.id, tenant: tenant.id, messageId: embedded.id, limit: 5 },
        ctx,
      )) as {
        similar: unknown[];
      };
      expect(similar.similar).toHaveLength(5);
      const metrics = (await invoke('sources.metrics', { id: ref.id, tenant: tenant.id }, ctx)) as {
        charts: { id: string }[];
      };
      expect(metrics.charts.map((c) => c.id)).toContain('sentiment-over-time');
      expect(JSON.stringify([ref, list, info])).not.toContain(READER_PASSWORD);
      const wrong = await codeOf(invoke('sources.connect', { url: bare, password: 'nope-123' }, ctx));
      expect(wrong.code).toBe('unauthorized');
    });

    it('a saved connection opens with its sealed password; the recent list keeps the URL without it', async () => {
      const dir = mkdtempSync(join(work, 'home-'));
      // A stand-in for Electron's safeStorage: sealed bytes hold neither the password nor its base64.
      const keychain = {
        isEncryptionAvailable: () => true,
        encryptString: (text: string) => Buffer.from(Buffer.from(text, 'utf8').map((b) => b ^ 0x33)),
        decryptString: (sealed: Buffer) => Buffer.from(sealed.map((b) => b ^ 0x33)).toString('utf8'),
      };
      const ctx = createContext({ userDataDir: dir, keychain, canPickWithDialog: true });
      const bare = `postgresql://reader@127.0.0.1:${server.port}/evosense`;
      const saved = (await invoke(
        'sources.save',
        { url: bare, name: 'EvoSense', password: READER_PASSWORD, rememberPassword: true },
        ctx,
      )) as ConnectionsOut;
      const ref = (await invoke('sources.connectSaved', { savedId: saved.saved[0]!.id }, ctx)) as SourceRef;
      expect(ref.kind).toBe('evosense');
      const after = (await invoke('sources.connections', {}, ctx)) as ConnectionsOut;
      expect(after.recent.map((r) => r.label)).toEqual([bare]);
      const file = readFileSync(join(dir, 'connections.json'), 'utf8');
      for (const text of [file, JSON.stringify([saved, ref, after])]) {
        expect(text).not.toContain(READER_PASSWORD);
        expect(text).not.toContain(Buffer.from(READER_PASSWORD).toString('base64'));
      }
      // Without the keychain that sealed it (browser mode), the saved password is not used.
      const browser = createContext({ userDataDir: dir, rememberRecent: false });
      const refused = await codeOf(invoke('sources.connectSaved', { savedId: saved.saved[0]!.id }, browser));
      expect(refused.message).toMatch(/keychain/);
    });

    it('browser mode reaches only the sources given on its command line', async () => {
      const session = new SourceSession();
      session.register(readerUrl);
      session.restrictToRegistered();
      expect(session.canConnect).toBe(false);
      expect((await codeOf(session.connect(clinicUrl))).code).toBe('forbidden_path');
      const ok = await session.connect(readerUrl);
      expect(ok.kind).toBe('evosense');
      await session.closeAll();
    });
  });

  describe('a 100,000-message EvoSense chat exports with flat memory', () => {
    let bigUrl: string;
    let tenantId: string;
    const BIG = 100_000;
    beforeAll(async () => {
      await ready;
      bigUrl = await server.createDatabase('bigexport');
      await withClient(bigUrl, async (c) => {
        await c.query(EVOSENSE_SCHEMA);
        tenantId = String(
          (await c.query("INSERT INTO tenancy_tenant (name, plan) VALUES ('Big', 'pro') RETURNING id"))
            .rows[0].id,
        );
        // The big chat every 30 s, interleaved with other chats of the tenant (as in bench/pg.ts), ~400 bytes each.
        await c.query(
          `INSERT INTO messages_message (tenant_id, chat_id, sender, text, created_at, sentiment, emotion, satisfaction, tone)
           SELECT $1, CASE WHEN g % 5 = 0 THEN 'other-' || (g % 97) ELSE 'big@g.us' END, 'h',
                  repeat('mensagem ' || g || ' ', 20), now() - (${BIG * 1.25} - g) * interval '24 seconds',
                  0.5, 'alegria', 80, 'neutro'
           FROM generate_series(1, ${BIG * 1.25}) g`,
          [tenantId],
        );
        await c.query('VACUUM ANALYZE messages_message');
      });
    }, 180_000);

    // Measured in a child process under a small heap (an export holding the chat would die there), as the
    // SQLite export memory test does: RSS before the export and its peak during it, sampled at every batch.
    const CHILD = `
import ${JSON.stringify(join(import.meta.dirname, '..', 'kinds', 'index.ts'))};
import { openSource } from ${JSON.stringify(join(import.meta.dirname, '..', 'sources', 'index.ts'))};
import { exportFromSource } from ${JSON.stringify(join(import.meta.dirname, '..', 'export', 'export.ts'))};
const [url, tenant, format, out] = process.argv.slice(2);
const source = await openSource(url);
const base = process.memoryUsage().rss;
let peak = base;
const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
const timer = setInterval(sample, 5);
const result = await exportFromSource(source, { conversationId: 'big@g.us', tenant, format, out }, {
  signal: new AbortController().signal, progress: sample, emit: () => {},
});
clearInterval(timer);
sample();
await source.close();
console.log(JSON.stringify({ deltaMb: (peak - base) / 1048576, messages: result.messages, bytes: result.bytes }));
`;

    it.each(['json', 'html'] as const)(
      '%s: every message, in order, RSS growing by less than 150 MB',
      (format) => {
        const script = join(work, 'measure-pg.ts');
        writeFileSync(script, CHILD);
        const out = join(work, `big-pg.${format}`);
        const r = spawnSync(
          join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'node'),
          ['--max-old-space-size=64', script, bigUrl, tenantId, format, out],
          { encoding: 'utf8' },
        );
        expect(r.status, r.stderr).toBe(0);
        const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
          deltaMb: number;
          messages: number;
          bytes: number;
        };
        expect(m.messages).toBe(BIG);
        expect(m.bytes).toBeGreaterThan(30 * 1024 * 1024);
        expect(m.deltaMb).toBeLessThan(150);
        if (format === 'json') {
          const texts = (
            JSON.parse(readFileSync(out, 'utf8')) as { chats: { messages: { content: string }[] }[] }
          ).chats[0]!.messages.map((x) => Number(/mensagem (\d+)/.exec(x.content)![1]));
          expect(texts).toHaveLength(BIG);
          expect(texts.every((n, i) => i === 0 || n > texts[i - 1]!)).toBe(true);
        }
        rmSync(out, { force: true });
      },
      180_000,
    );
  });

  describe('CLI over a postgres:// URL', () => {
    const cli = (...args: string[]) =>
      spawnSync(join(process.cwd(), 'node_modules/.bin/node'), ['main/cli/main.ts', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });

    it('open, conversations, messages, similar: the JSON shapes, and no password anywhere', async () => {
      const tenant = evo.tenants[0]!;
      const open = cli('open', readerUrl, '--json');
      expect(open.status, open.stderr).toBe(0);
      const info = JSON.parse(open.stdout);
      expect(info.kind).toBe('evosense');
      expect(info.source).toBe(`postgresql://reader:***@127.0.0.1:${server.port}/evosense`);
      expect(info.tables.find((t: { name: string }) => t.name === 'messages_message')).toMatchObject({
        rows: evo.messages.length,
        rowsEstimated: false,
      });

      const noTenant = cli('conversations', readerUrl);
      expect(noTenant.status).toBe(2);
      expect(noTenant.stderr).toContain(tenant.id);
      expect(noTenant.stderr.trim().split('\n')).toHaveLength(1);

      const conv = cli('conversations', readerUrl, '--tenant', tenant.id, '--limit', '3', '--json');
      expect(conv.status, conv.stderr).toBe(0);
      const list = JSON.parse(conv.stdout);
      expect(Object.keys(list)).toEqual(['source', 'kind', 'conversations', 'next']);
      expect(Object.keys(list.conversations[0])).toEqual(['id', 'title', 'messages', 'lastActivity']);
      expect(list.conversations[0].id).toBe(evo.bigChat.chatId);
      expect(list.conversations[0].messages).toBe(tenant.chats.get(evo.bigChat.chatId)!.messages);
      const next = cli(
        'conversations',
        readerUrl,
        '--tenant',
        tenant.id,
        '--limit',
        '3',
        '--after',
        list.next,
        '--json',
      );
      expect(JSON.parse(next.stdout).conversations.map((c: { id: string }) => c.id)).not.toContain(
        list.conversations[0].id,
      );

      const msgs = cli(
        'messages',
        readerUrl,
        evo.bigChat.chatId,
        '--tenant',
        tenant.id,
        '--limit',
        '5',
        '--json',
      );
      expect(msgs.status, msgs.stderr).toBe(0);
      const page = JSON.parse(msgs.stdout);
      expect(Object.keys(page)).toEqual(['messages', 'next']);
      expect(Object.keys(page.messages[0])).toEqual(['id', 'timestamp', 'role', 'text']);
      const truthThread = evo.messages
        .filter((m) => m.chatId === evo.bigChat.chatId)
        .sort((a, b) => a.createdAt - b.createdAt);
      expect(page.messages.map((m: { id: string }) => m.id)).toEqual(truthThread.slice(-5).map((m) => m.id));
      const older = JSON.parse(
        cli(
          'messages',
          readerUrl,
          evo.bigChat.chatId,
          '--tenant',
          tenant.id,
          '--limit',
          '5',
          '--before',
          page.next,
          '--json',
        ).stdout,
      );
      expect(older.messages.map((m: { id: string }) => m.id)).toEqual(
        truthThread.slice(-10, -5).map((m) => m.id),
      );

      const selected = evo.messages.find((m) => m.tenantId === tenant.id && m.embedded)!;
      const similar = cli(
        'similar',
        readerUrl,
        '--tenant',
        tenant.id,
        '--message',
        selected.id,
        '--limit',
        '3',
        '--json',
      );
      expect(similar.status, similar.stderr).toBe(0);
      expect(JSON.parse(similar.stdout).similar).toHaveLength(3);

      for (const run of [open, conv, msgs, similar, noTenant]) {
        expect(run.stdout + run.stderr).not.toContain(READER_PASSWORD);
      }
      const wrong = cli(
        'conversations',
        server.url('evosense', 'reader', 'Wr0ng-pass'),
        '--tenant',
        tenant.id,
      );
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toMatch(/^chat-inspector: authentication failed for user "reader"/);
      expect(wrong.stderr).not.toContain('Wr0ng-pass');
    });

    it('export of a conversation streams every message in time order (JSON, CSV), redacted on request', async () => {
      const tenant = evo.tenants[0]!;
      const out = join(work, 'big.json');
      const run = cli(
        'export',
        readerUrl,
        '--chat',
        evo.bigChat.chatId,
        '--tenant',
        tenant.id,
        '--format',
        'json',
        '--out',
        out,
        '--json',
      );
      expect(run.status, run.stderr).toBe(0);
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      const truthThread = evo.messages
        .filter((m) => m.chatId === evo.bigChat.chatId)
        .sort((a, b) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id));
      expect(doc.chats[0].messages.map((m: { id: number }) => String(m.id))).toEqual(
        truthThread.map((m) => m.id),
      );
      expect(doc.chats[0].messages[0].extra).toHaveProperty('sentiment');
      expect(JSON.parse(run.stdout).messages).toBe(truthThread.length);
      expect(existsSync(`${out}.partial`)).toBe(false);
      const csv = join(work, 'big.csv');
      const redacted = cli(
        'export',
        readerUrl,
        '--chat',
        evo.bigChat.chatId,
        '--tenant',
        tenant.id,
        '--format',
        'csv',
        '--out',
        csv,
        '--redact',
      );
      expect(redacted.status, redacted.stderr).toBe(0);
      const text = readFileSync(csv, 'utf8');
      expect(text).not.toContain('5511988887777');
      expect(text.trim().split('\r\n').length).toBe(truthThread.length + 1);
    });

    it('demo --postgres fills an empty database and refuses one that is not empty', async () => {
      const url = await server.createDatabase('demo');
      const run = cli('demo', '--postgres', url, '--json');
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.tenants).toHaveLength(5);
      expect(result.source).not.toContain(server.superPassword);
      const again = cli('demo', '--postgres', url);
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/already has tables/);
      const source = await openSource(url);
      try {
        const page = await source.conversations({ tenant: result.tenants[0].id, limit: 1 });
        expect(page.conversations).toHaveLength(1);
      } finally {
        await source.close();
      }
    });
  });
});

if (availability.ok) {
  sourceContractSuite('PostgreSQL EvoSense (SELECT-only role)', async () => {
    await ready;
    const tenant = evo.tenants[0]!;
    const thread = evo.messages.filter((m) => m.chatId === evo.bigChat.chatId);
    return {
      truth: {
        kind: 'evosense',
        tables: { tenancy_tenant: evo.tenants.length, messages_message: evo.messages.length },
        tenant: tenant.id,
        conversationIds: [...tenant.chats.keys()],
        conversation: { id: evo.bigChat.chatId, messages: thread.length },
        searchText: 'encomenda',
        writeSql: "UPDATE messages_message SET text = 'changed'",
        fingerprint: async () =>
          JSON.stringify(
            (
              await withClient(evoUrl, (c) =>
                c.query(
                  "SELECT count(*)::int AS n, md5(string_agg(text, '' ORDER BY id)) AS h FROM messages_message",
                ),
              )
            ).rows[0],
          ),
      },
      open: () => PgSource.open(readerUrl),
    };
  });

  sourceContractSuite('PostgreSQL clinic bot', async () => {
    await ready;
    const chosen = [...clinic.conversations].sort((a, b) => b.messages - a.messages)[0]!;
    return {
      truth: {
        kind: 'clinic',
        tables: { conversations: clinic.conversations.length, conversation_messages: clinic.messages },
        conversationIds: clinic.conversations.map((c) => c.id),
        conversation: { id: chosen.id, messages: chosen.messages },
        searchText: 'consulta',
        writeSql: 'DELETE FROM conversation_messages',
        fingerprint: async () =>
          JSON.stringify(
            (
              await withClient(clinicUrl, (c) =>
                c.query('SELECT count(*)::int AS n FROM conversation_messages'),
              )
            ).rows[0],
          ),
      },
      open: () => openSource(clinicUrl),
    };
  });
}
