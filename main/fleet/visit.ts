import { lstatSync, type BigIntStats } from 'node:fs';
import {
  healthOf,
  newerTreeOf,
  type ChatCopyActivity,
  type ChatSummary,
  type Finding,
} from '../../shared/domain.ts';
import { openForCheck } from '../integrity/attach.ts';
import { CHECK_BUSY_TIMEOUT_MS, chatInspector, dedupe, orderFindings } from '../integrity/chat.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { quickVisit } from './quick-visit.ts';
import { summarizeChatTask, withCountsState, type KnownFiles, type ScanItem } from '../store/summary.ts';

/** The files whose identity decides whether a chat must be read again. */
const WATCHED = [
  PROFILE_DB,
  `${PROFILE_DB}-wal`,
  CONVERSATIONS_DB,
  `${CONVERSATIONS_DB}-wal`,
  METADATA_JSON,
] as const;

/** The watched files' lstat, in WATCHED order (undefined: absent). */
type WatchedStats = (BigIntStats | undefined)[];

function statWatched(dir: string): WatchedStats {
  // Concatenation, not path.join: `dir` is already normal, and this runs 5 times per chat on a reopen.
  return WATCHED.map((name) => lstatSync(`${dir}/${name}`, { bigint: true, throwIfNoEntry: false }));
}

function fileIdentity(st: BigIntStats | undefined): string {
  return st ? `${st.size}:${st.mtimeNs}:${st.ino}` : '-';
}

function folderIdentity(dir: string): string {
  return fileIdentity(lstatSync(dir, { bigint: true, throwIfNoEntry: false }));
}

function identityOf(folder: string, stats: WatchedStats): string {
  let out = `${folder}#`;
  for (const st of stats) out += `${fileIdentity(st)}|`;
  return out;
}

/**
 * A chat folder's identity: the folder's mtime in nanoseconds and inode, then size, mtime in ns and inode
 * of each watched file (lstat: a link is never followed), "-" for an absent one. A write changes a file's
 * size or mtime; a file replaced by a rename changes its inode even when size and mtime were copied over;
 * a file created, removed or renamed changes the folder's mtime. The folder is stat'ed first, so a change
 * made while the chat is read shows next time.
 */
export function chatIdentity(dir: string): string {
  const folder = folderIdentity(dir);
  return identityOf(folder, statWatched(dir));
}

/**
 * Whether a chat folder still has the identity stored when it was read, for the cost of one lstat of the
 * folder and one of each file that existed then: a watched file that appeared since (a -wal) changed the
 * folder's mtime, so absent files need no lstat while the folder is unchanged.
 */
export function sameIdentity(dir: string, stored: string): boolean {
  const hash = stored.indexOf('#');
  if (hash === -1 || folderIdentity(dir) !== stored.slice(0, hash)) return false;
  const parts = stored.slice(hash + 1).split('|');
  for (let i = 0; i < WATCHED.length; i++) {
    const part = parts[i];
    if (part === undefined) return false;
    if (part === '-') continue;
    if (fileIdentity(lstatSync(`${dir}/${WATCHED[i]}`, { bigint: true, throwIfNoEntry: false })) !== part)
      return false;
  }
  return true;
}

/** What the visit's lstats already say about the DBs, so the figures do not stat them again. */
function knownFiles(stats: WatchedStats): KnownFiles {
  const entry = (st: BigIntStats | undefined) =>
    st ? { regular: st.isFile(), size: Number(st.size) } : null;
  return {
    [PROFILE_DB]: entry(stats[0]),
    [`${PROFILE_DB}-wal`]: entry(stats[1]),
    [CONVERSATIONS_DB]: entry(stats[2]),
    [`${CONVERSATIONS_DB}-wal`]: entry(stats[3]),
  };
}

/**
 * A chat's state as one visit reads it — files present, health and findings, counts (whole, partial or
 * unread, in summary.counts), last activity — the one value the list, the chat screen, Integrity, Fleet,
 * Maintenance and the CLI all show (the fleet index stores it).
 */
export interface VisitOutcome {
  kind: 'chat';
  summary: ChatSummary;
  findings: Finding[];
  /** The counts are not the whole chat's (summary.counts is 'partial' or 'unread'). */
  partial: boolean;
  /** conversations.db could not be read at all: there are no counts to show (summary.counts 'unread'). */
  unread: boolean;
  identity: string;
  /**
   * How long the visit's reads of the chat took (ms): opening both DBs, the quick check and the
   * figures, the fleet's standard query of a chat (the seed's "average query time" averages it).
   */
  queryMs: number;
  /** metadata.json's last_backup (see lastBackupFrom); the archives' part is looked up per page. */
  metadataLastBackup?: string | null;
}

/**
 * One visit of a chat for the fleet: the list's figures AND the quick check (header and size sanity,
 * quick_check, schema, metadata comparison) on the same open connection, so the list's health, the chat
 * header and the Integrity screen come from the same findings. The identity is taken before reading: a
 * change made while the chat is read makes the next refresh read it again. Runs in a worker thread.
 */
export function visitChatTask(item: ScanItem): VisitOutcome {
  const outcome = visitCopy(item);
  if (!item.copies) return outcome;
  // A chat found in several trees: each other copy is visited for its last activity, and its identity
  // joins the chat's, so a change to any copy makes the chat read again.
  const copies: ChatCopyActivity[] = [];
  let identity = outcome.identity;
  for (const copy of item.copies) {
    const visited = visitCopy({ chatId: item.chatId, dir: copy.dir, nowMs: item.nowMs, tree: copy.tree });
    copies.push({
      tree: copy.tree,
      lastActive: visited.summary.lastActive,
    });
    identity += `${COPY_SEPARATOR}${visited.identity}`;
  }
  const newerIn = newerTreeOf([{ tree: item.tree ?? '', lastActive: outcome.summary.lastActive }, ...copies]);
  return { ...outcome, identity, summary: { ...outcome.summary, copies, newerIn } };
}

/** Between a chat's identity and each other copy's (see visitChatTask, sameChatIdentity). */
const COPY_SEPARATOR = '\n';

/**
 * Whether a chat and its copies in other trees are as stored (sameIdentity of each); the chat alone, for
 * the same cost as sameIdentity, when it has no copies.
 */
export function sameChatIdentity(chat: { dir: string; copies?: { dir: string }[] }, stored: string): boolean {
  if (!chat.copies) return !stored.includes(COPY_SEPARATOR) && sameIdentity(chat.dir, stored);
  const parts = stored.split(COPY_SEPARATOR);
  if (parts.length !== chat.copies.length + 1 || !sameIdentity(chat.dir, parts[0]!)) return false;
  return chat.copies.every((copy, i) => sameIdentity(copy.dir, parts[i + 1]!));
}

function visitCopy(item: ScanItem): VisitOutcome {
  const started = performance.now();
  const folder = folderIdentity(item.dir);
  const stats = statWatched(item.dir);
  const identity = identityOf(folder, stats);
  const outcome =
    quickVisit(item, stats) ??
    summarizeChatTask(
      { ...item, busyTimeoutMs: item.busyTimeoutMs ?? CHECK_BUSY_TIMEOUT_MS, known: knownFiles(stats) },
      chatInspector({ ...item, full: false }),
      openForCheck,
    );
  return withFindings(
    {
      kind: 'chat',
      summary: item.tree === undefined ? outcome.summary : { ...outcome.summary, tree: item.tree },
      findings: [],
      partial: false,
      unread: outcome.countsRead === false,
      identity,
      queryMs: performance.now() - started,
      metadataLastBackup: outcome.metadataLastBackup ?? null,
    },
    outcome.findings,
  );
}

/** A visit's outcome with these findings: its health, and whether its counts are partial, follow them. */
export function withFindings(outcome: VisitOutcome, all: readonly Finding[]): VisitOutcome {
  const findings = orderFindings(dedupe(all));
  const summary = withCountsState(
    { ...outcome.summary, health: healthOf(findings) },
    findings,
    !outcome.unread,
  );
  return { ...outcome, summary, findings, partial: summary.counts !== 'whole' };
}
