import { z } from 'zod';
import {
  ChatDetail,
  ChatMetrics,
  ChatSummary,
  ConversationRef,
  FileInfo,
  Finding,
  FleetMetrics,
  LegacyMetrics,
  ScanSummary,
  SkippedEntry,
  TablePage,
} from '../domain.ts';
import { job, query } from './define.ts';
import { ChatId, Cursor, PathInput, pageLimit } from './primitives.ts';
import { SourceMessagePageOut } from './sources.ts';

const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD');
/**
 * One of the root's chat trees, by its name relative to the root (`data/chats`, `bot/data/chats`, `.`), as
 * ChatSummary.tree gives it: main takes only a tree the root has, never a path.
 */
export const ChatTreeInput = z
  .string()
  .max(64)
  .regex(/^(\.|[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*)$/, 'a chat tree is a folder of the root, e.g. data/chats');
const OptionalTree = ChatTreeInput.optional();
const PageLimit = pageLimit(1000, 100);
/**
 * Where a page of a thread starts, in the Source model's terms: the newest page by default, older than
 * `before` (a page's `older`), newer than `after` (a page's `newer`), or the oldest page. Cursors are
 * opaque: only what a page gave out.
 */
const ThreadPaging = {
  before: Cursor.optional(),
  after: Cursor.optional(),
  /** The first page of the conversation (what the thread's Home key shows). */
  oldest: z.boolean().optional(),
};

export const Place = z.object({
  path: z.string(),
  kind: z.enum(['root', 'file']),
  label: z.string(),
  /** Where it came from: the demo, a dialog, a drop, the command line or the recent list. */
  source: z.enum(['demo', 'dialog', 'drop', 'cli', 'recent']),
});
export type Place = z.infer<typeof Place>;

/**
 * chats.scan's result: the rows were already sent as the job's events, so they are not sent again; the
 * CLI's `scan --json` prints ScanResult (with its rows) from the fleet index or its own pass, unchanged.
 */
export const ScanJobResult = z.object({
  root: z.string(),
  /** Rows streamed (one event per chat). */
  total: z.number().int(),
  skipped: z.array(SkippedEntry),
  /** The chats' totals and trees (`scan --json`'s summary). */
  summary: ScanSummary.optional(),
  /** Chats whose counts are not the whole chat's: 0 there means "could not be read", not "no messages". */
  incomplete: z.array(z.object({ chatId: z.string(), counts: z.enum(['partial', 'unread']) })).optional(),
});
export type ScanJobResult = z.infer<typeof ScanJobResult>;

/**
 * chat.detail's answer: the chat, and where its health comes from (what `show` prints under "Findings"):
 * the fleet index's findings (its files unchanged since) or a quick check made now; null for a chat
 * folder holding none of its files.
 */
export const ChatDetailOutput = ChatDetail.extend({
  checked: z
    .object({
      source: z.enum(['index', 'check']),
      checkedAt: z.string().nullable(),
      findings: z.array(Finding),
    })
    .nullable()
    .optional(),
});
export type ChatDetailOutput = z.infer<typeof ChatDetailOutput>;

/** file.open's answer: the file, and for a file of no known kind the bot framework's history it holds. */
export const FileInfoOutput = FileInfo.extend({
  framework: z.object({ kind: z.string(), label: z.string(), table: z.string() }).nullable().optional(),
});
export type FileInfoOutput = z.infer<typeof FileInfoOutput>;

export const browseOperations = {
  // Runs on main: the allow-list is this process's memory.
  'places.list': query(
    'The roots and files this session may read: the current one, the demo and the recent list.',
    z.object({}),
    z.object({ current: Place.nullable(), places: z.array(Place), canPickWithDialog: z.boolean() }),
    { runs: 'main' },
  ),
  // Runs on main: the allow-list is this process's memory.
  'places.select': query(
    'Make an allowed place the current one.',
    z.object({ path: PathInput }),
    z.object({ current: Place }),
    { runs: 'main' },
  ),
  'chats.scan': job(
    'List every chat of a data root with exact counts; rows stream in as they are read (the events), and the result does not repeat them.',
    z.object({
      root: PathInput,
      /** Rows sent in the root's order once all are read (the CLI's `scan --no-index`), not as each is read. */
      inOrder: z.boolean().default(false),
    }),
    ChatSummary,
    ScanJobResult,
  ),
  'chat.detail': query(
    "One chat: profile, preferences, progress, sessions, counts, files and metadata state. `tree`: the chat's copy in that chat tree of the root (its copy in the first tree holding it when absent).",
    z.object({
      root: PathInput,
      chatId: ChatId,
      tree: OptionalTree,
      /**
       * Folders of verified archives (`backup --out-dir`) to find its last backup in, else metadata.json's
       * last_backup; absent: the folders the Backups screen lists.
       */
      backups: z.array(PathInput).max(64).optional(),
    }),
    ChatDetailOutput,
  ),
  'chat.messages': query(
    "A page of a chat's messages in the one message model: the newest by default, older than `before`, newer than `after`, the oldest, around a date, or from a message.",
    z.object({
      root: PathInput,
      chatId: ChatId,
      tree: OptionalTree,
      ...ThreadPaging,
      /** ISO date or datetime: the page that starts at the first message on or after it. */
      at: z.string().max(40).optional(),
      /** A message id (a search hit): the page that starts at that message, in thread order. */
      from: z.string().min(1).max(40).optional(),
      limit: PageLimit,
    }),
    SourceMessagePageOut,
  ),
  'chat.search': query(
    'Messages of one chat whose text contains the query: newest first, a page at a time, with the total; by role and day range.',
    z.object({
      root: PathInput,
      chatId: ChatId,
      tree: OptionalTree,
      query: z.string().min(1).max(200),
      role: z.enum(['user', 'bot', 'system']).optional(),
      /** First and last day kept, inclusive (YYYY-MM-DD). */
      from: IsoDay.optional(),
      to: IsoDay.optional(),
      /** Keyset cursor from the previous page's `nextBefore`. */
      before: z.number().int().optional(),
      limit: PageLimit,
    }),
    z.object({
      hits: z.array(
        z.object({
          id: z.number().int(),
          timestamp: z.string().nullable(),
          role: z.enum(['user', 'bot', 'system']),
          snippet: z.string(),
        }),
      ),
      total: z.number().int(),
      nextBefore: z.number().int().nullable(),
    }),
  ),
  'chat.metrics': query(
    'Per-chat charts: messages per day, response time distribution, session length.',
    z.object({ root: PathInput, chatId: ChatId, tree: OptionalTree }),
    ChatMetrics,
  ),
  'fleet.metrics': job(
    'Fleet dashboard figures for a whole root: active and new users per day, sizes, messages per day, alerts.',
    z.object({ root: PathInput }),
    z.null(),
    FleetMetrics,
  ),
  'file.open': query(
    'Any SQLite file: detected kind, tables, columns and (capped) row counts; with `framework`, for a file of no known kind, the framework history (LangChain, Rasa) it holds.',
    z.object({ path: PathInput, framework: z.boolean().default(false) }),
    FileInfoOutput,
  ),
  'file.rows': query(
    'A page of any table or view of a file, typed cells, long values cut.',
    z.object({
      path: PathInput,
      table: z.string().min(1).max(512),
      after: z.string().max(64).optional(),
      limit: PageLimit,
    }),
    TablePage,
  ),
  'file.cell': query(
    'One full cell value (for "expand" on a cut cell).',
    z.object({
      path: PathInput,
      table: z.string().min(1).max(512),
      rowid: z.string().max(32),
      column: z.string().min(1).max(512),
    }),
    z.object({ text: z.string(), isJson: z.boolean() }),
  ),
  'file.conversations': query(
    'Conversations of a chat-like legacy file (user_history, duiliocode, clinic).',
    z.object({ path: PathInput, limit: pageLimit(5000, 500) }),
    z.object({
      // Read through the file's Source: a count that could not be read is null, never 0.
      conversations: z.array(ConversationRef.extend({ messages: z.number().int().nullable() })),
      capped: z.boolean(),
    }),
  ),
  'file.messages': query(
    'A page of one conversation of a chat-like file (read through its SQLite file Source), in the one message model.',
    z.object({
      path: PathInput,
      conversationId: z.string().min(1).max(200),
      ...ThreadPaging,
      limit: PageLimit,
    }),
    SourceMessagePageOut,
  ),
  'file.metrics': query(
    "The legacy file's own metrics (latency p50/p95, chatbot_metrics, api_call_logs).",
    z.object({ path: PathInput }),
    LegacyMetrics,
  ),
  'files.list': query(
    'SQLite files found under a data root outside the chat folders (legacy and foreign DBs), to open one by one.',
    z.object({ root: PathInput }),
    z.object({
      files: z.array(z.object({ path: z.string(), relPath: z.string(), sizeBytes: z.number().int() })),
      /** True when the walk stopped at its limit of files or folders. */
      capped: z.boolean(),
    }),
  ),
} as const;
