import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EVOSENSE_SCHEMA, TOPICS } from '../main/fixtures/evosense.ts';
import { startTestServer } from '../main/testing/pg-server.ts';
// Every store kind, registered once, as each entry point does.
import '../main/kinds/index.ts';
import { openSource } from '../main/sources/index.ts';
import { argValue } from './common.ts';

// `node bench/pg.ts [--messages 1000000]` (not in CI): an EvoSense database of 1,000,000 messages —
// 10 tenants, 20,000 chats (one of them 100,000 messages long), embeddings on 50,000 (a backfill in
// progress) with an HNSW index — on a throwaway server, then the hot paths through the Source, each the
// median of several runs, plus the natural EXPLAIN of each (no setting forced) and the export's memory.

const total = argValue('--messages', 1_000_000);
const scale = total / 1_000_000;
const TENANTS = 10;
const CHATS = Math.max(20, Math.round(20_000 * scale));
const BIG_CHAT = Math.max(1000, Math.round(100_000 * scale));
const EMBEDDED = Math.max(1000, Math.round(50_000 * scale));
const PLANS = ['starter', 'pro', 'scale', 'enterprise'];

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function timed<T>(runs: number, fn: () => Promise<T>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

/** Fills an empty database with the benchmark's EvoSense data; returns the seconds it took. */
async function generate(client: pg.Client): Promise<number> {
  await client.query("SET maintenance_work_mem = '256MB'");
  await client.query(EVOSENSE_SCHEMA);
  const started = performance.now();
  await client.query(
    `INSERT INTO tenancy_tenant (name, plan, status)
     SELECT 'Tenant ' || g, (ARRAY['${PLANS.join("','")}'])[1 + g % 4], 'active' FROM generate_series(0, ${TENANTS - 1}) g`,
  );
  const texts = TOPICS.flatMap((t, i) => t.texts.map((x) => `${i}|${x.replace(/'/g, "''")}`));
  await client.query(
    `CREATE TEMP TABLE bench_text AS SELECT (row_number() OVER ()) - 1 AS n, split_part(t, '|', 1)::int AS topic, split_part(t, '|', 2) AS text FROM unnest(ARRAY['${texts.join("','")}']) t`,
  );
  await client.query(
    'CREATE TEMP TABLE bench_tenant AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id FROM tenancy_tenant',
  );
  // Embedding pool: 500 vectors per topic around the topic's centre; embedded rows take one of their topic.
  await client.query(
    `CREATE TEMP TABLE bench_centroid AS SELECT t AS topic, array_agg(random() - 0.5) AS v FROM generate_series(0, ${TOPICS.length - 1}) t, generate_series(1, 768) d GROUP BY t`,
  );
  await client.query(
    `CREATE TEMP TABLE bench_vec AS SELECT c.topic, k,
       (SELECT array_agg(c.v[d] + (random() - 0.5) * 0.6 + k * 0 ORDER BY d) FROM generate_series(1, 768) d)::vector AS v
     FROM bench_centroid c, generate_series(0, 499) k`,
  );
  const regular = total - BIG_CHAT;
  const every = Math.max(1, Math.floor(regular / EMBEDDED));
  const chunk = 100_000;
  log(`generating ${total} messages, embeddings on every ${every}th (clustered by topic)`);
  for (let from = 0; from < regular; from += chunk) {
    const to = Math.min(regular, from + chunk) - 1;
    await client.query(
      `INSERT INTO messages_message (tenant_id, chat_id, sender, text, created_at, sentiment, emotion, satisfaction, tone, summary, embedding)
       SELECT bt.id, '55' || lpad(((g % ${CHATS - 1}) + 1)::text, 11, '0') || '@s.whatsapp.net', 'h' || (g % ${CHATS - 1}),
              tx.text, now() - (random() * interval '700 days'), round((random() * 2 - 1)::numeric, 3), 'neutro',
              (random() * 100)::int, 'neutro', left(tx.text, 60), bv.v
       FROM generate_series(${from}, ${to}) g
       JOIN bench_tenant bt ON bt.n = ((g % ${CHATS - 1}) + 1) % ${TENANTS}
       JOIN bench_text tx ON tx.n = g % ${texts.length}
       LEFT JOIN bench_vec bv ON g % ${every} = 0 AND g / ${every} < ${EMBEDDED} AND bv.topic = tx.topic AND bv.k = (g / ${every}) % 500`,
    );
    log(`  ${to + 1} messages`);
  }
  await client.query(
    `INSERT INTO messages_message (tenant_id, chat_id, sender, text, created_at, sentiment, emotion, satisfaction, tone)
     SELECT (SELECT id FROM bench_tenant WHERE n = 0), 'big-chat@g.us', 'h0', tx.text, now() - (${BIG_CHAT} - g) * interval '30 seconds',
            round((random() * 2 - 1)::numeric, 3), 'neutro', (random() * 100)::int, 'neutro'
     FROM generate_series(1, ${BIG_CHAT}) g JOIN bench_text tx ON tx.n = g % ${texts.length}`,
  );
  log('HNSW index, ANALYZE');
  await client.query(
    'CREATE INDEX idx_message_embedding_hnsw ON messages_message USING hnsw (embedding vector_cosine_ops)',
  );
  await client.query('VACUUM ANALYZE messages_message');
  return Math.round((performance.now() - started) / 1000);
}

/** The tenant holding the big chat, one of its ordinary chats and a few embedded messages. */
async function lookup(client: pg.Client): Promise<{ tenant: string; smallChat: string; embedded: string[] }> {
  const tenant = String((await client.query('SELECT id FROM tenancy_tenant ORDER BY id LIMIT 1')).rows[0].id);
  const smallChat = String(
    (
      await client.query(
        'SELECT chat_id FROM messages_message WHERE tenant_id = $1 AND chat_id <> $2 LIMIT 1',
        [tenant, 'big-chat@g.us'],
      )
    ).rows[0].chat_id,
  );
  const embedded = (
    await client.query(
      'SELECT id::text FROM messages_message WHERE tenant_id = $1 AND embedding IS NOT NULL LIMIT 5',
      [tenant],
    )
  ).rows.map((r) => String(r.id));
  return { tenant, smallChat, embedded };
}

// `--url URL` measures an already generated database (kept from `--generate-only`, which prints its URL
// and keeps the throwaway server up until Ctrl-C) instead of generating one.
const givenUrl = process.argv.includes('--url') ? process.argv[process.argv.indexOf('--url') + 1] : undefined;
const server = givenUrl ? null : await startTestServer();
const work = mkdtempSync(join(tmpdir(), 'ci-bench-pg-'));
try {
  const url = givenUrl ?? (await server!.createDatabase('evosense'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const generateSeconds = givenUrl ? null : await generate(client);
  const { tenant, smallChat, embedded } = await lookup(client);
  await client.end();
  if (process.argv.includes('--generate-only')) {
    console.log(url);
    setInterval(() => {}, 1 << 30); // the server stays up until Ctrl-C
    await new Promise<void>((done) => process.once('SIGINT', done));
    process.exit(0);
  }

  const seen: { sql: string; params: unknown[] }[] = [];
  const source = await openSource(url, { onQuery: (sql, params) => seen.push({ sql, params }) });
  log('measuring');
  const figures: Record<string, number | string> = {
    messages: total,
    tenants: TENANTS,
    chats: CHATS,
    embedded: EMBEDDED,
    bigChat: BIG_CHAT,
    generateSeconds: generateSeconds ?? 'reused',
  };
  await source.conversations({ tenant, limit: 50 }); // warm the cache once, as a browsing session would
  figures.conversationsFirstPageMs = await timed(5, () => source.conversations({ tenant, limit: 50 }));
  const first = await source.conversations({ tenant, limit: 50 });
  figures.conversationsNextPageMs = await timed(5, () =>
    source.conversations({ tenant, limit: 50, after: first.next! }),
  );
  const other = String(
    (
      await (async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        const r = await c.query('SELECT id FROM tenancy_tenant WHERE id <> $1 ORDER BY id LIMIT 1', [tenant]);
        await c.end();
        return r;
      })()
    ).rows[0].id,
  );
  await source.conversations({ tenant: other, limit: 50 });
  figures.conversationsFirstPageOtherTenantMs = await timed(5, () =>
    source.conversations({ tenant: other, limit: 50 }),
  );
  figures.messagesPageSmallChatMs = await timed(9, () =>
    source.messages({ tenant, conversationId: smallChat, limit: 50 }),
  );
  figures.messagesPageBigChatMs = await timed(9, () =>
    source.messages({ tenant, conversationId: 'big-chat@g.us', limit: 50 }),
  );
  const page = await source.messages({ tenant, conversationId: 'big-chat@g.us', limit: 50 });
  figures.messagesOlderPageBigChatMs = await timed(9, () =>
    source.messages({ tenant, conversationId: 'big-chat@g.us', limit: 50, before: page.older! }),
  );
  figures.searchMs = await timed(5, () => source.searchMessages({ tenant, text: 'encomenda', limit: 50 }));
  let i = 0;
  figures.similarMs = await timed(5, () =>
    source.similar!({ tenant, messageId: embedded[i++ % embedded.length]!, limit: 20 }),
  );
  await source.close();

  // The one index the seed lacks for this: (tenant_id, chat_id, created_at) makes per-chat counts and
  // thread pages index-only work; measured with it, as docs/postgres.md recommends it for big chats.
  {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      'CREATE INDEX IF NOT EXISTS idx_message_tenant_chat_created ON messages_message (tenant_id, chat_id, created_at)',
    );
    await c.query('VACUUM ANALYZE messages_message');
    await c.end();
    const withIndex = await openSource(url);
    await withIndex.conversations({ tenant, limit: 50 });
    figures.conversationsFirstPageWithTenantChatIndexMs = await timed(5, () =>
      withIndex.conversations({ tenant, limit: 50 }),
    );
    figures.messagesOlderPageBigChatWithTenantChatIndexMs = await timed(9, () =>
      withIndex.messages({ tenant, conversationId: 'big-chat@g.us', limit: 50, before: page.older! }),
    );
    await withIndex.close();
    // Gone again: the plans below are checked against the seed's own indexes (and a reused database stays as generated).
    const d = new pg.Client({ connectionString: url });
    await d.connect();
    await d.query('DROP INDEX idx_message_tenant_chat_created');
    await d.query('ANALYZE messages_message');
    await d.end();
  }

  // The natural plans (nothing forced) of what was just measured.
  const explain = new pg.Client({ connectionString: url });
  await explain.connect();
  const seqScans: string[] = [];
  for (const q of seen.filter((s) => /FROM messages_message/.test(s.sql))) {
    const plan = (await explain.query({ text: `EXPLAIN ${q.sql}`, values: q.params })).rows
      .map((r: Record<string, string>) => r['QUERY PLAN'])
      .join('\n');
    if (/Seq Scan on messages_message/.test(plan)) seqScans.push(q.sql.replace(/\s+/g, ' ').slice(0, 100));
  }
  await explain.end();
  figures.hotQueriesWithSeqScan = seqScans.length;
  if (seqScans.length) figures.seqScanQueries = seqScans.join(' | ');

  // Export memory: the CLI's peak RSS exporting the big chat, against the same CLI listing conversations.
  const node = join(process.cwd(), 'node_modules/.bin/node');
  const rss = (args: string[], heapMB?: number) => {
    const run = spawnSync(
      node,
      [...(heapMB ? [`--max-old-space-size=${heapMB}`] : []), 'main/cli/main.ts', ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, CHAT_INSPECTOR_REPORT_RSS: '1' },
      },
    );
    if (run.status !== 0) throw new Error(run.stderr);
    return Number(/maxRss=(\d+)/.exec(run.stderr)![1]) / 1024;
  };
  process.stderr.write(`${JSON.stringify(figures)}\n`);
  const exportPlan = await (async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('BEGIN; SET LOCAL cursor_tuple_fraction = 1.0');
    const plan = await c.query({
      // The shape of an export page (main/pg/evosense.ts evoExport): keyset below, a time window above.
      text: `EXPLAIN SELECT id FROM messages_message WHERE tenant_id = $1 AND chat_id = $2
             AND (created_at, id) > (now() - interval '20 days', 0::bigint) AND created_at < now() - interval '19 days'
             ORDER BY created_at, id LIMIT 5000`,
      values: [tenant, 'big-chat@g.us'],
    });
    await c.end();
    return plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join(' / ');
  })();
  figures.exportPlan = exportPlan.replace(/\s+/g, ' ').slice(0, 300);
  const baseline = rss(['conversations', url, '--tenant', tenant, '--limit', '5', '--json']);
  const out = join(work, 'big.json');
  const start = performance.now();
  const exported = rss([
    'export',
    url,
    '--chat',
    'big-chat@g.us',
    '--tenant',
    tenant,
    '--format',
    'json',
    '--out',
    out,
  ]);
  figures.exportSeconds = Math.round((performance.now() - start) / 100) / 10;
  figures.exportMB = Math.round(statSync(out).size / 1048576);
  figures.exportPeakRssMB = Math.round(exported);
  figures.exportRssGrowthMB = Math.round(exported - baseline);
  // The same export under a 64 MB JavaScript heap: it completes, so it never holds the chat in memory.
  const capped = rss(
    [
      'export',
      url,
      '--chat',
      'big-chat@g.us',
      '--tenant',
      tenant,
      '--format',
      'csv',
      '--out',
      join(work, 'big.csv'),
    ],
    64,
  );
  figures.exportUnder64MBHeapPeakRssMB = Math.round(capped);
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
}
