// Rebuild a chat's metadata.json from its DBs: an explicit action, the old file kept as
// metadata.json.bak-<time>, the new one written to a temporary name and renamed over (swap.ts).
//
// quick_stats and database_info are recomputed from the DBs. Of a valid old file, `cache`, every unknown
// top-level field and database_info.last_backup are kept (the DBs cannot rebuild them); a missing or
// malformed old file gets a cache rebuilt from the DBs (the latest corrections).

import { closeSync, fsyncSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MetadataRebuildResult } from '../../shared/contract/backup.ts';
import { AppError, asAppError } from '../../shared/errors.ts';
import { entryAt, guardInsideRoot, notAFileMessage } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { withReadonly } from '../sqlite/open.ts';
import { chatDir } from '../store/layout.ts';
import { humanSize, readMetadata } from '../store/metadata.ts';
import {
  CONVERSATIONS_DB,
  METADATA_JSON,
  PROFILE_DB,
  type ChatMetadataJson,
} from '../adapters/per-chat-schema.ts';
import { toIso } from '../sources/time.ts';
import { removeQuietly, tempBeside } from '../fs/files.ts';
import { swapInto } from './swap.ts';

/** 'YYYY-MM-DDTHH:MM:SSZ', as metadata.json carries times. */
function isoSeconds(value: unknown): string | null {
  const iso = toIso(value);
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : `${d.toISOString().slice(0, 19)}Z`;
}

function sizeWithWal(path: string): number {
  let total = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      total += statSync(p).size;
    } catch {
      // absent
    }
  }
  return total;
}

interface DbFigures {
  chatId: number | null;
  level: string | null;
  streak: number | null;
  lastActiveProfile: string | null;
  weakSkills: string[];
  messages: number;
  sessions: number;
  lastMessage: string | null;
  topics: string[];
  recentCorrections: unknown[];
}

function readFigures(dir: string): DbFigures {
  const profilePath = join(dir, PROFILE_DB);
  const conversationsPath = join(dir, CONVERSATIONS_DB);
  const profile = withReadonly(profilePath, (db) => {
    const row = db
      .prepare('SELECT chat_id, current_level, study_streak, last_active FROM user_profile LIMIT 1')
      .get() as
      | { chat_id: number; current_level: string | null; study_streak: number | null; last_active: unknown }
      | undefined;
    const weak = db
      .prepare(
        `SELECT skill_name FROM learning_progress WHERE skill_name IS NOT NULL
         GROUP BY skill_name ORDER BY min(coalesce(mastery_level, 0)) ASC, skill_name LIMIT 2`,
      )
      .pluck()
      .all() as string[];
    return { row, weak };
  });
  const conv = withReadonly(conversationsPath, (db) => {
    const m = db.prepare('SELECT count(*) AS n, max(timestamp) AS last FROM messages').get() as {
      n: number;
      last: unknown;
    };
    const s = db.prepare('SELECT count(*) AS n FROM conversation_sessions').get() as { n: number };
    const topics = db
      .prepare(
        `SELECT session_topic FROM conversation_sessions WHERE session_topic IS NOT NULL AND session_topic <> ''
         GROUP BY session_topic ORDER BY count(*) DESC, session_topic LIMIT 3`,
      )
      .pluck()
      .all() as string[];
    const corrections = (
      db
        .prepare(
          `SELECT grammar_corrections AS c, timestamp AS t FROM messages
           WHERE has_errors = 1 AND grammar_corrections IS NOT NULL ORDER BY id DESC LIMIT 5`,
        )
        .all() as { c: string; t: unknown }[]
    )
      .reverse()
      .flatMap((r) => {
        try {
          const parsed = JSON.parse(r.c) as unknown;
          const list = Array.isArray(parsed) ? parsed : [parsed];
          return list
            .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object')
            .map((x) => ({ ...x, timestamp: isoSeconds(r.t) }));
        } catch {
          return [];
        }
      })
      .slice(-5);
    return { messages: m.n, last: m.last, sessions: s.n, topics, corrections };
  });
  return {
    chatId: profile.row ? Number(profile.row.chat_id) : null,
    level: profile.row?.current_level ?? null,
    streak: profile.row?.study_streak ?? null,
    lastActiveProfile: isoSeconds(profile.row?.last_active),
    weakSkills: profile.weak,
    messages: conv.messages,
    sessions: conv.sessions,
    lastMessage: isoSeconds(conv.last),
    topics: conv.topics,
    recentCorrections: conv.corrections,
  };
}

/**
 * metadata.json for a chat folder, computed from its DBs; `previous` (a valid old file) contributes its
 * cache, unknown fields and last_backup.
 */
export function buildMetadataFromDbs(
  dir: string,
  chatId: string,
  now: Date,
  previous: ChatMetadataJson | null,
): ChatMetadataJson {
  let f: DbFigures;
  try {
    f = readFigures(dir);
  } catch (error) {
    const { code, message } = asAppError(error, 'corrupt');
    throw new AppError(
      code,
      `metadata.json cannot be rebuilt because a DB of chat ${chatId} cannot be read (${message}); recover or restore the DB first`,
    );
  }
  const profileBytes = sizeWithWal(join(dir, PROFILE_DB));
  const conversationsBytes = sizeWithWal(join(dir, CONVERSATIONS_DB));
  const lastActive =
    [f.lastActiveProfile, f.lastMessage]
      .filter((x): x is string => !!x)
      .sort()
      .pop() ?? null;
  const prevStats = previous?.quick_stats ?? {};
  const quickStats: NonNullable<ChatMetadataJson['quick_stats']> = {
    ...prevStats,
    total_messages: f.messages,
    total_sessions: f.sessions,
    ...(f.level !== null ? { current_level: f.level } : {}),
    study_streak: f.streak ?? 0,
    ...(lastActive ? { last_active: lastActive } : {}),
    favorite_topics: f.topics,
    improvement_areas: f.weakSkills,
  };
  const out: ChatMetadataJson = {
    ...(previous ?? {}),
    chat_id: f.chatId ?? Number(chatId),
    last_update: `${now.toISOString().slice(0, 19)}Z`,
    quick_stats: quickStats,
    cache: previous?.cache ?? {
      recent_corrections: f.recentCorrections,
      vocabulary_learned: [],
      common_mistakes: [],
    },
    database_info: {
      ...(previous?.database_info ?? {}),
      profile_db_size: humanSize(profileBytes),
      conversations_db_size: humanSize(conversationsBytes),
      total_size: humanSize(profileBytes + conversationsBytes),
    },
  };
  return out;
}

/** Writes `text` to a new file beside `target` and fsyncs it; returns its path. */
export function writeStagedText(target: string, text: string, purpose: string): string {
  const staged = tempBeside(target, purpose);
  const fd = openSync(staged, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(staged);
    throw error;
  }
  closeSync(fd);
  return staged;
}

export interface RebuildOptions {
  root: string;
  chatId: string;
  now?: Date;
}

export function rebuildMetadata(options: RebuildOptions): MetadataRebuildResult {
  const dir = chatDir(options.root, options.chatId);
  const path = join(dir, METADATA_JSON);
  // The one path guard: never through a linked chat folder, never over a link, folder or FIFO.
  guardInsideRoot(options.root, path);
  for (const file of [path, join(dir, PROFILE_DB), join(dir, CONVERSATIONS_DB)]) {
    const kind = entryAt(file).kind;
    if (kind !== 'file' && kind !== 'missing')
      throw new AppError('forbidden_path', notAFileMessage(file, kind));
  }
  const old = readMetadata(dir);
  const meta = buildMetadataFromDbs(
    dir,
    options.chatId,
    options.now ?? new Date(),
    old.state === 'ok' ? old.value : null,
  );
  const staged = writeStagedText(path, `${JSON.stringify(meta, null, 2)}\n`, 'rebuild');
  trackTemp(staged);
  try {
    const { backup } = swapInto(path, staged, {
      label: `chat ${options.chatId}`,
      waitMs: 0,
      now: options.now,
      sqlite: false,
    });
    return { path, previousState: old.state, backup, metadata: meta };
  } finally {
    removeTemp(staged);
  }
}
