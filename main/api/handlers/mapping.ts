import { AppError } from '../../../shared/errors.ts';
import type { SqlEngine } from '../../sources/sql-engine.ts';
import { guessMapping } from '../../mapping/guess.ts';
import { resolveMapping } from '../../mapping/mapping.ts';
import { MappedSource } from '../../mapping/source.ts';
import { savedMapping } from '../../mapping/store.ts';
import { sourceSession } from '../../sources/session.ts';
import type { Source } from '../../sources/types.ts';
import type { Handlers } from '../types.ts';
import { runStep } from '../steps.ts';
import { probeInWorker } from './sources.ts';

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
  // Opened in a worker (its kind detected there); every read of it then runs in the pool, statements too.
  'sources.openFile': ({ path }, ctx) =>
    sourceSession.openFile(ctx.places.requireFile(path), {}, probeInWorker(ctx)),
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
    // Checked against the source, remembered and opened again with it in a worker (main/api/steps.ts);
    // the registry then keeps the new options, which every worker opens the source with at its next read.
    const saved = await runStep(
      ctx,
      'sources.saveMapping',
      { entry: sourceSession.snapshotEntry(id), mapping, userDataDir: ctx.userDataDir },
      {
        describe:
          'saving the mapping (sources.mapping.save): the source did not answer and the request was stopped',
      },
    );
    await sourceSession.update(
      id,
      { mapping: mapping ?? undefined, mappingHome: ctx.userDataDir },
      saved.kind,
    );
    return saved;
  },
} satisfies Partial<Handlers>;
