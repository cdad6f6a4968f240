import { join } from 'node:path';
import type {
  ChatDetail,
  ChatMetrics,
  ConversationSession,
  LearningProgress,
  MessagePage,
  MetadataMismatch,
  ReadProblem,
  UserPreferences,
  UserProfile,
} from '../../shared/domain.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { fileSizes, toAppError, type ReadableDb } from '../sqlite/open.ts';
import { chatCopy, chatDir } from './layout.ts';
import {
  pageMessages,
  ROLE_SQL,
  searchMessages,
  type PageRequest,
  type SearchFilter,
} from '../adapters/per-chat-messages.ts';
import { describeMismatch, metadataMismatches, readMetadata } from './metadata.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { findingFromError, summarizeChatTask, type DbOpener } from './summary.ts';
import { toIso } from '../sources/time.ts';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const boolOrNull = (v: unknown): boolean | null =>
  v === null || v === undefined
    ? null
    : v === 1 || v === true || v === '1' || String(v).toUpperCase() === 'TRUE';

type Row = Record<string, unknown>;

/** Runs `read` on one of the chat's DBs; a problem becomes a ReadProblem instead of failing the whole view. */
function tryRead<T>(
  path: string,
  file: string,
  problems: ReadProblem[],
  read: (db: ReadableDb) => T,
): T | null {
  try {
    return read(readonlyCache.get(path));
  } catch (error) {
    const f = findingFromError(error, file);
    if (!problems.some((p) => p.file === file))
      problems.push({ file, code: f.code, message: f.message, params: f.params });
    return null;
  }
}

function mapProfile(row: Row): UserProfile {
  return {
    chatId: String(row.chat_id),
    username: str(row.username),
    firstName: str(row.first_name),
    lastName: str(row.last_name),
    currentLevel: str(row.current_level),
    preferredLanguage: str(row.preferred_language),
    createdAt: toIso(row.created_at),
    lastActive: toIso(row.last_active),
    totalMessages: num(row.total_messages),
    studyStreak: num(row.study_streak),
  };
}

function mapPreferences(row: Row): UserPreferences {
  return {
    voiceEnabled: boolOrNull(row.voice_enabled),
    explanationLanguage: str(row.explanation_language),
    difficultyPreference: str(row.difficulty_preference),
    feedbackStyle: str(row.feedback_style),
    studyReminders: boolOrNull(row.study_reminders),
    reminderFrequency: num(row.reminder_frequency),
  };
}

export function mapProgress(row: Row): LearningProgress {
  return {
    id: Number(row.id),
    skillType: str(row.skill_type),
    skillName: str(row.skill_name),
    levelBefore: str(row.level_before),
    levelAfter: str(row.level_after),
    practiceCount: num(row.practice_count),
    successRate: num(row.success_rate),
    lastPracticed: toIso(row.last_practiced),
    masteryLevel: num(row.mastery_level),
  };
}

export function mapSession(row: Row): ConversationSession {
  return {
    id: Number(row.id),
    sessionId: str(row.session_id),
    start: toIso(row.session_start),
    end: toIso(row.session_end),
    durationMinutes: num(row.session_duration),
    messagesCount: num(row.messages_count),
    topic: str(row.session_topic),
    qualityScore: num(row.session_quality_score),
    summary: str(row.session_summary),
  };
}

/** The browsing cache's connection, lent: the borrower's close() leaves it open for the next read. */
const lendFromCache: DbOpener = (path) => {
  const db = readonlyCache.get(path);
  const lent = new Proxy(db, {
    get(target, property) {
      if (property === 'close') return () => target;
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: lent, mode: 'shared' };
};

/** Newest sessions shown in the detail view; the thread pages through messages separately. */
const MAX_SESSIONS = 2000;

export function readChatDetail(
  root: string,
  chatId: string,
  now: Date = new Date(),
  tree?: string,
): ChatDetail {
  const { dir, tree: foundIn } = chatCopy(root, chatId, tree);
  const profilePath = join(dir, PROFILE_DB);
  const conversationsPath = join(dir, CONVERSATIONS_DB);
  const problems: ReadProblem[] = [];

  const profileData = tryRead(profilePath, PROFILE_DB, problems, (db) => {
    const profile = db.prepare('SELECT * FROM user_profile LIMIT 1').get() as Row | undefined;
    const prefs = db.prepare('SELECT * FROM user_preferences LIMIT 1').get() as Row | undefined;
    const progress = db.prepare('SELECT * FROM learning_progress ORDER BY last_practiced, id').all() as Row[];
    return {
      profile: profile ? mapProfile(profile) : null,
      preferences: prefs ? mapPreferences(prefs) : null,
      progress: progress.map(mapProgress),
    };
  });
  const convData = tryRead(conversationsPath, CONVERSATIONS_DB, problems, (db) => {
    const counts = db
      .prepare(
        `SELECT count(*) AS messages,
                coalesce(sum(${ROLE_SQL} = 'user'), 0) AS userMessages,
                coalesce(sum(${ROLE_SQL} = 'bot'), 0) AS botMessages,
                coalesce(sum(is_voice = 1), 0) AS voiceMessages,
                coalesce(sum(has_errors = 1), 0) AS messagesWithErrors,
                min(timestamp) AS first, max(timestamp) AS last
         FROM messages`,
      )
      .get() as Row;
    const sessionCount = (
      db.prepare('SELECT count(*) AS n FROM conversation_sessions').get() as { n: number }
    ).n;
    const sessions = (
      db
        .prepare('SELECT * FROM conversation_sessions ORDER BY session_start DESC, id DESC LIMIT ?')
        .all(MAX_SESSIONS) as Row[]
    ).map(mapSession);
    return { counts, sessionCount, sessions };
  });

  const meta = readMetadata(dir);
  const level = profileData?.profile?.currentLevel ?? null;
  let mismatches: MetadataMismatch[] = [];
  let state: ChatDetail['metadata']['state'] = meta.state === 'ok' ? 'ok' : meta.state;
  if (meta.state === 'ok' && convData) {
    mismatches = metadataMismatches(meta.value, {
      messages: Number(convData.counts.messages),
      sessions: convData.sessionCount,
      level,
    });
    if (mismatches.length > 0) state = 'stale';
  }
  const differences = mismatches.map(describeMismatch);
  // Health uses the same cheap findings as the chat list, so the badge and the detail agree; it reads
  // through the connections opened above instead of opening both DBs a second time.
  const scan = summarizeChatTask({ chatId, dir, nowMs: now.getTime() }, undefined, lendFromCache);
  const health = scan.summary.health;

  const c = convData?.counts;
  const summary = scan.summary;
  // Counts as the list has them (whole, partial or unread: null, never 0); the breakdown only where the
  // file could be read here too.
  const known = summary.counts !== 'unread';
  const part = (v: unknown): number | null => (known && c ? Number(v ?? 0) : null);
  return {
    chatId,
    dir,
    tree: foundIn,
    profile: profileData?.profile ?? null,
    preferences: profileData?.preferences ?? null,
    progress: profileData?.progress ?? [],
    sessions: convData?.sessions ?? [],
    counts: {
      messages: known ? (summary.messages ?? part(c?.messages)) : null,
      sessions: known ? (summary.sessions ?? convData?.sessionCount ?? null) : null,
      userMessages: part(c?.userMessages),
      botMessages: part(c?.botMessages),
      voiceMessages: part(c?.voiceMessages),
      messagesWithErrors: part(c?.messagesWithErrors),
    },
    countsState: summary.counts,
    countsReason: summary.countsReason,
    firstMessageAt: toIso(c?.first),
    lastMessageAt: toIso(c?.last),
    // The list's own figure (main/store/activity.ts), so the side panel and the list say the same.
    lastActive: scan.summary.lastActive,
    files: [PROFILE_DB, CONVERSATIONS_DB, METADATA_JSON].map((name) => {
      const s = fileSizes(join(dir, name));
      return { name, exists: s.exists, sizeBytes: s.sizeBytes, walBytes: s.walBytes };
    }),
    metadata: {
      state,
      differences: meta.state === 'malformed' ? [`metadata.json ${meta.message}`] : differences,
      mismatches,
      raw: meta.state === 'ok' ? meta.value : null,
    },
    problems,
    health,
  };
}

/** The chat's conversations.db: its copy in `tree` (one of the root's chat trees), else the plain-id rule. */
/**
 * Runs `read` on the chat's conversations.db. SQLite's errors while reading (a damaged page met halfway
 * through a query) come out as the file's state (`corrupt`, `truncated`...), never as an internal error.
 */
function readingConversations<T>(
  root: string,
  chatId: string,
  tree: string | undefined,
  read: (db: ReadableDb) => T,
): T {
  const path = join(chatDir(root, chatId, tree), CONVERSATIONS_DB);
  try {
    return read(readonlyCache.get(path));
  } catch (error) {
    throw toAppError(error, path);
  }
}

export function readChatMessages(
  root: string,
  chatId: string,
  request: PageRequest,
  tree?: string,
): MessagePage {
  return readingConversations(root, chatId, tree, (db) => pageMessages({ db }, request));
}

export function searchChat(
  root: string,
  chatId: string,
  query: string,
  limit: number,
  filter: SearchFilter = {},
  tree?: string,
) {
  return readingConversations(root, chatId, tree, (db) => searchMessages({ db }, query, limit, filter));
}

const RESPONSE_BUCKETS: [string, number][] = [
  ['<1s', 1],
  ['1–2s', 2],
  ['2–3s', 3],
  ['3–5s', 5],
  ['5–10s', 10],
  ['≥10s', Infinity],
];

export function readChatMetrics(root: string, chatId: string, tree?: string): ChatMetrics {
  return readingConversations(root, chatId, tree, metricsOf);
}

function metricsOf(db: ReadableDb): ChatMetrics {
  const perDay = db
    .prepare(
      `SELECT substr(timestamp, 1, 10) AS day,
              coalesce(sum(${ROLE_SQL} = 'user'), 0) AS user,
              coalesce(sum(${ROLE_SQL} = 'bot'), 0) AS bot
       FROM messages WHERE timestamp IS NOT NULL GROUP BY day ORDER BY day`,
    )
    .all() as { day: string; user: number; bot: number }[];
  const times = db
    .prepare(
      `SELECT response_time AS t FROM messages WHERE response_time IS NOT NULL AND ${ROLE_SQL} = 'bot'`,
    )
    .pluck()
    .all() as number[];
  const counts = RESPONSE_BUCKETS.map(([bucket]) => ({ bucket, count: 0 }));
  for (const t of times) {
    const i = RESPONSE_BUCKETS.findIndex(([, upper]) => t < upper);
    counts[i === -1 ? counts.length - 1 : i]!.count++;
  }
  const sessions = (
    db
      .prepare(
        `SELECT session_id, session_start, session_end, session_duration, messages_count
         FROM conversation_sessions ORDER BY session_start LIMIT 5000`,
      )
      .all() as Row[]
  ).map((r) => {
    const start = toIso(r.session_start);
    const end = toIso(r.session_end);
    let minutes = num(r.session_duration);
    if (minutes === null && start && end) minutes = (Date.parse(end) - Date.parse(start)) / 60000;
    return {
      sessionId: String(r.session_id ?? ''),
      start,
      minutes: Math.max(0, minutes ?? 0),
      messages: num(r.messages_count) ?? 0,
    };
  });
  return { messagesPerDay: perDay, responseTimes: counts, sessionLengths: sessions };
}
