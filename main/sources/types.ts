import type { ChatMapping } from '../../shared/contract/mapping.ts';
import type { z } from 'zod';
import type { LegacyMetrics, MessageRole } from '../../shared/domain.ts';
import type {
  ConversationPageOut,
  SimilarMessageOut,
  SourceConversationOut,
  SourceEngine as SourceEngineSchema,
  SourceMessageOut,
  SourceMessagePageOut,
  SourceMetricsOut,
  SourceSummaryOut,
  SourceTableInfo,
  SourceTenantOut,
} from '../../shared/contract/sources.ts';
import type { SqlEngine } from './sql.ts';

// One interface for every store Chat Inspector reads: a per-chat root, a single SQLite file, a PostgreSQL
// or MySQL/MariaDB database. Every method is async (servers are), every cursor is an opaque string (keyset
// keys differ per store: an id, a rowid, a (time, id) pair), and nothing here can write.

export type Chart = LegacyMetrics['charts'][number];
export type FigureTable = LegacyMetrics['tables'][number];
export type SourceEngine = z.infer<typeof SourceEngineSchema>;
export type SourceTable = z.infer<typeof SourceTableInfo>;
export type SourceSummary = z.infer<typeof SourceSummaryOut>;
export type SourceInfo = SourceSummary & { tables: SourceTable[] };

/** Rows counted exactly up to here; larger tables get the planner's estimate (never a full count(*)). */
export const EXACT_ROWS_LIMIT = 100_000;

export type Tenant = z.infer<typeof SourceTenantOut>;

export interface ConversationQuery {
  tenant?: string | undefined;
  /** Conversations whose id/title or messages contain this text (full-text where the store has it). */
  search?: string | undefined;
  limit: number;
  /** The `next` of the previous page. */
  after?: string | undefined;
}

export type SourceConversation = z.infer<typeof SourceConversationOut>;
export type ConversationPage = z.infer<typeof ConversationPageOut>;
export type SourceMessage = z.infer<typeof SourceMessageOut>;

export interface MessageQuery {
  conversationId: string;
  tenant?: string | undefined;
  limit: number;
  /** Older than this cursor (the `older` of a page). */
  before?: string | undefined;
  /** Newer than this cursor (the `newer` of a page). */
  after?: string | undefined;
  /** The oldest page (the start of the conversation: the thread's Home key), where no cursor is given. */
  oldest?: boolean | undefined;
  /** ISO date or datetime: the page starting at the first message on or after it. */
  at?: string | undefined;
}

export type SourceMessagePage = z.infer<typeof SourceMessagePageOut>;

export interface MessageSearchQuery {
  text: string;
  tenant?: string | undefined;
  conversationId?: string | undefined;
  limit: number;
}

export interface MessageHit {
  conversationId: string;
  messageId: string;
  timestamp: string | null;
  role: MessageRole;
  snippet: string;
}

export interface SimilarQuery {
  tenant: string;
  messageId: string;
  limit: number;
}

export type SimilarMessage = z.infer<typeof SimilarMessageOut>;

export type SourceMetrics = z.infer<typeof SourceMetricsOut>;

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  /** True when more rows existed than `limit`. */
  truncated: boolean;
}

export interface Source {
  summary(): SourceSummary;
  /** The summary plus every table with its row count (bounded work: see EXACT_ROWS_LIMIT). */
  info(): Promise<SourceInfo>;
  /** Tenants of a multi-tenant store; empty for the others. */
  tenants(): Promise<Tenant[]>;
  conversations(query: ConversationQuery): Promise<ConversationPage>;
  /** One conversation's figures (the thread header, the export's count); not_found when it is not there. */
  conversation(id: string, options?: { tenant?: string | undefined }): Promise<SourceConversation>;
  messages(query: MessageQuery): Promise<SourceMessagePage>;
  searchMessages(query: MessageSearchQuery): Promise<MessageHit[]>;
  /** Charts and figure tables for the whole store or one tenant. */
  metrics(options: { tenant?: string | undefined }): Promise<SourceMetrics>;
  /** Every message of one conversation in time order, page by page, without holding them all in memory. */
  exportMessages(options: {
    conversationId: string;
    tenant?: string | undefined;
    pageSize?: number;
  }): AsyncIterable<SourceMessage[]>;
  /** Messages ranked by embedding distance to one message; absent where the store has no embeddings. */
  similar?(query: SimilarQuery): Promise<SimilarMessage[]>;
  /** One statement, read-only: the SQL console and table browser. A write is refused by the store itself. */
  query(sql: string, options?: { limit?: number; conversationId?: string }): Promise<QueryResult>;
  /** Read-only SQL for mappings (main/mapping): absent where the store is not one SQL database. */
  sqlEngine?(): SqlEngine;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Server statement time limit per statement (ms, default 5000). */
  statementTimeoutMs?: number;
  /** Sees every statement a server Source sends (tests and benchmarks EXPLAIN them). */
  onQuery?: (sql: string, params: unknown[]) => void;
  /** Read conversations through this mapping (`--map`); its table and columns are checked at open. */
  mapping?: ChatMapping;
  /** Where remembered mappings are read (default: Chat Inspector's own folder). */
  mappingHome?: string;
  /** SQLite files: run the mapping's statements here (a worker thread in the app) instead of in-process. */
  sqliteRows?: (path: string, sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
  /** Sees how many rows each statement of a file Source handed to JavaScript (tests: pages stay pages). */
  onRows?: (sql: string, rows: number) => void;
  /** A cold-archive folder beside a MySQL messaging database (seed 003: <company>/<YYYY-MM>.jsonl.gz). */
  archive?: string | undefined;
}

/** One kind of Source, registered once: how to recognise its locator and how to open it. */
export interface SourceKind {
  name: string;
  /** Whether this locator (path or URL) is one of this kind's; cheap, no connection made. */
  accepts(locator: string): boolean;
  open(locator: string, options: OpenOptions): Promise<Source>;
  /** Server kinds only (a URL that may carry a password): what the session connects to and shows. */
  server?: {
    /** The locator as it may be shown (password masked, the engine's own spelling). */
    display(locator: string): string;
    /** Whether a cold-archive folder may go with it (MySQL messaging: `OpenOptions.archive`). */
    takesArchive: boolean;
  };
}
