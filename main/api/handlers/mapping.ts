import { AppError } from '../../../shared/errors.ts';
import type { SqlEngine } from '../../sources/sql-engine.ts';
import { guessMapping } from '../../mapping/guess.ts';
import { resolveMapping } from '../../mapping/mapping.ts';
import { MappedSource } from '../../mapping/source.ts';
import { savedMapping, saveMapping } from '../../mapping/store.ts';
import { sourceSession } from '../../sources/session.ts';
import type { Source } from '../../sources/types.ts';
import type { Handlers } from '../types.ts';

// Mapping any chat-like schema onto conversations in the app (contract: shared/contract/mapping.ts). The
// remembered mapping is an app setting in Chat Inspector's own folder (like the recent list), never a write
// to the data: the source itself stays read-only throughout.

async function sourceWithEngine(id: string): Promise<{ source: Source; engine: SqlEngine }> {
  const source = await sourceSession.open(id);
  const engine = source.sqlEngine?.();
  if (!engine)
    throw new AppError('invalid_input', 'this source is not one SQL database: there is nothing to map');
  return { source, engine };
}

export const mappingHandlers = {
  'sources.openFile': ({ path }, ctx) => {
    const pool = ctx.offload;
    // The mapping's statements run in a worker (the conversations of a big table are an aggregation).
    return sourceSession.openFile(
      ctx.places.requireFile(path),
      pool
        ? {
            sqliteRows: (file, sql, params) =>
              pool.run('mapping.rows', { path: file, sql, params }, { deadlineMs: ctx.deadlineMs ?? 10_000 }),
          }
        : {},
    );
  },
  'sources.mapping.guess': async ({ id }, ctx) => {
    const { source, engine } = await sourceWithEngine(id);
    const { tables, guess } = await guessMapping(engine, await engine.tables());
    return {
      kind: source.summary().kind,
      tables,
      guess,
      saved: savedMapping(source.summary().source, ctx.userDataDir),
    };
  },
  'sources.mapping.preview': async ({ id, mapping, limit }) => {
    const { source, engine } = await sourceWithEngine(id);
    // Not closed: it borrows the open source's connection for two reads.
    const mapped = new MappedSource(
      source,
      engine,
      await resolveMapping(engine, await engine.tables(), mapping),
    );
    const first = (await mapped.conversations({ limit: 1 })).conversations[0];
    if (!first) return { conversationId: null, messages: [] };
    const page = await mapped.messages({ conversationId: first.id, limit, at: '0001-01-01' });
    return { conversationId: first.id, messages: page.messages };
  },
  'sources.mapping.save': async ({ id, mapping }, ctx) => {
    const { source, engine } = await sourceWithEngine(id);
    // Checked before it is remembered: a mapping that names no real column is refused, nothing written.
    if (mapping) await resolveMapping(engine, await engine.tables(), mapping);
    saveMapping(source.summary().source, mapping, ctx.userDataDir);
    // Options merge into the source's own (a worker for SQLite files): the mapping is set or cleared here.
    const reopened = await sourceSession.reopen(id, {
      mapping: mapping ?? undefined,
      mappingHome: ctx.userDataDir,
    });
    const summary = reopened.summary();
    return { kind: summary.kind, hasConversations: summary.hasConversations };
  },
} satisfies Partial<Handlers>;
