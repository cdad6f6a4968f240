import { basename, dirname } from 'node:path';
import { recogniseFile } from '../adapters/file-kinds.ts';
import {
  DB_LARGE_BYTES,
  healthOf,
  type FileKind,
  type Finding,
  type SkippedEntry,
} from '../../shared/domain.ts';
import type { ChatCheck } from '../../shared/contract/integrity.ts';
import { fileSizes, openReadonly, toAppError } from '../sqlite/open.ts';
import { CHAT_DIR_PATTERN } from '../adapters/per-chat-schema.ts';
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
        // The file's kind says what a complete file of it holds (main/adapters/file-kinds.ts).
        const { detection, kind: reader } = recogniseFile(db);
        kind = detection.kind;
        const rules = reader.expectation(detection, item.path, tables);
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
