import { resolve } from 'node:path';
import type { Message } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import {
  conversationMessages,
  conversations as adapterConversations,
  detectKind,
  legacyMetrics,
  type Detection,
} from '../adapters/index.ts';
import { listObjects } from '../adapters/schema.ts';
import { userHistoryMessages } from '../adapters/user-history.ts';
import { entryAt, requireRegularFile } from '../fs/entry.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { openReadonly, type ReadableDb } from '../sqlite/open.ts';
import { pageMessages } from '../store/messages.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { conversationPage, jumpToTime, numericCursor, scanSearch, sqliteQuery } from './sqlite-common.ts';
import type {
  ConversationPage,
  ConversationQuery,
  MessageHit,
  MessageQuery,
  MessageSearchQuery,
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
} from './types.ts';
import { EXACT_ROWS_LIMIT } from './types.ts';

// A single SQLite file as a Source: the existing adapters (main/adapters) do the reading; this wraps them in
// the Source interface — detection once at open, opaque cursors, time-ordered pages, a streamed export.

export function sourceMessageOf(m: Message, conversationId: string): SourceMessage {
  const extra: Record<string, unknown> = {};
  if (m.sessionId !== null) extra.sessionId = m.sessionId;
  if (m.isVoice) extra.voice = m.voiceDuration ?? true;
  if (m.originalContent !== null) extra.originalContent = m.originalContent;
  if (m.corrections !== null) extra.corrections = m.corrections;
  if (m.responseTime !== null) extra.responseTime = m.responseTime;
  if (m.confidence !== null) extra.confidence = m.confidence;
  if (m.extra) Object.assign(extra, m.extra);
  return {
    id: String(m.id),
    conversationId,
    timestamp: m.timestamp,
    role: m.role,
    rawRole: m.rawRole,
    text: m.content,
    analysis: null,
    extra: Object.keys(extra).length > 0 ? extra : null,
  };
}

/** Rows of every table and view: exact up to EXACT_ROWS_LIMIT, else the rowid span as the estimate. */
export function sqliteTables(db: ReadableDb): SourceTable[] {
  return listObjects(db).map((o) => {
    if (o.type === 'view' || o.error)
      return { name: o.name, type: o.type, columns: o.columns.length, rows: null, rowsEstimated: false };
    const q = quoteIdent(o.name);
    const n = Number(
      db
        .prepare(`SELECT count(*) FROM (SELECT 1 FROM ${q} LIMIT ${EXACT_ROWS_LIMIT + 1})`)
        .pluck()
        .get(),
    );
    if (n <= EXACT_ROWS_LIMIT)
      return { name: o.name, type: o.type, columns: o.columns.length, rows: n, rowsEstimated: false };
    let estimate = n;
    if (o.rowidName) {
      const span = db.prepare(`SELECT max(${o.rowidName}) - min(${o.rowidName}) + 1 FROM ${q}`).pluck().get();
      estimate = Math.max(n, Number(span));
    }
    return { name: o.name, type: o.type, columns: o.columns.length, rows: estimate, rowsEstimated: true };
  });
}

export class SqliteFileSource implements Source {
  readonly path: string;
  private readonly db: ReadableDb;
  private readonly detection: Detection;

  constructor(path: string) {
    this.path = resolve(path);
    requireRegularFile(this.path);
    this.db = openReadonly(this.path).db;
    try {
      this.detection = detectKind(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  summary(): SourceSummary {
    return {
      source: this.path,
      engine: 'sqlite',
      kind: this.detection.kind,
      hasConversations: this.detection.hasConversations,
      tenantScoped: false,
      hasSimilar: false,
    };
  }

  async info(): Promise<SourceInfo> {
    return { ...this.summary(), tables: sqliteTables(this.db) };
  }

  async tenants(): Promise<Tenant[]> {
    return [];
  }

  private allConversations(): SourceConversation[] {
    if (!this.detection.hasConversations) return [];
    return adapterConversations(this.db, this.path, 1_000_000).conversations.map((c) => ({
      id: c.id,
      title: c.title,
      messages: c.messages,
      lastActivity: c.lastActive,
    }));
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    this.requireConversations();
    return conversationPage(this.allConversations(), query);
  }

  async conversation(id: string): Promise<SourceConversation> {
    this.requireConversations();
    const found = this.allConversations().find((c) => c.id === id);
    if (!found)
      throw new AppError('not_found', `no conversation ${JSON.stringify(id.slice(0, 80))} in this file`);
    return found;
  }

  private requireConversations(): void {
    if (!this.detection.hasConversations)
      throw new AppError(
        'invalid_input',
        `this file holds no conversations (a ${this.detection.kind} SQLite file): browse its tables instead`,
      );
  }

  private page(
    conversationId: string,
    before: number | undefined,
    after: number | undefined,
    limit: number,
  ): SourceMessagePage {
    const page = conversationMessages(this.db, this.path, conversationId, { before, after, limit });
    return {
      messages: page.messages.map((m) => sourceMessageOf(m, conversationId)),
      older: page.olderCursor === null ? null : encodeCursor([page.olderCursor]),
      newer: page.newerCursor === null ? null : encodeCursor([page.newerCursor]),
    };
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    this.requireConversations();
    if (query.at !== undefined) {
      if (this.detection.kind === 'user_history' && !/^-?\d{1,20}$/.test(query.conversationId))
        throw new AppError(
          'not_found',
          `no conversation ${JSON.stringify(query.conversationId.slice(0, 80))} in this file`,
        );
      if (this.detection.kind === 'user_history' || this.detection.kind === 'per-chat') {
        // Seed 000's messages table: pageMessages jumps by timestamp with the chat filter.
        const filter =
          this.detection.kind === 'user_history'
            ? { sql: 'chat_id = ?', params: [BigInt(query.conversationId)] }
            : undefined;
        if (this.detection.kind === 'per-chat') this.page(query.conversationId, undefined, undefined, 1); // checks the id
        const page =
          this.detection.kind === 'user_history'
            ? // In time order even when the file's ids run against time (main/adapters/user-history.ts).
              userHistoryMessages(this.db, query.conversationId, { at: query.at, limit: query.limit })
            : pageMessages({ db: this.db, filter }, { at: query.at, limit: query.limit });
        return {
          messages: page.messages.map((m) => sourceMessageOf(m, query.conversationId)),
          older: page.olderCursor === null ? null : encodeCursor([page.olderCursor]),
          newer: page.newerCursor === null ? null : encodeCursor([page.newerCursor]),
        };
      }
      return jumpToTime(query, (before, after, limit) =>
        this.page(query.conversationId, before, after, limit),
      );
    }
    return this.page(
      query.conversationId,
      numericCursor(query.before),
      numericCursor(query.after),
      query.limit,
    );
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    this.requireConversations();
    const ids =
      query.conversationId !== undefined ? [query.conversationId] : this.allConversations().map((c) => c.id);
    return scanSearch(ids, query, (id, after, limit) => this.page(id, undefined, after, limit));
  }

  async metrics(): Promise<SourceMetrics> {
    const m = legacyMetrics(this.db);
    return { kind: m.kind, charts: m.charts, tables: m.tables };
  }

  async *exportMessages(options: {
    conversationId: string;
    pageSize?: number;
  }): AsyncGenerator<SourceMessage[]> {
    this.requireConversations();
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const page = this.page(options.conversationId, undefined, after, options.pageSize ?? 1000);
      if (page.messages.length === 0) return;
      yield page.messages;
      if (page.newer === null) return;
      after = Number(decodeCursor(page.newer, 1)[0]);
    }
  }

  async query(sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
    return sqliteQuery(this.db, sql, options.limit ?? 1000);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export const sqliteFileSourceKind: SourceKind = {
  name: 'sqlite',
  accepts: (locator) => entryAt(resolve(locator)).kind === 'file',
  open: async (locator) => new SqliteFileSource(locator),
};
