import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMessaging } from '../main/fixtures/messaging.ts';
import { mariaDbAvailability, startMariaDb } from '../main/testing/mariadb-server.ts';
// Every store kind, registered once, as each entry point does.
import '../main/kinds/index.ts';
import { openSource } from '../main/sources/index.ts';
import { argValue } from './common.ts';

// `npm run bench:mysql [-- --messages 1000000]` (not in CI): seed 003's messaging system with 1,000,000
// messages over the three tiers — 10 companies, 3,000 clients, 6,000 conversations of 60–240 messages and one
// of 100,000 spanning cold, warm and hot — on a throwaway MariaDB with its cold archive of .jsonl.gz files.
// Then through the Source: a company's first page of conversations (first open: archive files indexed; then
// again), a thread page spanning warm and cold, and the CLI's export of the 100,000-message conversation with
// its peak RSS against the same CLI listing conversations. Skips at once (exit 0) without MariaDB.

const availability = mariaDbAvailability();
if (!availability.ok) {
  process.stderr.write(`bench:mysql skipped: ${availability.reason}\n`);
  process.exit(0);
}

const total = argValue('--messages', 1_000_000);
const scale = total / 1_000_000;
const COMPANIES = 10;
const CLIENTS = Math.max(4, Math.round(300 * scale));
const BIG = Math.max(1000, Math.round(100_000 * scale));

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

const server = await startMariaDb();
const work = mkdtempSync(join(tmpdir(), 'ci-bench-mysql-'));
const figures: Record<string, number | string> = {};
try {
  const url = await server.createDatabase('messaging');
  const archive = join(work, 'archive');
  const writer = await server.admin('messaging');
  const started = performance.now();
  log(
    `generating ~${total} messages (${COMPANIES} companies × ${CLIENTS} clients × 2 conversations, one of ${BIG})`,
  );
  const truth = await writeMessaging(writer, archive, {
    companies: COMPANIES,
    clientsPerCompany: CLIENTS,
    conversationsPerClient: 2,
    messagesPerConversation: [60, 240],
    bigConversationMessages: BIG,
    keepMessages: false,
    now: new Date('2026-11-01T12:00:00Z'),
  });
  await writer.query('ANALYZE TABLE messages, messages_warm, conversations, conversation_summaries');
  await writer.end();
  figures.generateSeconds = Math.round((performance.now() - started) / 100) / 10;
  figures.messages = truth.totals.hot + truth.totals.warm + truth.totals.cold;
  figures.hot = truth.totals.hot;
  figures.warm = truth.totals.warm;
  figures.cold = truth.totals.cold;
  const archiveBytes = truth.companies
    .flatMap((c) => c.coldFiles)
    .reduce((n, f) => n + statSync(join(archive, f)).size, 0);
  figures.archiveMB = Math.round(archiveBytes / 104857.6) / 10;
  log(JSON.stringify(figures));

  const big = truth.bigConversation;
  const ordinary = truth.companies[1]!;
  // First open: each page indexes the archive files it needs (a company-month file read once per open).
  for (const [name, company] of [
    ['ordinaryCompany', ordinary.id],
    ['bigConversationCompany', big.companyId],
  ] as const) {
    const fresh = await openSource(url, { archive });
    const start = performance.now();
    await fresh.conversations({ tenant: company, limit: 50 });
    figures[`${name}FirstPageColdMs`] = Math.round(performance.now() - start);
    figures[`${name}FirstPageMs`] = await timed(7, () => fresh.conversations({ tenant: company, limit: 50 }));
    await fresh.close();
  }

  const source = await openSource(url, { archive });
  // A thread page spanning warm and cold: the 50 messages before the big conversation's first warm message
  // and the 25 after it, i.e. the page whose `at` falls 25 messages before the tier boundary.
  const newest = await source.messages({ conversationId: big.id, tenant: big.companyId, limit: 1 });
  let boundaryAt: string | null = null;
  {
    // Walk the warm tier back to its first message (cheap: MySQL keyset pages), then step into cold.
    let page = newest;
    while (page.older && boundaryAt === null) {
      page = await source.messages({
        conversationId: big.id,
        tenant: big.companyId,
        limit: 500,
        before: page.older,
      });
      const firstWarm = page.messages.findIndex(
        (m) => m.extra?.tier !== 'cold' && m.extra?.tier !== undefined,
      );
      const lastCold = page.messages.map((m) => m.extra?.tier).lastIndexOf('cold');
      if (lastCold !== -1 && firstWarm !== -1)
        boundaryAt = page.messages[Math.max(0, lastCold - 24)]!.timestamp;
    }
  }
  if (boundaryAt) {
    const fresh = await openSource(url, { archive });
    const start = performance.now();
    const first = await fresh.messages({
      conversationId: big.id,
      tenant: big.companyId,
      limit: 50,
      at: boundaryAt,
    });
    figures.threadPageWarmColdFirstMs = Math.round(performance.now() - start);
    figures.threadPageTiers = [...new Set(first.messages.map((m) => String(m.extra?.tier)))].join('+');
    figures.threadPageWarmColdMs = await timed(7, () =>
      fresh.messages({ conversationId: big.id, tenant: big.companyId, limit: 50, at: boundaryAt! }),
    );
    const older = first.older!;
    figures.threadPageOlderColdMs = await timed(7, () =>
      fresh.messages({ conversationId: big.id, tenant: big.companyId, limit: 50, before: older }),
    );
    await fresh.close();
  }
  figures.threadPageHotMs = await timed(7, () =>
    source.messages({ conversationId: big.id, tenant: big.companyId, limit: 50 }),
  );
  figures.companyMetricsMs = await timed(3, () => source.metrics({ tenant: big.companyId }));
  await source.close();
  log(JSON.stringify(figures));

  // Export memory: the CLI's peak RSS exporting the big conversation, against the same CLI listing conversations.
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
  const baseline = rss([
    'conversations',
    url,
    '--archive',
    archive,
    '--tenant',
    big.companyId,
    '--limit',
    '5',
    '--json',
  ]);
  const out = join(work, 'big.json');
  const start = performance.now();
  const exported = rss([
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
  ]);
  figures.exportSeconds = Math.round((performance.now() - start) / 100) / 10;
  figures.exportMB = Math.round(statSync(out).size / 1048576);
  figures.exportMessages = big.messages;
  figures.exportPeakRssMB = Math.round(exported);
  figures.baselinePeakRssMB = Math.round(baseline);
  figures.exportRssGrowthMB = Math.round(exported - baseline);
  // Flat memory, shown: the same export completes with the JavaScript heap capped at 64 MB.
  const capped = rss(
    [
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
      '--force',
    ],
    64,
  );
  figures.exportPeakRssMBHeap64 = Math.round(capped);

  // The seed's indexes do not hold conversationId: counting a 100,000-message conversation for the list reads
  // its rows. With (clientId, conversationId, createdAt) the counts are index-only; measured here.
  const indexer = await server.admin('messaging');
  for (const table of ['messages', 'messages_warm'])
    await indexer.query(
      `CREATE INDEX idx_${table}_client_conversation ON ${table} (clientId, conversationId, createdAt)`,
    );
  await indexer.end();
  const indexed = await openSource(url, { archive });
  await indexed.conversations({ tenant: big.companyId, limit: 50 });
  figures.bigConversationCompanyFirstPageWithConversationIndexMs = await timed(7, () =>
    indexed.conversations({ tenant: big.companyId, limit: 50 }),
  );
  figures.threadPageWarmColdWithConversationIndexMs = boundaryAt
    ? await timed(7, () =>
        indexed.messages({ conversationId: big.id, tenant: big.companyId, limit: 50, at: boundaryAt! }),
      )
    : -1;
  await indexed.close();
  console.log(JSON.stringify(figures));
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
