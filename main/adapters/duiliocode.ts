import type { ConversationRef } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { textOrNull } from '../sqlite/values.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { roleOf } from './per-chat-messages.ts';
import { toIso } from '../sources/time.ts';
import { extraValue, parseJsonish } from './json.ts';
import { decodeKey, keysetPage, readTable, type KeysetReader, type KeysetTable } from '../sources/keyset.ts';
import { sqliteDialect, sqliteEngine, type Row } from '../sources/sql-engine.ts';
import type { ThreadQuery } from '../sources/sqlite-file.ts';
import { atKey, timeKey } from '../sources/thread-order.ts';
import { pickColumn, tableIfAny, type SchemaObject } from '../sqlite/catalog.ts';
import {
  COUNT_WINDOW,
  RECENT_ROWS,
  bump,
  dayExpr,
  dayPoints,
  fmt,
  num,
  percentile,
  sortedNumbers,
  truthy,
} from './stats.ts';
import type { Chart, FigureTable, SourceMessage, SourceMessagePage } from '../sources/types.ts';
import type { ConversationList } from './types.ts';

// DuilioCode assistant (seed 004): SQLAlchemy models in one SQLite file.
// conversation_history(user_id, session_id, role, content, model, workspace_path, extra_data JSON, created_at);
// a conversation is one (user_id, session_id) pair. system_metrics(operation, duration_ms, success, error, ...).

const MAX_ID_LENGTH = 200;

function historyTable(db: ReadableDb): SchemaObject {
  const table = tableIfAny(db, 'conversation_history');
  if (!table) throw new AppError('not_found', 'this file has no conversation_history table');
  return table;
}

const col = (table: SchemaObject, names: readonly string[]): string => {
  const name = pickColumn(table, names);
  return name ? quoteIdent(name) : 'NULL';
};

/**
 * The id of a conversation: the JSON pair `[user_id, session_id]` (readable, exact, nulls allowed), or
 * `#<rowid>` of its first message when the pair is too long for an id.
 */
function conversationIdOf(user: string | null, session: string | null, firstRowid: bigint): string {
  const pair = JSON.stringify([user, session]);
  return pair.length <= MAX_ID_LENGTH ? pair : `#${firstRowid.toString()}`;
}

export function duilioConversations(db: ReadableDb, limit: number): ConversationList {
  const table = historyTable(db);
  const k = table.rowidName ?? 'NULL';
  const inner = `SELECT ${col(table, ['user_id'])} AS u, ${col(table, ['session_id'])} AS s, ${col(table, ['created_at', 'timestamp'])} AS ts, ${k} AS k
    FROM ${quoteIdent(table.name)} ${table.rowidName ? `ORDER BY ${k} DESC` : ''} LIMIT ${COUNT_WINDOW}`;
  const rows = db
    .prepare(
      `SELECT u, s, count(*) AS n, max(ts) AS last, min(k) AS first
       FROM (${inner}) GROUP BY u, s ORDER BY last DESC LIMIT ?`,
    )
    .safeIntegers(true)
    .all(limit + 1) as { u: unknown; s: unknown; n: bigint; last: unknown; first: bigint | null }[];
  const windowFull =
    Number(
      db
        .prepare(`SELECT count(*) FROM (SELECT 1 FROM ${quoteIdent(table.name)} LIMIT ${COUNT_WINDOW})`)
        .pluck()
        .get(),
    ) >= COUNT_WINDOW;
  const conversations: ConversationRef[] = rows.slice(0, limit).map((r) => {
    const user = textOrNull(r.u);
    const session = textOrNull(r.s);
    return {
      id: conversationIdOf(user, session, r.first ?? 0n),
      title: session ?? '(no session)',
      subtitle: user === null ? null : `user ${user}`,
      messages: Number(r.n),
      lastActive: toIso(r.last),
    };
  });
  return { conversations, capped: rows.length > limit || windowFull };
}

function resolvePair(
  db: ReadableDb,
  table: SchemaObject,
  conversationId: string,
): [string | null, string | null] {
  if (conversationId.startsWith('#')) {
    const key = conversationId.slice(1);
    if (!/^\d{1,20}$/.test(key) || !table.rowidName)
      throw new AppError('invalid_input', 'unknown conversation id');
    const row = db
      .prepare(
        `SELECT ${col(table, ['user_id'])} AS u, ${col(table, ['session_id'])} AS s FROM ${quoteIdent(table.name)} WHERE ${table.rowidName} = ?`,
      )
      .safeIntegers(true)
      .get(BigInt(key)) as { u: unknown; s: unknown } | undefined;
    if (!row) throw new AppError('not_found', 'this conversation does not exist (any more)');
    return [textOrNull(row.u), textOrNull(row.s)];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(conversationId);
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !parsed.every((p) => p === null || typeof p === 'string')
  ) {
    throw new AppError(
      'invalid_input',
      'a DuilioCode conversation id is ["user_id", "session_id"] as listed by file.conversations',
    );
  }
  return [parsed[0] as string | null, parsed[1] as string | null];
}

const MAPPED = new Set([
  'id',
  'user_id',
  'session_id',
  'role',
  'content',
  'created_at',
  'model',
  'workspace_path',
  'extra_data',
]);

/** Selected beside a row: its rowid (a column of the same name cannot hide it) and its time as one number. */
const KEY = 'ci$key';
const TIME = 'ci$time';

function messageOfRow(row: Row, conversationId: string): SourceMessage {
  const extra: Record<string, unknown> = {};
  const sessionId = textOrNull(row.session_id);
  if (sessionId !== null) extra.sessionId = sessionId;
  if (row.model !== null && row.model !== undefined) extra.model = row.model;
  if (row.workspace_path !== null && row.workspace_path !== undefined)
    extra.workspacePath = row.workspace_path;
  if (row.extra_data !== null && row.extra_data !== undefined && row.extra_data !== '')
    extra.extraData = parseJsonish(row.extra_data);
  for (const [name, value] of Object.entries(row)) {
    if (name === KEY || name === TIME || MAPPED.has(name.toLowerCase())) continue;
    const kept = extraValue(value);
    if (kept !== undefined) extra[name] = kept;
  }
  return {
    id: String(row[KEY]),
    conversationId,
    timestamp: toIso(row.created_at),
    role: roleOf(row.role),
    rawRole: textOrNull(row.role),
    text: textOrNull(row.content),
    analysis: null,
    extra: Object.keys(extra).length > 0 ? extra : null,
  };
}

/**
 * One (user_id, session_id) pair's thread for the keyset pager (main/sources/keyset.ts): by time (read in any
 * format SQLite's date functions read, as one number), then rowid; a conversation without a time column by
 * rowid alone. Cursors are that (time, rowid) key.
 */
function historyReader(db: ReadableDb, conversationId: string): KeysetReader<Row> {
  const table = historyTable(db);
  const rowid = table.rowidName;
  if (!rowid) throw new AppError('corrupt', `${table.name} has no rowid: its messages cannot be paged`);
  const [user, session] = resolvePair(db, table, conversationId);
  const time = pickColumn(table, ['created_at', 'timestamp']);
  const timeExpr = time ? timeKey(time) : null;
  const thread: KeysetTable = {
    dialect: sqliteDialect,
    rows: sqliteEngine(db).rows,
    select: `*, ${rowid} AS "${KEY}"${timeExpr ? `, ${timeExpr} AS "${TIME}"` : ''}`,
    from: quoteIdent(table.name),
    where: (add) => {
      const conds: string[] = [];
      for (const [names, value] of [
        [['user_id'], user],
        [['session_id'], session],
      ] as const) {
        const name = pickColumn(table, names);
        if (name) conds.push(`${quoteIdent(name)} IS ${add(value)}`);
      }
      return conds.length ? conds.join(' AND ') : '1';
    },
    columns: timeExpr ? [{ expr: timeExpr }, { expr: rowid }] : [{ expr: rowid }],
  };
  const arity = timeExpr ? 2 : 1;
  return {
    read: (direction, bound, n) => readTable(thread, direction, bound, n),
    keyOf: (row) => (timeExpr ? [row[TIME] as number, row[KEY] as number] : [row[KEY] as number]),
    decode: (cursor) => decodeKey(cursor, arity, (key) => key.every((part) => typeof part === 'number')),
    at: (at) => (timeExpr ? { key: [atKey(at)], inclusive: true } : null),
  };
}

export async function duilioMessages(
  db: ReadableDb,
  conversationId: string,
  query: ThreadQuery,
): Promise<SourceMessagePage> {
  const page = await keysetPage(historyReader(db, conversationId), query);
  return {
    messages: page.rows.map((row) => messageOfRow(row, conversationId)),
    older: page.older,
    newer: page.newer,
  };
}

export function duilioMetrics(db: ReadableDb): { charts: Chart[]; tables: FigureTable[] } {
  const table = tableIfAny(db, 'system_metrics');
  if (!table || !pickColumn(table, ['operation']) || !pickColumn(table, ['duration_ms']))
    return { charts: [], tables: [] };
  const ts = pickColumn(table, ['created_at', 'timestamp']);
  const inner = `SELECT ${col(table, ['operation'])} AS op, ${col(table, ['duration_ms'])} AS ms, ${col(table, ['success'])} AS ok,
      ${col(table, ['error'])} AS err, ${ts ? dayExpr(ts) : 'NULL'} AS day
    FROM ${quoteIdent(table.name)} ${table.rowidName ? `ORDER BY ${table.rowidName} DESC` : ''} LIMIT ${RECENT_ROWS}`;
  // Newest first: the first error seen per operation is its latest.
  const rows = db.prepare(inner).all() as {
    op: unknown;
    ms: unknown;
    ok: unknown;
    err: unknown;
    day: string | null;
  }[];
  const perOp = new Map<
    string,
    { durations: number[]; calls: number; ok: number; lastError: string | null }
  >();
  const okPerDay = new Map<string, number>();
  const failedPerDay = new Map<string, number>();
  for (const r of rows) {
    const op = textOrNull(r.op) ?? '(none)';
    const entry = perOp.get(op) ?? { durations: [], calls: 0, ok: 0, lastError: null };
    entry.calls++;
    const ms = num(r.ms);
    if (!Number.isNaN(ms)) entry.durations.push(ms);
    // A row without a success column counts as succeeded unless it carries an error.
    const succeeded = r.ok === null || r.ok === undefined ? !r.err : truthy(r.ok);
    if (succeeded) entry.ok++;
    else if (entry.lastError === null && r.err) entry.lastError = String(r.err).slice(0, 200);
    perOp.set(op, entry);
    if (r.day) {
      bump(okPerDay, r.day, succeeded ? 1 : 0);
      bump(failedPerDay, r.day, succeeded ? 0 : 1);
    }
  }
  const ops = [...perOp.entries()]
    .map(([op, e]) => {
      const sorted = sortedNumbers(e.durations);
      return {
        op,
        calls: e.calls,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        rate: (100 * e.ok) / e.calls,
        lastError: e.lastError,
      };
    })
    .sort((a, b) => b.calls - a.calls || a.op.localeCompare(b.op));
  const charts: Chart[] = [
    {
      id: 'latency-by-operation',
      title: 'Latency by operation (p50 / p95)',
      unit: 'ms',
      type: 'bar',
      series: [
        { name: 'p50', points: ops.map((o) => ({ x: o.op, y: Number.isNaN(o.p50) ? 0 : o.p50 })) },
        { name: 'p95', points: ops.map((o) => ({ x: o.op, y: Number.isNaN(o.p95) ? 0 : o.p95 })) },
      ],
    },
    {
      id: 'calls-per-day',
      title: 'Calls per day',
      unit: 'calls',
      type: 'bar',
      series: [
        { name: 'succeeded', points: dayPoints(okPerDay) },
        { name: 'failed', points: dayPoints(failedPerDay) },
      ],
    },
    {
      id: 'success-rate-by-operation',
      title: 'Success rate by operation',
      unit: '%',
      type: 'bar',
      series: [
        { name: 'success rate', points: ops.map((o) => ({ x: o.op, y: Math.round(o.rate * 10) / 10 })) },
      ],
    },
  ];
  const tables: FigureTable[] = [
    {
      id: 'latency',
      title: `Latency by operation (newest ${rows.length} of system_metrics)`,
      columns: ['Operation', 'Calls', 'p50 ms', 'p95 ms', 'Success', 'Last error'],
      rows: ops.map((o) => [
        o.op,
        String(o.calls),
        fmt(o.p50),
        fmt(o.p95),
        `${fmt(o.rate)}%`,
        o.lastError ?? '—',
      ]),
    },
  ];
  return { charts, tables };
}
