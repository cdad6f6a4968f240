import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
import type {
  ConversationPage,
  ConversationQuery,
  MessageHit,
  MessageQuery,
  MessageSearchQuery,
  OpenOptions,
  QueryResult,
  Source,
  SourceConversation,
  SourceInfo,
  SourceKind,
  SourceMessage,
  SourceMessagePage,
  SourceMetrics,
  SourceSummary,
  SourceTable,
  Tenant,
} from '../sources/types.ts';
import { EXACT_ROWS_LIMIT } from '../sources/types.ts';
import { createEngine, type SqlEngine } from '../sources/sql-engine.ts';
import { ColdArchive } from './archive.ts';
import { MysqlConnection, type Row } from './client.ts';
import { MessagingStore, type ConversationSummary, type MessagingSchema } from './messaging.ts';
import { isMysqlUrl, parseMysqlUrl } from './url.ts';
import { tableListMetrics } from '../sources/table-metrics.ts';

// A MySQL or MariaDB database as a Source. The schema is recognised once, at open, by its tables:
// - messaging: seed 003's messages (+ messages_warm), conversations, companies (clients and
//   conversation_summaries where present), with the cold archive folder given beside the URL;
// - generic: anything else — tables with row counts, a table browser keyset-paged on the primary key, and
//   the read-only SQL console.

export type MysqlKind = 'messaging' | 'generic';

interface Detected {
  kind: MysqlKind;
  tables: Map<string, Set<string>>;
  messaging: MessagingSchema | null;
}

const WARM_NAMES = ['messages_warm', 'warm_messages'];

export function detectMessaging(tables: Map<string, Set<string>>): MessagingSchema | null {
  const has = (t: string, cols: string[]) => {
    const set = tables.get(t);
    return !!set && cols.every((c) => set.has(c));
  };
  const messageColumns = ['id', 'conversationId', 'clientId', 'companyId', 'createdAt', 'content', 'role'];
  if (!has('messages', messageColumns)) return null;
  if (!has('conversations', ['id', 'companyId', 'clientId'])) return null;
  if (!has('companies', ['id', 'name'])) return null;
  const conv = tables.get('conversations')!;
  const activity = ['lastMessageAt', 'updatedAt', 'createdAt', 'startedAt'].find((c) => conv.has(c));
  if (!activity) return null;
  const warm = WARM_NAMES.find((t) => has(t, messageColumns)) ?? null;
  const clients = has('clients', ['id']);
  return {
    hot: 'messages',
    warm,
    clients,
    clientName: clients && tables.get('clients')!.has('name'),
    clientPhone: clients && tables.get('clients')!.has('phone'),
    summaries: has('conversation_summaries', ['conversationId', 'summary']),
    activity,
    start: ['startedAt', 'createdAt'].find((c) => conv.has(c)) ?? null,
    companyPlan: tables.get('companies')!.has('plan'),
    companyStatus: tables.get('companies')!.has('status'),
    responseTime: has('messages', ['responseTimeMs']) && (warm === null || has(warm, ['responseTimeMs'])),
    channel: conv.has('channel'),
  };
}

async function detect(db: MysqlConnection): Promise<Detected> {
  const rows = await db.rows<{ t: string; c: string }>(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()',
  );
  const tables = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = tables.get(r.t) ?? new Set<string>();
    set.add(r.c);
    tables.set(r.t, set);
  }
  const messaging = detectMessaging(tables);
  return { kind: messaging ? 'messaging' : 'generic', tables, messaging };
}

const quoteIdent = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

export interface TablePage {
  table: string;
  columns: string[];
  /** The primary key's columns (empty: no primary key, one page only). */
  key: string[];
  rows: unknown[][];
  /** Pass as `after` for the next page; null at the end. */
  next: string | null;
}

export class MysqlSource implements Source {
  readonly db: MysqlConnection;
  private readonly detected: Detected;
  private readonly store: MessagingStore | null;
  private readonly archive: ColdArchive | null;

  private constructor(db: MysqlConnection, detected: Detected, archive: ColdArchive | null) {
    this.db = db;
    this.detected = detected;
    this.archive = archive;
    this.store = detected.messaging ? new MessagingStore(db, detected.messaging, archive) : null;
  }

  static async open(locator: string, options: OpenOptions = {}): Promise<MysqlSource> {
    // The archive folder is checked before any connection is made: a wrong folder is a one-line error.
    const archive = options.archive ? new ColdArchive(options.archive) : null;
    const db = await MysqlConnection.open(locator, {
      statementTimeoutMs: options.statementTimeoutMs,
      onQuery: options.onQuery,
    });
    try {
      return new MysqlSource(db, await detect(db), archive);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  get kind(): MysqlKind {
    return this.detected.kind;
  }

  summary(): SourceSummary {
    return {
      source: this.db.target.display,
      engine: 'mysql',
      kind: this.detected.kind,
      hasConversations: this.store !== null,
      tenantScoped: this.store !== null,
      hasSimilar: false,
    };
  }

  async info(): Promise<SourceInfo> {
    const objects = await this.db.rows(
      `SELECT t.TABLE_NAME AS name, t.TABLE_TYPE AS type, t.TABLE_ROWS AS est,
              (SELECT count(*) FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME) AS columns
       FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() ORDER BY t.TABLE_NAME`,
    );
    const tables: SourceTable[] = [];
    for (const o of objects) {
      const name = String(o.name);
      const columns = Number(o.columns);
      if (!/BASE TABLE/i.test(String(o.type))) {
        // A view's count can be a whole join: not run on open.
        tables.push({ name, type: 'view', columns, rows: null, rowsEstimated: false });
        continue;
      }
      const estimate = Number(o.est ?? 0);
      if (estimate > EXACT_ROWS_LIMIT * 2) {
        tables.push({ name, type: 'table', columns, rows: estimate, rowsEstimated: true });
        continue;
      }
      try {
        // Counting stops after EXACT_ROWS_LIMIT + 1 rows (InnoDB's TABLE_ROWS can be far off either way).
        const counted = await this.db.rows(
          `SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdent(name)} LIMIT ${EXACT_ROWS_LIMIT + 1}) capped`,
        );
        const n = Number(counted[0]!.n);
        if (n > EXACT_ROWS_LIMIT)
          tables.push({ name, type: 'table', columns, rows: Math.max(estimate, n), rowsEstimated: true });
        else tables.push({ name, type: 'table', columns, rows: n, rowsEstimated: false });
      } catch (error) {
        if (error instanceof AppError && error.code === 'permission_denied')
          tables.push({ name, type: 'table', columns, rows: null, rowsEstimated: false, readable: false });
        else throw error;
      }
    }
    return { ...this.summary(), tables };
  }

  async tenants(): Promise<Tenant[]> {
    return this.store ? this.store.tenants() : [];
  }

  private requireStore(): MessagingStore {
    if (!this.store)
      throw new AppError(
        'invalid_input',
        'no conversations recognised in this database (not a seed-003 messaging schema): browse its tables instead',
      );
    return this.store;
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    return this.requireStore().conversations(query);
  }

  async conversation(id: string, options: { tenant?: string | undefined } = {}): Promise<SourceConversation> {
    return this.requireStore().conversation(id, options.tenant);
  }

  /** The conversation's summary (seed 003's ConversationSummary), null when it has none yet. */
  async conversationSummary(
    id: string,
    options: { tenant?: string | undefined } = {},
  ): Promise<ConversationSummary | null> {
    return this.requireStore().summary(id, options.tenant);
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    return this.requireStore().messages(query);
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    return this.requireStore().search(query);
  }

  async metrics(options: { tenant?: string | undefined }): Promise<SourceMetrics> {
    if (this.store) return this.store.metrics(options.tenant);
    return tableListMetrics((await this.info()).tables);
  }

  exportMessages(options: {
    conversationId: string;
    tenant?: string | undefined;
    pageSize?: number;
  }): AsyncIterable<SourceMessage[]> {
    return this.requireStore().exportMessages(
      options.conversationId,
      options.tenant,
      options.pageSize ?? 1000,
    );
  }

  async query(sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
    return this.db.console(sql, options.limit ?? 1000);
  }

  /**
   * A page of any table's rows in primary-key order, keyset-paged (`after` is the previous page's `next`):
   * each page is one indexed range read however deep the person goes. A table without a primary key shows
   * its first page only.
   */
  async browseTable(
    table: string,
    options: { after?: string | undefined; limit?: number } = {},
  ): Promise<TablePage> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const columns = this.detected.tables.get(table);
    if (!columns)
      throw new AppError('not_found', `no table ${JSON.stringify(table.slice(0, 80))} in this database`);
    const keyRows = await this.db.rows<Row>(
      `SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
      [table],
    );
    const key = keyRows.map((r) => String(r.c));
    const params: unknown[] = [];
    let where = '';
    if (options.after !== undefined) {
      if (key.length === 0)
        throw new AppError('invalid_input', `${table} has no primary key: only its first page can be shown`);
      const values = decodeCursor(options.after, key.length);
      // (k1 > v1) OR (k1 = v1 AND k2 > v2) …: the expanded form, which every server serves from the index.
      const alternatives = key.map((_, i) => {
        const eq = key.slice(0, i).map((k) => `${quoteIdent(k)} = ?`);
        return `(${[...eq, `${quoteIdent(key[i]!)} > ?`].join(' AND ')})`;
      });
      key.forEach((_, i) => params.push(...values.slice(0, i + 1)));
      where = `WHERE ${alternatives.join(' OR ')}`;
    }
    const order = key.length ? `ORDER BY ${key.map(quoteIdent).join(', ')}` : '';
    const names = [...columns];
    const rows = await this.db.rows(
      `SELECT * FROM ${quoteIdent(table)} ${where} ${order} LIMIT ${limit + 1}`,
      params,
    );
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    const ordered = rows.length > 0 ? Object.keys(rows[0]!) : names;
    return {
      table,
      columns: ordered,
      key,
      rows: shown.map((r) => ordered.map((c) => r[c])),
      next:
        key.length && rows.length > limit && last
          ? encodeCursor(key.map((k) => (last[k] === null || last[k] === undefined ? null : String(last[k]))))
          : null,
    };
  }

  get archiveRoot(): string | null {
    return this.archive?.root ?? null;
  }

  /** The mapping layer's read-only SQL (LangChain, Rasa and mapped tables on MySQL: main/mapping). */
  sqlEngine(): SqlEngine {
    return createEngine('mysql', (sql, params) => this.db.rows(sql, params));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export const mysqlSourceKind: SourceKind = {
  name: 'mysql',
  accepts: isMysqlUrl,
  open: (locator, options) => MysqlSource.open(locator, options),
  server: { display: (locator) => parseMysqlUrl(locator).display, takesArchive: true },
};
