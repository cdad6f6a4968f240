import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
import {
  decodeKey,
  keysetPage,
  keysetWalk,
  readTable,
  type Bound,
  type Direction,
  type Key,
  type KeysetReader,
  type KeysetTable,
} from '../sources/keyset.ts';
import type {
  Chart,
  ConversationPage,
  ConversationQuery,
  FigureTable,
  MessageHit,
  MessageQuery,
  MessageSearchQuery,
  QueryResult,
  Source,
  SourceConversation,
  SourceInfo,
  SourceMessage,
  SourceMessagePage,
  SourceMetrics,
  SourceSummary,
  Tenant,
} from '../sources/types.ts';
import { containsPattern, Params, type Row, type SqlEngine } from '../sources/sql-engine.ts';
import type { FieldRef, ResolvedMapping } from './mapping.ts';

// Conversations through a mapping, on any engine: the wrapped Source keeps what it had (tables, row counts,
// the SQL console); conversations, threads, search, metrics and export are read from the mapped table.
// Threads are keyset-paged on (time, id) — or on the id alone where there is no time (LangChain) — so a page
// costs the same at the start and the end of a long thread, and the export holds one page at a time.

/** Aggregations for metrics read at most this many of the newest rows. */
const METRICS_ROWS = 50_000;
/** A title is the first user turn among a thread's first rows (Rasa starts with a few events). */
const TITLE_ROWS = 8;

/** Store time values into ISO 8601 UTC; a value without a zone is taken as UTC. */
export function isoOf(value: unknown, mode: ResolvedMapping['timeMode']): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (mode === 'epoch-s' || mode === 'epoch-ms') {
    const n = Number(value);
    if (!Number.isFinite(n)) return null;
    const d = new Date(mode === 'epoch-s' ? Math.round(n * 1000) : n);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  let text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return isoOf(Number(text), Number(text) > 1e11 ? 'epoch-ms' : 'epoch-s');
  text = text.replace(/^(\d{4}-\d\d-\d\d) /, '$1T');
  if (/[+-]\d\d$/.test(text)) text += ':00';
  else if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) text += 'Z';
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * A jump target (ISO) in the time column's own spelling, so that `time >= target` finds the first message
 * on or after it: epoch numbers, or text copying the sample's separator, fraction and zone (rounded up when
 * the column keeps fewer digits than the target has).
 */
export function timeTarget(iso: string, mapping: ResolvedMapping, dialect: string): string | number {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()))
    throw new AppError('invalid_input', `not a date or time: ${JSON.stringify(iso)}`);
  if (mapping.timeMode === 'epoch-s') return date.getTime() / 1000;
  if (mapping.timeMode === 'epoch-ms') return date.getTime();
  if (mapping.timeMode === 'native')
    return dialect === 'mysql' ? date.toISOString().replace('T', ' ').replace('Z', '') : date.toISOString();
  const sample = mapping.timeSample ?? '';
  const fraction = /:\d\d\.(\d+)/.exec(sample)?.[1]?.length ?? 0;
  let ms = date.getTime();
  if (fraction === 0 && ms % 1000 !== 0) ms += 1000 - (ms % 1000);
  const base = new Date(ms).toISOString(); // 2026-11-01T12:00:05.123Z
  let text = base.slice(0, 19);
  if (fraction > 0) text += `.${base.slice(20, 23).padEnd(fraction, '0')}`;
  if (/^\d{4}-\d\d-\d\d /.test(sample)) text = text.replace('T', ' ');
  if (/Z$/.test(sample)) text += 'Z';
  else if (/[+-]00:?00$/.test(sample)) text += sample.slice(-6).includes(':') ? '+00:00' : '+00';
  return text;
}

export type StreamRows = (sql: string, params: unknown[], pageSize: number) => AsyncIterable<Row[]>;

/**
 * A mapped table's conversations and threads, on any engine: what a mapped Source reads, and what a kind
 * declared as a mapping reads inside its own Source (the clinic bot in PostgreSQL, main/pg/clinic.ts).
 */
export class MappedReader {
  private readonly q: (id: string) => string;
  private readonly t: string;
  private readonly idExpr: string;
  private readonly convExpr: string;
  private readonly timeExpr: string | null;
  private readonly textExpr: string;
  protected readonly engine: SqlEngine;
  readonly mapping: ResolvedMapping;

  /** Streams one statement's rows a page at a time (PostgreSQL's server-side cursor: one snapshot). */
  private readonly stream: StreamRows | undefined;

  constructor(engine: SqlEngine, mapping: ResolvedMapping, options: { stream?: StreamRows } = {}) {
    this.engine = engine;
    this.mapping = mapping;
    this.stream = options.stream;
    const d = engine.dialect;
    this.q = (id) => d.quote(id);
    this.t = d.quote(mapping.table);
    this.idExpr = mapping.id === null ? 'rowid' : d.quote(mapping.id);
    this.convExpr = this.expr(mapping.conversation);
    this.timeExpr = mapping.time ? this.expr(mapping.time) : null;
    this.textExpr = this.expr(mapping.text);
    const turns = mapping.turnRoles && mapping.role ? mapping.turnRoles : null;
    // Fixed names of the framework, written as SQL string literals.
    this.turnCount = turns
      ? `sum(CASE WHEN ${this.expr(mapping.role!)} IN (${turns.map((r) => `'${r.replace(/'/g, "''")}'`).join(', ')}) THEN 1 ELSE 0 END)`
      : null;
  }

  /** The message count of a group of rows: every row, or only the turns (see ResolvedMapping.turnRoles). */
  private readonly turnCount: string | null;

  /** A conversation's counts from a row holding `n` (every row) and `turns` (when counted apart). */
  private counts(row: Record<string, unknown> | undefined): { messages: number; events?: number } {
    const n = Number(row?.n ?? 0);
    if (this.turnCount === null) return { messages: n };
    const turns = Number(row?.turns ?? 0);
    return { messages: turns, events: n - turns };
  }

  private expr(ref: FieldRef): string {
    const column = this.q(ref.column);
    return ref.path.length ? this.engine.dialect.jsonText(column, ref.path) : column;
  }

  /** The selected time as the cursor keeps it: native times as text (compared back as the same type). */
  private timeSelect(): string {
    if (!this.timeExpr) return 'NULL';
    return this.mapping.timeMode === 'native' ? this.engine.dialect.castText(this.timeExpr) : this.timeExpr;
  }

  private selectList(): string {
    const parts = [
      `${this.idExpr} AS m_id`,
      `${this.convExpr} AS m_conv`,
      `${this.timeSelect()} AS m_time`,
      `${this.mapping.role ? this.expr(this.mapping.role) : 'NULL'} AS m_role`,
      `${this.textExpr} AS m_text`,
    ];
    Object.entries(this.mapping.extras).forEach(([, ref], i) => parts.push(`${this.expr(ref)} AS x_${i}`));
    return parts.join(', ');
  }

  private message(row: Row, conversationId: string): SourceMessage {
    const rawRole = row.m_role === null || row.m_role === undefined ? null : String(row.m_role);
    const extras: Record<string, unknown> = {};
    Object.keys(this.mapping.extras).forEach((name, i) => {
      const value = row[`x_${i}`];
      if (value !== null && value !== undefined) extras[name] = value;
    });
    const message: SourceMessage = {
      id: String(row.m_id),
      conversationId,
      timestamp: isoOf(row.m_time, this.mapping.timeMode),
      role: this.mapping.roleOf(rawRole),
      rawRole,
      text: row.m_text === null || row.m_text === undefined ? null : String(row.m_text),
      analysis: null,
      extra: null,
    };
    if (this.mapping.finish) this.mapping.finish(message, extras);
    else if (Object.keys(extras).length > 0) message.extra = extras;
    return message;
  }

  private keyOf(row: Row): Key {
    const id = typeof row.m_id === 'bigint' ? row.m_id.toString() : (row.m_id as string | number);
    if (!this.timeExpr) return [id];
    const time = row.m_time instanceof Date ? row.m_time.toISOString() : (row.m_time as string | number);
    return [time ?? null, id];
  }

  private order(direction: 'ASC' | 'DESC'): string {
    return this.timeExpr
      ? `${this.timeExpr} ${direction}, ${this.idExpr} ${direction}`
      : `${this.idExpr} ${direction}`;
  }

  /** One conversation's thread as a keyset table: ordered by (time, id), or by the id where there is no time. */
  private thread(conversationId: string): KeysetTable {
    return {
      dialect: this.engine.dialect,
      rows: (sql, params) => this.engine.rows(sql, params),
      select: this.selectList(),
      from: this.t,
      where: (add) => {
        const conv = this.conversationCondition(conversationId, add);
        if (conv === null) throw this.notFound(conversationId);
        return conv;
      },
      columns: this.timeExpr ? [{ expr: this.timeExpr }, { expr: this.idExpr }] : [{ expr: this.idExpr }],
    };
  }

  private reader(conversationId: string): KeysetReader<Row> {
    const thread = this.thread(conversationId);
    return {
      read: (direction: Direction, bound: Bound | null, n: number) => readTable(thread, direction, bound, n),
      keyOf: (row) => this.keyOf(row),
      decode: (cursor) => decodeKey(cursor, this.timeExpr ? 2 : 1),
      // Without a time column (LangChain) there is nothing to jump by: the thread's first page.
      at: (at) =>
        this.timeExpr
          ? { key: [timeTarget(at, this.mapping, this.engine.dialect.name)], inclusive: true }
          : null,
    };
  }

  /** The conversation filter: the id given as the column's type expects it. */
  private conversationCondition(id: string, add: (value: unknown) => string): string | null {
    if (this.mapping.conversation.path.length > 0)
      return `${this.engine.dialect.castText(this.convExpr)} = ${add(id)}`;
    if (this.mapping.conversationClass === 'integer') {
      if (!/^-?\d{1,19}$/.test(id)) return null;
      return `${this.convExpr} = ${add(Number.isSafeInteger(Number(id)) ? Number(id) : id)}`;
    }
    return `${this.convExpr} = ${add(id)}`;
  }

  private notFound(id: string): AppError {
    return new AppError(
      'not_found',
      `no conversation ${JSON.stringify(id.slice(0, 80))} in ${this.mapping.table}`,
    );
  }

  async conversation(id: string): Promise<SourceConversation> {
    const params = new Params(this.engine.dialect);
    const conv = this.conversationCondition(id, (v) => params.add(v));
    if (conv === null) throw this.notFound(id);
    const rows = await this.engine.rows(
      `SELECT count(*) AS n${this.turnCount ? `, ${this.turnCount} AS turns` : ''}, ${this.timeExpr ? this.lastSelect() : 'NULL'} AS last FROM ${this.t} WHERE ${conv}`,
      params.values,
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n === 0) throw this.notFound(id);
    return {
      id,
      title: (await this.titleOf(id)) ?? id,
      ...this.counts(rows[0]),
      lastActivity: isoOf(rows[0]?.last, this.mapping.timeMode),
    };
  }

  /**
   * A conversation's title: its first user turn, cut (LangChain session ids and Rasa sender ids say nothing
   * to a person). Read from the thread's first few rows only, by the conversation key.
   */
  private async titleOf(id: string): Promise<string | null> {
    const rows = await readTable(this.thread(id), 'newer', null, TITLE_ROWS);
    for (const row of rows) {
      const m = this.message(row, id);
      const text = m.text?.replace(/\s+/g, ' ').trim();
      if (m.role === 'user' && text) return text.length > 80 ? `${text.slice(0, 79)}…` : text;
    }
    return null;
  }

  private async titles(ids: string[]): Promise<(string | null)[]> {
    // SQLite answers synchronously; servers get the few small reads at once.
    if (this.engine.dialect.name === 'sqlite') {
      const out: (string | null)[] = [];
      for (const id of ids) out.push(await this.titleOf(id));
      return out;
    }
    return Promise.all(ids.map((id) => this.titleOf(id)));
  }

  private lastSelect(): string {
    const max = `max(${this.timeExpr})`;
    return this.mapping.timeMode === 'native' ? this.engine.dialect.castText(max) : max;
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    const d = this.engine.dialect;
    const params = new Params(d);
    const needle = query.search?.trim();
    const where = needle
      ? `WHERE ${d.likeContains(this.textExpr, params.add(containsPattern(needle)))} OR ${d.likeContains(d.castText(this.convExpr), params.add(containsPattern(needle)))}`
      : '';
    // The order key: the newest message's time, or (no time) its id.
    const orderKey = this.timeExpr ? `max(${this.timeExpr})` : `max(${this.idExpr})`;
    const keyText = this.timeExpr && this.mapping.timeMode === 'native' ? d.castText(orderKey) : orderKey;
    const conditions: string[] = [];
    if (query.after) {
      const [k, c] = decodeCursor(query.after, 2);
      conditions.push(`(g.k < ${params.add(k)} OR (g.k = ${params.add(k)} AND g.c > ${params.add(c)}))`);
    }
    const rows = await this.engine.rows(
      `SELECT g.c, g.n, g.turns, g.kt FROM (SELECT ${this.convExpr} AS c, count(*) AS n, ${this.turnCount ?? 'NULL'} AS turns, ${orderKey} AS k, ${keyText} AS kt
         FROM ${this.t} ${where} GROUP BY ${this.convExpr}) g
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY g.k DESC, g.c ASC LIMIT ${query.limit + 1}`,
      params.values,
    );
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    const titles = await this.titles(shown.map((r) => String(r.c)));
    const plain = (v: unknown): string | number | null =>
      v === null || v === undefined ? null : typeof v === 'number' ? v : String(v);
    return {
      conversations: shown.map((r, i) => ({
        id: String(r.c),
        title: titles[i] ?? String(r.c),
        ...this.counts(r),
        lastActivity: this.timeExpr ? isoOf(r.kt, this.mapping.timeMode) : null,
      })),
      next: rows.length > query.limit && last ? encodeCursor([plain(last.kt), plain(last.c)]) : null,
    };
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    const id = query.conversationId;
    const page = await keysetPage(this.reader(id), query);
    // An empty thread from either end: the conversation is not there (not_found).
    if (page.rows.length === 0 && query.before === undefined && query.after === undefined)
      await this.conversation(id);
    return { messages: page.rows.map((r) => this.message(r, id)), older: page.older, newer: page.newer };
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    const needle = query.text.trim();
    if (!needle) return [];
    const d = this.engine.dialect;
    const params = new Params(d);
    const conditions = [d.likeContains(this.textExpr, params.add(containsPattern(needle)))];
    if (query.conversationId !== undefined) {
      const conv = this.conversationCondition(query.conversationId, (v) => params.add(v));
      if (conv === null) return [];
      conditions.push(conv);
    }
    const rows = await this.engine.rows(
      `SELECT ${this.selectList()} FROM ${this.t} WHERE ${conditions.join(' AND ')} ORDER BY ${this.order('DESC')} LIMIT ${query.limit}`,
      params.values,
    );
    const lower = needle.toLowerCase();
    return rows.map((r) => {
      const m = this.message(r, String(r.m_conv));
      const text = m.text ?? '';
      const at = Math.max(0, text.toLowerCase().indexOf(lower));
      const start = Math.max(0, at - 50);
      return {
        conversationId: m.conversationId,
        messageId: m.id,
        timestamp: m.timestamp,
        role: m.role,
        snippet: `${start > 0 ? '…' : ''}${text.slice(start, at + needle.length + 70)}`,
      };
    });
  }

  async metrics(): Promise<SourceMetrics> {
    const rows = await this.engine.rows(
      `SELECT ${this.timeSelect()} AS m_time, ${this.mapping.role ? this.expr(this.mapping.role) : 'NULL'} AS m_role, ${this.convExpr} AS m_conv
       FROM ${this.t} ORDER BY ${this.order('DESC')} LIMIT ${METRICS_ROWS}`,
      [],
    );
    const perDay = new Map<string, Record<string, number>>();
    const perRole = new Map<string, number>();
    const conversations = new Set<string>();
    for (const r of rows) {
      const role = this.mapping.roleOf(r.m_role === null || r.m_role === undefined ? null : String(r.m_role));
      perRole.set(role, (perRole.get(role) ?? 0) + 1);
      conversations.add(String(r.m_conv));
      const day = isoOf(r.m_time, this.mapping.timeMode)?.slice(0, 10);
      if (!day) continue;
      const counts = perDay.get(day) ?? {};
      counts[role] = (counts[role] ?? 0) + 1;
      perDay.set(day, counts);
    }
    const days = [...perDay.keys()].sort();
    const charts: Chart[] = days.length
      ? [
          {
            id: 'messages-per-day',
            title: 'Messages per day',
            unit: 'messages',
            type: 'bar',
            series: (['user', 'bot', 'system'] as const)
              .filter((role) => perRole.has(role))
              .map((role) => ({
                name: role,
                points: days.map((x) => ({ x, y: perDay.get(x)![role] ?? 0 })),
              })),
          },
        ]
      : [];
    const tables: FigureTable[] = [
      {
        id: 'mapping',
        title: `Messages in ${this.mapping.table}${rows.length >= METRICS_ROWS ? ` (newest ${METRICS_ROWS})` : ''}`,
        columns: ['Figure', 'Value'],
        rows: [
          ['Conversations', String(conversations.size)],
          ['Messages', String(rows.length)],
          ...[...perRole.entries()].map(([role, n]) => [`From ${role}`, String(n)]),
        ],
      },
    ];
    return { kind: this.mapping.kind, charts, tables };
  }

  async *exportMessages(options: {
    conversationId: string;
    pageSize?: number;
  }): AsyncGenerator<SourceMessage[]> {
    await this.conversation(options.conversationId);
    const id = options.conversationId;
    const pageSize = options.pageSize ?? 1000;
    let pages: AsyncIterable<Row[]>;
    if (this.stream) {
      const params = new Params(this.engine.dialect);
      const where = this.thread(id).where((v) => params.add(v));
      pages = this.stream(
        `SELECT ${this.selectList()} FROM ${this.t} WHERE ${where} ORDER BY ${this.order('ASC')}`,
        params.values,
        pageSize,
      );
    } else pages = keysetWalk(this.reader(id), pageSize);
    for await (const rows of pages) yield rows.map((r) => this.message(r, id));
  }
}

/** A mapped table as a Source: the wrapped Source keeps its tables, row counts and SQL console. */
export class MappedSource extends MappedReader implements Source {
  private readonly base: Source;

  constructor(base: Source, engine: SqlEngine, mapping: ResolvedMapping) {
    super(engine, mapping);
    this.base = base;
  }

  summary(): SourceSummary {
    return { ...this.base.summary(), kind: this.mapping.kind, hasConversations: true, tenantScoped: false };
  }

  async info(): Promise<SourceInfo> {
    return { ...(await this.base.info()), ...this.summary() };
  }

  async tenants(): Promise<Tenant[]> {
    return [];
  }

  sqlEngine(): SqlEngine {
    return this.engine;
  }

  query(sql: string, options?: { limit?: number; conversationId?: string }): Promise<QueryResult> {
    return this.base.query(sql, options);
  }

  close(): Promise<void> {
    return this.base.close();
  }
}
