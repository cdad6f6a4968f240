import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
import { decodeKey, keysetPage, readTable, type KeysetReader, type KeysetTable } from '../sources/keyset.ts';
import { postgresDialect } from '../sources/sql-engine.ts';
import type {
  Chart,
  ConversationPage,
  ConversationQuery,
  FigureTable,
  MessageHit,
  MessageQuery,
  MessageSearchQuery,
  SimilarMessage,
  SimilarQuery,
  SourceConversation,
  SourceMessage,
  SourceMessagePage,
  SourceMetrics,
  Tenant,
} from '../sources/types.ts';
import type { PgConnection, ReadTx, Row } from './client.ts';

// EvoSense (seed 002) on PostgreSQL + pgvector. Every query is scoped by tenant_id first, so it runs
// unchanged on Citus with tenant_id as the distribution column, and uses the seed's indexes:
// - conversations: idx_message_tenant (tenant's rows) aggregated per chat_id, keyset on (last activity, chat);
// - a thread page: idx_message_chat_id, top-N on (created_at, id);
// - search: idx_message_text_gin (to_tsvector('portuguese', text));
// - similar: the vector index on embedding (ivfflat/hnsw), with pgvector's iterative scan where available
//   so a tenant filter still fills the page;
// - retention and per-day figures: idx_message_tenant_created.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const RETENTION_DAYS: Record<string, number> = { starter: 30, pro: 180, scale: 365, enterprise: 730 };

const iso = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v);
const numOrNull = (v: unknown): number | null =>
  v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v);

export function requireTenantId(tenant: string | undefined): string {
  if (tenant === undefined || tenant === '')
    throw new AppError(
      'invalid_input',
      'this EvoSense database is multi-tenant: choose a tenant with --tenant ID',
    );
  if (!UUID.test(tenant))
    throw new AppError('invalid_input', `a tenant id is a UUID, not ${JSON.stringify(tenant.slice(0, 40))}`);
  return tenant.toLowerCase();
}

async function requireTenant(tx: ReadTx, tenant: string | undefined): Promise<Row> {
  const id = requireTenantId(tenant);
  const rows = await tx.rows('SELECT id::text AS id, name, plan, status FROM tenancy_tenant WHERE id = $1', [
    id,
  ]);
  if (rows.length === 0) throw new AppError('not_found', `no tenant ${id} in this database`);
  return rows[0]!;
}

export async function evoTenants(db: PgConnection): Promise<Tenant[]> {
  return db.read(async (tx) =>
    (
      await tx.rows(
        'SELECT id::text AS id, name, plan, status FROM tenancy_tenant ORDER BY name, id LIMIT 10000',
      )
    ).map((r) => ({
      id: String(r.id),
      name: String(r.name),
      plan: (r.plan as string) ?? null,
      status: (r.status as string) ?? null,
    })),
  );
}

function mapMessage(row: Row): SourceMessage {
  return {
    id: String(row.id),
    conversationId: String(row.chat_id),
    timestamp: iso(row.created_at),
    role: 'user',
    rawRole: (row.sender as string | null) ?? null,
    text: (row.text as string | null) ?? null,
    analysis: {
      sentiment: numOrNull(row.sentiment),
      emotion: (row.emotion as string | null) ?? null,
      satisfaction: numOrNull(row.satisfaction),
      tone: (row.tone as string | null) ?? null,
      summary: (row.summary as string | null) ?? null,
    },
    extra: { connectionId: row.connection_id ?? null, hasEmbedding: row.has_embedding === true },
  };
}

const MESSAGE_COLUMNS =
  'id::text AS id, chat_id, sender, text, created_at, sentiment, emotion, satisfaction, tone, summary, connection_id::text AS connection_id, embedding IS NOT NULL AS has_embedding';

/** A jump target as PostgreSQL reads a timestamptz: a date or an ISO 8601 time, else one clear error. */
function parseAt(at: string): string {
  const trimmed = at.trim();
  if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed))
    throw new AppError(
      'invalid_input',
      `not a date or time: ${JSON.stringify(trimmed.slice(0, 40))} (use YYYY-MM-DD or ISO 8601)`,
    );
  return trimmed;
}

/**
 * A chat's thread on the one keyset pager (main/sources/keyset.ts): (created_at, id) compared as a row, so
 * idx_message_chat_id hands a top-N; cursors hold both as PostgreSQL prints them.
 */
function threadReader(tx: ReadTx, tenant: string, chatId: string): KeysetReader<Row> {
  const table: KeysetTable = {
    dialect: postgresDialect,
    rows: (sql, params) => tx.rows(sql, params),
    select: `${MESSAGE_COLUMNS}, created_at::text AS ci_time_key, id::text AS ci_id_key`,
    from: 'messages_message',
    where: (add) => `tenant_id = ${add(tenant)} AND chat_id = ${add(chatId)}`,
    columns: [
      { expr: 'created_at', param: (p) => `${p}::timestamptz` },
      { expr: 'id', param: (p) => `${p}::bigint` },
    ],
  };
  return {
    read: (direction, bound, n) => readTable(table, direction, bound, n),
    keyOf: (row) => [String(row.ci_time_key), String(row.ci_id_key)],
    decode: (cursor) => decodeKey(cursor, 2, (key) => key.every((part) => typeof part === 'string')),
    at: (at) => ({ key: [parseAt(at)], inclusive: true }),
  };
}

/** Text that looks like a chat id (digits, @) filters chat ids; anything else is a Portuguese full-text query. */
function searchCondition(search: string, param: number): { sql: string; value: string } {
  const s = search.trim();
  if (/^[\d@.+\-a-z]*\d[\d@.+\-a-z]*$/i.test(s) && /\d{4}|@/.test(s))
    return { sql: `chat_id LIKE $${param}`, value: `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
  return {
    sql: `to_tsvector('portuguese', text) @@ websearch_to_tsquery('portuguese', $${param})`,
    value: s,
  };
}

export const conversationWindow = {
  /** How many of a tenant's newest messages the first try of a conversation page reads. */
  start: 4000,
  /** Beyond this window the exact aggregate over the tenant's messages is cheaper than widening again. */
  max: 256_000,
};

type ChatRow = Row & { chat_id: string; n: number; last: Date; last_key: string };

/**
 * Conversations of a tenant, most recent activity first, keyset on (last activity, chat_id).
 *
 * Without a search, a page does not aggregate the tenant's whole history: it reads the tenant's newest
 * messages (idx_message_tenant_created, backwards, older than the cursor) in a window, takes the chats
 * seen there by their newest message, and counts just those chats (idx_message_chat_id). A chat whose
 * newest message is in the window is placed exactly; the window widens until it holds a full page, and only
 * past conversationWindow.max falls back to the full GROUP BY. Chats already listed on earlier pages (newer activity
 * than the cursor) are recognised by their true last activity and skipped.
 */
export async function evoConversations(
  db: PgConnection,
  query: ConversationQuery,
): Promise<ConversationPage> {
  return db.read(async (tx) => {
    const tenant = String((await requireTenant(tx, query.tenant)).id);
    let cursor: [string, string] | null = null;
    if (query.after) {
      const [last, chat] = decodeCursor(query.after, 2);
      if (typeof last !== 'string' || typeof chat !== 'string')
        throw new AppError(
          'invalid_input',
          'that cursor is not one this source gave out: start from the first page',
        );
      cursor = [last, chat];
    }
    const want = query.limit + 1;
    let rows: ChatRow[] | null = null;
    if (!query.search?.trim()) {
      for (
        let window = conversationWindow.start;
        window <= conversationWindow.max && rows === null;
        window *= 4
      ) {
        rows = await windowPage(tx, tenant, cursor, window, want);
      }
    }
    rows ??= await aggregatePage(tx, tenant, query.search, cursor, want);
    const shown = rows.slice(0, query.limit);
    const lastRow = shown[shown.length - 1];
    return {
      conversations: shown.map((r) => ({
        id: String(r.chat_id),
        title: String(r.chat_id),
        messages: Number(r.n),
        lastActivity: iso(r.last),
      })),
      next:
        rows.length > query.limit && lastRow
          ? encodeCursor([String(lastRow.last_key), String(lastRow.chat_id)])
          : null,
    };
  });
}

/** One window try; null when the window could not decide a full page (widen it). */
async function windowPage(
  tx: ReadTx,
  tenant: string,
  cursor: [string, string] | null,
  window: number,
  want: number,
): Promise<ChatRow[] | null> {
  const seen = await tx.rows<{ chat_id: string; wmax: string; oldest: string; total: number }>(
    `SELECT chat_id, max(created_at)::text AS wmax, min(min(created_at)) OVER ()::text AS oldest, sum(count(*)) OVER ()::int AS total
     FROM (SELECT chat_id, created_at FROM messages_message
           WHERE tenant_id = $1 ${cursor ? 'AND created_at <= $2::timestamptz' : ''}
           ORDER BY created_at DESC LIMIT ${window}) w
     GROUP BY chat_id ORDER BY max(created_at) DESC, chat_id COLLATE "C" DESC`,
    cursor ? [tenant, cursor[0]] : [tenant],
  );
  if (seen.length === 0) return [];
  const complete = Number(seen[0]!.total) < window; // the window reached the tenant's first message
  const oldest = seen[0]!.oldest;
  // Exact figures (count, true last activity) for the chats seen, in the window's order, a chunk at a time:
  // chats listed on earlier pages may still have older messages in the window, and are skipped.
  const rows: ChatRow[] = [];
  let taken = 0;
  for (let chunk = 0; chunk < 8 && taken < seen.length && rows.length < want; chunk++) {
    const candidates = seen.slice(taken, taken + want * 2).map((r) => r.chat_id);
    taken += candidates.length;
    // One aggregate per chat (a nested loop over the candidates), not a GROUP BY over all their rows: a
    // 100,000-message chat among them would otherwise be sorted by chat_id, spilling past work_mem.
    const figures = await tx.rows<ChatRow>(
      `SELECT c.chat_id, f.n, f.last, f.last::text AS last_key
       FROM unnest($2::text[]) AS c(chat_id)
       CROSS JOIN LATERAL (SELECT count(*)::int AS n, max(created_at) AS last FROM messages_message m
                           WHERE m.tenant_id = $1 AND m.chat_id = c.chat_id) f
       WHERE f.n > 0
       ORDER BY f.last DESC, c.chat_id COLLATE "C" DESC`,
      [tenant, candidates],
    );
    for (const r of figures) {
      if (cursor && !isBefore(r.last_key, r.chat_id, cursor)) continue; // listed on an earlier page
      // A chat whose newest message sits on the window's oldest instant may have been cut: not decided here.
      if (!complete && !(r.last_key > oldest)) continue;
      rows.push(r);
    }
  }
  // Every chat kept is placed by its true last activity, which is inside the window, so the window's order
  // is theirs: the page is decided when full, or when the window held the tenant's whole (older) history.
  rows.sort((x, y) =>
    x.last_key === y.last_key ? (x.chat_id < y.chat_id ? 1 : -1) : x.last_key < y.last_key ? 1 : -1,
  );
  if (rows.length >= want) return rows.slice(0, want);
  return complete && taken === seen.length ? rows : null;
}

/**
 * (last, chat) comes strictly after the cursor in the (last DESC, chat DESC) order. PostgreSQL's UTC text
 * timestamps compare correctly as strings ('+' sorts before digits and '.'), and chat ids are ordered
 * COLLATE "C" in SQL, which is JavaScript's code-point order.
 */
function isBefore(lastKey: string, chat: string, cursor: [string, string]): boolean {
  return lastKey < cursor[0] || (lastKey === cursor[0] && chat < cursor[1]);
}

/** The exact aggregate over the tenant's (matching) messages: searches, and windows that did not decide. */
async function aggregatePage(
  tx: ReadTx,
  tenant: string,
  search: string | undefined,
  cursor: [string, string] | null,
  want: number,
): Promise<ChatRow[]> {
  const params: unknown[] = [tenant];
  let where = 'tenant_id = $1';
  if (search?.trim()) {
    const cond = searchCondition(search, params.length + 1);
    params.push(cond.value);
    where += ` AND ${cond.sql}`;
  }
  let having = '';
  if (cursor) {
    params.push(cursor[0], cursor[1]);
    having = `HAVING (max(created_at), chat_id COLLATE "C") < ($${params.length - 1}::timestamptz, $${params.length}::text)`;
  }
  return tx.rows<ChatRow>(
    `SELECT chat_id, count(*)::int AS n, max(created_at) AS last, max(created_at)::text AS last_key
     FROM messages_message WHERE ${where}
     GROUP BY chat_id ${having}
     ORDER BY max(created_at) DESC, chat_id COLLATE "C" DESC LIMIT ${want}`,
    params,
  );
}

export async function evoConversation(
  db: PgConnection,
  tenantArg: string | undefined,
  chatId: string,
): Promise<SourceConversation> {
  return db.read(async (tx) => {
    const tenant = String((await requireTenant(tx, tenantArg)).id);
    const rows = await tx.rows(
      'SELECT count(*)::int AS n, max(created_at) AS last FROM messages_message WHERE tenant_id = $1 AND chat_id = $2',
      [tenant, chatId],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n === 0)
      throw new AppError(
        'not_found',
        `no conversation ${JSON.stringify(chatId.slice(0, 80))} in tenant ${tenant}`,
      );
    return { id: chatId, title: chatId, messages: n, lastActivity: iso(rows[0]!.last) };
  });
}

export async function evoMessages(db: PgConnection, query: MessageQuery): Promise<SourceMessagePage> {
  return db.read(async (tx) => {
    const tenant = String((await requireTenant(tx, query.tenant)).id);
    const page = await keysetPage(threadReader(tx, tenant, query.conversationId), query);
    return { messages: page.rows.map(mapMessage), older: page.older, newer: page.newer };
  });
}

/** How an export walks a chat: pages of `pageSize`, each read `batch` rows at a time (see evoExport). */
export const exportPaging = { batch: 200 };

/**
 * Every message of a chat in time order, one keyset page (`(created_at, id) > last`) per short read-only
 * transaction: each statement is bounded (the statement time limit holds for a 100,000-message chat), no
 * snapshot is held open on a production server for the length of an export.
 *
 * The seed has no index in (chat, time) order, so a page bounded only below would gather and sort every
 * remaining row of the chat (a 100,000-message chat: 20 pages of 60,000 rows each on average). Each page
 * is therefore also bounded above, by a time window sized from the chat's own pace (its span / its count):
 * the (tenant_id, created_at) index then hands just that window to the chat_id index (a BitmapAnd). A window
 * that holds less than a page grows for the next one, one that overflows shrinks.
 *
 * Each page is read through a server-side cursor `exportPaging.batch` rows at a time and handed on batch by
 * batch, so only a few hundred rows are alive at once: what survives the young generation is what makes a
 * long export's heap (and RSS) grow, not the total exported.
 */
export async function* evoExport(
  db: PgConnection,
  tenant: string | undefined,
  chatId: string,
  pageSize: number,
): AsyncGenerator<SourceMessage[]> {
  const id = requireTenantId(tenant);
  const span = await db.read(async (tx) => {
    await requireTenant(tx, id);
    const rows = await tx.rows<{ first: string | null; first_s: number; last_s: number; n: number }>(
      `SELECT min(created_at)::text AS first, extract(epoch FROM min(created_at))::float8 AS first_s,
              extract(epoch FROM max(created_at))::float8 AS last_s, count(*)::int AS n
       FROM messages_message WHERE tenant_id = $1 AND chat_id = $2`,
      [id, chatId],
    );
    return rows[0];
  });
  if (!span || span.first === null || Number(span.n) === 0) return;
  const lastSeconds = Number(span.last_s);
  // Seconds of the chat per page, twice over: most pages then fill from one window.
  let window = Math.max(1, ((lastSeconds - Number(span.first_s)) / Number(span.n)) * pageSize * 2);
  let key: [string, string] | null = null;
  let baseSeconds = Number(span.first_s);
  for (;;) {
    const windowEnd = baseSeconds + window;
    const params: unknown[] = key
      ? [id, chatId, key[0], key[1], windowEnd]
      : [id, chatId, span.first, windowEnd];
    const sql = `SELECT ${MESSAGE_COLUMNS}, created_at::text AS ci_time_key,
                        extract(epoch FROM created_at)::float8 AS ci_seconds
                 FROM messages_message
                 WHERE tenant_id = $1 AND chat_id = $2
                   AND ${key ? '(created_at, id) > ($3::timestamptz, $4::bigint)' : 'created_at >= $3::timestamptz'}
                   AND created_at < to_timestamp($${params.length})
                 ORDER BY created_at, id LIMIT ${pageSize}`;
    let got = 0;
    let lastRow: Row | undefined;
    // A batch is handed on once the next one has arrived, and the page's last one after its transaction has
    // ended: between pages the connection is idle in the pool, so one dropped there is simply replaced.
    let held: Row[] | null = null;
    for await (const batch of db.stream(sql, params, Math.min(pageSize, exportPaging.batch))) {
      got += batch.length;
      lastRow = batch[batch.length - 1];
      if (held) yield held.map(mapMessage);
      held = batch;
    }
    if (held) yield held.map(mapMessage);
    if (lastRow) {
      key = [String(lastRow.ci_time_key), String(lastRow.id)];
      baseSeconds = Number(lastRow.ci_seconds);
    }
    if (got < pageSize) {
      // The window is exhausted: done once it reached past the chat's newest message (a second of slack for
      // the float seconds), else the next one starts where this one ended and is wider.
      if (windowEnd > lastSeconds + 1) return;
      if (!lastRow) baseSeconds = windowEnd;
      window *= got < pageSize / 2 ? 4 : 2;
    } else {
      window = Math.max(1, window / 2);
    }
  }
}

export async function evoSearch(db: PgConnection, query: MessageSearchQuery): Promise<MessageHit[]> {
  return db.read(async (tx) => {
    const tenant = String((await requireTenant(tx, query.tenant)).id);
    const params: unknown[] = [tenant, query.text];
    let where = `tenant_id = $1 AND to_tsvector('portuguese', text) @@ websearch_to_tsquery('portuguese', $2)`;
    if (query.conversationId !== undefined) {
      params.push(query.conversationId);
      where += ` AND chat_id = $3`;
    }
    const rows = await tx.rows(
      `SELECT id::text AS id, chat_id, created_at,
              ts_headline('portuguese', text, websearch_to_tsquery('portuguese', $2), 'MaxFragments=1, MaxWords=18, MinWords=6, StartSel=«, StopSel=»') AS snippet
       FROM messages_message WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ${query.limit}`,
      params,
    );
    return rows.map((r) => ({
      conversationId: String(r.chat_id),
      messageId: String(r.id),
      timestamp: iso(r.created_at),
      role: 'user' as const,
      snippet: String(r.snippet),
    }));
  });
}

export async function evoSimilar(db: PgConnection, query: SimilarQuery): Promise<SimilarMessage[]> {
  if (!/^\d{1,19}$/.test(query.messageId))
    throw new AppError(
      'invalid_input',
      `a message id is a number, not ${JSON.stringify(query.messageId.slice(0, 40))}`,
    );
  return db.read(async (tx) => {
    const tenant = String((await requireTenant(tx, query.tenant)).id);
    const selected = await tx.rows<{ embedding: string | null }>(
      'SELECT embedding::text AS embedding FROM messages_message WHERE id = $1 AND tenant_id = $2',
      [query.messageId, tenant],
    );
    if (selected.length === 0)
      throw new AppError('not_found', `no message ${query.messageId} in tenant ${tenant}`);
    const embedding = selected[0]!.embedding;
    if (embedding === null)
      throw new AppError(
        'not_found',
        `message ${query.messageId} has no embedding yet (not backfilled): nothing to compare with`,
      );
    // pgvector >= 0.8 keeps scanning the index until the tenant filter has filled the page.
    const version = await tx.rows<{ v: string }>(
      "SELECT extversion AS v FROM pg_catalog.pg_extension WHERE extname = 'vector'",
    );
    const [major, minor] = (version[0]?.v ?? '0.0').split('.').map(Number);
    if ((major ?? 0) > 0 || (minor ?? 0) >= 8) {
      await tx.rows(
        "SELECT pg_catalog.set_config('hnsw.iterative_scan', 'relaxed_order', true), pg_catalog.set_config('ivfflat.iterative_scan', 'relaxed_order', true)",
      );
    }
    await tx.rows(
      "SELECT pg_catalog.set_config('ivfflat.probes', '10', true), pg_catalog.set_config('hnsw.ef_search', '100', true)",
    );
    const rows = await tx.rows(
      `SELECT * FROM (
         SELECT id::text AS id, chat_id, created_at, text, embedding <=> $2::vector AS distance
         FROM messages_message
         WHERE tenant_id = $1 AND embedding IS NOT NULL AND id <> $3
         ORDER BY embedding <=> $2::vector LIMIT ${query.limit}
       ) ranked ORDER BY distance, id`,
      [tenant, embedding, query.messageId],
    );
    return rows.map((r) => ({
      conversationId: String(r.chat_id),
      messageId: String(r.id),
      timestamp: iso(r.created_at),
      text: String(r.text),
      distance: Number(r.distance),
    }));
  });
}

const fmt = (v: unknown, digits = 2): string => {
  const n = numOrNull(v);
  return n === null || Number.isNaN(n) ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(digits);
};

/** A tenant's figures: sentiment, satisfaction, emotions, volume, experiments, monitoring, retention. */
export async function evoMetrics(db: PgConnection, tenantArg: string | undefined): Promise<SourceMetrics> {
  return db.read(async (tx) => {
    const tenant = await requireTenant(tx, tenantArg);
    const id = String(tenant.id);
    const plan = String(tenant.plan ?? 'starter');
    const charts: Chart[] = [];
    const tables: FigureTable[] = [];

    const daily = await tx.rows(
      `SELECT to_char(date_trunc('day', created_at), 'YYYY-MM-DD') AS day, count(*)::int AS n, avg(sentiment) AS s
       FROM messages_message WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
      [id],
    );
    charts.push({
      id: 'sentiment-over-time',
      title: 'Sentiment over time (daily average, −1 to 1)',
      unit: 'sentiment',
      type: 'line',
      series: [
        {
          name: 'sentiment',
          points: daily
            .filter((r) => r.s !== null)
            .map((r) => ({ x: String(r.day), y: Number(Number(r.s).toFixed(3)) })),
        },
      ],
    });
    charts.push({
      id: 'messages-per-day',
      title: 'Messages per day',
      unit: 'messages',
      type: 'bar',
      series: [{ name: 'messages', points: daily.map((r) => ({ x: String(r.day), y: Number(r.n) })) }],
    });
    const satisfaction = await tx.rows(
      `SELECT least(satisfaction / 10, 9) AS b, count(*)::int AS n FROM messages_message
       WHERE tenant_id = $1 AND satisfaction IS NOT NULL GROUP BY 1 ORDER BY 1`,
      [id],
    );
    const buckets = new Map(satisfaction.map((r) => [Number(r.b), Number(r.n)]));
    charts.push({
      id: 'satisfaction-distribution',
      title: 'Satisfaction distribution (0–100)',
      unit: 'messages',
      type: 'bar',
      series: [
        {
          name: 'messages',
          points: Array.from({ length: 10 }, (_, b) => ({
            x: b === 9 ? '90–100' : `${b * 10}–${b * 10 + 9}`,
            y: buckets.get(b) ?? 0,
          })),
        },
      ],
    });
    const emotions = await tx.rows(
      `SELECT coalesce(emotion, '(none)') AS emotion, count(*)::int AS n FROM messages_message
       WHERE tenant_id = $1 GROUP BY 1 ORDER BY 2 DESC, 1`,
      [id],
    );
    charts.push({
      id: 'emotions',
      title: 'Emotions',
      unit: 'messages',
      type: 'bar',
      series: [{ name: 'messages', points: emotions.map((r) => ({ x: String(r.emotion), y: Number(r.n) })) }],
    });

    const overview = (
      await tx.rows(
        `SELECT count(*)::int AS n, count(embedding)::int AS embedded, count(DISTINCT chat_id)::int AS chats,
                avg(sentiment) AS sentiment, avg(satisfaction) AS satisfaction, min(created_at) AS first, max(created_at) AS last
         FROM messages_message WHERE tenant_id = $1`,
        [id],
      )
    )[0]!;
    const days = RETENTION_DAYS[plan] ?? 30;
    const past = (
      await tx.rows(
        `SELECT count(*)::int AS n FROM messages_message WHERE tenant_id = $1 AND created_at < CURRENT_DATE - make_interval(days => $2)`,
        [id, days],
      )
    )[0]!;
    const total = Number(overview.n);
    tables.push({
      id: 'overview',
      title: `${String(tenant.name)} (${plan}, ${String(tenant.status)})`,
      columns: ['Figure', 'Value'],
      rows: [
        ['Messages', String(total)],
        ['Conversations', String(overview.chats)],
        ['Average sentiment', fmt(overview.sentiment, 3)],
        ['Average satisfaction', fmt(overview.satisfaction, 1)],
        [
          'Embedding coverage',
          total
            ? `${((Number(overview.embedded) * 100) / total).toFixed(2)}% (${overview.embedded} of ${total})`
            : '—',
        ],
        ['First message', iso(overview.first) ?? '—'],
        ['Last message', iso(overview.last) ?? '—'],
        [
          `Past the ${plan} plan's retention (${days} days)`,
          `${past.n} messages due for cleanup (counted, nothing deleted)`,
        ],
      ],
    });

    const hasView =
      (
        await tx.rows(
          "SELECT 1 FROM pg_catalog.pg_views WHERE viewname = 'tenant_metrics' AND schemaname = ANY(pg_catalog.current_schemas(false))",
        )
      ).length > 0;
    if (hasView) {
      const view = await tx.rows('SELECT * FROM tenant_metrics WHERE tenant_id = $1', [id]);
      if (view[0]) {
        tables.push({
          id: 'tenant-metrics-view',
          title: "The database's tenant_metrics view",
          columns: ['Column', 'Value'],
          // The seed's view joins messages with inferences per tenant, so its counts are multiplied: shown as is.
          rows: Object.entries(view[0]).map(([k, v]) => [k, cellText(v)]),
        });
      }
    }

    const latency = await tx.rows(
      `SELECT model_name, prompt_version, count(*)::int AS n, avg(latency_ms) AS avg,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
       FROM experiments_inference WHERE tenant_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [id],
    );
    tables.push({
      id: 'experiments-latency',
      title: 'Inference latency per model and prompt version (ms)',
      columns: ['Model', 'Prompt version', 'Inferences', 'Average', 'p50', 'p95'],
      rows: latency.map((r) => [
        String(r.model_name),
        String(r.prompt_version),
        String(r.n),
        fmt(r.avg, 1),
        fmt(r.p50, 1),
        fmt(r.p95, 1),
      ]),
    });
    const shadow = await tx.rows(
      `SELECT i.is_shadow, count(*)::int AS n, avg(i.latency_ms) AS avg,
              avg(CASE WHEN i.emotion = m.emotion THEN 1.0 ELSE 0.0 END) * 100 AS agree,
              avg(abs(i.sentiment - m.sentiment)) AS drift
       FROM experiments_inference i JOIN messages_message m ON m.id = i.message_id
       WHERE i.tenant_id = $1 GROUP BY 1 ORDER BY 1`,
      [id],
    );
    tables.push({
      id: 'shadow-vs-live',
      title: 'Shadow vs live inferences',
      columns: [
        'Mode',
        'Inferences',
        'Average latency (ms)',
        'Emotion agrees with stored (%)',
        'Mean |sentiment difference|',
      ],
      rows: shadow.map((r) => [
        r.is_shadow ? 'shadow' : 'live',
        String(r.n),
        fmt(r.avg, 1),
        fmt(r.agree, 1),
        fmt(r.drift, 3),
      ]),
    });

    const sizes = await tx.rows(
      `SELECT c.relname AS name, pg_catalog.pg_total_relation_size(c.oid) AS total, pg_catalog.pg_relation_size(c.oid) AS heap, c.reltuples::bigint AS est
       FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p') AND c.relnamespace = ANY(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY(pg_catalog.current_schemas(false)))
       ORDER BY pg_catalog.pg_total_relation_size(c.oid) DESC LIMIT 12`,
    );
    tables.push({
      id: 'table-sizes',
      title: 'Table sizes (with indexes)',
      columns: ['Table', 'Total', 'Table only', 'Rows (estimate)'],
      rows: sizes.map((r) => [
        String(r.name),
        bytes(Number(r.total)),
        bytes(Number(r.heap)),
        Number(r.est) < 0 ? '—' : String(r.est),
      ]),
    });
    const vectorIndexes = await tx.rows(
      `SELECT s.indexrelname AS name, am.amname AS method, s.idx_scan, s.idx_tup_read, s.idx_tup_fetch, pg_catalog.pg_relation_size(s.indexrelid) AS size
       FROM pg_catalog.pg_stat_user_indexes s JOIN pg_catalog.pg_class i ON i.oid = s.indexrelid JOIN pg_catalog.pg_am am ON am.oid = i.relam
       WHERE s.relname = 'messages_message' AND am.amname IN ('ivfflat', 'hnsw') ORDER BY 1`,
    );
    tables.push({
      id: 'vector-index-use',
      title: 'Vector index use (pg_stat_user_indexes)',
      columns: ['Index', 'Method', 'Scans', 'Tuples read', 'Tuples fetched', 'Size'],
      rows: vectorIndexes.map((r) => [
        String(r.name),
        String(r.method),
        String(r.idx_scan),
        String(r.idx_tup_read),
        String(r.idx_tup_fetch),
        bytes(Number(r.size)),
      ]),
    });
    return { kind: 'evosense', charts, tables };
  });
}

/** A value of an arbitrary view as text: numbers rounded, text and ids as they are. */
function cellText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))))
    return fmt(v, 2);
  return v === null || v === undefined ? '—' : String(v);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}
