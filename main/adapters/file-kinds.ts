import { basename, dirname } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { MessagePage } from '../../shared/domain.ts';
import { decodeIdCursor, idCursor } from '../sources/keyset.ts';
import type {
  FileDetection,
  FileExpectation,
  PageInput,
  RecognisedFile,
  SqliteFileKind,
} from '../sources/sqlite-file.ts';
import { sourceMessageOf } from '../sources/sqlite-source.ts';
import { CHAT_DIR_PATTERN, CONVERSATIONS_DB, EXPECTED_TABLES, PROFILE_DB } from './per-chat-schema.ts';
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

/** The legacy unified DB the per-chat layout was migrated from: the five per-chat tables in one file. */
const USER_HISTORY_TABLES: FileExpectation['expected'] = {
  ...EXPECTED_TABLES[PROFILE_DB],
  ...EXPECTED_TABLES[CONVERSATIONS_DB],
};
/** DuilioCode (seed 004): SQLAlchemy models plus Alembic's version table. Columns vary by migration. */
const DUILIOCODE_TABLES: FileExpectation['expected'] = {
  user_preferences: null,
  conversation_history: null,
  system_metrics: null,
  alembic_version: null,
};
/** The clinic bot's SQLite fallback (seed 001): the conversation tables every version has. */
const CLINIC_TABLES: FileExpectation['expected'] = { conversations: null, conversation_messages: null };

/** A message key below every real one: the page after it is the oldest. */
const BEFORE_EVERY_KEY = Number.MIN_SAFE_INTEGER;

/**
 * The English-teacher bot's layouts page by message key (main/sources/thread-order.ts): their pages in the
 * one message model, the key as an opaque cursor.
 */
function keyPages(
  read: (db: ReadableDb, path: string, id: string, request: PageInput) => MessagePage,
): SqliteFileKind['messages'] {
  return async (db, path, id, query) => {
    const page = read(db, path, id, {
      before: decodeIdCursor(query.before),
      after: query.oldest ? BEFORE_EVERY_KEY : decodeIdCursor(query.after),
      at: query.at,
      limit: query.limit,
    });
    return {
      messages: page.messages.map((m) => sourceMessageOf(m, id)),
      older: page.olderCursor === null ? null : idCursor(page.olderCursor),
      newer: page.newerCursor === null ? null : idCursor(page.newerCursor),
    };
  };
}

/**
 * A chat folder's id as SQLite can hold it; null beyond the 64-bit integers (no row can carry such an id,
 * and binding it would fail: the integrity check says so apart).
 */
function folderChatId(path: string): { folder: string; id: bigint | null } | null {
  const folder = CHAT_DIR_PATTERN.exec(basename(dirname(path)))?.[1];
  if (folder === undefined) return null;
  const id = BigInt(folder);
  return { folder, id: id < -(2n ** 63n) || id > 2n ** 63n - 1n ? null : id };
}

const userHistoryFileKind: SqliteFileKind = {
  name: 'user_history',
  label: 'unified legacy user_history.db (English-teacher bot)',
  detect: detectUserHistory,
  conversationRelation: userHistoryRelation,
  conversations: (db, _path, limit) => userHistoryConversations(db, limit),
  messages: keyPages((db, _path, id, request) => userHistoryMessages(db, id, request)),
  metrics: (db) => messageMetrics(db, true),
  expectation: (_detection, _path, tables) => ({
    expected: USER_HISTORY_TABLES,
    extraTables: false,
    orphans: tables.get('user_profile')?.includes('chat_id')
      ? {
          tables: ['messages', 'conversation_sessions', 'learning_progress', 'user_preferences'],
          where: 'chat_id NOT IN (SELECT chat_id FROM $schema.user_profile WHERE chat_id IS NOT NULL)',
          params: [],
          whose: 'whose chat_id has no user_profile',
        }
      : undefined,
  }),
};

const duilioCodeFileKind: SqliteFileKind = {
  name: 'duiliocode',
  label: 'DuilioCode assistant database',
  detect: detectDuilioCode,
  conversationRelation: duilioRelation,
  conversations: (db, _path, limit) => duilioConversations(db, limit),
  messages: (db, _path, id, query) => duilioMessages(db, id, query),
  metrics: (db) => duilioMetrics(db),
  expectation: () => ({ expected: DUILIOCODE_TABLES, extraTables: false }),
};

const clinicFileKind: SqliteFileKind = {
  name: 'clinic',
  label: 'WhatsApp clinic bot database (SQLite fallback)',
  detect: detectClinic,
  conversationRelation: clinicRelation,
  conversations: (db, _path, limit) => clinicConversations(db, limit),
  messages: (db, _path, id, query) => clinicMessages(db, id, query),
  metrics: (db) => clinicMetrics(db),
  expectation: () => ({ expected: CLINIC_TABLES, extraTables: false }),
};

const perChatFileKind: SqliteFileKind = {
  name: 'per-chat',
  label: "one chat's file (per-chat layout)",
  detect: detectPerChat,
  conversations: (db, path) => ({ conversations: [perChatConversation(db, path)], capped: false }),
  messages: keyPages(perChatMessages),
  metrics: (db, detection) =>
    detection.perChatFile === 'conversations' && detection.hasConversations
      ? messageMetrics(db, false)
      : tablesOnly(db),
  expectation(detection, path) {
    const file = detection.perChatFile === 'profile' ? PROFILE_DB : CONVERSATIONS_DB;
    const chat = folderChatId(path);
    return {
      expected: EXPECTED_TABLES[file],
      extraTables: true,
      orphans:
        chat && chat.id !== null
          ? {
              tables:
                file === PROFILE_DB
                  ? ['user_profile', 'user_preferences', 'learning_progress']
                  : ['messages', 'conversation_sessions'],
              where: 'chat_id IS NOT ?',
              params: [chat.id],
              whose: `belonging to another chat than ${chat.folder}`,
            }
          : undefined,
    };
  },
};

/** A file no kind recognises: its tables, no conversations. */
const genericFileKind: SqliteFileKind = {
  name: 'generic',
  label: 'SQLite database (no known chatbot schema)',
  detect: () => ({ kind: 'generic', perChatFile: null, hasConversations: false, signals: [] }),
  conversations: () => ({ conversations: [], capped: false }),
  messages: () => Promise.reject(noConversations('generic')),
  metrics: (db) => tablesOnly(db),
  expectation: () => ({ expected: null, extraTables: false }),
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

/** The words for a file kind (`open FILE`), or the kind's own name when it is not one of these. */
export function fileKindLabel(kind: string): string {
  return [...SQLITE_FILE_KINDS, genericFileKind].find((k) => k.name === kind)?.label ?? kind;
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
