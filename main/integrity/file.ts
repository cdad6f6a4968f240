import { basename, dirname } from 'node:path';
import type { Detection } from '../adapters/detect.ts';
import { detectKind } from '../adapters/file-kinds.ts';
import {
  DB_LARGE_BYTES,
  healthOf,
  type FileKind,
  type Finding,
  type SkippedEntry,
} from '../../shared/domain.ts';
import type { ChatCheck } from '../../shared/contract/integrity.ts';
import { fileSizes, openReadonly, toAppError } from '../sqlite/open.ts';
import { CHAT_DIR_PATTERN, CONVERSATIONS_DB, EXPECTED_TABLES, PROFILE_DB } from '../store/schema.ts';
import { finding, findingFromError } from '../store/summary.ts';
import { CHECK_BUSY_TIMEOUT_MS, dedupe, orderFindings } from './chat.ts';
import {
  countRowsWhere,
  foreignKeyViolations,
  isDamageError,
  orphanCheckSkipped,
  orphanFinding,
  pageCheck,
  readTableColumns,
  schemaDrift,
  sqliteChatId,
  type Expectation,
  type TableColumns,
} from './checks.ts';

/** One SQLite file to check (a worker-thread item). */
export interface FileCheckItem {
  path: string;
  full: boolean;
  busyTimeoutMs?: number;
}

export interface FileCheckOutcome {
  check: ChatCheck;
  kind: FileKind;
  /** Checks that could not apply (an orphan check for a chat id beyond SQLite's integers). */
  skipped?: SkippedEntry[];
}

/** The legacy unified DB the per-chat layout was migrated from: the five per-chat tables in one file. */
const USER_HISTORY_TABLES: Expectation = {
  ...EXPECTED_TABLES[PROFILE_DB],
  ...EXPECTED_TABLES[CONVERSATIONS_DB],
};
/** DuilioCode (seed 004): SQLAlchemy models plus Alembic's version table. Columns vary by migration. */
const DUILIOCODE_TABLES: Expectation = {
  user_preferences: null,
  conversation_history: null,
  system_metrics: null,
  alembic_version: null,
};
/** The clinic bot's SQLite fallback (seed 001): the conversation tables every version has. */
const CLINIC_TABLES: Expectation = { conversations: null, conversation_messages: null };

interface KindRules {
  expected: Expectation | null;
  extraTables: boolean;
  /** Full mode: orphan rows as a WHERE clause over chat_id, the tables it applies to, and how to say it. */
  orphans?: { tables: readonly string[]; where: string; params: unknown[]; whose: string };
}

function rulesFor(detection: Detection, path: string, tables: TableColumns): KindRules {
  const kind = detection.kind;
  switch (kind) {
    case 'user_history':
      return {
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
      };
    case 'per-chat': {
      const file = detection.perChatFile === 'profile' ? PROFILE_DB : CONVERSATIONS_DB;
      const folder = CHAT_DIR_PATTERN.exec(basename(dirname(path)));
      const chatId = folder ? sqliteChatId(folder[1]!) : null;
      const keyed =
        file === PROFILE_DB
          ? ['user_profile', 'user_preferences', 'learning_progress']
          : ['messages', 'conversation_sessions'];
      return {
        expected: EXPECTED_TABLES[file],
        extraTables: true,
        orphans:
          folder && chatId !== null
            ? {
                tables: keyed,
                where: 'chat_id IS NOT ?',
                params: [chatId],
                whose: `belonging to another chat than ${folder[1]}`,
              }
            : undefined,
      };
    }
    case 'duiliocode':
      return { expected: DUILIOCODE_TABLES, extraTables: false };
    case 'clinic':
      return { expected: CLINIC_TABLES, extraTables: false };
    default:
      return { expected: null, extraTables: false };
  }
}

/**
 * Checks one SQLite file on its own: the header and size, quick_check (integrity_check in full mode),
 * the schema its kind expects, and in full mode foreign keys and orphan rows. Never throws for a
 * damaged or locked file: those are findings.
 */
export function checkFileTask(item: FileCheckItem): FileCheckOutcome {
  const file = basename(item.path);
  const findings: Finding[] = [];
  let kind: FileKind = 'generic';
  const sizes = fileSizes(item.path);
  try {
    const { db } = openReadonly(item.path, { busyTimeoutMs: item.busyTimeoutMs ?? CHECK_BUSY_TIMEOUT_MS });
    try {
      const damage = pageCheck(db, 'main', file, item.full);
      if (damage) findings.push(damage);
      try {
        const tables = readTableColumns(db, 'main');
        const detection = detectKind(db);
        kind = detection.kind;
        const rules = rulesFor(detection, item.path, tables);
        if (rules.expected) {
          const advice =
            kind === 'generic'
              ? undefined
              : `it does not look like a complete ${kind} database; check the file before relying on it`;
          const drift = schemaDrift(tables, rules.expected, file, { extraTables: rules.extraTables, advice });
          if (drift) findings.push(drift);
        }
        if (item.full) {
          const fk = foreignKeyViolations(db, 'main', file);
          if (fk) findings.push(fk);
          if (rules.orphans) {
            const { tables: names, where, params, whose } = rules.orphans;
            const orphan = orphanFinding(
              file,
              countRowsWhere(db, 'main', tables, names, where, params),
              whose,
            );
            if (orphan) findings.push(orphan);
          }
        }
      } catch (error) {
        if (!(damage && isDamageError(error))) throw error;
      }
    } finally {
      db.close();
    }
  } catch (error) {
    findings.push(findingFromError(toAppError(error, file), file));
  }
  if (sizes.walBytes > 0) {
    findings.push(
      finding(
        'wal_pending',
        file,
        `${file} has recent changes still in its -wal file (normal while its program runs; they are included).`,
        { walBytes: sizes.walBytes },
      ),
    );
  }
  // The bot's 10 MB alert is about one chat's DB; a legacy or foreign DB holds everyone and is large by nature.
  const total = sizes.sizeBytes + sizes.walBytes;
  if (kind === 'per-chat' && total > DB_LARGE_BYTES) {
    findings.push(
      finding(
        'db_large',
        file,
        `${file} is ${(total / 1048576).toFixed(1)} MB (over 10 MB): review or archive old history.`,
        { mb: Number((total / 1048576).toFixed(1)), limitMb: DB_LARGE_BYTES / 1048576 },
      ),
    );
  }
  const ordered = orderFindings(dedupe(findings));
  const check: ChatCheck = { chatId: file, status: healthOf(ordered), findings: ordered };
  const folder = CHAT_DIR_PATTERN.exec(basename(dirname(item.path)));
  if (item.full && kind === 'per-chat' && folder && sqliteChatId(folder[1]!) === null) {
    return { check, kind, skipped: [orphanCheckSkipped(item.path, folder[1]!)] };
  }
  return { check, kind };
}
