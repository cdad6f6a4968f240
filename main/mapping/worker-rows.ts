import { readonlyCache } from '../sqlite/cache.ts';
import { toAppError } from '../sqlite/open.ts';
import type { Row } from '../sources/sql-engine.ts';

// A mapped SQLite file in the app reads in a worker thread, not in the main process: aggregating a big
// table into conversations must never freeze the window. The worker keeps the file open (readonlyCache).

export interface SqliteRowsItem {
  path: string;
  sql: string;
  params: unknown[];
}

export function sqliteRowsTask(item: SqliteRowsItem): Row[] {
  try {
    return readonlyCache
      .get(item.path)
      .prepare(item.sql)
      .all(...item.params) as Row[];
  } catch (error) {
    throw toAppError(error, item.path);
  }
}
