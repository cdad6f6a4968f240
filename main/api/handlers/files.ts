import { statSync } from 'node:fs';
import { AppError } from '../../../shared/errors.ts';
import { cellValue, describeFile, legacyMetrics, tablePage } from '../../adapters/index.ts';
import { frameworkOf } from '../../mapping/hint.ts';
import { withSource, type Source } from '../../sources/index.ts';
import { readonlyCache } from '../../sqlite/cache.ts';
import { toAppError, type ReadableDb } from '../../sqlite/open.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

// Single-file operations (legacy, foreign and generic SQLite). Each checks the path against the allow-list.
// A file's conversations and a conversation's messages are read through the file's Source (main/sources:
// the one conversation and message model, keyset pages), as every other store's are. Tables, cells and figures are read in main/adapters/ through the
// bounded connection cache, so paging a table opens the file once. SQLite's own errors become the stable
// codes (corrupt, locked, ...).

function allowedFile(path: string, ctx: HandlerContext): string {
  const real = ctx.places.requireFile(path);
  if (statSync(real).isDirectory())
    throw new AppError('invalid_input', `${path}: is a folder, not a database file`);
  return real;
}

function withFile<T>(path: string, ctx: HandlerContext, read: (db: ReadableDb, real: string) => T): T {
  const real = allowedFile(path, ctx);
  try {
    return read(readonlyCache.get(real), real);
  } catch (error) {
    throw toAppError(error, real);
  }
}

/** The file as a Source, for this request (its kind recognised at open, a remembered mapping applied). */
async function withFileSource<T>(
  path: string,
  ctx: HandlerContext,
  read: (source: Source) => Promise<T>,
): Promise<T> {
  const real = allowedFile(path, ctx);
  try {
    return await withSource(real, { mappingHome: ctx.userDataDir }, read);
  } catch (error) {
    throw toAppError(error, real);
  }
}

export const fileHandlers = {
  'file.open': async ({ path, framework }, ctx) => {
    const info = withFile(path, ctx, (db, real) => describeFile(db, real));
    // A generic file may hold a bot framework's history (main/mapping): `open FILE` says how to read it.
    if (!framework || info.kind !== 'generic') return info;
    const held = await frameworkOf(info.path);
    return held ? { ...info, framework: held } : info;
  },
  'file.rows': ({ path, table, after, limit }, ctx) =>
    withFile(path, ctx, (db) => tablePage(db, table, after, limit)),
  'file.cell': ({ path, table, rowid, column }, ctx) =>
    withFile(path, ctx, (db) => cellValue(db, table, rowid, column)),
  'file.conversations': ({ path, limit }, ctx) =>
    withFileSource(path, ctx, async (source) => {
      // A file of no chat-like kind (a profile.db, a generic file) has none: an empty list, as before.
      if (!source.summary().hasConversations) return { conversations: [], capped: false };
      const page = await source.conversations({ limit });
      return {
        conversations: page.conversations.map((c) => ({
          id: c.id,
          title: c.title,
          subtitle: c.subtitle ?? null,
          messages: c.messages,
          lastActive: c.lastActivity,
        })),
        // More than `limit`: the first page only (the screen says so).
        capped: page.next !== null,
      };
    }),
  'file.messages': ({ path, conversationId, before, after, oldest, limit }, ctx) =>
    withFileSource(path, ctx, (source) => source.messages({ conversationId, before, after, oldest, limit })),
  'file.metrics': ({ path }, ctx) => withFile(path, ctx, (db) => legacyMetrics(db)),
} satisfies Partial<Handlers>;
