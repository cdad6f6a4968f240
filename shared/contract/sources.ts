import { z } from 'zod';
import { LegacyMetrics } from '../domain.ts';
import { query } from './define.ts';

// Server sources (PostgreSQL today, MySQL next) in the app: connect, then browse through the Source model.
// A connection is named by an id; its URL and password stay in the main process (never sent back).

export const SourceRef = z.object({
  id: z.string(),
  /** The URL with its password masked. */
  label: z.string(),
  kind: z.string().nullable(),
});
export type SourceRef = z.infer<typeof SourceRef>;

const SourceId = z.string().min(1).max(64);
const TenantId = z.string().max(64).optional();
const Cursor = z.string().max(2000).optional();
const Limit = z.number().int().min(1).max(500).default(50);

export const SourceTableInfo = z.object({
  name: z.string(),
  type: z.enum(['table', 'view']),
  columns: z.number().int(),
  rows: z.number().nullable(),
  rowsEstimated: z.boolean(),
  readable: z.boolean().optional(),
});

export const SourceInfoOut = z.object({
  source: z.string(),
  engine: z.enum(['root', 'sqlite', 'postgres', 'mysql']),
  kind: z.string(),
  hasConversations: z.boolean(),
  tenantScoped: z.boolean(),
  hasSimilar: z.boolean(),
  tables: z.array(SourceTableInfo),
  tenants: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      plan: z.string().nullable(),
      status: z.string().nullable(),
    }),
  ),
});
export type SourceInfoOut = z.infer<typeof SourceInfoOut>;

export const SourceConversationOut = z.object({
  id: z.string(),
  title: z.string(),
  messages: z.number().int(),
  lastActivity: z.string().nullable(),
});

export const SourceMessageOut = z.object({
  id: z.string(),
  conversationId: z.string(),
  timestamp: z.string().nullable(),
  role: z.enum(['user', 'bot', 'system']),
  rawRole: z.string().nullable(),
  text: z.string().nullable(),
  analysis: z
    .object({
      sentiment: z.number().nullable().optional(),
      emotion: z.string().nullable().optional(),
      satisfaction: z.number().nullable().optional(),
      tone: z.string().nullable().optional(),
      summary: z.string().nullable().optional(),
    })
    .nullable(),
  extra: z.record(z.string(), z.unknown()).nullable(),
});
export type SourceMessageOut = z.infer<typeof SourceMessageOut>;

export const sourceOperations = {
  'sources.list': query(
    'The server sources this session may read (browser mode: only those given on its command line).',
    z.object({}),
    z.object({ sources: z.array(SourceRef), canConnect: z.boolean() }),
  ),
  'sources.connect': query(
    'Open a server source by URL (postgres://, postgresql://, mysql:// or mariadb://); the password may be given apart from the URL; a MySQL messaging database may name its cold-archive folder.',
    z.object({
      url: z.string().min(1).max(4096),
      password: z.string().max(1024).optional(),
      archive: z.string().max(4096).optional(),
    }),
    SourceRef,
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
      tenant: TenantId,
      search: z.string().max(200).optional(),
      after: Cursor,
      limit: Limit,
    }),
    z.object({ conversations: z.array(SourceConversationOut), next: z.string().nullable() }),
  ),
  'sources.messages': query(
    "A page of one conversation's messages in time order: the newest, older than `before`, newer than `after`, or from `at`.",
    z.object({
      id: SourceId,
      conversationId: z.string().min(1).max(512),
      tenant: TenantId,
      before: Cursor,
      after: Cursor,
      at: z.string().max(40).optional(),
      limit: Limit,
    }),
    z.object({
      messages: z.array(SourceMessageOut),
      older: z.string().nullable(),
      newer: z.string().nullable(),
      /** What could not be read for this page (a damaged archive file and line); the rest is shown. */
      warnings: z.array(z.string()).optional(),
    }),
  ),
  'sources.metrics': query(
    'Charts and figure tables of a source (per tenant for multi-tenant sources).',
    z.object({ id: SourceId, tenant: TenantId }),
    LegacyMetrics.omit({ kind: true }).extend({ kind: z.string() }),
  ),
  'sources.similar': query(
    "A tenant's messages ranked by embedding distance to one message's own embedding (pgvector).",
    z.object({
      id: SourceId,
      tenant: z.string().min(1).max(64),
      messageId: z.string().min(1).max(40),
      limit: Limit,
    }),
    z.object({
      similar: z.array(
        z.object({
          conversationId: z.string(),
          messageId: z.string(),
          timestamp: z.string().nullable(),
          text: z.string(),
          distance: z.number(),
        }),
      ),
    }),
  ),
};
