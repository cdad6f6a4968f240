import { AppError } from '../../shared/errors.ts';
import { CLINIC_MESSAGES, clinicRole, clinicThreadMapping } from '../adapters/clinic.ts';
import { resolveMapping, type FieldRef, type ResolvedMapping } from '../mapping/mapping.ts';
import { MappedReader } from '../mapping/source.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
import { createEngine, postgresDialect } from '../sources/sql-engine.ts';
import type {
  Chart,
  ConversationPage,
  ConversationQuery,
  FigureTable,
  MessageHit,
  MessageQuery,
  MessageSearchQuery,
  SourceConversation,
  SourceMessage,
  SourceMessagePage,
  SourceMetrics,
} from '../sources/types.ts';
import type { PgConnection, Row } from './client.ts';

// The WhatsApp clinic bot (seed 001) in its primary store, PostgreSQL. Its threads are the clinic's one
// mapping (adapters/clinic.ts: conversation_messages' columns as the bot's versions spell them, roles by
// clinicRole) read by the one SQL layer (main/mapping): keyset pages, search, and an export streamed by a
// server-side cursor in one snapshot. What is the clinic's own is here: conversations listed from their
// table (titled by phone, by last update) and the figures.

const iso = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v);

/** The mapping is resolved against the catalog once per connection (a Source's life). */
const readers = new WeakMap<PgConnection, Promise<MappedReader>>();

async function openReader(db: PgConnection): Promise<MappedReader> {
  // Every statement in its own read-only transaction, with the connection's time limits.
  const engine = createEngine('postgres', (sql, params) => db.read((tx) => tx.rows(sql, params)));
  const tables = await engine.tables();
  const messages = tables.find((t) => t.name === CLINIC_MESSAGES);
  const mapping = messages ? clinicThreadMapping(messages.columns.map((c) => c.name)) : null;
  if (!mapping)
    throw new AppError(
      'invalid_input',
      `${CLINIC_MESSAGES} has no conversation_id or no message text column`,
    );
  const resolved = await resolveMapping(engine, tables, mapping, { kind: 'clinic', roleOf: clinicRole });
  return new MappedReader(engine, resolved, {
    stream: (sql, params, pageSize) => db.stream(sql, params, pageSize),
  });
}

function readerOf(db: PgConnection): Promise<MappedReader> {
  let reader = readers.get(db);
  if (!reader) {
    reader = openReader(db);
    reader.catch(() => readers.delete(db));
    readers.set(db, reader);
  }
  return reader;
}

/** A mapped part of a message as SQL on the messages table `m`. */
const column = (ref: FieldRef | null): string => (ref ? `m.${postgresDialect.quote(ref.column)}` : 'NULL');

/** A conversation `c` with its message count and last message time, as the thread's mapping reads them. */
function conversationSelect(mapping: ResolvedMapping): string {
  const conv = column(mapping.conversation);
  return `SELECT c.id::text AS id, c.phone, coalesce(c.updated_at, c.created_at) AS updated, coalesce(c.updated_at, c.created_at)::text AS k,
            (SELECT count(*)::int FROM ${CLINIC_MESSAGES} m WHERE ${conv} = c.id) AS n,
            (SELECT max(${column(mapping.time)}) FROM ${CLINIC_MESSAGES} m WHERE ${conv} = c.id) AS last
     FROM conversations c`;
}

const conversationOf = (r: Row): SourceConversation => ({
  id: String(r.id),
  title: String(r.phone ?? r.id),
  messages: Number(r.n),
  lastActivity: iso(r.last) ?? iso(r.updated),
});

export async function clinicConversationsPg(
  db: PgConnection,
  query: ConversationQuery,
): Promise<ConversationPage> {
  const { mapping } = await readerOf(db);
  return db.read(async (tx) => {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.search?.trim()) {
      params.push(`%${query.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(
        `(c.phone ILIKE $${params.length} OR EXISTS (SELECT 1 FROM ${CLINIC_MESSAGES} m WHERE ${column(mapping.conversation)} = c.id AND ${column(mapping.text)} ILIKE $${params.length}))`,
      );
    }
    if (query.after) {
      const [updated, id] = decodeCursor(query.after, 2);
      if (typeof id !== 'string')
        throw new AppError('invalid_input', 'that cursor is not one this source gave out');
      params.push(updated, id);
      where.push(
        `(coalesce(c.updated_at, c.created_at), c.id::text) < ($${params.length - 1}::timestamp, $${params.length}::text)`,
      );
    }
    const rows = await tx.rows(
      `${conversationSelect(mapping)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY coalesce(c.updated_at, c.created_at) DESC, c.id::text DESC LIMIT ${query.limit + 1}`,
      params,
    );
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      conversations: shown.map(conversationOf),
      next: rows.length > query.limit && last ? encodeCursor([String(last.k), String(last.id)]) : null,
    };
  });
}

export async function clinicConversationPg(db: PgConnection, id: string): Promise<SourceConversation> {
  const { mapping } = await readerOf(db);
  const rows = await db.read((tx) => tx.rows(`${conversationSelect(mapping)} WHERE c.id::text = $1`, [id]));
  if (!rows[0])
    throw new AppError('not_found', `no conversation ${JSON.stringify(id.slice(0, 80))} in this database`);
  return conversationOf(rows[0]);
}

export async function clinicMessagesPg(db: PgConnection, query: MessageQuery): Promise<SourceMessagePage> {
  return (await readerOf(db)).messages(query);
}

export async function* clinicExportPg(
  db: PgConnection,
  conversationId: string,
  pageSize: number,
): AsyncGenerator<SourceMessage[]> {
  yield* (await readerOf(db)).exportMessages({ conversationId, pageSize });
}

export async function clinicSearchPg(db: PgConnection, query: MessageSearchQuery): Promise<MessageHit[]> {
  return (await readerOf(db)).searchMessages(query);
}

export async function clinicMetricsPg(db: PgConnection): Promise<SourceMetrics> {
  const { mapping } = await readerOf(db);
  const time = column(mapping.time);
  const role = column(mapping.role);
  return db.read(async (tx) => {
    const charts: Chart[] = [];
    const tables: FigureTable[] = [];
    const perDay = await tx.rows(
      `SELECT to_char(date_trunc('day', ${time}), 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE lower(${role}) IN ('inbound', 'in', 'incoming', 'received', 'user', 'patient'))::int AS u,
              count(*)::int AS n
       FROM ${CLINIC_MESSAGES} m WHERE ${time} >= now() - interval '180 days' GROUP BY 1 ORDER BY 1`,
    );
    charts.push({
      id: 'messages-per-day',
      title: 'Messages per day (last 180 days)',
      unit: 'messages',
      type: 'bar',
      series: [
        { name: 'patient', points: perDay.map((r) => ({ x: String(r.day), y: Number(r.u) })) },
        { name: 'bot', points: perDay.map((r) => ({ x: String(r.day), y: Number(r.n) - Number(r.u) })) },
      ],
    });
    const states = await tx.rows(
      "SELECT coalesce(state, '—') AS state, count(*)::int AS n FROM conversations GROUP BY 1 ORDER BY 2 DESC LIMIT 50",
    );
    tables.push({
      id: 'states',
      title: 'Conversations by state',
      columns: ['State', 'Conversations'],
      rows: states.map((r) => [String(r.state), String(r.n)]),
    });
    return { kind: 'clinic', charts, tables };
  });
}
