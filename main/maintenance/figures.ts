// The per-chat figures maintenance decides on: file sizes, the chat's state as the fleet visit reads it
// (its error findings and last activity: the same visit the list, Integrity and Fleet show, see
// main/fleet/visit.ts), the time of the chat's newest-page query, and a fingerprint of its files (sizes and
// modification times) that changes whenever the bot writes. Computed read-only, one chat per worker item.

import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Finding } from '../../shared/domain.ts';
import { visitChatTask } from '../fleet/visit.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { openReadonly, type ReadableDb } from '../sqlite/open.ts';
import { listChats, type ChatLocation } from '../store/layout.ts';
import { pageMessages } from '../adapters/per-chat-messages.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import type { ScanItem } from '../store/summary.ts';
import type { WorkerPool } from '../workers/pool.ts';

export interface ChatFiguresItem extends ScanItem {
  /** Time the newest-page query of conversations.db (alerts: slow chats). */
  timeQuery: boolean;
}

export interface ChatFigures {
  chatId: string;
  dir: string;
  /** Each DB with its -wal, in bytes (absent DBs are not listed). */
  dbs: { file: string; bytes: number }[];
  /** The whole folder's layout files (DBs, -wal, metadata.json). */
  sizeBytes: number;
  lastActive: string | null;
  /** Error findings (the visit's, as the list and Integrity have them): unreadable, damaged or missing files. */
  errors: Finding[];
  /** ms of the standard newest page (100 messages) query; null when not timed or unreadable. */
  newestPageMs: number | null;
  fingerprint: string;
}

/** The standard first page of a chat in the app: the newest 100 messages. */
export const NEWEST_PAGE_LIMIT = 100;

/** Sizes and mtimes of every file of the folder (not -shm: readers update it). */
export function chatFingerprint(dir: string): string {
  const hash = createHash('sha256');
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return 'missing';
  }
  for (const name of names) {
    if (name.endsWith('-shm')) continue;
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st) hash.update(`${name}\u0000${st.size}\u0000${st.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** ms of the standard query of a chat (its newest page of messages), null when it cannot be read. */
export function timeNewestPage(dir: string): number | null {
  let db: ReadableDb;
  try {
    ({ db } = openReadonly(join(dir, CONVERSATIONS_DB), { probe: false, busyTimeoutMs: 1000 }));
  } catch {
    return null;
  }
  try {
    const t0 = performance.now();
    pageMessages({ db }, { limit: NEWEST_PAGE_LIMIT });
    return Math.round((performance.now() - t0) * 100) / 100;
  } catch {
    return null;
  } finally {
    db.close();
  }
}

function dbBytes(path: string): number | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return null;
  return st.size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
}

/** One chat's figures (a worker task: plain data in and out). */
export function chatFiguresTask(item: ChatFiguresItem): ChatFigures {
  const fingerprint = chatFingerprint(item.dir);
  const visit = visitChatTask({ chatId: item.chatId, dir: item.dir, nowMs: item.nowMs });
  const dbs: ChatFigures['dbs'] = [];
  for (const file of [PROFILE_DB, CONVERSATIONS_DB]) {
    const bytes = dbBytes(join(item.dir, file));
    if (bytes !== null) dbs.push({ file, bytes });
  }
  const metaBytes = statSync(join(item.dir, METADATA_JSON), { throwIfNoEntry: false })?.size ?? 0;
  const sizeBytes = dbs.reduce((s, d) => s + d.bytes, 0) + metaBytes;
  return {
    chatId: item.chatId,
    dir: item.dir,
    dbs,
    sizeBytes,
    lastActive: visit.summary.lastActive,
    errors: visit.findings.filter((f) => f.severity === 'error'),
    newestPageMs:
      item.timeQuery && dbs.some((d) => d.file === CONVERSATIONS_DB) ? timeNewestPage(item.dir) : null,
    fingerprint,
  };
}

/** Figures of the given chats (every chat of the root when absent), through the worker pool. */
export async function collectChatFigures(
  root: string,
  pool: WorkerPool,
  ctx: Pick<JobContext<unknown>, 'signal' | 'progress'>,
  options: { timeQuery: boolean; now: Date; chats?: ChatLocation[] },
): Promise<ChatFigures[]> {
  const chats = options.chats ?? listChats(root).chats;
  const items: ChatFiguresItem[] = chats.map((c) => ({
    chatId: c.chatId,
    dir: c.dir,
    nowMs: options.now.getTime(),
    timeQuery: options.timeQuery,
  }));
  const out: ChatFigures[] = new Array(items.length);
  let done = 0;
  ctx.progress(0, items.length, null);
  await pool.map('maintenance.chat', items, {
    signal: ctx.signal,
    // One chat per message when timing: a batch would time chats behind each other's I/O.
    ...(options.timeQuery ? { batchSize: 1 } : {}),
    onResult: (k, outcome) => {
      const item = items[k]!;
      out[k] = outcome.ok
        ? outcome.value
        : {
            chatId: item.chatId,
            dir: item.dir,
            dbs: [],
            sizeBytes: 0,
            lastActive: null,
            errors: [
              {
                code: 'corrupt',
                severity: 'error',
                file: PROFILE_DB,
                message: `chat ${item.chatId} could not be read (${outcome.message}).`,
                params: { file: PROFILE_DB, detail: outcome.message },
              },
            ],
            newestPageMs: null,
            fingerprint: 'unreadable',
          };
      done++;
      ctx.progress(done, items.length, item.chatId);
    },
  });
  throwIfCancelled(ctx.signal);
  return out;
}

/**
 * An archive that can be relied on: no archive-level problem, every file matches its checksum, and every
 * DB passes quick_check unless it was already damaged in the source (marked so in the manifest: a fact about
 * the chat, not about the archive).
 */
export function archiveIntact(verdict: {
  problems: readonly string[];
  files: readonly { checksumOk: boolean; damagedAtBackup: boolean; problems: readonly string[] }[];
}): boolean {
  return (
    verdict.problems.length === 0 &&
    verdict.files.every((f) => f.checksumOk && (f.damagedAtBackup || f.problems.length === 0))
  );
}
