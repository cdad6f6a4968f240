import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { FileDetection, RecognisedFile, SqliteFileKind } from '../sources/sqlite-file.ts';
import { clinicConversations, clinicMessages, clinicMetrics } from './clinic.ts';
import { detectClinic, detectDuilioCode, detectPerChat, detectUserHistory } from './detect.ts';
import { duilioConversations, duilioMessages, duilioMetrics } from './duiliocode.ts';
import { clinicRelation, duilioRelation, userHistoryRelation } from './relations.ts';
import { tablesOnly } from './tables-only.ts';
import {
  messageMetrics,
  perChatConversation,
  perChatMessages,
  userHistoryConversations,
  userHistoryMessages,
} from './user-history.ts';

// The kinds of single SQLite file, each one declaration: how it is recognised, its conversations as an SQL
// relation, its thread pages and its figures. Tried in this order (see main/adapters/detect.ts); a file no
// kind recognises is 'generic' (tables only). A chat schema that is plain rows of messages needs none of
// this: it is a mapped kind (docs/adding-a-source.md).

export const userHistoryFileKind: SqliteFileKind = {
  name: 'user_history',
  detect: detectUserHistory,
  conversationRelation: userHistoryRelation,
  conversations: (db, _path, limit) => userHistoryConversations(db, limit),
  messages: (db, _path, id, request) => userHistoryMessages(db, id, request),
  metrics: (db) => messageMetrics(db, true),
};

export const duilioCodeFileKind: SqliteFileKind = {
  name: 'duiliocode',
  detect: detectDuilioCode,
  conversationRelation: duilioRelation,
  conversations: (db, _path, limit) => duilioConversations(db, limit),
  messages: (db, _path, id, request) => duilioMessages(db, id, request),
  metrics: (db) => duilioMetrics(db),
};

export const clinicFileKind: SqliteFileKind = {
  name: 'clinic',
  detect: detectClinic,
  conversationRelation: clinicRelation,
  conversations: (db, _path, limit) => clinicConversations(db, limit),
  messages: (db, _path, id, request) => clinicMessages(db, id, request),
  metrics: (db) => clinicMetrics(db),
};

export const perChatFileKind: SqliteFileKind = {
  name: 'per-chat',
  detect: detectPerChat,
  conversations: (db, path) => ({ conversations: [perChatConversation(db, path)], capped: false }),
  messages: (db, path, id, request) => perChatMessages(db, path, id, request),
  metrics: (db, detection) =>
    detection.perChatFile === 'conversations' && detection.hasConversations
      ? messageMetrics(db, false)
      : tablesOnly(db),
};

/** A file no kind recognises: its tables, no conversations. */
export const genericFileKind: SqliteFileKind = {
  name: 'generic',
  detect: () => ({ kind: 'generic', perChatFile: null, hasConversations: false, signals: [] }),
  conversations: () => ({ conversations: [], capped: false }),
  messages: () => {
    throw noConversations('generic');
  },
  metrics: (db) => tablesOnly(db),
};

/** In detection order: DuilioCode and clinic before the English-teacher bot's two layouts. */
export const SQLITE_FILE_KINDS: readonly SqliteFileKind[] = [
  duilioCodeFileKind,
  clinicFileKind,
  userHistoryFileKind,
  perChatFileKind,
];

// A connection of the cache (main/sqlite/cache.ts) serves many pages of the Files screen: the file is
// recognised once per connection and schema version, not on every page.
const recognised = new WeakMap<ReadableDb, { schemaVersion: number; file: RecognisedFile }>();

function schemaVersionOf(db: ReadableDb): number {
  return Number(db.prepare('PRAGMA schema_version').pluck().get());
}

/** What a file is: the first kind that recognises it, or generic. */
export function recogniseFile(db: ReadableDb): RecognisedFile {
  const schemaVersion = schemaVersionOf(db);
  const known = recognised.get(db);
  if (known && known.schemaVersion === schemaVersion) return known.file;
  let file: RecognisedFile | null = null;
  for (const kind of SQLITE_FILE_KINDS) {
    const detection = kind.detect(db);
    if (detection) {
      file = { detection, kind };
      break;
    }
  }
  file ??= { detection: genericFileKind.detect(db)!, kind: genericFileKind };
  recognised.set(db, { schemaVersion, file });
  return file;
}

export function detectKind(db: ReadableDb): FileDetection {
  return recogniseFile(db).detection;
}

/** Refusing to page a file without conversations, in words that say what the file is. */
export function noConversations(
  detection: Pick<FileDetection, 'kind' | 'perChatFile'> | 'generic',
): AppError {
  const kind = detection === 'generic' ? 'generic' : detection.kind;
  return new AppError(
    'invalid_input',
    `this file holds no conversations (it is a ${kind === 'per-chat' ? "chat's profile.db" : `${kind} SQLite file`}); browse its tables instead`,
  );
}
