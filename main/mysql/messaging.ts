import { AppError } from '../../shared/errors.ts';
import type { MessageRole } from '../../shared/domain.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
import { decodeKey, keysetClause, keysetPage, type KeyColumn, type KeyPart } from '../sources/keyset.ts';
import { mysqlDialect } from '../sources/sql-engine.ts';
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
  Tenant,
} from '../sources/types.ts';
import { compareKeys, type ArchiveWarning, type ColdArchive, type ColdRecord, type Key } from './archive.ts';
import { isoFromMysql, mysqlFromIso, type MysqlConnection, type Row } from './client.ts';
import { RESPONSE_BUCKET_LABELS, RESPONSE_BUCKETS, TIERS, type Tier } from './tiers.ts';

// Seed 003 (scalable messaging) read as one store: conversations per company (the tenant) and client; one
// thread in time order across hot (`messages`), warm (`messages_warm`) and cold (the archive files) with
// each message's tier in `extra.tier`; the conversation's summary; per-company figures.
// Index use: a thread is read by client — `(clientId, createdAt)` narrowed to the conversation — and a
// company's figures by `(companyId, createdAt)`; conversations by `conversations(companyId, lastMessageAt)`.
// Cold files hold what is older than a conversation's first message in MySQL (the archive job moves by age),
// so the files a page needs are the months between the conversation's start and that first message.

export interface MessagingSchema {
  hot: string;
  warm: string | null;
  clients: boolean;
  clientName: boolean;
  clientPhone: boolean;
  summaries: boolean;
  /** conversations' last-activity and start columns. */
  activity: string;
  start: string | null;
  companyPlan: boolean;
  companyStatus: boolean;
  responseTime: boolean;
  channel: boolean;
}

export interface ConversationSummary {
  conversationId: string;
  summary: string;
  keyPoints: string[];
  sentiment: string | null;
  tags: string[];
  messageCount: number | null;
  /** Minutes. */
  duration: number | null;
  createdAt: string | null;
}

interface Msg {
  id: string;
  conversationId: string;
  role: string;
  content: string | null;
  createdAt: string;
  responseTimeMs: number | null;
  tier: Tier;
  line?: number;
}

/** A search hit of a database tier (the cold files are searched apart). */
function hitOf(r: Record<string, unknown>, tier: Tier): Msg {
  return {
    id: String(r.id),
    conversationId: String(r.conversationId),
    role: String(r.role),
    content: String(r.content ?? ''),
    createdAt: isoFromMysql(r.createdAt) ?? '',
    responseTimeMs: null,
    tier,
  };
}

interface Conversation {
  id: string;
  companyId: string;
  clientId: string;
  title: string;
  start: string | null;
  last: string | null;
}

const keyOf = (m: Msg): Key => [m.createdAt, m.id];
/** A pager key (always this store's own: time and id as text) as the tiers compare it. */
const tierKey = (key: readonly KeyPart[]): Key => [String(key[0]), String(key[1] ?? '')];
/** A thread's order in every tier: (createdAt, id). */
const THREAD_KEY: readonly KeyColumn[] = [{ expr: 'createdAt' }, { expr: 'id' }];
const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

function roleOf(raw: string): MessageRole {
  const r = raw.toLowerCase();
  if (r === 'user' || r === 'client' || r === 'customer' || r === 'human') return 'user';
  if (r === 'system') return 'system';
  return 'bot';
}

function jsonList(value: unknown): string[] {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return v === '' ? [] : [String(value)];
    }
  }
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}

function toMessage(m: Msg, archiveRoot: string | null, companyId: string): SourceMessage {
  const extra: Record<string, unknown> = { tier: m.tier };
  if (m.responseTimeMs !== null) extra.responseTimeMs = m.responseTimeMs;
  if (m.tier === 'cold' && archiveRoot)
    extra.archiveFile = `${companyId}/${m.createdAt.slice(0, 7)}.jsonl.gz`;
  if (m.line !== undefined) extra.archiveLine = m.line;
  return {
    id: m.id,
    conversationId: m.conversationId,
    timestamp: m.createdAt,
    role: roleOf(m.role),
    rawRole: m.role,
    text: m.content,
    analysis: null,
    extra,
  };
}

function parseKey(cursor: string): Key {
  const [time, id] = decodeKey(
    cursor,
    2,
    ([t, i]) => typeof t === 'string' && typeof i === 'string' && !Number.isNaN(Date.parse(t)),
  );
  return [time as string, id as string];
}

function parseAt(at: string): string {
  const trimmed = at.trim();
  if (
    !/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed) ||
    Number.isNaN(Date.parse(trimmed))
  )
    throw new AppError(
      'invalid_input',
      `not a date or time: ${JSON.stringify(trimmed.slice(0, 40))} (use YYYY-MM-DD or ISO 8601)`,
    );
  return new Date(
    Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}Z`),
  ).toISOString();
}

export class MessagingStore {
  private readonly db: MysqlConnection;
  private readonly schema: MessagingSchema;
  private readonly archive: ColdArchive | null;

  constructor(db: MysqlConnection, schema: MessagingSchema, archive: ColdArchive | null) {
    this.db = db;
    this.schema = schema;
    this.archive = archive;
  }

  private get dbTiers(): { tier: Tier; table: string }[] {
    return [
      { tier: 'hot' as Tier, table: this.schema.hot },
      ...(this.schema.warm ? [{ tier: 'warm' as Tier, table: this.schema.warm }] : []),
    ];
  }

  private get responseColumn(): string {
    return this.schema.responseTime ? 'responseTimeMs' : 'NULL';
  }

  async tenants(): Promise<Tenant[]> {
    const rows = await this.db.rows(
      `SELECT id, name, ${this.schema.companyPlan ? 'plan' : 'NULL'} AS plan, ${this.schema.companyStatus ? 'status' : 'NULL'} AS status
       FROM companies ORDER BY name, id LIMIT 10000`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name ?? r.id),
      plan: r.plan === null || r.plan === undefined ? null : String(r.plan),
      status: r.status === null || r.status === undefined ? null : String(r.status),
    }));
  }

  private async requireCompany(tenant: string | undefined): Promise<string> {
    if (tenant === undefined || tenant === '')
      throw new AppError(
        'invalid_input',
        'this messaging database lists conversations per company: choose one with --tenant ID',
      );
    const rows = await this.db.rows('SELECT id FROM companies WHERE id = ?', [tenant]);
    if (rows.length === 0)
      throw new AppError('not_found', `no company ${JSON.stringify(tenant.slice(0, 64))} in this database`);
    return String(rows[0]!.id);
  }

  private conversationSelect(): string {
    const s = this.schema;
    const clientName = s.clients && s.clientName ? 'cl.name' : 'NULL';
    const clientPhone = s.clients && s.clientPhone ? 'cl.phone' : 'NULL';
    return `SELECT c.id, c.companyId, c.clientId, ${q(s.activity)} AS lastAt, ${s.start ? `c.${q(s.start)}` : 'NULL'} AS startAt,
              ${clientName} AS clientName, ${clientPhone} AS clientPhone, ${s.channel ? 'c.channel' : 'NULL'} AS channel
       FROM conversations c ${s.clients ? 'LEFT JOIN clients cl ON cl.id = c.clientId' : ''}`;
  }

  private toConversation(r: Row): Conversation {
    const name = r.clientName ?? r.clientPhone ?? r.clientId;
    return {
      id: String(r.id),
      companyId: String(r.companyId),
      clientId: String(r.clientId),
      title: `${String(name)}${r.channel ? ` · ${String(r.channel)}` : ''}`,
      start: isoFromMysql(r.startAt),
      last: isoFromMysql(r.lastAt),
    };
  }

  private async findConversation(id: string, tenant: string | undefined): Promise<Conversation> {
    const rows = await this.db.rows(`${this.conversationSelect()} WHERE c.id = ?`, [id]);
    const row = rows[0];
    if (!row || (tenant !== undefined && tenant !== '' && String(row.companyId) !== tenant))
      throw new AppError(
        'not_found',
        `no conversation ${JSON.stringify(id.slice(0, 80))}${tenant ? ` in company ${tenant}` : ''}`,
      );
    return this.toConversation(row);
  }

  /** Messages in MySQL per conversation, and the first one's time (where the cold tier ends). */
  private async dbFigures(
    conversations: Conversation[],
  ): Promise<Map<string, { count: number; first: string | null }>> {
    const out = new Map<string, { count: number; first: string | null }>();
    for (const c of conversations) out.set(c.id, { count: 0, first: null });
    if (conversations.length === 0) return out;
    const clients = [...new Set(conversations.map((c) => c.clientId))];
    const ids = conversations.map((c) => c.id);
    for (const { table } of this.dbTiers) {
      const rows = await this.db.rows(
        `SELECT conversationId AS id, count(*) AS n, min(createdAt) AS first FROM ${q(table)}
         WHERE clientId IN (?) AND conversationId IN (?) GROUP BY conversationId`,
        [clients, ids],
      );
      for (const r of rows) {
        const f = out.get(String(r.id));
        if (!f) continue;
        f.count += Number(r.n);
        const first = isoFromMysql(r.first);
        if (first && (f.first === null || first < f.first)) f.first = first;
      }
    }
    return out;
  }

  /** The months whose file may hold this conversation's cold messages, oldest first. */
  private coldMonths(c: Conversation, dbFirst: string | null, present: string[]): string[] {
    if (!this.archive) return [];
    const end = dbFirst ?? c.last;
    if (c.start && end && c.start >= end && dbFirst !== null) return [];
    const from = c.start ? c.start.slice(0, 7) : present[0];
    const to = end ? end.slice(0, 7) : present[present.length - 1];
    if (!from || !to || from > to) return [];
    return present.filter((m) => m >= from && m <= to);
  }

  private async coldCount(c: Conversation, months: string[], warnings: ArchiveWarning[]): Promise<number> {
    let n = 0;
    for (const month of months) {
      const index = await this.archive!.index(c.companyId, month);
      if (!index) continue;
      warnings.push(...index.warnings);
      n += index.conversations.get(c.id)?.count ?? 0;
    }
    return n;
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage & { warnings?: string[] }> {
    const company = await this.requireCompany(query.tenant);
    const s = this.schema;
    const params: unknown[] = [company];
    let where = 'c.companyId = ?';
    const search = query.search?.trim();
    if (search) {
      // A client (name, phone, id) or a conversation id: the conversations of that client.
      const like = `%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      const alternatives = ['c.clientId = ?', 'c.id = ?'];
      params.push(search, search);
      if (s.clients && s.clientName) {
        alternatives.push('cl.name LIKE ?');
        params.push(like);
      }
      if (s.clients && s.clientPhone) {
        alternatives.push('cl.phone LIKE ?');
        params.push(like);
      }
      where += ` AND (${alternatives.join(' OR ')})`;
    }
    if (query.after) {
      const [last, id] = decodeCursor(query.after, 2);
      if (typeof last !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(last)))
        throw new AppError(
          'invalid_input',
          'that cursor is not one this source gave out: start from the first page',
        );
      const at = mysqlFromIso(last);
      where += ` AND (c.${q(s.activity)} < ? OR (c.${q(s.activity)} = ? AND c.id < ?))`;
      params.push(at, at, id);
    }
    const rows = await this.db.rows(
      `${this.conversationSelect()} WHERE ${where} ORDER BY c.${q(s.activity)} DESC, c.id DESC LIMIT ${query.limit + 1}`,
      params,
    );
    const shown = rows.slice(0, query.limit).map((r) => this.toConversation(r));
    const figures = await this.dbFigures(shown);
    const warnings: ArchiveWarning[] = [];
    const present = this.archive ? this.archive.months(company) : [];
    const out: SourceConversation[] = [];
    for (const c of shown) {
      const f = figures.get(c.id)!;
      const cold = await this.coldCount(c, this.coldMonths(c, f.first, present), warnings);
      out.push({ id: c.id, title: c.title, messages: f.count + cold, lastActivity: c.last });
    }
    const last = shown[shown.length - 1];
    return {
      conversations: out,
      next: rows.length > query.limit && last ? encodeCursor([last.last ?? '', last.id]) : null,
      ...(warnings.length ? { warnings: dedupe(warnings) } : {}),
    };
  }

  async conversation(id: string, tenant: string | undefined): Promise<SourceConversation> {
    const c = await this.findConversation(id, tenant);
    const f = (await this.dbFigures([c])).get(c.id)!;
    const present = this.archive ? this.archive.months(c.companyId) : [];
    const cold = await this.coldCount(c, this.coldMonths(c, f.first, present), []);
    return { id: c.id, title: c.title, messages: f.count + cold, lastActivity: c.last };
  }

  async summary(id: string, tenant: string | undefined): Promise<ConversationSummary | null> {
    const c = await this.findConversation(id, tenant);
    if (!this.schema.summaries) return null;
    const rows = await this.db.rows(
      'SELECT summary, keyPoints, sentiment, tags, messageCount, duration, createdAt FROM conversation_summaries WHERE conversationId = ? LIMIT 1',
      [c.id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      conversationId: c.id,
      summary: String(r.summary ?? ''),
      keyPoints: jsonList(r.keyPoints),
      sentiment: r.sentiment === null || r.sentiment === undefined ? null : String(r.sentiment),
      tags: jsonList(r.tags),
      messageCount: r.messageCount === null || r.messageCount === undefined ? null : Number(r.messageCount),
      duration: r.duration === null || r.duration === undefined ? null : Number(r.duration),
      createdAt: isoFromMysql(r.createdAt),
    };
  }

  // ---- the thread across tiers ----

  /** MySQL's part of a page: both tables, keyset on (createdAt, id), at most `n` rows. */
  private async dbPage(
    c: Conversation,
    direction: 'older' | 'newer',
    bound: Key | null,
    inclusive: boolean,
    n: number,
  ): Promise<Msg[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    const add = (value: unknown): string => {
      params.push(value);
      return '?';
    };
    // A jump (`inclusive`) compares the time alone: every message from that moment on.
    const keyset = (): { where: string | null; order: string } =>
      keysetClause(
        mysqlDialect,
        THREAD_KEY,
        direction,
        bound && {
          key: inclusive ? [mysqlFromIso(bound[0])] : [mysqlFromIso(bound[0]), bound[1]],
          inclusive,
        },
        add,
      );
    let order = '';
    for (const { tier, table } of this.dbTiers) {
      const conversation = `clientId = ${add(c.clientId)} AND conversationId = ${add(c.id)}`;
      const clause = keyset();
      order = clause.order;
      parts.push(
        `(SELECT '${tier}' AS tier, id, conversationId, role, content, ${this.responseColumn} AS responseTimeMs, createdAt
          FROM ${q(table)} WHERE ${conversation}${clause.where ? ` AND ${clause.where}` : ''} ORDER BY ${order} LIMIT ${n})`,
      );
    }
    const sql =
      parts.length === 1
        ? parts[0]!.slice(1, -1)
        : `${parts.join(' UNION ALL ')} ORDER BY ${order} LIMIT ${n}`;
    const rows = await this.db.rows(sql, params);
    return rows.map((r) => ({
      id: String(r.id),
      conversationId: String(r.conversationId),
      role: String(r.role ?? 'user'),
      content: r.content === null || r.content === undefined ? null : String(r.content),
      createdAt: isoFromMysql(r.createdAt) ?? '',
      responseTimeMs:
        r.responseTimeMs === null || r.responseTimeMs === undefined ? null : Number(r.responseTimeMs),
      tier: r.tier as Tier,
    }));
  }

  private fromCold(r: ColdRecord): Msg {
    return {
      id: r.id,
      conversationId: r.conversationId,
      role: r.role,
      content: r.content,
      createdAt: r.createdAt,
      responseTimeMs: r.responseTimeMs,
      tier: 'cold',
      line: r.line,
    };
  }

  /**
   * The cold part of a page: the `n` records nearest to `bound` in `direction`, reading month files one at a
   * time from the bound's month outwards, and none past the month of `stopAt` (a key MySQL already gives).
   */
  private async coldPage(
    c: Conversation,
    months: string[],
    direction: 'older' | 'newer',
    bound: Key | null,
    inclusive: boolean,
    n: number,
    stopAt: Key | null,
    warnings: ArchiveWarning[],
  ): Promise<Msg[]> {
    if (!this.archive || months.length === 0) return [];
    const older = direction === 'older';
    const ordered = older ? [...months].reverse() : months;
    const found: Msg[] = [];
    const inRange = (k: Key): boolean => {
      if (bound) {
        const cmp = compareKeys(k, bound);
        if (older ? cmp > 0 || (cmp === 0 && !inclusive) : cmp < 0 || (cmp === 0 && !inclusive)) return false;
      }
      if (stopAt) {
        const cmp = compareKeys(k, stopAt);
        if (older ? cmp <= 0 : cmp >= 0) return false;
      }
      return true;
    };
    for (const month of ordered) {
      if (bound && (older ? month > bound[0].slice(0, 7) : month < bound[0].slice(0, 7))) continue;
      if (stopAt && (older ? month < stopAt[0].slice(0, 7) : month > stopAt[0].slice(0, 7))) break;
      const index = await this.archive.index(c.companyId, month);
      if (index) warnings.push(...index.warnings);
      const span = index?.conversations.get(c.id);
      if (!span) continue;
      // The file's span of this conversation lies wholly outside the range: not read.
      if (bound) {
        const cmp = compareKeys(older ? span.first : span.last, bound);
        if (older ? cmp > 0 || (cmp === 0 && !inclusive) : cmp < 0 || (cmp === 0 && !inclusive)) continue;
      }
      if (stopAt) {
        const cmp = compareKeys(older ? span.last : span.first, stopAt);
        if (older ? cmp <= 0 : cmp >= 0) continue;
      }
      // A file in time order (as the archive job writes) is read only as far as needed: newer-than pages stop
      // after `n` matches, older-than pages at the bound; only the `n` nearest matches are kept.
      const ordered = index!.sorted;
      const inFile: Msg[] = [];
      reading: for await (const batch of this.archive.records(c.companyId, month, warnings, {
        mustContain: c.id,
      })) {
        for (const r of batch) {
          if (r.conversationId !== c.id) continue;
          const k: Key = [r.createdAt, r.id];
          if (!inRange(k)) {
            if (ordered && bound && older && compareKeys(k, bound) >= 0) break reading;
            continue;
          }
          inFile.push(this.fromCold(r));
          if (ordered && !older && inFile.length >= n) break reading;
          if (ordered && older && inFile.length > 4 * n) inFile.splice(0, inFile.length - n);
        }
      }
      if (!ordered) inFile.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      found.push(...(older ? inFile.slice(-n) : inFile.slice(0, n)));
      if (found.length >= n) break;
    }
    found.sort((a, b) => compareKeys(keyOf(a), keyOf(b)) * (older ? -1 : 1));
    return found.slice(0, n);
  }

  private async threadContext(
    conversationId: string,
    tenant: string | undefined,
  ): Promise<{ c: Conversation; months: string[]; dbFirst: string | null }> {
    const c = await this.findConversation(conversationId, tenant);
    // The conversation's first message in MySQL (where its cold part ends): the oldest row of each table.
    const firsts = (await this.dbPage(c, 'newer', null, false, 1)).map((m) => m.createdAt);
    const dbFirst = firsts[0] ?? null;
    const present = this.archive ? this.archive.months(c.companyId) : [];
    return { c, months: this.coldMonths(c, dbFirst, present), dbFirst };
  }

  /** Whether the archive holds a message of this conversation beyond `key` (from the files' indexes). */
  private async coldBeyond(
    ctx: { c: Conversation; months: string[] },
    direction: 'older' | 'newer',
    key: Key,
    warnings: ArchiveWarning[],
  ): Promise<boolean> {
    if (!this.archive) return false;
    const months = direction === 'older' ? [...ctx.months].reverse() : ctx.months;
    for (const month of months) {
      if (direction === 'older' ? month > key[0].slice(0, 7) : month < key[0].slice(0, 7)) continue;
      const index = await this.archive.index(ctx.c.companyId, month);
      if (index) warnings.push(...index.warnings);
      const span = index?.conversations.get(ctx.c.id);
      if (!span) continue;
      if (direction === 'older' ? compareKeys(span.first, key) < 0 : compareKeys(span.last, key) > 0)
        return true;
    }
    return false;
  }

  private async beyond(
    ctx: { c: Conversation; months: string[] },
    direction: 'older' | 'newer',
    key: Key,
    warnings: ArchiveWarning[],
  ): Promise<boolean> {
    if ((await this.dbPage(ctx.c, direction, key, false, 1)).length > 0) return true;
    return this.coldBeyond(ctx, direction, key, warnings);
  }

  /** `n` messages nearest to the bound in one direction, hot, warm and cold merged; nearest first. */
  private async side(
    ctx: { c: Conversation; months: string[] },
    direction: 'older' | 'newer',
    bound: Key | null,
    inclusive: boolean,
    n: number,
    warnings: ArchiveWarning[],
  ): Promise<Msg[]> {
    const fromDb = await this.dbPage(ctx.c, direction, bound, inclusive, n);
    // When MySQL filled the page, cold messages matter only nearer than its farthest row.
    const farthest = fromDb.length >= n ? keyOf(fromDb[fromDb.length - 1]!) : null;
    const fromCold = await this.coldPage(
      ctx.c,
      ctx.months,
      direction,
      bound,
      inclusive,
      n,
      farthest,
      warnings,
    );
    const seen = new Set(fromDb.map((m) => m.id));
    const merged = [...fromDb, ...fromCold.filter((m) => !seen.has(m.id))];
    merged.sort((a, b) => compareKeys(keyOf(a), keyOf(b)) * (direction === 'older' ? -1 : 1));
    return merged.slice(0, n);
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage & { warnings?: string[] }> {
    const ctx = await this.threadContext(query.conversationId, query.tenant);
    const warnings: ArchiveWarning[] = [];
    const page = await keysetPage<Msg>(
      {
        read: (direction, bound, n) =>
          this.side(ctx, direction, bound && tierKey(bound.key), !!bound?.inclusive, n, warnings),
        keyOf: (m) => [...keyOf(m)],
        beyond: (direction, key) => this.beyond(ctx, direction, tierKey(key), warnings),
        decode: (cursor) => [...parseKey(cursor)],
        at: (at) => ({ key: [parseAt(at), ''], inclusive: true }),
      },
      query,
    );
    return {
      messages: page.rows.map((m) => toMessage(m, this.archive?.root ?? null, ctx.c.companyId)),
      older: page.older,
      newer: page.newer,
      ...warned(warnings),
    };
  }

  /**
   * The whole thread in time order, a page at a time: the cold months oldest first (each file streamed, its
   * lines of this conversation passed on as they come; a file out of time order is sorted first), then
   * MySQL's tiers by keyset pages after the last cold message. Memory holds a page (or, for a file out of
   * order, that month's lines of the conversation).
   */
  async *exportMessages(
    conversationId: string,
    tenant: string | undefined,
    pageSize: number,
  ): AsyncGenerator<SourceMessage[]> {
    const ctx = await this.threadContext(conversationId, tenant);
    const root = this.archive?.root ?? null;
    let last: Key | null = null;
    let page: SourceMessage[] = [];
    const warnings: ArchiveWarning[] = [];
    for (const month of ctx.months) {
      const index = await this.archive!.index(ctx.c.companyId, month);
      if (!index?.conversations.get(ctx.c.id)) continue;
      // A file in time order streams straight through; one that is not is sorted first (its lines of this
      // conversation only).
      const unsorted: Msg[] = [];
      for await (const batch of this.archive!.records(ctx.c.companyId, month, warnings, {
        mustContain: ctx.c.id,
      })) {
        for (const r of batch) {
          if (r.conversationId !== ctx.c.id) continue;
          const m = this.fromCold(r);
          if (!index.sorted) {
            unsorted.push(m);
            continue;
          }
          page.push(toMessage(m, root, ctx.c.companyId));
          last = keyOf(m);
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      }
      unsorted.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      for (const m of unsorted) {
        page.push(toMessage(m, root, ctx.c.companyId));
        last = keyOf(m);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
    }
    for (;;) {
      const rows = await this.dbPage(ctx.c, 'newer', last, false, pageSize);
      for (const m of rows) {
        page.push(toMessage(m, root, ctx.c.companyId));
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (rows.length < pageSize) break;
      last = keyOf(rows[rows.length - 1]!);
    }
    if (page.length > 0) yield page;
  }

  async search(query: MessageSearchQuery): Promise<MessageHit[]> {
    const text = query.text.trim();
    if (text === '') return [];
    const like = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const hits: Msg[] = [];
    if (query.conversationId !== undefined) {
      const ctx = await this.threadContext(query.conversationId, query.tenant);
      for (const { tier, table } of this.dbTiers) {
        const rows = await this.db.rows(
          `SELECT id, conversationId, role, content, createdAt FROM ${q(table)}
           WHERE clientId = ? AND conversationId = ? AND content LIKE ? ORDER BY createdAt DESC, id DESC LIMIT ${query.limit}`,
          [ctx.c.clientId, ctx.c.id, like],
        );
        for (const r of rows) hits.push(hitOf(r, tier));
      }
      const needle = text.toLowerCase();
      for (const month of [...ctx.months].reverse()) {
        if (hits.length >= query.limit * 2) break;
        const index = await this.archive!.index(ctx.c.companyId, month);
        if (!index?.conversations.get(ctx.c.id)) continue;
        await this.archive!.scan(
          ctx.c.companyId,
          month,
          (r) => {
            if (r.conversationId === ctx.c.id && r.content?.toLowerCase().includes(needle))
              hits.push(this.fromCold(r));
          },
          { mustContain: ctx.c.id },
        );
      }
    } else {
      // A whole company: the MySQL tiers through (companyId, createdAt); the cold files are searched per conversation.
      const company = await this.requireCompany(query.tenant);
      for (const { tier, table } of this.dbTiers) {
        const rows = await this.db.rows(
          `SELECT id, conversationId, role, content, createdAt FROM ${q(table)}
           WHERE companyId = ? AND content LIKE ? ORDER BY createdAt DESC, id DESC LIMIT ${query.limit}`,
          [company, like],
        );
        for (const r of rows) hits.push(hitOf(r, tier));
      }
    }
    hits.sort((a, b) => -compareKeys(keyOf(a), keyOf(b)));
    return hits.slice(0, query.limit).map((m) => ({
      conversationId: m.conversationId,
      messageId: m.id,
      timestamp: m.createdAt,
      role: roleOf(m.role),
      snippet: snippet(m.content ?? '', text),
    }));
  }

  // ---- per-company figures ----

  async metrics(tenant: string | undefined): Promise<SourceMetrics> {
    const company = await this.requireCompany(tenant);
    const warnings: ArchiveWarning[] = [];
    const perDay = new Map<string, Record<Tier, number>>();
    const add = (day: string, tier: Tier, n: number): void => {
      const entry = perDay.get(day) ?? { hot: 0, warm: 0, cold: 0 };
      entry[tier] += n;
      perDay.set(day, entry);
    };
    const totals: Record<Tier, number> = { hot: 0, warm: 0, cold: 0 };
    const response: Record<Tier, { n: number; sum: number; buckets: number[] }> = {
      hot: { n: 0, sum: 0, buckets: bucketsZero() },
      warm: { n: 0, sum: 0, buckets: bucketsZero() },
      cold: { n: 0, sum: 0, buckets: bucketsZero() },
    };
    for (const { tier, table } of this.dbTiers) {
      const days = await this.db.rows(
        `SELECT DATE_FORMAT(createdAt, '%Y-%m-%d') AS day, count(*) AS n FROM ${q(table)} WHERE companyId = ? GROUP BY day ORDER BY day`,
        [company],
      );
      for (const r of days) {
        add(String(r.day), tier, Number(r.n));
        totals[tier] += Number(r.n);
      }
      if (this.schema.responseTime) {
        const bucketSql = RESPONSE_BUCKETS.map(
          (upper, i) =>
            `sum(responseTimeMs >= ${i === 0 ? 0 : RESPONSE_BUCKETS[i - 1]} AND responseTimeMs < ${upper}) AS b${i}`,
        ).join(', ');
        const r = (
          await this.db.rows(
            `SELECT count(responseTimeMs) AS n, sum(responseTimeMs) AS s, ${bucketSql},
                    sum(responseTimeMs >= ${RESPONSE_BUCKETS[RESPONSE_BUCKETS.length - 1]}) AS b${RESPONSE_BUCKETS.length}
             FROM ${q(table)} WHERE companyId = ?`,
            [company],
          )
        )[0]!;
        response[tier].n = Number(r.n ?? 0);
        response[tier].sum = Number(r.s ?? 0);
        response[tier].buckets = response[tier].buckets.map((_, i) => Number(r[`b${i}`] ?? 0));
      }
    }
    let coldFiles = 0;
    if (this.archive) {
      for (const month of this.archive.months(company)) {
        const index = await this.archive.index(company, month);
        if (!index) continue;
        coldFiles++;
        warnings.push(...index.warnings);
        for (const [day, n] of index.perDay) add(day, 'cold', n);
        totals.cold += index.records;
        response.cold.n += index.responseCount;
        response.cold.sum += index.responseSum;
        index.responseBuckets.forEach((n, i) => (response.cold.buckets[i]! += n));
      }
    }
    const days = [...perDay.keys()].sort();
    const charts: Chart[] = [
      {
        id: 'messages-per-day-tier',
        title: 'Messages per day, by tier',
        unit: 'messages',
        type: 'bar',
        series: TIERS.map((tier) => ({
          name: tier,
          points: days.map((d) => ({ x: d, y: perDay.get(d)![tier] })),
        })),
      },
      {
        id: 'response-times',
        title: 'Response times of the assistant',
        unit: 'replies',
        type: 'bar',
        series: TIERS.map((tier) => ({
          name: tier,
          points: RESPONSE_BUCKET_LABELS.map((label, i) => ({ x: label, y: response[tier].buckets[i] ?? 0 })),
        })),
      },
    ];
    const tables: FigureTable[] = [];
    const allResponses = TIERS.reduce((a, t) => a + response[t].n, 0);
    const allResponseSum = TIERS.reduce((a, t) => a + response[t].sum, 0);
    tables.push({
      id: 'tiers',
      title: 'Messages and response times per tier',
      columns: ['Tier', 'Messages', 'Replies timed', 'Average response (s)'],
      rows: [
        ...TIERS.map((t) => [
          t,
          String(totals[t]),
          String(response[t].n),
          response[t].n ? (response[t].sum / response[t].n / 1000).toFixed(2) : '—',
        ]),
        [
          'all',
          String(totals.hot + totals.warm + totals.cold),
          String(allResponses),
          allResponses ? (allResponseSum / allResponses / 1000).toFixed(2) : '—',
        ],
      ],
    });
    const overview = (
      await this.db.rows(
        `SELECT (SELECT count(*) FROM conversations WHERE companyId = ?) AS conversations,
                ${this.schema.clients ? '(SELECT count(*) FROM clients WHERE companyId = ?)' : 'NULL'} AS clients`,
        this.schema.clients ? [company, company] : [company],
      )
    )[0]!;
    tables.push({
      id: 'overview',
      title: 'Company',
      columns: ['Figure', 'Value'],
      rows: [
        ['Conversations', String(overview.conversations)],
        ['Clients', overview.clients === null ? '—' : String(overview.clients)],
        [
          'Cold archive',
          this.archive
            ? `${coldFiles} month file(s) read from ${this.archive.root}`
            : 'no archive folder given',
        ],
      ],
    });
    if (this.schema.summaries) {
      const sentiments = await this.db.rows(
        `SELECT coalesce(s.sentiment, '(none)') AS sentiment, count(*) AS n FROM conversation_summaries s
         JOIN conversations c ON c.id = s.conversationId WHERE c.companyId = ? GROUP BY s.sentiment ORDER BY n DESC, sentiment`,
        [company],
      );
      charts.push({
        id: 'sentiment',
        title: 'Conversation sentiment (summaries)',
        unit: 'conversations',
        type: 'bar',
        series: [
          {
            name: 'conversations',
            points: sentiments.map((r) => ({ x: String(r.sentiment), y: Number(r.n) })),
          },
        ],
      });
      const tags = await this.db.rows(
        `SELECT jt.tag AS tag, count(*) AS n FROM conversation_summaries s
         JOIN conversations c ON c.id = s.conversationId,
         JSON_TABLE(s.tags, '$[*]' COLUMNS (tag VARCHAR(120) PATH '$')) AS jt
         WHERE c.companyId = ? AND JSON_VALID(s.tags) GROUP BY jt.tag ORDER BY n DESC, tag LIMIT 20`,
        [company],
      );
      charts.push({
        id: 'tags',
        title: 'Tags (summaries)',
        unit: 'conversations',
        type: 'bar',
        series: [{ name: 'conversations', points: tags.map((r) => ({ x: String(r.tag), y: Number(r.n) })) }],
      });
    }
    const unique = dedupe(warnings);
    if (unique.length > 0)
      tables.push({
        id: 'archive-warnings',
        title: 'Cold archive problems',
        columns: ['Problem'],
        rows: unique.map((w) => [w]),
      });
    return { kind: 'messaging', charts, tables };
  }
}

function bucketsZero(): number[] {
  return RESPONSE_BUCKETS.map(() => 0).concat(0);
}

function dedupe(warnings: ArchiveWarning[]): string[] {
  return [...new Set(warnings.map((w) => w.message))];
}

function warned(warnings: ArchiveWarning[]): { warnings?: string[] } {
  return warnings.length ? { warnings: dedupe(warnings) } : {};
}

function snippet(text: string, needle: string): string {
  const at = text.toLowerCase().indexOf(needle.toLowerCase());
  if (at === -1) return text.slice(0, 120);
  const start = Math.max(0, at - 40);
  return `${start > 0 ? '…' : ''}${text.slice(start, at)}«${text.slice(at, at + needle.length)}»${text.slice(at + needle.length, at + needle.length + 60)}`;
}
