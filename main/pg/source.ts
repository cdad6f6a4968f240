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
import { createEngine, type SqlEngine } from '../sources/sql-engine.ts';
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

/** A database's tables and their columns, read once at open. */
type Catalog = Map<string, Set<string>>;

/**
 * A schema Chat Inspector reads in PostgreSQL, one declaration each: how it is recognised by its tables,
 * and how its conversations are read. Tried in the order of PG_SCHEMAS; a database none recognises is
 * generic (tables, row counts and the SQL console).
 */
interface PgSchema {
  kind: Exclude<PgKind, 'generic'>;
  /** What recognised it (its tables), or null when the database is not of this schema. */
  detect(tables: Catalog): string[] | null;
  tenantScoped: boolean;
  hasSimilar(tables: Catalog): boolean;
  tenants(db: PgConnection): Promise<Tenant[]>;
  conversations(db: PgConnection, query: ConversationQuery): Promise<ConversationPage>;
  conversation(db: PgConnection, id: string, tenant: string | undefined): Promise<SourceConversation>;
  messages(db: PgConnection, query: MessageQuery): Promise<SourceMessagePage>;
  search(db: PgConnection, query: MessageSearchQuery): Promise<MessageHit[]>;
  metrics(db: PgConnection, tenant: string | undefined): Promise<SourceMetrics>;
  export(
    db: PgConnection,
    conversationId: string,
    tenant: string | undefined,
    pageSize: number,
  ): AsyncIterable<SourceMessage[]>;
  similar?(db: PgConnection, query: SimilarQuery): Promise<SimilarMessage[]>;
}

const has = (tables: Catalog, table: string, columns: string[] = []): boolean => {
  const set = tables.get(table);
  return !!set && columns.every((c) => set.has(c));
};

/** Seed 002: tenancy_tenant + messages_message (experiments_*, billing_* as further signals). */
const evosenseSchema: PgSchema = {
  kind: 'evosense',
  detect(tables) {
    if (
      !has(tables, 'tenancy_tenant', ['id', 'plan']) ||
      !has(tables, 'messages_message', ['tenant_id', 'chat_id', 'text', 'created_at'])
    )
      return null;
    return [
      'tenancy_tenant',
      'messages_message',
      ...[...tables.keys()].filter((t) => /^(experiments|billing)_/.test(t)),
    ];
  },
  tenantScoped: true,
  hasSimilar: (tables) => tables.get('messages_message')?.has('embedding') ?? false,
  tenants: evoTenants,
  conversations: evoConversations,
  conversation: (db, id, tenant) => evoConversation(db, tenant, id),
  messages: evoMessages,
  search: evoSearch,
  metrics: evoMetrics,
  export: (db, id, tenant, pageSize) => evoExport(db, tenant, id, pageSize),
  similar: evoSimilar,
};

/** Seed 001: conversations(phone) + conversation_messages. */
const clinicSchema: PgSchema = {
  kind: 'clinic',
  detect(tables) {
    if (
      !has(tables, 'conversations', ['id']) ||
      !(has(tables, 'conversations', ['phone']) || has(tables, 'conversations', ['phone_number'])) ||
      !has(tables, 'conversation_messages', ['conversation_id', 'created_at'])
    )
      return null;
    return ['conversations(phone)', 'conversation_messages'];
  },
  tenantScoped: false,
  hasSimilar: () => false,
  tenants: async () => [],
  conversations: clinicConversationsPg,
  conversation: (db, id) => clinicConversationPg(db, id),
  messages: clinicMessagesPg,
  search: clinicSearchPg,
  metrics: (db) => clinicMetricsPg(db),
  export: (db, id, _tenant, pageSize) => clinicExportPg(db, id, pageSize),
};

const PG_SCHEMAS: readonly PgSchema[] = [evosenseSchema, clinicSchema];

interface Detected {
  schema: PgSchema | null;
  tables: Catalog;
  signals: string[];
}

async function detect(tx: ReadTx): Promise<Detected> {
  const rows = await tx.rows<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY(pg_catalog.current_schemas(false))`,
  );
  const tables: Catalog = new Map();
  for (const r of rows) {
    const set = tables.get(r.table) ?? new Set<string>();
    set.add(r.column);
    tables.set(r.table, set);
  }
  for (const schema of PG_SCHEMAS) {
    const signals = schema.detect(tables);
    if (signals) return { schema, tables, signals };
  }
  return { schema: null, tables, signals: [] };
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
    return this.detected.schema?.kind ?? 'generic';
  }

  /** The recognised schema, or the refusal a database of no known schema gets for conversations. */
  private get schema(): PgSchema {
    const schema = this.detected.schema;
    if (!schema)
      throw new AppError(
        'invalid_input',
        'no conversations recognised in this database (not an EvoSense or clinic-bot schema): browse its tables instead',
      );
    return schema;
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
      kind: this.kind,
      hasConversations: this.detected.schema !== null,
      tenantScoped: this.detected.schema?.tenantScoped ?? false,
      hasSimilar: this.detected.schema?.hasSimilar(this.detected.tables) ?? false,
    };
  }

  async tenants(): Promise<Tenant[]> {
    return this.detected.schema ? this.detected.schema.tenants(this.db) : [];
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    return this.schema.conversations(this.db, query);
  }

  async conversation(id: string, options: { tenant?: string | undefined } = {}): Promise<SourceConversation> {
    return this.schema.conversation(this.db, id, options.tenant);
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    return this.schema.messages(this.db, query);
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    return this.schema.search(this.db, query);
  }

  async metrics(options: { tenant?: string | undefined }): Promise<SourceMetrics> {
    if (this.detected.schema) return this.detected.schema.metrics(this.db, options.tenant);
    return tableListMetrics((await this.info()).tables);
  }

  exportMessages(options: {
    conversationId: string;
    tenant?: string | undefined;
    pageSize?: number;
  }): AsyncIterable<SourceMessage[]> {
    return this.schema.export(this.db, options.conversationId, options.tenant, options.pageSize ?? 1000);
  }

  async similar(query: SimilarQuery): Promise<SimilarMessage[]> {
    const similar = this.detected.schema?.similar;
    if (!similar)
      throw new AppError(
        'invalid_input',
        'similar messages need the EvoSense schema (messages_message.embedding with pgvector)',
      );
    return similar(this.db, query);
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
    // Every statement of a mapping in its own read-only transaction, with the connection's time limits.
    const db = this.db;
    return createEngine('postgres', (sql, params) => db.read((tx) => tx.rows(sql, params)));
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
