import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
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

type Key = (string | number | null)[];

export class MappedSource implements Source {
  private readonly q: (id: string) => string;
  private readonly t: string;
  private readonly idExpr: string;
  private readonly convExpr: string;
  private readonly timeExpr: string | null;
  private readonly textExpr: string;
  private readonly base: Source;
  private readonly engine: SqlEngine;
  readonly mapping: ResolvedMapping;

  constructor(base: Source, engine: SqlEngine, mapping: ResolvedMapping) {
    this.base = base;
    this.engine = engine;
    this.mapping = mapping;
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

  private decodeKey(cursor: string): Key {
    return decodeCursor(cursor, this.timeExpr ? 2 : 1);
  }

  /** `(time, id) <op> (key)` spelled out (row comparison is not portable across the three engines). */
  private keyCondition(op: '<' | '>', key: Key, params: Params): string {
    if (!this.timeExpr) return `${this.idExpr} ${op} ${params.add(key[0])}`;
    return `(${this.timeExpr} ${op} ${params.add(key[0])} OR (${this.timeExpr} = ${params.add(key[0])} AND ${this.idExpr} ${op} ${params.add(key[1])}))`;
  }

  private order(direction: 'ASC' | 'DESC'): string {
    return this.timeExpr
      ? `${this.timeExpr} ${direction}, ${this.idExpr} ${direction}`
      : `${this.idExpr} ${direction}`;
  }

  /** The conversation filter: the id given as the column's type expects it. */
  private conversationCondition(id: string, params: Params): string | null {
    if (this.mapping.conversation.path.length > 0)
      return `${this.engine.dialect.castText(this.convExpr)} = ${params.add(id)}`;
    if (this.mapping.conversationClass === 'integer') {
      if (!/^-?\d{1,19}$/.test(id)) return null;
      return `${this.convExpr} = ${params.add(Number.isSafeInteger(Number(id)) ? Number(id) : id)}`;
    }
    return `${this.convExpr} = ${params.add(id)}`;
  }

  private notFound(id: string): AppError {
    return new AppError(
      'not_found',
      `no conversation ${JSON.stringify(id.slice(0, 80))} in ${this.mapping.table}`,
    );
  }

  private async select(
    conversationId: string,
    where: (params: Params) => string[],
    direction: 'ASC' | 'DESC',
    limit: number,
  ): Promise<Row[]> {
    const params = new Params(this.engine.dialect);
    const conv = this.conversationCondition(conversationId, params);
    if (conv === null) throw this.notFound(conversationId);
    const conditions = [conv, ...where(params)];
    return this.engine.rows(
      `SELECT ${this.selectList()} FROM ${this.t} WHERE ${conditions.join(' AND ')} ORDER BY ${this.order(direction)} LIMIT ${limit}`,
      params.values,
    );
  }

  private async exists(conversationId: string, op: '<' | '>', key: Key): Promise<boolean> {
    const rows = await this.select(conversationId, (p) => [this.keyCondition(op, key, p)], 'ASC', 1);
    return rows.length > 0;
  }

  async conversation(id: string): Promise<SourceConversation> {
    const params = new Params(this.engine.dialect);
    const conv = this.conversationCondition(id, params);
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
    const rows = await this.select(id, () => [], 'ASC', TITLE_ROWS);
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
    const limit = query.limit;
    if (query.at !== undefined) {
      // Without a time column (LangChain) there is nothing to jump by: the thread's first page.
      const target = this.timeExpr ? timeTarget(query.at, this.mapping, this.engine.dialect.name) : null;
      const rows = await this.select(
        id,
        (p) => (target === null ? [] : [`${this.timeExpr} >= ${p.add(target)}`]),
        'ASC',
        limit + 1,
      );
      if (rows.length === 0) return this.messages({ conversationId: id, limit });
      const shown = rows.slice(0, limit);
      const first = this.keyOf(shown[0]!);
      return {
        messages: shown.map((r) => this.message(r, id)),
        older: (await this.exists(id, '<', first)) ? encodeCursor(first) : null,
        newer: rows.length > limit ? encodeCursor(this.keyOf(shown[shown.length - 1]!)) : null,
      };
    }
    if (query.after !== undefined) {
      const key = this.decodeKey(query.after);
      const rows = await this.select(id, (p) => [this.keyCondition('>', key, p)], 'ASC', limit + 1);
      const shown = rows.slice(0, limit);
      return {
        messages: shown.map((r) => this.message(r, id)),
        older: shown.length ? encodeCursor(this.keyOf(shown[0]!)) : encodeCursor(key),
        newer: rows.length > limit ? encodeCursor(this.keyOf(shown[shown.length - 1]!)) : null,
      };
    }
    const before = query.before === undefined ? null : this.decodeKey(query.before);
    const rows = await this.select(
      id,
      (p) => (before ? [this.keyCondition('<', before, p)] : []),
      'DESC',
      limit + 1,
    );
    if (!before && rows.length === 0) await this.conversation(id); // not_found for an unknown id
    const shown = rows.slice(0, limit).reverse();
    return {
      messages: shown.map((r) => this.message(r, id)),
      older: rows.length > limit ? encodeCursor(this.keyOf(shown[0]!)) : null,
      newer: before ? encodeCursor(shown.length ? this.keyOf(shown[shown.length - 1]!) : before) : null,
    };
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    const needle = query.text.trim();
    if (!needle) return [];
    const d = this.engine.dialect;
    const params = new Params(d);
    const conditions = [d.likeContains(this.textExpr, params.add(containsPattern(needle)))];
    if (query.conversationId !== undefined) {
      const conv = this.conversationCondition(query.conversationId, params);
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
    const pageSize = options.pageSize ?? 1000;
    let key: Key | null = null;
    for (;;) {
      const from = key;
      const rows = await this.select(
        options.conversationId,
        (p) => (from ? [this.keyCondition('>', from, p)] : []),
        'ASC',
        pageSize,
      );
      if (rows.length === 0) return;
      yield rows.map((r) => this.message(r, options.conversationId));
      if (rows.length < pageSize) return;
      key = this.keyOf(rows[rows.length - 1]!);
    }
  }

  query(sql: string, options?: { limit?: number; conversationId?: string }): Promise<QueryResult> {
    return this.base.query(sql, options);
  }

  close(): Promise<void> {
    return this.base.close();
  }
}
