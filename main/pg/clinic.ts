import { AppError } from '../../shared/errors.ts';
import { clinicRole } from '../adapters/clinic.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
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
import { pageThread, type ThreadSpec } from './thread.ts';

// The WhatsApp clinic bot (seed 001) in its primary store, PostgreSQL: the same tables as its SQLite
// fallback (conversations(phone, state, updated_at), conversation_messages(conversation_id, direction,
// content, created_at)) and the same role mapping (adapters/clinic.ts), in PostgreSQL's dialect, keyset paged.

const iso = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v);

function mapMessage(row: Row): SourceMessage {
  return {
    id: String(row.id),
    conversationId: String(row.conversation_id),
    timestamp: iso(row.created_at),
    role: clinicRole(row.direction),
    rawRole: (row.direction as string | null) ?? null,
    text: (row.content as string | null) ?? null,
    analysis: null,
    extra: null,
  };
}

const COLUMNS = 'id::text AS id, conversation_id::text AS conversation_id, direction, content, created_at';

function spec(conversationId: string): ThreadSpec {
  return {
    from: 'conversation_messages',
    where: 'conversation_id::text = $1',
    params: [conversationId],
    select: COLUMNS,
    time: 'created_at',
    id: 'id::text',
    idType: 'text',
    map: mapMessage,
  };
}

export async function clinicConversationsPg(
  db: PgConnection,
  query: ConversationQuery,
): Promise<ConversationPage> {
  return db.read(async (tx) => {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.search?.trim()) {
      params.push(`%${query.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(
        `(c.phone ILIKE $${params.length} OR EXISTS (SELECT 1 FROM conversation_messages m WHERE m.conversation_id = c.id AND m.content ILIKE $${params.length}))`,
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
      `SELECT c.id::text AS id, c.phone, coalesce(c.updated_at, c.created_at) AS updated, coalesce(c.updated_at, c.created_at)::text AS k,
              (SELECT count(*)::int FROM conversation_messages m WHERE m.conversation_id = c.id) AS n,
              (SELECT max(m.created_at) FROM conversation_messages m WHERE m.conversation_id = c.id) AS last
       FROM conversations c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY coalesce(c.updated_at, c.created_at) DESC, c.id::text DESC LIMIT ${query.limit + 1}`,
      params,
    );
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      conversations: shown.map((r) => ({
        id: String(r.id),
        title: String(r.phone ?? r.id),
        messages: Number(r.n),
        lastActivity: iso(r.last) ?? iso(r.updated),
      })),
      next: rows.length > query.limit && last ? encodeCursor([String(last.k), String(last.id)]) : null,
    };
  });
}

export async function clinicConversationPg(db: PgConnection, id: string): Promise<SourceConversation> {
  return db.read(async (tx) => {
    const rows = await tx.rows(
      `SELECT c.id::text AS id, c.phone, coalesce(c.updated_at, c.created_at) AS updated,
              (SELECT count(*)::int FROM conversation_messages m WHERE m.conversation_id = c.id) AS n,
              (SELECT max(m.created_at) FROM conversation_messages m WHERE m.conversation_id = c.id) AS last
       FROM conversations c WHERE c.id::text = $1`,
      [id],
    );
    const r = rows[0];
    if (!r)
      throw new AppError('not_found', `no conversation ${JSON.stringify(id.slice(0, 80))} in this database`);
    return {
      id: String(r.id),
      title: String(r.phone ?? r.id),
      messages: Number(r.n),
      lastActivity: iso(r.last) ?? iso(r.updated),
    };
  });
}

export async function clinicMessagesPg(db: PgConnection, query: MessageQuery): Promise<SourceMessagePage> {
  return db.read((tx) => pageThread(tx, spec(query.conversationId), query));
}

export async function* clinicExportPg(
  db: PgConnection,
  conversationId: string,
  pageSize: number,
): AsyncGenerator<SourceMessage[]> {
  for await (const rows of db.stream(
    `SELECT ${COLUMNS} FROM conversation_messages WHERE conversation_id::text = $1 ORDER BY created_at, id::text`,
    [conversationId],
    pageSize,
  ))
    yield rows.map(mapMessage);
}

export async function clinicSearchPg(db: PgConnection, query: MessageSearchQuery): Promise<MessageHit[]> {
  return db.read(async (tx) => {
    const params: unknown[] = [`%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`];
    let where = 'content ILIKE $1';
    if (query.conversationId !== undefined) {
      params.push(query.conversationId);
      where += ' AND conversation_id::text = $2';
    }
    const rows = await tx.rows(
      `SELECT ${COLUMNS} FROM conversation_messages WHERE ${where} ORDER BY created_at DESC LIMIT ${query.limit}`,
      params,
    );
    return rows.map((r) => {
      const m = mapMessage(r);
      return {
        conversationId: m.conversationId,
        messageId: m.id,
        timestamp: m.timestamp,
        role: m.role,
        snippet: (m.text ?? '').slice(0, 160),
      };
    });
  });
}

export async function clinicMetricsPg(db: PgConnection): Promise<SourceMetrics> {
  return db.read(async (tx) => {
    const charts: Chart[] = [];
    const tables: FigureTable[] = [];
    const perDay = await tx.rows(
      `SELECT to_char(date_trunc('day', created_at), 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE lower(direction) IN ('inbound', 'in', 'incoming', 'received', 'user', 'patient'))::int AS u,
              count(*)::int AS n
       FROM conversation_messages WHERE created_at >= now() - interval '180 days' GROUP BY 1 ORDER BY 1`,
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
