import {
  SEVERITY_OF,
  healthOf,
  type Finding,
  type Severity,
  type SkippedEntry,
} from '../../shared/domain.ts';
import type { ChatCheck } from '../../shared/contract/integrity.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { openForCheck, schemaOf } from './attach.ts';
import { CONVERSATIONS_DB, EXPECTED_TABLES, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { summarizeChatTask, type DbInspector, type ScanItem } from '../store/summary.ts';
import {
  countRowsWhere,
  foreignKeyViolations,
  isDamageError,
  orphanCheckSkipped,
  orphanFinding,
  checkPagesAndSchema,
  sqliteChatId,
} from './checks.ts';

/** One chat folder to check (a worker-thread item: plain data). */
export interface ChatCheckItem extends ScanItem {
  full: boolean;
}

export interface ChatCheckOutcome {
  kind: 'chat';
  check: ChatCheck;
  skipped?: SkippedEntry[];
}

/** Per-chat tables keyed by chat_id, by file: a row of another chat_id there is an orphan. */
const CHAT_KEYED: Record<typeof PROFILE_DB | typeof CONVERSATIONS_DB, readonly string[]> = {
  [PROFILE_DB]: ['user_profile', 'user_preferences', 'learning_progress'],
  [CONVERSATIONS_DB]: ['messages', 'conversation_sessions'],
};

/** How long a check waits for a writer's lock before reporting the file as `locked`. */
export const CHECK_BUSY_TIMEOUT_MS = 1000;

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Every finding of one chat folder. The cheap ones (files, metadata, WAL, size, inactivity) come from the
 * scan's summarizeChatTask; on the same open connection this adds quick_check (integrity_check in full
 * mode), schema drift, and in full mode foreign_key_check and orphan rows. Never throws for a damaged
 * or locked file: those are findings.
 */
export function checkChatTask(item: ChatCheckItem): ChatCheckOutcome {
  const outcome = summarizeChatTask(
    { ...item, busyTimeoutMs: item.busyTimeoutMs ?? CHECK_BUSY_TIMEOUT_MS },
    chatInspector(item),
    openForCheck,
  );
  const findings = orderFindings(dedupe(outcome.findings));
  const check: ChatCheck = { chatId: item.chatId, status: healthOf(findings), findings };
  return item.full && sqliteChatId(item.chatId) === null
    ? { kind: 'chat', check, skipped: [orphanCheckSkipped(item.dir, item.chatId)] }
    : { kind: 'chat', check };
}

/**
 * The checks run on each DB while it is open for the figures (summarizeChatTask's inspector): the fleet
 * index's one pass uses it too, so the list, the chat header and this check come from the same findings.
 */
export function chatInspector(item: ChatCheckItem): DbInspector {
  const chatId = sqliteChatId(item.chatId);
  return (file: typeof PROFILE_DB | typeof CONVERSATIONS_DB, db: ReadableDb): Finding[] => {
    const out: Finding[] = [];
    const schema = schemaOf(db);
    const { damage, shape } = checkPagesAndSchema(db, schema, file, item.full, EXPECTED_TABLES[file], {
      extraTables: true,
    });
    if (damage) out.push(damage);
    // A file whose schema cannot be read has nothing more to check.
    if (!shape) return out;
    try {
      const { tables, drift } = shape;
      if (drift) out.push(drift);
      if (item.full) {
        const fk = foreignKeyViolations(db, schema, file);
        if (fk) out.push(fk);
        if (chatId === null) return out;
        const orphans = countRowsWhere(db, schema, tables, CHAT_KEYED[file], 'chat_id IS NOT ?', [chatId]);
        const orphan = orphanFinding(file, orphans, `belonging to another chat than ${item.chatId}`);
        if (orphan) out.push(orphan);
      }
    } catch (error) {
      // Damage already reported by the page check stops the rest of this file's checks, nothing more.
      if (damage && isDamageError(error)) return out;
      throw error;
    }
    return out;
  };
}

/**
 * One finding per code and file: the integrity checks run first, so their (more precise) corrupt and
 * schema_drift findings win over the ones the figures' failure adds afterwards.
 */
export function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.code}\u0000${f.file}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

/** Worst first (error, warning, info); otherwise in the order found. */
export function orderFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

/** A check that failed outside the per-file handling (should not happen): the chat still gets a row. */
export function failedCheck(chatId: string, file: string, message: string): ChatCheck {
  const f: Finding = {
    code: 'corrupt',
    severity: SEVERITY_OF.corrupt,
    file,
    message: `${file} could not be checked (${message}): recover what is readable or restore it from a backup.`,
    params: { file, detail: message },
  };
  return { chatId, status: 'error', findings: [f] };
}
