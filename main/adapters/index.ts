import { statSync } from 'node:fs';
import type { FileInfo, LegacyMetrics, TablePage } from '../../shared/domain.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { recogniseFile } from './file-kinds.ts';
import { describeTables, journalModeOf, pageSizeOf, readCellValue, readTablePage } from './generic.ts';
import { listObjects } from '../sqlite/catalog.ts';
import type { ConversationList } from './types.ts';

// Single SQLite files of any kind: the generic table browser, and the file kinds (main/adapters/file-kinds.ts)
// that map chat-like files (user_history, duiliocode, clinic, a chat's conversations.db) onto the common
// model. Every function takes an open read-only connection; callers own opening (readonlyCache or
// withReadonly). The file is recognised once per connection (recogniseFile), not on every page.

export { detectKind, fileKindLabel, recogniseFile } from './file-kinds.ts';
export { formatCount } from './tables-only.ts';
export type { Detection } from './detect.ts';
export type { ConversationList, PageInput } from './types.ts';

export function describeFile(db: ReadableDb, path: string): FileInfo {
  const { detection } = recogniseFile(db);
  return {
    path,
    kind: detection.kind,
    sizeBytes: statSync(path).size,
    journalMode: journalModeOf(db, path),
    pageSize: pageSizeOf(db),
    tables: describeTables(db, listObjects(db)),
    hasConversations: detection.hasConversations,
  };
}

export function tablePage(
  db: ReadableDb,
  table: string,
  after: string | undefined,
  limit: number,
): TablePage {
  return readTablePage(db, table, after, limit);
}

export function cellValue(
  db: ReadableDb,
  table: string,
  rowid: string,
  column: string,
): { text: string; isJson: boolean } {
  return readCellValue(db, table, rowid, column);
}

export function conversations(db: ReadableDb, path: string, limit: number): ConversationList {
  const { detection, kind } = recogniseFile(db);
  if (!detection.hasConversations) return { conversations: [], capped: false };
  return kind.conversations(db, path, limit);
}

export function legacyMetrics(db: ReadableDb): LegacyMetrics {
  const { detection, kind } = recogniseFile(db);
  return { kind: detection.kind, ...kind.metrics(db, detection) };
}
