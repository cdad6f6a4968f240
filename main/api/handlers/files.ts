import { statSync } from 'node:fs';
import { AppError } from '../../../shared/errors.ts';
import {
  cellValue,
  conversationMessages,
  conversations,
  describeFile,
  legacyMetrics,
  tablePage,
} from '../../adapters/index.ts';
import { frameworkOf } from '../../mapping/hint.ts';
import { readonlyCache } from '../../sqlite/cache.ts';
import { toAppError, type ReadableDb } from '../../sqlite/open.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

// Single-file operations (legacy, foreign and generic SQLite), implemented in main/adapters/.
// Each checks the path against the allow-list, then reads through the bounded connection cache, so
// paging a table opens the file once. SQLite's own errors become the stable codes (corrupt, locked, ...).

function withFile<T>(path: string, ctx: HandlerContext, read: (db: ReadableDb, real: string) => T): T {
  const real = ctx.places.requireFile(path);
  if (statSync(real).isDirectory())
    throw new AppError('invalid_input', `${path}: is a folder, not a database file`);
  try {
    return read(readonlyCache.get(real), real);
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
    withFile(path, ctx, (db, real) => conversations(db, real, limit)),
  'file.messages': ({ path, conversationId, before, after, limit }, ctx) =>
    withFile(path, ctx, (db, real) =>
      conversationMessages(db, real, conversationId, { before, after, limit }),
    ),
  'file.metrics': ({ path }, ctx) => withFile(path, ctx, (db) => legacyMetrics(db)),
} satisfies Partial<Handlers>;
