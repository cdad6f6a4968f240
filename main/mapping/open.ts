import { AppError } from '../../shared/errors.ts';
import type { OpenOptions, Source } from '../sources/types.ts';
import { detectMappedKind } from './kinds.ts';
import { resolveMapping } from './mapping.ts';
import { MappedSource } from './source.ts';
import { savedMapping } from './store.ts';

// Applied to every Source right after it opens (main/sources/registry.ts): an explicit mapping (`--map`)
// first; else, for a store with no recognised conversations, a registered mapped kind (LangChain, Rasa...:
// main/mapping/kinds.ts) recognised by shape;
// else the mapping remembered for this source. Sources without SQL (a per-chat root) pass through.

export async function applyChatMapping(source: Source, options: OpenOptions): Promise<Source> {
  const engine = source.sqlEngine?.();
  if (!engine) {
    if (options.mapping)
      throw new AppError(
        'invalid_input',
        '--map works on an SQLite file or a database URL, not on a data root (its chats are already conversations)',
      );
    return source;
  }
  if (options.mapping) {
    const tables = await engine.tables();
    return new MappedSource(source, engine, await resolveMapping(engine, tables, options.mapping));
  }
  const summary = source.summary();
  if (summary.hasConversations) return source;
  const tables = await engine.tables();
  const kind = await detectMappedKind(engine, tables);
  if (kind)
    return new MappedSource(
      source,
      engine,
      await resolveMapping(engine, tables, kind.mapping, { ...kind.extras, kind: kind.kind }),
    );
  const saved = savedMapping(summary.source, options.mappingHome);
  if (saved) {
    try {
      return new MappedSource(source, engine, await resolveMapping(engine, tables, saved));
    } catch (error) {
      // The schema changed since the mapping was saved: open as it is; the mapping panel shows the guess.
      if (!(error instanceof AppError)) throw error;
    }
  }
  return source;
}
