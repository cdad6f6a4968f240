import { z } from 'zod';
import { ChatTreeInput } from './browse.ts';
import { ExportFormat, ExportResult } from './backup.ts';
import { job, query } from './define.ts';
import { ChatMapping } from './mapping.ts';
import { ConversationId, Cursor, MAX_PATH_LENGTH, PathInput, TenantId, pageLimit } from './primitives.ts';
import {
  ConversationPageOut,
  SimilarMessageOut,
  SourceInfoOut,
  SourceMessagePageOut,
  SourceSummaryOut,
  SourceTenantOut,
} from './sources.ts';

// Reads of any source named by its locator — a data root folder, an SQLite file, a postgres:// or mysql://
// URL — opened for the one call and closed after it: nothing is added to the session's sources, the recent
// list or the saved connections. A folder or file must be on the allow-list; a server URL must be one the
// session knows (given on the command line, or connected in the app), so browser mode still reaches only
// the servers named when it started. The CLI's open, conversations, messages, similar and export of a
// source run through these.

/** How a locator is opened: the server statement time limit, a mapping of any table, a cold archive. */
const OpenFields = {
  /** A folder, an SQLite file, or a postgres:// / mysql:// URL (its password is never sent back). */
  locator: PathInput,
  statementTimeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  /** Read conversations through this mapping (`--map`): checked against the schema at open. */
  mapping: ChatMapping.optional(),
  /** A MySQL messaging database's cold-archive folder (<company>/<YYYY-MM>.jsonl.gz). */
  archive: z.string().min(1).max(MAX_PATH_LENGTH).optional(),
};

const Tenant = TenantId.optional();
const Limit = pageLimit(1000, 50);

export const LocatorInfoOut = SourceSummaryOut.extend({
  tables: SourceInfoOut.shape.tables,
  /** Only for a multi-tenant source (then the tenants to choose from). */
  tenants: z.array(SourceTenantOut).optional(),
});

export const locatorOperations = {
  'locator.info': query(
    'What a source named by its locator is: kind, tables with row counts, and the tenants of a multi-tenant one.',
    z.object(OpenFields),
    LocatorInfoOut,
  ),
  'locator.conversations': query(
    "A page of a located source's conversations, most recent first (a multi-tenant source needs `tenant`).",
    z.object({
      ...OpenFields,
      tenant: Tenant,
      search: z.string().max(200).optional(),
      after: Cursor.optional(),
      limit: Limit,
    }),
    ConversationPageOut.extend({ summary: SourceSummaryOut }),
  ),
  'locator.messages': query(
    "A page of one conversation's messages of a located source in time order: the newest, older than `before`, newer than `after`, or from `at`.",
    z.object({
      ...OpenFields,
      conversationId: ConversationId,
      tenant: Tenant,
      /** One of before, after and at (else the newest page). */
      before: Cursor.optional(),
      after: Cursor.optional(),
      at: z.string().max(40).optional(),
      limit: Limit,
    }),
    SourceMessagePageOut,
  ),
  'locator.similar': query(
    "A tenant's messages of a located EvoSense database ranked by embedding distance to one message's own embedding (pgvector).",
    z.object({
      ...OpenFields,
      tenant: TenantId.min(1),
      messageId: z.string().min(1).max(40),
      limit: pageLimit(1000, 10),
    }),
    z.object({
      source: z.string(),
      tenant: z.string(),
      messageId: z.string(),
      similar: z.array(SimilarMessageOut),
    }),
  ),
  // A job: a conversation of any size is streamed to the file, with progress and cancel.
  'export.source': job(
    'Export one conversation of a located source (an SQLite file or a database URL) as JSON, CSV or printable HTML, optionally masking phones, e-mails and names.',
    z.object({
      ...OpenFields,
      conversationId: ConversationId,
      tenant: Tenant,
      format: ExportFormat,
      out: PathInput,
      redact: z.boolean().default(false),
      /** Replace `out` if it exists (else an existing file is refused). */
      overwrite: z.boolean().default(false),
    }),
    z.null(),
    ExportResult,
    { writes: true },
  ),
  'root.check': query(
    'Whether a folder is a data root (it holds chat_<id> folders) and, given one, that `tree` is one of its chat trees; its trees, the current one first.',
    z.object({
      root: PathInput,
      /** The root as the person typed it, for the error line (default: `root`). */
      shownAs: z.string().max(MAX_PATH_LENGTH).optional(),
      tree: ChatTreeInput.optional(),
      /** Also require chat_<id> folders (a fresh root may hold none yet). */
      chats: z.boolean().default(true),
    }),
    z.object({ trees: z.array(z.object({ tree: z.string(), dir: z.string() })) }),
  ),
  // The demo data: written only into a new or empty folder, or an empty database, on an explicit request.
  'demo.root': query(
    'Write the demo data root (healthy chats, one of each damaged kind, stray entries, legacy files) into a new or empty folder.',
    z.object({ dir: PathInput }),
    z.object({ root: z.string(), chats: z.string(), legacy: z.string() }),
    { writes: true, cliOnly: true },
  ),
  'demo.postgres': query(
    'Fill an empty PostgreSQL database (a URL the session knows) with the EvoSense demo data.',
    z.object({ url: PathInput }),
    z.object({
      source: z.string(),
      kind: z.literal('evosense'),
      tenants: z.array(
        z.object({ id: z.string(), name: z.string(), plan: z.string(), messages: z.number().int() }),
      ),
      messages: z.number().int(),
    }),
    { writes: true, cliOnly: true },
  ),
  'demo.mysql': query(
    "Fill an empty MySQL/MariaDB database (a URL the session knows) with seed 003's messaging demo, and write its cold archive into a new or empty folder.",
    z.object({ url: PathInput, archive: PathInput }),
    z.object({
      source: z.string(),
      archive: z.string(),
      kind: z.literal('messaging'),
      companies: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          conversations: z.number().int(),
          messages: z.number().int(),
        }),
      ),
      messages: z.object({ hot: z.number().int(), warm: z.number().int(), cold: z.number().int() }),
    }),
    { writes: true, cliOnly: true },
  ),
};
