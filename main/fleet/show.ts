import { join } from 'node:path';
import {
  INACTIVE_DAYS,
  healthOf,
  type ChatDetail,
  type ChatSummary,
  type Finding,
  type Health,
} from '../../shared/domain.ts';
import { entryAt } from '../fs/entry.ts';
import { ownFileState } from '../fs/own-file.ts';
import { chatCopy, chatTrees, type ChatCopy } from '../store/layout.ts';
import { FleetIndex } from './index.ts';
import { indexPathFor } from './index-db.ts';
import { sameIdentity, visitChatTask } from './visit.ts';

export interface ChatFindings {
  health: Health;
  findings: Finding[];
  /** The chat's row as the list has it: counts (whole, partial, unread), last activity. */
  summary: Pick<ChatSummary, 'messages' | 'sessions' | 'counts' | 'countsReason' | 'lastActive'>;
  /** `index`: the fleet index's findings, its files unchanged since; `check`: a quick check just now. */
  source: 'index' | 'check';
  checkedAt: string | null;
}

/**
 * One chat's health and findings as the list, the chat header and the Integrity screen have them: from
 * the root's fleet index when it holds the chat and none of its files changed since, else from a quick
 * check of that one chat now (the same visit a refresh makes). Never creates an index. Null for a chat
 * folder holding none of the chat's files (nothing to check).
 */
export function chatFindings(
  root: string,
  chatId: string,
  userDataDir: string,
  now: Date,
  tree?: string,
): ChatFindings | null {
  const found = chatCopy(root, chatId, tree);
  const dir = found.dir;
  // The index holds each chat's copy in the current tree: another tree's copy is checked now.
  const indexed = tree === undefined || found.tree === chatTrees(root)[0]!.tree;
  // Only a regular file of ours: a link or a FIFO there is left to the next refresh to set aside.
  const stored =
    indexed && ownFileState(indexPathFor(userDataDir, root)).kind === 'file'
      ? fromIndex(userDataDir, root, chatId, dir, now)
      : null;
  if (stored) return stored;
  const visit = visitChatTask({ chatId, dir, nowMs: now.getTime() });
  return {
    health: healthOf(visit.findings),
    findings: visit.findings,
    summary: visit.summary,
    source: 'check',
    checkedAt: now.toISOString(),
  };
}

function fromIndex(
  userDataDir: string,
  root: string,
  chatId: string,
  dir: string,
  now: Date,
): ChatFindings | null {
  let index: FleetIndex;
  try {
    index = new FleetIndex(userDataDir, root);
  } catch {
    return null; // busy past its timeout, or unreadable: the chat is checked instead
  }
  try {
    const { row, findings, checkedAt } = index.chat(chatId);
    if (!row || row.health === 'unchecked' || !sameIdentity(dir, index.identityOf(chatId) ?? '')) return null;
    // Grown inactive since it was checked: its findings lack that one.
    const inactiveBefore = new Date(now.getTime() - INACTIVE_DAYS * 86_400_000).toISOString();
    if (row.lastActive && row.lastActive < inactiveBefore && !row.codes.includes('inactive')) return null;
    return { health: row.health, findings, summary: row, source: 'index', checkedAt };
  } finally {
    index.close();
  }
}

/**
 * A chat's detail with the one state the list has for it (health, counts and their state, last activity),
 * so the chat screen, `show` and the list never disagree. The breakdown of the counts (user, bot...) is the
 * detail's own, and unknown where the list's counts are.
 */
export function withChatState(detail: ChatDetail, state: ChatFindings | null): ChatDetail {
  if (!state) return detail;
  const s = state.summary;
  const unread = s.counts === 'unread';
  const part = (v: number | null) => (unread ? null : v);
  return {
    ...detail,
    health: state.health,
    lastActive: s.lastActive,
    countsState: s.counts,
    countsReason: s.countsReason,
    counts: {
      messages: s.messages,
      sessions: s.sessions,
      userMessages: part(detail.counts.userMessages),
      botMessages: part(detail.counts.botMessages),
      voiceMessages: part(detail.counts.voiceMessages),
      messagesWithErrors: part(detail.counts.messagesWithErrors),
    },
  };
}

/**
 * A chat's detail with its copies in the root's other chat trees and which copy was active last (each
 * copy visited as the fleet visits it), when the root has more than one tree and the chat is in several.
 */
export function withCopies(root: string, detail: ChatDetail, now: Date): ChatDetail {
  const trees = chatTrees(root);
  if (trees.length === 1) return detail;
  const copies: ChatCopy[] = [];
  for (const t of trees) {
    if (t.tree === detail.tree) continue;
    const dir = join(t.dir, `chat_${detail.chatId}`);
    if (entryAt(dir).kind === 'directory') copies.push({ tree: t.tree, dir });
  }
  if (copies.length === 0) return detail;
  const visit = visitChatTask({
    chatId: detail.chatId,
    dir: detail.dir,
    nowMs: now.getTime(),
    ...(detail.tree === undefined ? {} : { tree: detail.tree }),
    copies,
  });
  if (visit.kind !== 'chat') return detail;
  return { ...detail, copies: visit.summary.copies ?? [], newerIn: visit.summary.newerIn ?? null };
}
