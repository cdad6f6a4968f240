import { openReadonly } from '../sqlite/open.ts';
import { sqliteEngine } from './engine.ts';
import { detectFramework } from './frameworks.ts';

/** For `open FILE` on a file of no known kind: the bot framework store it holds, if any (read-only). */
export async function frameworkOf(
  path: string,
): Promise<{ kind: 'langchain' | 'rasa'; table: string } | null> {
  const { db } = openReadonly(path);
  try {
    const engine = sqliteEngine(db);
    const match = await detectFramework(engine, await engine.tables());
    return match ? { kind: match.kind, table: match.table } : null;
  } finally {
    db.close();
  }
}
