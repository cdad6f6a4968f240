import { resolve } from 'node:path';
import type { Message } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { listObjects } from '../sqlite/catalog.ts';
import { createEngine, sqliteEngine, type SqlEngine } from './sql-engine.ts';
import { entryAt, requireRegularFile } from '../fs/entry.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { openReadonly, type ReadableDb } from '../sqlite/open.ts';
import { atKey } from './thread-order.ts';
import { conversationPage, hitOf, sqliteQuery } from './sqlite-common.ts';
import { conversationById, conversationKeysetPage } from './sqlite-conversations.ts';
import type { FileDetection, RecognisedFile, SqliteFileKind, ThreadQuery } from './sqlite-file.ts';
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
} from './types.ts';
import { EXACT_ROWS_LIMIT } from './types.ts';

// A single SQLite file as a Source: the file kinds (main/sources/sqlite-file.ts, declared in main/adapters and
// registered at the composition root) do the reading; this wraps them in the Source interface — the kind
// recognised once at open, opaque cursors, time-ordered pages, a streamed export.

type RecogniseFile = (db: ReadableDb) => RecognisedFile;
let recogniseFile: RecogniseFile | null = null;

/** The composition root hands over how a file's kind is recognised (main/adapters/file-kinds.ts). */
export function registerSqliteFileKinds(recognise: RecogniseFile): void {
  recogniseFile = recognise;
}

/**
 * A seed-000 message in the one message model: what the common fields do not hold rides in `extra`
 * (the keys every Source uses: sessionId, voice, originalContent, corrections...), none of it lost, so
 * `messageOfSource` gives the same message back.
 */
export function sourceMessageOf(m: Message, conversationId: string): SourceMessage {
  const extra: Record<string, unknown> = {};
  if (m.sessionId !== null) extra.sessionId = m.sessionId;
  if (m.isVoice) extra.voice = m.voiceDuration ?? true;
  else if (m.voiceDuration !== null) extra.voiceDuration = m.voiceDuration;
  if (m.originalContent !== null) extra.originalContent = m.originalContent;
  if (m.corrections !== null) extra.corrections = m.corrections;
  if (m.vocabulary !== null) extra.vocabulary = m.vocabulary;
  if (m.hasErrors) extra.hasErrors = true;
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
  private readonly detection: FileDetection;
  /** The kind that reads this file (the generic one: tables only). */
  private readonly kind: SqliteFileKind;
  private readonly sqliteRows: OpenOptions['sqliteRows'];

  constructor(path: string, options: OpenOptions = {}) {
    this.path = resolve(path);
    this.sqliteRows = options.sqliteRows;
    requireRegularFile(this.path);
    const db = openReadonly(this.path).db;
    this.db = options.onRows ? countingRows(db, options.onRows) : db;
    try {
      if (!recogniseFile)
        throw new Error(
          'no SQLite file kinds are registered: the entry point must import main/kinds/index.ts',
        );
      ({ detection: this.detection, kind: this.kind } = recogniseFile(this.db));
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
    return this.kind.conversations(this.db, this.path, 1_000_000).conversations.map((c) => ({
      id: c.id,
      title: c.title,
      subtitle: c.subtitle,
      messages: c.messages,
      lastActivity: c.lastActive,
    }));
  }

  private relationSql: string | null | undefined;

  /** Chat-like files page their conversations in SQL (keyset); a per-chat file has just one (null). */
  private get relation(): string | null {
    if (this.relationSql === undefined) this.relationSql = this.kind.conversationRelation?.(this.db) ?? null;
    return this.relationSql;
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    this.requireConversations();
    const relation = this.relation;
    if (relation) return conversationKeysetPage(this.db, relation, query);
    return conversationPage(this.allConversations(), query);
  }

  async conversation(id: string): Promise<SourceConversation> {
    this.requireConversations();
    const relation = this.relation;
    const found = relation
      ? conversationById(this.db, relation, id)
      : this.allConversations().find((c) => c.id === id);
    if (!found)
      throw new AppError('not_found', `no conversation ${JSON.stringify(id.slice(0, 80))} in this file`);
    return found;
  }

  /** Every conversation id, a keyset page at a time (text search reads each conversation in turn). */
  private conversationIds(): string[] {
    const relation = this.relation;
    if (!relation) return this.allConversations().map((c) => c.id);
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = conversationKeysetPage(this.db, relation, { limit: 500, after });
      ids.push(...page.conversations.map((c) => c.id));
      after = page.next ?? undefined;
    } while (after);
    return ids;
  }

  private requireConversations(): void {
    if (!this.detection.hasConversations)
      throw new AppError(
        'invalid_input',
        `this file holds no conversations (a ${this.detection.kind} SQLite file): browse its tables instead`,
      );
  }

  /** A page of a thread, by the file kind's own pager and cursors. */
  private page(conversationId: string, query: ThreadQuery): Promise<SourceMessagePage> {
    return this.kind.messages(this.db, this.path, conversationId, query);
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    this.requireConversations();
    if (query.at !== undefined) atKey(query.at); // an unreadable date is refused before any paging
    return this.page(query.conversationId, query);
  }

  /** A whole thread from its start, a page at a time (search and export hold one page). */
  private async *walk(conversationId: string, pageSize: number): AsyncGenerator<SourceMessage[]> {
    let page = await this.page(conversationId, { oldest: true, limit: pageSize });
    for (;;) {
      if (page.messages.length === 0) return;
      yield page.messages;
      if (page.newer === null) return;
      page = await this.page(conversationId, { after: page.newer, limit: pageSize });
    }
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    this.requireConversations();
    const needle = query.text.trim().toLowerCase();
    if (!needle) return [];
    const ids = query.conversationId !== undefined ? [query.conversationId] : this.conversationIds();
    const hits: MessageHit[] = [];
    for (const id of ids)
      for await (const messages of this.walk(id, 1000))
        for (const message of messages) {
          const hit = hitOf(id, message, needle);
          if (!hit) continue;
          hits.push(hit);
          if (hits.length >= query.limit) return hits;
        }
    return hits;
  }

  async metrics(): Promise<SourceMetrics> {
    return { kind: this.detection.kind, ...this.kind.metrics(this.db, this.detection) };
  }

  async *exportMessages(options: {
    conversationId: string;
    pageSize?: number;
  }): AsyncGenerator<SourceMessage[]> {
    this.requireConversations();
    yield* this.walk(options.conversationId, options.pageSize ?? 1000);
  }

  async query(sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
    return sqliteQuery(this.db, sql, options.limit ?? 1000);
  }

  sqlEngine(): SqlEngine {
    const rows = this.sqliteRows;
    if (!rows) return sqliteEngine(this.db);
    const path = this.path;
    return createEngine('sqlite', (sql, params) => rows(path, sql, params));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export const sqliteFileSourceKind: SourceKind = {
  name: 'sqlite',
  accepts: (locator) => entryAt(resolve(locator)).kind === 'file',
  open: async (locator, options) => new SqliteFileSource(locator, options),
};

/**
 * The same read handle, reporting how many rows each statement handed to JavaScript (`all`, `get`,
 * `iterate`); chained calls (`safeIntegers`, `pluck`, `raw`) keep reporting. Only when a test asks.
 */
function countingRows(db: ReadableDb, onRows: (sql: string, rows: number) => void): ReadableDb {
  const statement = (target: object, sql: string): object => {
    const proxy: object = new Proxy(target, {
      get(inner, prop) {
        const value: unknown = Reflect.get(inner, prop, inner);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (prop === 'all')
          return (...args: unknown[]) => {
            const rows = fn.apply(inner, args) as unknown[];
            onRows(sql, rows.length);
            return rows;
          };
        if (prop === 'get')
          return (...args: unknown[]) => {
            const row = fn.apply(inner, args);
            onRows(sql, row === undefined ? 0 : 1);
            return row;
          };
        if (prop === 'iterate')
          return function* (...args: unknown[]) {
            let n = 0;
            try {
              for (const row of fn.apply(inner, args) as Iterable<unknown>) {
                n++;
                yield row;
              }
            } finally {
              onRows(sql, n);
            }
          };
        return (...args: unknown[]) => {
          const result = fn.apply(inner, args);
          return result === inner ? proxy : result;
        };
      },
    });
    return proxy;
  };
  return new Proxy(db, {
    get(inner, prop) {
      const value: unknown = Reflect.get(inner, prop, inner);
      if (prop === 'prepare')
        return (sql: string) => statement((value as (s: string) => object).call(inner, sql), sql);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(inner) : value;
    },
  });
}
