import { z } from 'zod';
import { LegacyMetrics, MessageRole } from '../domain.ts';
import { query } from './define.ts';
import { ConversationId, Cursor, MAX_PATH_LENGTH, SourceId, TenantId, pageLimit } from './primitives.ts';

// Server sources (PostgreSQL, MySQL/MariaDB) in the app: connect, then browse through the Source model.
// A connection is named by an id; its URL and password stay in the main process (never sent back).

export const SourceRef = z.object({
  id: z.string(),
  /** The URL with its password masked. */
  label: z.string(),
  kind: z.string().nullable(),
});
export type SourceRef = z.infer<typeof SourceRef>;

const OptionalTenant = TenantId.optional();
const OptionalCursor = Cursor.optional();
const Limit = pageLimit(500, 50);

// The Source model's shapes (main/sources/types.ts infers its types from these).

/** Which engine holds the data; `kind` says which schema was recognised in it. */
export const SourceEngine = z.enum(['root', 'sqlite', 'postgres', 'mysql']);

export const SourceTableInfo = z.object({
  name: z.string(),
  type: z.enum(['table', 'view']),
  columns: z.number().int(),
  /** Exact up to EXACT_ROWS_LIMIT; beyond it the planner's estimate, flagged by rowsEstimated. */
  rows: z.number().nullable(),
  rowsEstimated: z.boolean(),
  /** False when the connection's role may not read it (rows then unknown). */
  readable: z.boolean().optional(),
});

/** What a Source is, known from the open (no further query). */
export const SourceSummaryOut = z.object({
  /** Where it is, safe to print: a path, or a URL without its password. */
  source: z.string(),
  engine: SourceEngine,
  /** The recognised schema: 'per-chat-root', a file kind (user_history, clinic...), 'evosense', 'generic'. */
  kind: z.string(),
  hasConversations: z.boolean(),
  /** Conversations are listed per tenant (EvoSense): `tenant` is required by conversations/messages. */
  tenantScoped: z.boolean(),
  /** Whether `similar` can rank messages (pgvector embeddings). */
  hasSimilar: z.boolean(),
});

export const SourceTenantOut = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.string().nullable(),
  status: z.string().nullable(),
});

export const SourceInfoOut = SourceSummaryOut.extend({
  tables: z.array(SourceTableInfo),
  tenants: z.array(SourceTenantOut),
});
export type SourceInfoOut = z.infer<typeof SourceInfoOut>;

export const SourceConversationOut = z.object({
  id: z.string(),
  title: z.string(),
  /** A second line where the store gives one ("chat 123 · level B1", "user u1", a clinic's state). */
  subtitle: z.string().nullable().optional(),
  /** Messages in the conversation (with `search`: the matching ones); null when they could not be read. */
  messages: z.number().int().nullable(),
  lastActivity: z.string().nullable(),
  /** Rows that are not messages (Rasa: actions, slots, session starts...), counted apart from `messages`. */
  events: z.number().int().optional(),
});

export const ConversationPageOut = z.object({
  conversations: z.array(SourceConversationOut),
  /** Pass as `after` for the next page; null at the end. */
  next: z.string().nullable(),
});

/** What a store knows about a message beyond who said what when (EvoSense's AI analysis, clinic fields...). */
export const MessageAnalysisOut = z.object({
  sentiment: z.number().nullable().optional(),
  emotion: z.string().nullable().optional(),
  satisfaction: z.number().nullable().optional(),
  tone: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
});

export const SourceMessageOut = z.object({
  id: z.string(),
  conversationId: z.string(),
  timestamp: z.string().nullable(),
  role: MessageRole,
  /** The store's own word for the sender. */
  rawRole: z.string().nullable(),
  text: z.string().nullable(),
  analysis: MessageAnalysisOut.nullable(),
  /** Other columns, for display. */
  extra: z.record(z.string(), z.unknown()).nullable(),
});
export type SourceMessageOut = z.infer<typeof SourceMessageOut>;

/** A page in time order (oldest first); newest page when no cursor is given. */
export const SourceMessagePageOut = z.object({
  messages: z.array(SourceMessageOut),
  older: z.string().nullable(),
  newer: z.string().nullable(),
  /** What could not be read for this page (a damaged archive file, with its line); the rest is shown. */
  warnings: z.array(z.string()).optional(),
});
export type SourceMessagePageOut = z.infer<typeof SourceMessagePageOut>;

/** Charts and figure tables of a store (or one tenant): a file kind's, or a server schema's own `kind`. */
export const SourceMetricsOut = LegacyMetrics.omit({ kind: true }).extend({ kind: z.string() });

export const SimilarMessageOut = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  timestamp: z.string().nullable(),
  text: z.string(),
  /** Cosine distance to the selected message's embedding (0 = same direction). */
  distance: z.number(),
});

const ServerUrl = z.string().min(1).max(MAX_PATH_LENGTH);

export const ConnectionsOut = z.object({
  saved: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      /** The URL without its password. */
      label: z.string(),
      /** A password is kept, sealed by the OS keychain (never sent here). */
      hasPassword: z.boolean(),
      savedAt: z.string(),
    }),
  ),
  recent: z.array(z.object({ id: z.string(), label: z.string(), usedAt: z.string() })),
  /** False where no OS keychain can seal a password (browser mode, no keyring). */
  canSavePasswords: z.boolean(),
  /** Why the connections file was not trusted (then ignored), or null. */
  problem: z.string().nullable(),
});
export type ConnectionsOut = z.infer<typeof ConnectionsOut>;

export const sourceOperations = {
  // Runs on main: the session registry (ids, locators with their passwords) is this process's memory.
  'sources.list': query(
    'The server sources this session may read (browser mode: only those given on its command line).',
    z.object({}),
    z.object({ sources: z.array(SourceRef), canConnect: z.boolean() }),
    { runs: 'main' },
  ),
  // Runs on main: it adds the source to the session's registry (this process's memory); the connection
  // that checks the URL and password is made in a worker (main/api/steps.ts).
  'sources.connect': query(
    'Open a server source by URL (postgres://, postgresql://, mysql:// or mariadb://); the password may be given apart from the URL; a MySQL messaging database may name its cold-archive folder.',
    z.object({
      url: ServerUrl,
      password: z.string().max(1024).optional(),
      archive: z.string().max(MAX_PATH_LENGTH).optional(),
    }),
    SourceRef,
    { runs: 'main' },
  ),
  // Saved connections and recent server sources live in Chat Inspector's own settings folder, like the
  // recent list of roots: remembering them is not a write to anyone's data (no `writes`).
  // Runs on main: the app's keychain is reachable only here; the file is read and written in a worker.
  'sources.connections': query(
    'Saved server connections (passwords sealed by the OS keychain, never returned) and recently opened server URLs.',
    z.object({}),
    ConnectionsOut,
    { runs: 'main' },
  ),
  // Runs on main: the app's keychain is reachable only here; the file is read and written in a worker.
  'sources.save': query(
    'Save a server connection: the URL without its password; the password only sealed by the OS keychain, when asked.',
    z.object({
      url: ServerUrl,
      name: z.string().max(200).optional(),
      password: z.string().max(1024).optional(),
      rememberPassword: z.boolean().default(false),
    }),
    ConnectionsOut,
    { runs: 'main' },
  ),
  // Runs on main: the session registry and the app's keychain are this process's; the connection is made
  // in a worker, as sources.connect.
  'sources.connectSaved': query(
    'Open a saved server connection (its password unsealed in the main process only).',
    z.object({ savedId: z.string().min(1).max(64) }),
    SourceRef,
    { runs: 'main' },
  ),
  // Runs on main: the app's keychain is reachable only here; the file is read and written in a worker.
  'sources.forget': query(
    'Forget a saved connection (with its sealed password) or a recent server URL.',
    z.object({ saved: z.string().max(64).optional(), recent: z.string().max(64).optional() }),
    ConnectionsOut,
    { runs: 'main' },
  ),
  'sources.info': query(
    'What a source is: kind, tables with row counts (exact up to 100,000), tenants.',
    z.object({ id: SourceId }),
    SourceInfoOut,
  ),
  'sources.conversations': query(
    "A page of a source's conversations, most recent first (keyset: pass `next` as `after`).",
    z.object({
      id: SourceId,
      tenant: OptionalTenant,
      search: z.string().max(200).optional(),
      after: OptionalCursor,
      limit: Limit,
    }),
    ConversationPageOut,
  ),
  'sources.messages': query(
    "A page of one conversation's messages in time order: the newest, older than `before`, newer than `after`, or from `at`.",
    z.object({
      id: SourceId,
      conversationId: ConversationId,
      tenant: OptionalTenant,
      before: OptionalCursor,
      after: OptionalCursor,
      at: z.string().max(40).optional(),
      limit: Limit,
    }),
    SourceMessagePageOut,
  ),
  'sources.metrics': query(
    'Charts and figure tables of a source (per tenant for multi-tenant sources).',
    z.object({ id: SourceId, tenant: OptionalTenant }),
    SourceMetricsOut,
  ),
  'sources.similar': query(
    "A tenant's messages ranked by embedding distance to one message's own embedding (pgvector).",
    z.object({
      id: SourceId,
      tenant: TenantId.min(1),
      messageId: z.string().min(1).max(40),
      limit: Limit,
    }),
    z.object({ similar: z.array(SimilarMessageOut) }),
  ),
};
