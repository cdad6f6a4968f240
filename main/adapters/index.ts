import { statSync } from 'node:fs';
import type { FileInfo, LegacyMetrics, MessagePage, TablePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { clinicConversations, clinicMessages, clinicMetrics } from './clinic.ts';
import { detectKind, type Detection } from './detect.ts';
import { duilioConversations, duilioMessages, duilioMetrics } from './duiliocode.ts';
import { describeTables, journalModeOf, pageSizeOf, readCellValue, readTablePage } from './generic.ts';
import { listObjects } from './schema.ts';
import type { Chart, FigureTable } from './stats.ts';
import type { ConversationList, PageInput } from './types.ts';
import {
  messageMetrics,
  perChatConversation,
  perChatMessages,
  userHistoryConversations,
  userHistoryMessages,
} from './user-history.ts';

// Single SQLite files of any kind: detection, the generic table browser, and the adapters that map
// chat-like kinds (user_history, duiliocode, clinic, a chat's conversations.db) onto the common model.
// Every function takes an open read-only connection; callers own opening (readonlyCache or withReadonly).

export { detectKind, type Detection } from './detect.ts';
export type { ConversationList, PageInput } from './types.ts';

export function describeFile(db: ReadableDb, path: string): FileInfo {
  const detection = detectKind(db);
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
  const detection = detectKind(db);
  if (!detection.hasConversations) return { conversations: [], capped: false };
  switch (detection.kind) {
    case 'user_history':
      return userHistoryConversations(db, limit);
    case 'duiliocode':
      return duilioConversations(db, limit);
    case 'clinic':
      return clinicConversations(db, limit);
    case 'per-chat':
      return { conversations: [perChatConversation(db, path)], capped: false };
    default:
      return { conversations: [], capped: false };
  }
}

export function conversationMessages(
  db: ReadableDb,
  path: string,
  conversationId: string,
  request: PageInput,
): MessagePage {
  const detection = detectKind(db);
  if (!detection.hasConversations) throw noConversations(detection);
  switch (detection.kind) {
    case 'user_history':
      return userHistoryMessages(db, conversationId, request);
    case 'duiliocode':
      return duilioMessages(db, conversationId, request);
    case 'clinic':
      return clinicMessages(db, conversationId, request);
    case 'per-chat':
      return perChatMessages(db, path, conversationId, request);
    default:
      throw noConversations(detection);
  }
}

export function legacyMetrics(db: ReadableDb): LegacyMetrics {
  const detection = detectKind(db);
  let figures: { charts: Chart[]; tables: FigureTable[] };
  switch (detection.kind) {
    case 'user_history':
      figures = messageMetrics(db, true);
      break;
    case 'duiliocode':
      figures = duilioMetrics(db);
      break;
    case 'clinic':
      figures = clinicMetrics(db);
      break;
    case 'per-chat':
      figures =
        detection.perChatFile === 'conversations' && detection.hasConversations
          ? messageMetrics(db, false)
          : tablesOnly(db);
      break;
    default:
      figures = tablesOnly(db);
  }
  return { kind: detection.kind, ...figures };
}

/** Generic files: no charts, one table of the file's tables and their (capped) row counts. */
function tablesOnly(db: ReadableDb): { charts: Chart[]; tables: FigureTable[] } {
  const tables = describeTables(db);
  return {
    charts: [],
    tables: [
      {
        id: 'tables',
        title: 'Tables',
        columns: ['Table', 'Type', 'Columns', 'Rows'],
        rows: tables.map((t) => [
          t.name,
          t.type,
          String(t.columns.length),
          formatCount(t.rowCount, t.rowCountCapped),
        ]),
      },
    ],
  };
}

/** A capped count as a person reads it: ">10000" when counting stopped at the cap. */
export function formatCount(rowCount: number, capped: boolean): string {
  return capped ? `>${rowCount}` : String(rowCount);
}

function noConversations(detection: Detection): AppError {
  return new AppError(
    'invalid_input',
    `this file holds no conversations (it is a ${detection.kind === 'per-chat' ? "chat's profile.db" : `${detection.kind} SQLite file`}); browse its tables instead`,
  );
}
