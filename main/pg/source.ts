import { AppError } from '../../shared/errors.ts';
import type {
  ConversationPage,
  ConversationQuery,
  MessageHit,
  MessageQuery,
  MessageSearchQuery,
  OpenOptions,
  QueryResult,
  SimilarMessage,
  SimilarQuery,
  Source,
  SourceInfo,
  SourceKind,
  SourceMessage,
  SourceMessagePage,
  SourceConversation,
  SourceMetrics,
  SourceSummary,
  SourceTable,
  Tenant,
} from '../sources/types.ts';
import { EXACT_ROWS_LIMIT } from '../sources/types.ts';
import { postgresEngine, type SqlEngine } from '../mapping/engine.ts';
import { PgConnection, type ReadTx } from './client.ts';
import {
  clinicConversationPg,
  clinicConversationsPg,
  clinicExportPg,
  clinicMessagesPg,
  clinicMetricsPg,
  clinicSearchPg,
} from './clinic.ts';
import {
  evoConversation,
  evoConversations,
  evoExport,
  evoMessages,
  evoMetrics,
  evoSearch,
  evoSimilar,
  evoTenants,
} from './evosense.ts';
import { isPostgresUrl, parsePgUrl } from './url.ts';
import { tableListMetrics } from '../sources/table-metrics.ts';

// A PostgreSQL database as a Source. The schema is recognised once, at open, by its tables:
// - evosense: seed 002's tenancy_tenant + messages_message (experiments_*, billing_* as further signals);
// - clinic: seed 001's conversations(phone) + conversation_messages;
// - generic: anything else — tables, row counts and the read-only SQL console.

export type PgKind = 'evosense' | 'clinic' | 'generic';

interface Detected {
  kind: PgKind;
  tables: Map<string, Set<string>>;
  signals: string[];
}

async function detect(tx: ReadTx): Promise<Detected> {
  const rows = await tx.rows<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY(pg_catalog.current_schemas(false))`,
  );
  const tables = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = tables.get(r.table) ?? new Set<string>();
    set.add(r.column);
    tables.set(r.table, set);
  }
  const has = (t: string, cols: string[] = []) => {
    const set = tables.get(t);
    return !!set && cols.every((c) => set.has(c));
  };
  const signals: string[] = [];
  if (
    has('tenancy_tenant', ['id', 'plan']) &&
    has('messages_message', ['tenant_id', 'chat_id', 'text', 'created_at'])
  ) {
    signals.push('tenancy_tenant', 'messages_message');
    for (const t of tables.keys()) if (/^(experiments|billing)_/.test(t)) signals.push(t);
    return { kind: 'evosense', tables, signals };
  }
  if (
    has('conversations', ['id']) &&
    (has('conversations', ['phone']) || has('conversations', ['phone_number'])) &&
    has('conversation_messages', ['conversation_id', 'created_at'])
  ) {
    signals.push('conversations(phone)', 'conversation_messages');
    return { kind: 'clinic', tables, signals };
  }
  return { kind: 'generic', tables, signals };
}

export class PgSource implements Source {
  private readonly db: PgConnection;
  private readonly detected: Detected;

  private constructor(db: PgConnection, detected: Detected) {
    this.db = db;
    this.detected = detected;
  }

  static async open(locator: string, options: OpenOptions = {}): Promise<PgSource> {
    const db = new PgConnection(locator, {
      statementTimeoutMs: options.statementTimeoutMs,
      onQuery: options.onQuery,
    });
    try {
      const detected = await db.read(detect);
      return new PgSource(db, detected);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  get kind(): PgKind {
    return this.detected.kind;
  }

  async info(): Promise<SourceInfo> {
    const tables = await this.db.read(async (tx) => {
      const objects = await tx.rows<{
        name: string;
        schema: string;
        kind: string;
        columns: number;
        est: number;
        readable: boolean;
      }>(
        `SELECT c.relname AS name, n.nspname AS schema, c.relkind AS kind, c.reltuples::float8 AS est,
                pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable,
                (SELECT pg_catalog.count(*)::int FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY(pg_catalog.current_schemas(false))
         ORDER BY c.relname`,
      );
      const out: SourceTable[] = [];
      for (const o of objects) {
        const isView = o.kind === 'v';
        if (!o.readable) {
          out.push({
            name: o.name,
            type: isView ? 'view' : 'table',
            columns: o.columns,
            rows: null,
            rowsEstimated: false,
            readable: false,
          });
          continue;
        }
        if (isView) {
          // A view's count can be a whole join (tenant_metrics is): not run on open.
          out.push({ name: o.name, type: 'view', columns: o.columns, rows: null, rowsEstimated: false });
          continue;
        }
        const estimate = Number(o.est);
        if (estimate > EXACT_ROWS_LIMIT * 2) {
          out.push({
            name: o.name,
            type: 'table',
            columns: o.columns,
            rows: Math.round(estimate),
            rowsEstimated: true,
          });
          continue;
        }
        // Counting stops after EXACT_ROWS_LIMIT + 1 rows: bounded work, never a full count of a big table.
        const counted = await tx.rows<{ n: number }>(
          `SELECT pg_catalog.count(*)::int AS n FROM (SELECT 1 FROM ${quoteIdent(o.schema)}.${quoteIdent(o.name)} LIMIT ${EXACT_ROWS_LIMIT + 1}) capped`,
        );
        const n = Number(counted[0]!.n);
        if (n > EXACT_ROWS_LIMIT)
          out.push({
            name: o.name,
            type: 'table',
            columns: o.columns,
            rows: Math.max(Math.round(estimate), n),
            rowsEstimated: true,
          });
        else out.push({ name: o.name, type: 'table', columns: o.columns, rows: n, rowsEstimated: false });
      }
      return out;
    });
    return { ...this.summary(), tables };
  }

  summary(): SourceSummary {
    return {
      source: this.db.target.display,
      engine: 'postgres',
      kind: this.detected.kind,
      hasConversations: this.detected.kind !== 'generic',
      tenantScoped: this.detected.kind === 'evosense',
      hasSimilar:
        this.detected.kind === 'evosense' &&
        (this.detected.tables.get('messages_message')?.has('embedding') ?? false),
    };
  }

  async tenants(): Promise<Tenant[]> {
    return this.detected.kind === 'evosense' ? evoTenants(this.db) : [];
  }

  private noConversations(): AppError {
    return new AppError(
      'invalid_input',
      'no conversations recognised in this database (not an EvoSense or clinic-bot schema): browse its tables instead',
    );
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    if (this.kind === 'evosense') return evoConversations(this.db, query);
    if (this.kind === 'clinic') return clinicConversationsPg(this.db, query);
    throw this.noConversations();
  }

  async conversation(id: string, options: { tenant?: string | undefined } = {}): Promise<SourceConversation> {
    if (this.kind === 'evosense') return evoConversation(this.db, options.tenant, id);
    if (this.kind === 'clinic') return clinicConversationPg(this.db, id);
    throw this.noConversations();
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    if (this.kind === 'evosense') return evoMessages(this.db, query);
    if (this.kind === 'clinic') return clinicMessagesPg(this.db, query);
    throw this.noConversations();
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    if (this.kind === 'evosense') return evoSearch(this.db, query);
    if (this.kind === 'clinic') return clinicSearchPg(this.db, query);
    throw this.noConversations();
  }

  async metrics(options: { tenant?: string | undefined }): Promise<SourceMetrics> {
    if (this.kind === 'evosense') return evoMetrics(this.db, options.tenant);
    if (this.kind === 'clinic') return clinicMetricsPg(this.db);
    return tableListMetrics((await this.info()).tables);
  }

  exportMessages(options: {
    conversationId: string;
    tenant?: string | undefined;
    pageSize?: number;
  }): AsyncIterable<SourceMessage[]> {
    const pageSize = options.pageSize ?? 1000;
    if (this.kind === 'evosense') return evoExport(this.db, options.tenant, options.conversationId, pageSize);
    if (this.kind === 'clinic') return clinicExportPg(this.db, options.conversationId, pageSize);
    throw this.noConversations();
  }

  async similar(query: SimilarQuery): Promise<SimilarMessage[]> {
    if (this.kind !== 'evosense')
      throw new AppError(
        'invalid_input',
        'similar messages need the EvoSense schema (messages_message.embedding with pgvector)',
      );
    return evoSimilar(this.db, query);
  }

  async query(sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
    const limit = options.limit ?? 1000;
    return this.db.read(async (tx) => {
      // Extended protocol: exactly one statement. The transaction is READ ONLY: the server refuses writes.
      const result = await tx.raw(sql.trim().replace(/;\s*$/, ''));
      return {
        columns: result.columns,
        rows: result.rows.slice(0, limit),
        truncated: result.rows.length > limit,
      };
    });
  }

  sqlEngine(): SqlEngine {
    return postgresEngine(this.db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export const postgresSourceKind: SourceKind = {
  name: 'postgres',
  accepts: isPostgresUrl,
  open: (locator, options) => PgSource.open(locator, options),
  server: { display: (locator) => parsePgUrl(locator).display, takesArchive: false },
};
