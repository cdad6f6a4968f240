import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { healthOf, type ChatSummary, type Finding } from '../../shared/domain.ts';
import { openForCheck } from '../integrity/attach.ts';
import { CHECK_BUSY_TIMEOUT_MS, chatInspector, dedupe, orderFindings } from '../integrity/chat.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../store/schema.ts';
import { summarizeChatTask, type ScanItem } from '../store/summary.ts';

/** The files whose identity decides whether a chat must be read again. */
const WATCHED = [
  PROFILE_DB,
  `${PROFILE_DB}-wal`,
  CONVERSATIONS_DB,
  `${CONVERSATIONS_DB}-wal`,
  METADATA_JSON,
] as const;

/**
 * A chat folder's identity: size, mtime in nanoseconds and inode of each watched file (lstat: a link is
 * never followed), "-" for an absent one. A write changes the size or the mtime; a file replaced by a
 * rename changes the inode even when size and mtime were copied over.
 */
export function chatIdentity(dir: string): string {
  let out = '';
  for (const name of WATCHED) {
    const st = lstatSync(join(dir, name), { bigint: true, throwIfNoEntry: false });
    out += st ? `${st.size}:${st.mtimeNs}:${st.ino}|` : '-|';
  }
  return out;
}

/** The identity of a chat folder holding none of the watched files. */
export const EMPTY_FOLDER = WATCHED.map(() => '-|').join('');
export const EMPTY_FOLDER_REASON = 'empty chat folder (no profile.db, conversations.db or metadata.json)';

/** Codes of findings that mean the figures beside them are only what could be read. */
const DAMAGE_CODES = new Set([
  'corrupt',
  'truncated',
  'not_sqlite',
  'empty_file',
  'missing_file',
  'not_a_file',
  'locked',
]);

export type VisitOutcome =
  | {
      kind: 'chat';
      summary: ChatSummary;
      findings: Finding[];
      /** The counts are what could be read from a damaged or unreadable conversations.db. */
      partial: boolean;
      /** conversations.db could not be read at all: there are no counts to show. */
      unread: boolean;
      identity: string;
    }
  | { kind: 'skip'; path: string; reason: string; identity: string };

/**
 * One visit of a chat for the fleet: the list's figures AND the quick check (header and size sanity,
 * quick_check, schema, metadata comparison) on the same open connection, so the list's health, the chat
 * header and the Integrity screen come from the same findings. The identity is taken before reading: a
 * change made while the chat is read makes the next refresh read it again. Runs in a worker thread.
 */
export function visitChatTask(item: ScanItem): VisitOutcome {
  const identity = chatIdentity(item.dir);
  const outcome = summarizeChatTask(
    { ...item, busyTimeoutMs: item.busyTimeoutMs ?? CHECK_BUSY_TIMEOUT_MS },
    chatInspector({ ...item, full: false }),
    openForCheck,
  );
  if (outcome.kind === 'skip') return { ...outcome, identity };
  return withFindings(
    {
      kind: 'chat',
      summary: outcome.summary,
      findings: [],
      partial: false,
      unread: outcome.countsRead === false,
      identity,
    },
    outcome.findings,
  );
}

/** A visit's outcome with these findings: its health, and whether its counts are partial, follow them. */
export function withFindings(
  outcome: Extract<VisitOutcome, { kind: 'chat' }>,
  all: readonly Finding[],
): Extract<VisitOutcome, { kind: 'chat' }> {
  const findings = orderFindings(dedupe(all));
  const damaged = findings.some((f) => f.file === CONVERSATIONS_DB && DAMAGE_CODES.has(f.code));
  return {
    ...outcome,
    summary: { ...outcome.summary, health: healthOf(findings) },
    findings,
    partial: damaged || outcome.unread,
  };
}
