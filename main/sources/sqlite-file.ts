import type { ConversationRef, FileKind } from '../../shared/domain.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { Chart, FigureTable, MessageQuery, SourceMessagePage } from './types.ts';

// A kind of single SQLite file (user_history, DuilioCode, clinic, a chat's own file): how it is recognised
// and read. The kinds are declared with the SQLite adapters (main/adapters/file-kinds.ts) and handed to the
// SQLite file Source at the composition root; this model knows their shape only.

/** What a file is, by its tables and a few key columns. */
export interface FileDetection {
  kind: FileKind;
  /** For 'per-chat': which of the chat's two files this is. */
  perChatFile: 'profile' | 'conversations' | null;
  /** Whether the kind can list conversations of this file. */
  hasConversations: boolean;
  /** The signals that decided it, for --debug and tests. */
  signals: string[];
}

export interface ConversationList {
  conversations: ConversationRef[];
  /** True when the list was cut at the limit or counts were taken over the newest rows only. */
  capped: boolean;
}

export interface PageInput {
  before?: number | undefined;
  after?: number | undefined;
  /** ISO date or datetime: the page starting at the first message on or after it. */
  at?: string | undefined;
  limit: number;
}

/** A page of a file's thread: a Source's MessageQuery without the conversation and tenant. */
export type ThreadQuery = Omit<MessageQuery, 'conversationId' | 'tenant'>;

/** What a complete file of a kind holds, for the integrity check (main/integrity/file.ts). */
export interface FileExpectation {
  /** Tables and their required columns (null columns: only the table's presence); null: nothing expected. */
  expected: Record<string, readonly string[] | null> | null;
  /** Whether tables beyond the expected ones are normal. */
  extraTables: boolean;
  /** Full mode: rows that belong to nobody, as a WHERE clause (`$schema` is the attached schema's name). */
  orphans?: { tables: readonly string[]; where: string; params: unknown[]; whose: string } | undefined;
}

export interface SqliteFileKind {
  name: FileKind;
  /** What such a file is, in words a person reads (`open FILE`). */
  label: string;
  /** This kind's detection of the file, or null when the file is not of this kind. */
  detect(db: ReadableDb): FileDetection | null;
  /**
   * Its conversations as one SQL relation (id, title, n, ck sort key, raw_a, raw_b), paged by keyset in
   * SQL (main/sources/sqlite-conversations.ts); absent where a file holds one conversation.
   */
  conversationRelation?(db: ReadableDb): string;
  conversations(db: ReadableDb, path: string, limit: number): ConversationList;
  /**
   * One page of a conversation in time order, with the kind's own opaque cursors (the keyset pager of
   * main/sources/keyset.ts, or thread-order.ts's for the English-teacher bot's layouts).
   */
  messages(
    db: ReadableDb,
    path: string,
    conversationId: string,
    query: ThreadQuery,
  ): Promise<SourceMessagePage>;
  metrics(db: ReadableDb, detection: FileDetection): { charts: Chart[]; tables: FigureTable[] };
  /** What the integrity check expects of the file (`tables`: each table's columns as read). */
  expectation(detection: FileDetection, path: string, tables: Map<string, string[]>): FileExpectation;
}

/** A file recognised: its detection, and the kind that reads it (a file of no known kind: the generic one). */
export interface RecognisedFile {
  detection: FileDetection;
  kind: SqliteFileKind;
}
