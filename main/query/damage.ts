import { statSync } from 'node:fs';
import type { FileInfo } from '../../shared/domain.ts';
import { countRows, journalModeOf, pageSizeOf } from '../adapters/generic.ts';
import { detectKind } from '../adapters/file-kinds.ts';
import { listObjects } from '../sqlite/catalog.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { runWithDeadline } from './runner.ts';

// A damaged file is still browsed: every table that can be read is listed and paged, the ones that
// cannot say why, and SQLite's own quick_check names the damage at the top of the screen.

/** quick_check lines kept (SQLite stops after this many problems). */
const CHECK_LINES = 20;
const CHECK_DEADLINE_MS = 5000;

export interface DamagedFile {
  info: FileInfo;
  unreadable: { table: string; message: string }[];
  /** quick_check's findings ('ok' means none), or null when it did not finish within its time. */
  damage: string[] | null;
}

export function describeTolerant(db: ReadableDb, path: string): Omit<DamagedFile, 'damage'> {
  const unreadable: DamagedFile['unreadable'] = [];
  const objects = listObjects(db);
  const tables = objects.map((object) => {
    let counts = { rowCount: 0, rowCountCapped: false };
    try {
      counts = countRows(db, object);
    } catch (error) {
      unreadable.push({
        table: object.name,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    return { name: object.name, type: object.type, columns: object.columns, ...counts };
  });
  let kind: FileInfo['kind'] = 'generic';
  let hasConversations = false;
  try {
    const detection = detectKind(db);
    kind = detection.kind;
    hasConversations = detection.hasConversations;
  } catch {
    // detection reads rows too: a damaged file is shown as a generic one
  }
  let journalMode = 'unknown';
  let pageSize = 0;
  try {
    journalMode = journalModeOf(db, path);
    pageSize = pageSizeOf(db);
  } catch {
    // the header could not be read in full
  }
  return {
    info: { path, kind, sizeBytes: statSync(path).size, journalMode, pageSize, tables, hasConversations },
    unreadable,
  };
}

/** SQLite's quick_check, in a worker of `pool`, stopped after CHECK_DEADLINE_MS. */
export async function quickCheck(pool: WorkerPool, path: string): Promise<string[] | null> {
  try {
    const result = await runWithDeadline(
      pool,
      {
        path,
        sql: `PRAGMA quick_check(${CHECK_LINES})`,
        params: [],
        rowCap: CHECK_LINES,
        output: 'cells',
        requireReadonly: false,
      },
      CHECK_DEADLINE_MS,
    );
    if (result.output !== 'cells') return null;
    return result.rows.map((r) => {
      const c = r[0];
      return c?.t === 'text' ? c.v : c?.t === 'int' ? c.v : String(c?.t === 'real' ? c.v : '');
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'timeout') return null;
    return [error instanceof Error ? error.message : String(error)];
  }
}
