import { join, resolve } from 'node:path';
import type { FleetRow } from '../../shared/contract/fleet.ts';
import type { ChatDetail, ChatMetrics, ConversationSession } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import type { FleetIndex } from '../fleet/index.ts';
import { FleetIndexUnavailable } from '../fleet/index-db.ts';
import { refreshIndex } from '../fleet/refresh.ts';
import { exclusive, fleetIndexFor } from '../fleet/registry.ts';
import { entryAt } from '../fs/entry.ts';
import { ownFileNotice } from '../fs/own-file.ts';
import { silentContext } from '../jobs/job.ts';
import { openReadonly, type ReadableDb } from '../sqlite/open.ts';
import { chatDir, listChats } from '../store/layout.ts';
import { mapSession, readChatDetail, readChatMessages, readChatMetrics, searchChat } from '../store/chat.ts';
import { mapMessageRow, type SearchFilter, type SearchResult } from '../adapters/per-chat-messages.ts';
import { CONVERSATIONS_DB, displayName, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { sourceMessageOf } from '../sources/sqlite-source.ts';
import { toIso } from '../sources/time.ts';
import { encodeCursor } from '../sources/cursor.ts';
import { conversationPage, numericCursor, scanSearch, sqliteQuery } from '../sources/sqlite-common.ts';
import { sqliteTables } from '../sources/sqlite-source.ts';
import { sharedPool } from '../workers/pool.ts';
import type {
  Chart,
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
  Tenant,
} from '../sources/types.ts';

// The per-chat root KIND (registered at main/kinds/index.ts; it reads main/store and main/fleet, which the
// Source model may not). The English-teacher bot's per-chat layout (seed 000) as a Source: a conversation
// is a chat folder, its thread is that chat's conversations.db (adapters/per-chat-messages.ts pages it). Conversations
// are listed from the root's fleet index (main/fleet: Chat Inspector's own file, brought up to date at open
// as `scan` and the chat list do, only new and changed chats read), so a page is one indexed query, not a
// read of every chat. A chat's thread, search, figures and detail are a PerChatSource's (the app's chat
// screens read it too), through read-only connections: nothing in the root is changed.

function withDb<T>(path: string, read: (db: ReadableDb) => T): T {
  const { db } = openReadonly(path);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** A message key below every real one: the page after it is the oldest. */
const BEFORE_EVERY_KEY = Number.MIN_SAFE_INTEGER;

/** A page of one chat's thread: a Source's MessageQuery, or the page that starts at one message (`from`). */
export interface ChatThreadQuery {
  limit: number;
  before?: string | undefined;
  after?: string | undefined;
  /** The oldest page (the start of the thread). */
  oldest?: boolean | undefined;
  at?: string | undefined;
  /** A message id (a search hit): the page that starts at that message, in thread order. */
  from?: string | undefined;
}

/**
 * One chat of the root as the app's chat screen reads it — its thread (opaque cursors, the one message
 * model), search, figures and detail — in the root's plain-id tree or in the chat tree `tree`.
 */
export class PerChatSource {
  readonly root: string;
  readonly chatId: string;
  readonly tree: string | undefined;

  constructor(root: string, chatId: string, tree?: string) {
    this.root = root;
    this.chatId = chatId;
    this.tree = tree;
  }

  messages(query: ChatThreadQuery): SourceMessagePage {
    if (query.at !== undefined && Number.isNaN(new Date(query.at).getTime()))
      throw new AppError('invalid_input', `not a date or time: ${JSON.stringify(query.at.slice(0, 40))}`);
    const from = query.from === undefined ? undefined : Number(query.from);
    if (from !== undefined && !Number.isSafeInteger(from))
      throw new AppError('invalid_input', `not a message of this chat: ${JSON.stringify(query.from)}`);
    const page = readChatMessages(
      this.root,
      this.chatId,
      {
        before: numericCursor(query.before),
        after: query.oldest ? BEFORE_EVERY_KEY : numericCursor(query.after),
        at: query.at,
        from,
        limit: query.limit,
      },
      this.tree,
    );
    return {
      messages: page.messages.map((m) => sourceMessageOf(m, this.chatId)),
      older: page.olderCursor === null ? null : encodeCursor([page.olderCursor]),
      newer: page.newerCursor === null ? null : encodeCursor([page.newerCursor]),
    };
  }

  search(query: string, limit: number, filter: SearchFilter = {}): SearchResult {
    return searchChat(this.root, this.chatId, query, limit, filter, this.tree);
  }

  metrics(): ChatMetrics {
    return readChatMetrics(this.root, this.chatId, this.tree);
  }

  detail(now: Date): ChatDetail {
    return readChatDetail(this.root, this.chatId, now, this.tree);
  }

  /** The chat's folder (in its tree). */
  get dir(): string {
    return chatDir(this.root, this.chatId, this.tree);
  }

  /** Messages and sessions, for an export's totals; a chat whose thread cannot be read stops the export. */
  exportCounts(): { messages: number; sessions: number } {
    // A chat folder that is not one (a link, a FIFO) is refused with the guard's own words.
    const dir = this.dir;
    try {
      return withDb(join(dir, CONVERSATIONS_DB), (db) => ({
        messages: Number(db.prepare('SELECT count(*) FROM messages').pluck().get()),
        sessions: Number(db.prepare('SELECT count(*) FROM conversation_sessions').pluck().get()),
      }));
    } catch (error) {
      throw new AppError(
        error instanceof AppError ? error.code : 'corrupt',
        `conversations.db of a chat cannot be read (${error instanceof Error ? error.message : String(error)}); recover it first`,
      );
    }
  }

  /** Every session, oldest first. */
  exportSessions(): ConversationSession[] {
    return withDb(join(this.dir, CONVERSATIONS_DB), (db) =>
      (db.prepare('SELECT * FROM conversation_sessions ORDER BY session_start, id').all() as Row[]).map(
        mapSession,
      ),
    );
  }

  /**
   * Every message in id order (the file's own order, as exports have always listed it), one short
   * statement per page: no read transaction is held between pages, so the bot is never kept waiting.
   */
  async *exportMessages(pageSize: number): AsyncGenerator<SourceMessage[]> {
    const { db } = openReadonly(join(this.dir, CONVERSATIONS_DB));
    try {
      // Pages are read once, in order: a small page cache is enough (a per-connection setting).
      db.pragma('cache_size = -2000');
      const page = db.prepare('SELECT * FROM messages WHERE id > ? ORDER BY id LIMIT ?');
      let after = -Number.MAX_SAFE_INTEGER;
      for (;;) {
        const rows = page.all(after, pageSize) as Row[];
        if (rows.length === 0) return;
        yield rows.map((row) => sourceMessageOf(mapMessageRow(row), this.chatId));
        after = Number(rows[rows.length - 1]!.id);
      }
    } finally {
      db.close();
    }
  }
}

type Row = Record<string, unknown>;

/** A cursor of a numeric message key, as every page of this layout gives out (the oldest: a key below all). */
export const messageCursor = (id: number): string => encodeCursor([id]);

export class PerChatRootSource implements Source {
  readonly root: string;
  private readonly ownDir: string;
  /** Opened on first use; null when it cannot be used or made (a read-only own folder). */
  private opened: FleetIndex | null | undefined;

  /** Cheap: nothing is read until asked (the app's chat screens make one per request). */
  constructor(root: string, options: { ownDir: string }) {
    this.root = resolve(root);
    this.ownDir = options.ownDir;
  }

  /** `open ROOT`: a folder holding chat folders, its index brought up to date. */
  static async open(locator: string, options: { ownDir: string }): Promise<PerChatRootSource> {
    const source = new PerChatRootSource(locator, options);
    if (entryAt(source.root).kind !== 'directory')
      throw new AppError('invalid_input', `${locator}: is not a folder`);
    if (listChats(source.root).chats.length === 0)
      throw new AppError(
        'invalid_input',
        `${locator}: is a folder with no chat_<id> folders, not a data root (give a database file inside it)`,
      );
    await source.refresh();
    return source;
  }

  /** The fleet index, or null: then every chat is read instead, as before the index. */
  private get index(): FleetIndex | null {
    if (this.opened === undefined) this.opened = indexOrNull(this.ownDir, this.root);
    return this.opened;
  }

  /** One chat (in the chat tree `tree`, else by the plain-id rule). */
  chat(chatId: string, tree?: string): PerChatSource {
    return new PerChatSource(this.root, chatId, tree);
  }

  /** Brings the index up to what the root holds (after any refresh of it already running here). */
  async refresh(): Promise<void> {
    const index = this.index;
    if (!index) return;
    await exclusive(index, () => refreshIndex(index, silentContext(), { pool: sharedPool() }));
  }

  private chatFigures(chatId: string, dir: string): SourceConversation {
    let title = `Chat ${chatId}`;
    try {
      const row = withDb(join(dir, PROFILE_DB), (db) =>
        db.prepare('SELECT * FROM user_profile LIMIT 1').get(),
      ) as Record<string, unknown> | undefined;
      if (row) title = displayName(row) ?? title;
    } catch {
      // a damaged profile.db leaves the default title; the thread is still readable
    }
    let messages: number | null = null;
    let last: string | null = null;
    try {
      const figures = withDb(join(dir, CONVERSATIONS_DB), (db) =>
        db
          .prepare(
            'SELECT (SELECT count(*) FROM messages), (SELECT timestamp FROM messages ORDER BY id DESC LIMIT 1)',
          )
          .raw()
          .get(),
      ) as [number, unknown];
      messages = Number(figures[0]);
      last = toIso(figures[1]);
    } catch {
      // a chat whose conversations.db cannot be read is listed with messages null (not read, not 0)
    }
    return { id: chatId, title, messages, lastActivity: last };
  }

  /** Without an index: every chat read, as before the index (bounded by the root, not by the page). */
  private all(): SourceConversation[] {
    return listChats(this.root).chats.map((c) => this.chatFigures(c.chatId, c.dir));
  }

  async info(): Promise<SourceInfo> {
    const { chats } = listChats(this.root);
    // The per-chat schema, as the first chat's files have it (every chat has the same tables).
    const tables = chats[0]
      ? [PROFILE_DB, CONVERSATIONS_DB].flatMap((file) => {
          try {
            return withDb(join(chats[0]!.dir, file), sqliteTables).map((t) => ({
              ...t,
              name: `${file}:${t.name}`,
            }));
          } catch {
            return [];
          }
        })
      : [];
    return { ...this.summary(), tables };
  }

  summary(): SourceSummary {
    return {
      source: this.root,
      engine: 'root',
      kind: 'per-chat-root',
      hasConversations: true,
      tenantScoped: false,
      hasSimilar: false,
    };
  }

  async tenants(): Promise<Tenant[]> {
    return [];
  }

  async conversations(query: ConversationQuery): Promise<ConversationPage> {
    if (!this.index) return conversationPage(this.all(), query);
    const page = this.index.recentPage({
      text: query.search?.trim(),
      after: query.after,
      limit: query.limit,
    });
    return { conversations: page.rows.map(conversationOf), next: page.next };
  }

  async conversation(id: string): Promise<SourceConversation> {
    const dir = chatDir(this.root, id);
    if (!this.index) return this.chatFigures(id, dir);
    const { row } = this.index.chat(id);
    if (!row) throw new AppError('not_found', `${this.root} holds no chat ${id}`);
    return conversationOf(row);
  }

  private page(
    chatId: string,
    before: string | undefined,
    after: string | undefined,
    at: string | undefined,
    limit: number,
    oldest?: boolean,
  ): SourceMessagePage {
    return this.chat(chatId).messages({ before, after, at, limit, oldest });
  }

  async messages(query: MessageQuery): Promise<SourceMessagePage> {
    return this.page(query.conversationId, query.before, query.after, query.at, query.limit, query.oldest);
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageHit[]> {
    const ids =
      query.conversationId !== undefined
        ? [query.conversationId]
        : listChats(this.root).chats.map((c) => c.chatId);
    return scanSearch(ids, query, (id, after, limit) =>
      this.page(id, undefined, after === undefined ? undefined : messageCursor(after), undefined, limit),
    );
  }

  /** Messages per day (user / bot) over every chat of the root. */
  async metrics(): Promise<SourceMetrics> {
    const user = new Map<string, number>();
    const bot = new Map<string, number>();
    for (const chat of listChats(this.root).chats) {
      try {
        const rows = withDb(join(chat.dir, CONVERSATIONS_DB), (db) =>
          db
            .prepare(
              "SELECT substr(timestamp, 1, 10) AS day, sum(message_type = 'user') AS u, sum(message_type IS NOT 'user') AS b FROM messages WHERE timestamp IS NOT NULL GROUP BY 1",
            )
            .all(),
        ) as { day: string; u: number; b: number }[];
        for (const r of rows) {
          user.set(r.day, (user.get(r.day) ?? 0) + r.u);
          bot.set(r.day, (bot.get(r.day) ?? 0) + r.b);
        }
      } catch {
        // unreadable chats are the integrity check's business
      }
    }
    const days = [...new Set([...user.keys(), ...bot.keys()])].sort();
    const chart: Chart = {
      id: 'messages-per-day',
      title: 'Messages per day (all chats)',
      unit: 'messages',
      type: 'bar',
      series: [
        { name: 'user', points: days.map((d) => ({ x: d, y: user.get(d) ?? 0 })) },
        { name: 'bot', points: days.map((d) => ({ x: d, y: bot.get(d) ?? 0 })) },
      ],
    };
    return { kind: 'per-chat-root', charts: [chart], tables: [] };
  }

  async *exportMessages(options: {
    conversationId: string;
    pageSize?: number;
  }): AsyncGenerator<SourceMessage[]> {
    let after = messageCursor(BEFORE_EVERY_KEY);
    for (;;) {
      const page = this.page(options.conversationId, undefined, after, undefined, options.pageSize ?? 1000);
      if (page.messages.length === 0) return;
      yield page.messages;
      if (page.newer === null) return;
      after = page.newer;
    }
  }

  /** The SQL console runs on one chat's conversations.db (the first chat when none is named). */
  async query(sql: string, options: { limit?: number; conversationId?: string } = {}): Promise<QueryResult> {
    const chatId = options.conversationId ?? listChats(this.root).chats[0]?.chatId;
    if (chatId === undefined) throw new AppError('not_found', `${this.root} holds no chats`);
    return withDb(join(chatDir(this.root, chatId), CONVERSATIONS_DB), (db) =>
      sqliteQuery(db, sql, options.limit ?? 1000),
    );
  }

  async close(): Promise<void> {}
}

function indexOrNull(ownDir: string, root: string): FleetIndex | null {
  try {
    return fleetIndexFor(ownDir, root);
  } catch (error) {
    if (!(error instanceof FleetIndexUnavailable)) throw error;
    ownFileNotice(`${error.message}; every chat is read instead`);
    return null;
  }
}

/** A chat's row of the index as a conversation: a count not known (conversations.db unread) stays null. */
function conversationOf(row: FleetRow): SourceConversation {
  return {
    id: row.chatId,
    title: row.name ?? `Chat ${row.chatId}`,
    messages: row.messages,
    lastActivity: row.lastActive,
  };
}

export const perChatRootSourceKind: SourceKind = {
  name: 'root',
  accepts: (locator) => entryAt(resolve(locator)).kind === 'directory',
  // The index lives in Chat Inspector's own folder (where remembered mappings are read too).
  open: (locator, options: OpenOptions) =>
    PerChatRootSource.open(locator, { ownDir: options.mappingHome ?? defaultUserDataDir() }),
};
