import { openReadonly } from '../sqlite/open.ts';
import { sqliteEngine } from '../sources/sql-engine.ts';
import { detectMappedKind } from './kinds.ts';

/** For `open FILE` on a file of no known kind: the mapped kind it holds (LangChain, Rasa...), if any (read-only). */
export async function frameworkOf(
  path: string,
): Promise<{ kind: string; label: string; table: string } | null> {
  const { db } = openReadonly(path);
  try {
    const engine = sqliteEngine(db);
    const match = await detectMappedKind(engine, await engine.tables());
    return match ? { kind: match.kind, label: match.label, table: match.table } : null;
  } finally {
    db.close();
  }
}
