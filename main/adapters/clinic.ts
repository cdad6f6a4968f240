import type { ConversationRef, MessageRole } from '../../shared/domain.ts';
import type { ChatMapping } from '../../shared/contract/mapping.ts';
import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { textOrNull } from '../sqlite/values.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { latest, toIso } from '../sources/time.ts';
import { resolveMapping, type MappingExtras } from '../mapping/mapping.ts';
import { MappedReader } from '../mapping/source.ts';
import { sqliteEngine } from '../sources/sql-engine.ts';
import type { ThreadQuery } from '../sources/sqlite-file.ts';
import { extraValue, parseJsonish } from './json.ts';
import { pickColumn, tableIfAny, type SchemaObject } from '../sqlite/catalog.ts';
import {
  COUNT_WINDOW,
  RECENT_ROWS,
  bump,
  dayExpr,
  fmt,
  num,
  percentile,
  sortedNumbers,
  statusClass,
  truthy,
} from './stats.ts';
import type { Chart, FigureTable, SourceMessagePage } from '../sources/types.ts';
import type { ConversationList } from './types.ts';

// WhatsApp clinic bot (seed 001), declared once: its thread is a mapping (clinicThreadMapping) of
// conversation_messages, read through the one SQL layer (main/mapping: MappedReader, keyset pages) by the
// SQLite fallback here and by its primary store, PostgreSQL (main/pg/clinic.ts). Column names vary between
// the bot's versions: each part is the first of a few candidates the table has. In the SQLite fallback ids
// are TEXT uuids (gen_random_uuid()), so the rowid is the order key after the time, and Message.id.

const COLS = {
  convKey: ['id', 'conversation_id'],
  phone: ['phone', 'phone_number'],
  updated: ['updated_at', 'last_message_at', 'last_interaction', 'created_at'],
  name: ['patient_name', 'name', 'contact_name', 'user_name'],
  state: ['state', 'status', 'current_state', 'stage'],
  content: ['content', 'message', 'text', 'body', 'message_text'],
  time: ['created_at', 'timestamp', 'sent_at', 'received_at'],
  direction: ['direction', 'sender', 'sender_type', 'role', 'from'],
  type: ['message_type', 'type'],
} as const;

export const CLINIC_MESSAGES = 'conversation_messages';

/** The parts of a clinic message, each the first of the bot's spellings the table has (any case), or null. */
export function clinicColumns(columns: readonly string[]) {
  const pick = (candidates: readonly string[]): string | null => {
    for (const candidate of candidates) {
      const found = columns.find((c) => c.toLowerCase() === candidate);
      if (found !== undefined) return found;
    }
    return null;
  };
  return {
    conversation: pick(['conversation_id']),
    time: pick(COLS.time),
    role: pick(COLS.direction),
    text: pick(COLS.content),
    type: pick(COLS.type),
    id: pick(['id']),
  };
}

/**
 * The clinic's thread as a mapping over conversation_messages (roles by clinicRole): null when the table
 * has no conversation_id or no text column.
 */
export function clinicThreadMapping(columns: readonly string[]): ChatMapping | null {
  const { conversation, time, role, text, id } = clinicColumns(columns);
  if (conversation === null || text === null) return null;
  return { table: CLINIC_MESSAGES, conversation, time, role, text, id };
}

function requireTable(db: ReadableDb, name: string): SchemaObject {
  const table = tableIfAny(db, name);
  if (!table) throw new AppError('not_found', `this file has no ${name} table`);
  return table;
}

function col(table: SchemaObject, names: readonly string[]): string {
  const name = pickColumn(table, names);
  return name ? quoteIdent(name) : 'NULL';
}

function newestRows(table: SchemaObject, columns: string, n: number): string {
  const q = quoteIdent(table.name);
  return table.rowidName
    ? `SELECT ${columns} FROM ${q} ORDER BY ${table.rowidName} DESC LIMIT ${n}`
    : `SELECT ${columns} FROM ${q} LIMIT ${n}`;
}

export function clinicConversations(db: ReadableDb, limit: number): ConversationList {
  const conversations = requireTable(db, 'conversations');
  const messages = requireTable(db, 'conversation_messages');
  const key = pickColumn(conversations, COLS.convKey);
  const keyExpr = key ? quoteIdent(key) : (conversations.rowidName ?? 'NULL');
  const listed = db
    .prepare(
      `SELECT * FROM (${newestRows(
        conversations,
        `${keyExpr} AS k, ${col(conversations, COLS.phone)} AS phone, ${col(conversations, COLS.updated)} AS updated,
         ${col(conversations, COLS.name)} AS name, ${col(conversations, COLS.state)} AS state`,
        COUNT_WINDOW,
      )}) ORDER BY updated DESC LIMIT ?`,
    )
    .safeIntegers(true)
    .all(limit + 1) as { k: unknown; phone: unknown; updated: unknown; name: unknown; state: unknown }[];
  const counted = db
    .prepare(
      `SELECT c, count(*) AS n, max(ts) AS last FROM (${newestRows(
        messages,
        `${col(messages, ['conversation_id'])} AS c, ${col(messages, COLS.time)} AS ts`,
        COUNT_WINDOW,
      )}) GROUP BY c`,
    )
    .safeIntegers(true)
    .all() as { c: unknown; n: bigint; last: unknown }[];
  const counts = new Map<string, { n: number; last: unknown }>();
  let windowRows = 0;
  for (const row of counted) {
    windowRows += Number(row.n);
    const id = textOrNull(row.c);
    if (id !== null) counts.set(id, { n: Number(row.n), last: row.last });
  }
  const refs: ConversationRef[] = listed.slice(0, limit).flatMap((row) => {
    const id = textOrNull(row.k);
    if (id === null || id === '') return [];
    const count = counts.get(id);
    const subtitle = [textOrNull(row.name), textOrNull(row.state)]
      .filter((p): p is string => !!p)
      .join(' · ');
    return [
      {
        id,
        title: textOrNull(row.phone) ?? `conversation ${id}`,
        subtitle: subtitle || null,
        messages: count?.n ?? 0,
        lastActive: latest(toIso(row.updated), toIso(count?.last)),
      },
    ];
  });
  return { conversations: refs, capped: listed.length > limit || windowRows >= COUNT_WINDOW };
}

/** inbound → the patient (user); outbound → the bot; a few other spellings seen in the bot's versions. */
export function clinicRole(raw: unknown): MessageRole {
  const t = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (['inbound', 'in', 'incoming', 'received', 'user', 'patient', 'customer', 'client'].includes(t))
    return 'user';
  if (t === 'system') return 'system';
  return 'bot';
}

/**
 * What a clinic message carries beside the mapped parts, declared with the mapping: every other column of
 * conversation_messages (the uuid id, message_type, metadata...) rides in `extra`, JSON text parsed, with
 * the conversation as sessionId and audio/voice/ptt messages marked as voice.
 */
export function clinicMappingExtras(columns: readonly string[]): MappingExtras {
  const { conversation, text, time, role, type } = clinicColumns(columns);
  const mapped = new Set([conversation, text, time, role].filter((c): c is string => c !== null));
  const extras: Record<string, string> = {};
  for (const column of columns) if (!mapped.has(column)) extras[column] = column;
  return {
    kind: 'clinic',
    roleOf: clinicRole,
    extras,
    finish(message, values) {
      const extra: Record<string, unknown> = { sessionId: message.conversationId };
      const rawType = type === null ? null : textOrNull(values[type]);
      if (rawType !== null && /audio|voice|ptt/i.test(rawType)) extra.voice = true;
      for (const [name, value] of Object.entries(values)) {
        const kept = extraValue(value);
        if (kept !== undefined) extra[name] = parseJsonish(kept);
      }
      message.extra = extra;
    },
  };
}

/** The clinic's thread read through its mapping, once per connection (a Source's life). */
const sqliteReaders = new WeakMap<ReadableDb, Promise<MappedReader>>();

async function openSqliteReader(db: ReadableDb): Promise<MappedReader> {
  const engine = sqliteEngine(db);
  const tables = await engine.tables();
  const columns = tables.find((t) => t.name === CLINIC_MESSAGES)?.columns.map((c) => c.name) ?? [];
  const mapping = clinicThreadMapping(columns);
  if (!mapping)
    throw new AppError('not_found', `${CLINIC_MESSAGES} has no conversation_id or no message text column`);
  const resolved = await resolveMapping(engine, tables, mapping, clinicMappingExtras(columns));
  // The fallback's ids are TEXT uuids (gen_random_uuid()): the rowid is the order key and Message.id.
  return new MappedReader(engine, { ...resolved, id: null, spec: { ...resolved.spec, id: null } });
}

/** The SQLite fallback's thread: the clinic's one mapping, read by the one SQL layer (as on PostgreSQL). */
export function clinicSqliteReader(db: ReadableDb): Promise<MappedReader> {
  let reader = sqliteReaders.get(db);
  if (!reader) {
    reader = openSqliteReader(db);
    reader.catch(() => sqliteReaders.delete(db));
    sqliteReaders.set(db, reader);
  }
  return reader;
}

export async function clinicMessages(
  db: ReadableDb,
  conversationId: string,
  query: ThreadQuery,
): Promise<SourceMessagePage> {
  const reader = await clinicSqliteReader(db);
  try {
    return await reader.messages({ ...query, conversationId });
  } catch (error) {
    // A conversation listed from its table may have no message yet: an empty thread, not a missing one.
    if (error instanceof AppError && error.code === 'not_found' && listedConversation(db, conversationId))
      return { messages: [], older: null, newer: null };
    throw error;
  }
}

function listedConversation(db: ReadableDb, id: string): boolean {
  const conversations = tableIfAny(db, 'conversations');
  const key = conversations ? pickColumn(conversations, COLS.convKey) : null;
  if (!conversations || !key) return false;
  const sql = `SELECT 1 FROM ${quoteIdent(conversations.name)} WHERE CAST(${quoteIdent(key)} AS TEXT) = ? LIMIT 1`;
  return db.prepare(sql).get(id) !== undefined;
}

/** chatbot_metrics per date and api_call_logs status classes and latency (newest RECENT_ROWS rows). */
export function clinicMetrics(db: ReadableDb): { charts: Chart[]; tables: FigureTable[] } {
  const charts: Chart[] = [];
  const tables: FigureTable[] = [];
  const daily = tableIfAny(db, 'chatbot_metrics');
  const dateCol = daily ? pickColumn(daily, ['date', 'day', 'created_at']) : null;
  if (daily && dateCol) {
    const fields = [
      'total_conversations',
      'successful_appointments',
      'bot_resolution_rate',
      'avg_response_time_ms',
      'user_satisfaction_score',
    ] as const;
    const rows = db
      .prepare(
        `SELECT ${dayExpr(dateCol)} AS day, ${fields.map((f) => `${col(daily, [f])} AS ${f}`).join(', ')}
         FROM ${quoteIdent(daily.name)} ORDER BY ${quoteIdent(dateCol)} DESC LIMIT 3660`,
      )
      .all() as ({ day: string | null } & Record<(typeof fields)[number], unknown>)[];
    // Several rows for one date (the fallback has no unique constraint): counts add up, rates average.
    const sums = new Map<string, Record<string, { sum: number; n: number }>>();
    for (const r of rows) {
      if (!r.day) continue;
      const entry = sums.get(r.day) ?? {};
      for (const f of fields) {
        const v = num(r[f]);
        if (Number.isNaN(v)) continue;
        const acc = entry[f] ?? { sum: 0, n: 0 };
        acc.sum += v;
        acc.n++;
        entry[f] = acc;
      }
      sums.set(r.day, entry);
    }
    const days = [...sums.keys()].sort();
    const series = (f: (typeof fields)[number], average: boolean) =>
      days.flatMap((day) => {
        const acc = sums.get(day)?.[f];
        return acc ? [{ x: day, y: average ? Math.round((acc.sum / acc.n) * 100) / 100 : acc.sum }] : [];
      });
    charts.push(
      {
        id: 'chatbot-volume',
        title: 'Conversations and appointments per day',
        unit: 'count',
        type: 'bar',
        series: [
          { name: 'conversations', points: series('total_conversations', false) },
          { name: 'appointments', points: series('successful_appointments', false) },
        ],
      },
      {
        id: 'chatbot-resolution-rate',
        title: 'Bot resolution rate',
        unit: '%',
        type: 'line',
        series: [{ name: 'resolution rate', points: series('bot_resolution_rate', true) }],
      },
      {
        id: 'chatbot-response-time',
        title: 'Average response time',
        unit: 'ms',
        type: 'line',
        series: [{ name: 'response time', points: series('avg_response_time_ms', true) }],
      },
      {
        id: 'chatbot-satisfaction',
        title: 'User satisfaction',
        unit: 'score',
        type: 'line',
        series: [{ name: 'satisfaction', points: series('user_satisfaction_score', true) }],
      },
    );
  }

  const logs = tableIfAny(db, 'api_call_logs');
  if (logs) {
    const ts = pickColumn(logs, ['created_at', 'timestamp']);
    const rows = db
      .prepare(
        newestRows(
          logs,
          `${col(logs, ['service'])} AS service, ${col(logs, ['endpoint'])} AS endpoint, ${col(logs, ['status_code'])} AS status,
           ${col(logs, ['response_time_ms'])} AS ms, ${col(logs, ['success'])} AS ok, ${ts ? dayExpr(ts) : 'NULL'} AS day`,
          RECENT_ROWS,
        ),
      )
      .all() as {
      service: unknown;
      endpoint: unknown;
      status: unknown;
      ms: unknown;
      ok: unknown;
      day: string | null;
    }[];
    const perClass = new Map<string, Map<string, number>>();
    const perEndpoint = new Map<
      string,
      { service: string; endpoint: string; times: number[]; calls: number; errors: number }
    >();
    for (const r of rows) {
      const cls = statusClass(r.status);
      if (r.day) {
        const byDay = perClass.get(cls) ?? new Map<string, number>();
        bump(byDay, r.day);
        perClass.set(cls, byDay);
      }
      const service = textOrNull(r.service) ?? '—';
      const endpoint = textOrNull(r.endpoint) ?? '—';
      const key = JSON.stringify([service, endpoint]);
      const e = perEndpoint.get(key) ?? { service, endpoint, times: [], calls: 0, errors: 0 };
      e.calls++;
      const ms = num(r.ms);
      if (!Number.isNaN(ms)) e.times.push(ms);
      const failed = (r.ok !== null && r.ok !== undefined && !truthy(r.ok)) || cls === '4xx' || cls === '5xx';
      if (failed) e.errors++;
      perEndpoint.set(key, e);
    }
    const order = ['2xx', '3xx', '4xx', '5xx', 'other'];
    const classes = order.filter((c) => ['2xx', '4xx', '5xx'].includes(c) || perClass.has(c));
    const allDays = new Set<string>();
    for (const byDay of perClass.values()) for (const d of byDay.keys()) allDays.add(d);
    const dayList = [...allDays].sort();
    charts.push({
      id: 'api-status-per-day',
      title: 'API calls per day by status',
      unit: 'calls',
      type: 'bar',
      series: classes.map((c) => ({
        name: c,
        points: dayList.map((d) => ({ x: d, y: perClass.get(c)?.get(d) ?? 0 })),
      })),
    });
    const endpoints = [...perEndpoint.values()]
      .map((e) => {
        const sorted = sortedNumbers(e.times);
        return { ...e, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
      })
      .sort(
        (a, b) =>
          b.calls - a.calls || a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint),
      );
    charts.push({
      id: 'api-latency',
      title: 'API latency by service and endpoint (p50 / p95)',
      unit: 'ms',
      type: 'bar',
      series: (['p50', 'p95'] as const).map((p) => ({
        name: p,
        points: endpoints
          .slice(0, 20)
          .map((e) => ({ x: `${e.service} ${e.endpoint}`, y: Number.isNaN(e[p]) ? 0 : e[p] })),
      })),
    });
    tables.push({
      id: 'api-latency',
      title: `API latency by service and endpoint (newest ${rows.length} of api_call_logs)`,
      columns: ['Service', 'Endpoint', 'Calls', 'p50 ms', 'p95 ms', 'Errors'],
      rows: endpoints
        .slice(0, 200)
        .map((e) => [e.service, e.endpoint, String(e.calls), fmt(e.p50), fmt(e.p95), String(e.errors)]),
    });
  }
  return { charts, tables };
}
