import { z } from 'zod';

// The data model every process agrees on. Field names are camelCase (the CLI's JSON uses them as-is).

export const Health = z.enum(['ok', 'warning', 'error']);
export type Health = z.infer<typeof Health>;

export const Severity = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

export const ChatCopyActivity = z.object({ tree: z.string(), lastActive: z.string().nullable() });
export type ChatCopyActivity = z.infer<typeof ChatCopyActivity>;

/** Which copy of a chat found in several trees was active last (null: a tie, or no activity known). */
export function newerTreeOf(copies: readonly ChatCopyActivity[]): string | null {
  let best: { tree: string; ms: number } | null = null;
  let tie = false;
  for (const c of copies) {
    const ms = c.lastActive === null ? NaN : Date.parse(c.lastActive);
    if (Number.isNaN(ms)) continue;
    if (!best || ms > best.ms) {
      best = { tree: c.tree, ms };
      tie = false;
    } else if (ms === best.ms) tie = true;
  }
  return best && !tie ? best.tree : null;
}

/**
 * Whether a chat's counts are the whole chat's: 'partial' when they are what could be read of a damaged
 * conversations.db, 'unread' when it could not be read at all (the counts are null, never 0).
 */
export const CountsState = z.enum(['whole', 'partial', 'unread']);
export type CountsState = z.infer<typeof CountsState>;

/** Why the counts are not whole: the finding on the file that made them partial or unread. */
export const CountsReason = z.lazy(() => z.object({ code: FindingCode, file: z.string() }));
export type CountsReason = z.infer<typeof CountsReason>;

/** One row of the chat list (the spec's `scan --json` shape). */
export const ChatSummary = z.object({
  chatId: z.string(),
  name: z.string().nullable(),
  level: z.string().nullable(),
  /** null: conversations.db could not be read (see counts and countsReason). */
  messages: z.number().int().nullable(),
  sessions: z.number().int().nullable(),
  counts: CountsState,
  /** The finding that made the counts partial or unread; null when they are whole. */
  countsReason: CountsReason.nullable(),
  lastActive: z.string().nullable(),
  sizeBytes: z.number().int(),
  health: Health,
  /**
   * Set when a DB could not be read because another program holds it (or a crashed writer left a hot
   * journal): the figures from that file are unknown, not zero. `message` says why, as the `locked` finding.
   */
  locked: z.object({ file: z.string(), message: z.string() }).optional(),
  /**
   * The chat tree holding this chat's files, relative to the root (`bot/data/chats`, `data/chats`,
   * `chats`, or `.` for the root itself). A bot's folder may hold two (seed 000); every one is listed.
   */
  tree: z.string().optional(),
  /** The same chat id in the root's other trees, with each copy's last activity (a duplicated chat only). */
  copies: z.array(ChatCopyActivity).optional(),
  /**
   * A duplicated chat only: the tree whose copy was active last (this row's `tree` or a copy's), or null
   * when the copies are equally recent or their activity is unknown.
   */
  newerIn: z.string().nullable().optional(),
});
export type ChatSummary = z.infer<typeof ChatSummary>;

/**
 * Why an entry of a root is not a chat: a symbolic link, not a folder, a folder not named chat_<number>, a
 * hidden entry; 'check_skipped' is a check skipped for a chat (its reason says which and why).
 */
export const SkippedCode = z.enum(['link', 'not_a_folder', 'bad_name', 'hidden', 'check_skipped']);
export type SkippedCode = z.infer<typeof SkippedCode>;

export const SkippedEntry = z.object({ path: z.string(), code: SkippedCode, reason: z.string() });
export type SkippedEntry = z.infer<typeof SkippedEntry>;

export const ScanResult = z.object({
  root: z.string(),
  chats: z.array(ChatSummary),
  skipped: z.array(SkippedEntry),
});
export type ScanResult = z.infer<typeof ScanResult>;

/** Parameters of a coded message (a finding, an alert): plain values the renderer words. */
export const FindingParams = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
export type FindingParams = z.infer<typeof FindingParams>;

/** One figure of metadata.json that disagrees with the DBs (or with the chat folder's id). */
export const MetadataMismatch = z.object({
  field: z.enum(['chat_id', 'total_messages', 'total_sessions', 'current_level']),
  /** metadata.json's value. */
  metadata: z.union([z.string(), z.number()]),
  /** The DBs' value (the folder's id for chat_id). */
  actual: z.union([z.string(), z.number()]),
});
export type MetadataMismatch = z.infer<typeof MetadataMismatch>;

/** A problem met while reading (not a full integrity finding): shown in the UI, never fatal. */
export const ReadProblem = z.object({
  file: z.string(),
  code: z.string(),
  /** English (CLI); the UI words `code` + `params`. */
  message: z.string(),
  params: FindingParams.default({}),
});
export type ReadProblem = z.infer<typeof ReadProblem>;

export const UserProfile = z.object({
  chatId: z.string(),
  username: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  currentLevel: z.string().nullable(),
  preferredLanguage: z.string().nullable(),
  createdAt: z.string().nullable(),
  lastActive: z.string().nullable(),
  totalMessages: z.number().nullable(),
  studyStreak: z.number().nullable(),
});
export type UserProfile = z.infer<typeof UserProfile>;

export const UserPreferences = z.object({
  voiceEnabled: z.boolean().nullable(),
  explanationLanguage: z.string().nullable(),
  difficultyPreference: z.string().nullable(),
  feedbackStyle: z.string().nullable(),
  studyReminders: z.boolean().nullable(),
  reminderFrequency: z.number().nullable(),
});
export type UserPreferences = z.infer<typeof UserPreferences>;

export const LearningProgress = z.object({
  id: z.number().int(),
  skillType: z.string().nullable(),
  skillName: z.string().nullable(),
  levelBefore: z.string().nullable(),
  levelAfter: z.string().nullable(),
  practiceCount: z.number().nullable(),
  successRate: z.number().nullable(),
  lastPracticed: z.string().nullable(),
  masteryLevel: z.number().nullable(),
});
export type LearningProgress = z.infer<typeof LearningProgress>;

export const ConversationSession = z.object({
  id: z.number().int(),
  sessionId: z.string().nullable(),
  start: z.string().nullable(),
  end: z.string().nullable(),
  durationMinutes: z.number().nullable(),
  messagesCount: z.number().nullable(),
  topic: z.string().nullable(),
  qualityScore: z.number().nullable(),
  summary: z.string().nullable(),
});
export type ConversationSession = z.infer<typeof ConversationSession>;

export const MessageRole = z.enum(['user', 'bot', 'system']);
export type MessageRole = z.infer<typeof MessageRole>;

/**
 * One row of a SQLite kind's messages, as the kinds map it (main/adapters) before their Source turns it into
 * the one message model (shared/contract/sources.ts SourceMessageOut) — which is what every operation sends.
 * The export's formats still write this shape.
 */
export const Message = z.object({
  id: z.number().int(),
  sessionId: z.string().nullable(),
  role: MessageRole,
  /** The store's own word for the sender ('sarah', 'assistant', 'user', ...). */
  rawRole: z.string().nullable(),
  content: z.string().nullable(),
  originalContent: z.string().nullable(),
  isVoice: z.boolean(),
  voiceDuration: z.number().nullable(),
  hasErrors: z.boolean(),
  /** Parsed JSON of grammar_corrections (or the raw text where it is not valid JSON). */
  corrections: z.unknown().nullable(),
  vocabulary: z.unknown().nullable(),
  confidence: z.number().nullable(),
  responseTime: z.number().nullable(),
  timestamp: z.string().nullable(),
  /** Anything else the store keeps (model, extra_data, context...), for display. */
  extra: z.record(z.string(), z.unknown()).nullable(),
});
export type Message = z.infer<typeof Message>;

/** The learning fields of a message from a store that keeps none (every kind but the per-chat bot's). */
export const NO_LEARNING_FIELDS = {
  originalContent: null,
  isVoice: false,
  voiceDuration: null,
  hasErrors: false,
  corrections: null,
  vocabulary: null,
  confidence: null,
  responseTime: null,
} as const satisfies Partial<Message>;

/**
 * A SQLite kind's page of messages in chronological order (oldest first within the page), cursors being
 * numeric message keys (keyset paging, never OFFSET). Internal to main: its Source gives the page out as
 * SourceMessagePageOut with opaque cursors; no operation sends this shape.
 */
export const MessagePage = z.object({
  messages: z.array(Message),
  /** Pass as `before` to get the page just older than this one; null when none is older. */
  olderCursor: z.number().int().nullable(),
  /** Pass as `after` to get the page just newer than this one; null when none is newer. */
  newerCursor: z.number().int().nullable(),
});
export type MessagePage = z.infer<typeof MessagePage>;

export const MetadataState = z.enum(['ok', 'missing', 'malformed', 'stale']);
export type MetadataState = z.infer<typeof MetadataState>;

export const ChatFile = z.object({
  name: z.string(),
  exists: z.boolean(),
  sizeBytes: z.number().int(),
  /** Bytes in the file's -wal, 0 when none. */
  walBytes: z.number().int(),
});
export type ChatFile = z.infer<typeof ChatFile>;

/** When a chat was last backed up, and what says so (main/backup/last-backup.ts). */
export const LastBackup = z.object({
  at: z.string(),
  /** 'archive': a verified archive holds it; 'metadata': only metadata.json's last_backup says so. */
  source: z.enum(['archive', 'metadata']),
  archive: z.string().nullable(),
});
export type LastBackup = z.infer<typeof LastBackup>;

export const ChatDetail = z.object({
  chatId: z.string(),
  dir: z.string(),
  /** The chat tree holding `dir` (see ChatSummary.tree). */
  tree: z.string().optional(),
  /** The chat's copies in the root's other trees, and which copy was active last (see ChatSummary). */
  copies: z.array(ChatCopyActivity).optional(),
  newerIn: z.string().nullable().optional(),
  profile: UserProfile.nullable(),
  preferences: UserPreferences.nullable(),
  progress: z.array(LearningProgress),
  sessions: z.array(ConversationSession),
  /** null: could not be read (countsState and countsReason say why), never 0. */
  counts: z.object({
    messages: z.number().int().nullable(),
    sessions: z.number().int().nullable(),
    userMessages: z.number().int().nullable(),
    botMessages: z.number().int().nullable(),
    voiceMessages: z.number().int().nullable(),
    messagesWithErrors: z.number().int().nullable(),
  }),
  /** The chat list's counts state for this chat (the same value every screen shows). */
  countsState: CountsState,
  countsReason: CountsReason.nullable(),
  firstMessageAt: z.string().nullable(),
  lastMessageAt: z.string().nullable(),
  /** The user's last activity: the newest plausible of their traces, as the chat list has it. */
  lastActive: z.string().nullable(),
  files: z.array(ChatFile),
  metadata: z.object({
    state: MetadataState,
    /** English sentences (CLI): which quick_stats figures differ from the DBs. */
    differences: z.array(z.string()),
    /** The same, structured, for the UI to word: the field, metadata.json's value and the DBs'. */
    mismatches: z.array(MetadataMismatch).default([]),
    raw: z.unknown().nullable(),
  }),
  problems: z.array(ReadProblem),
  health: Health,
  /** Its last backup (null: none known); absent where it was not looked up. */
  lastBackup: LastBackup.nullable().optional(),
});
export type ChatDetail = z.infer<typeof ChatDetail>;

export const DayCount = z.object({ day: z.string(), count: z.number() });
export type DayCount = z.infer<typeof DayCount>;

export const ChatMetrics = z.object({
  messagesPerDay: z.array(z.object({ day: z.string(), user: z.number(), bot: z.number() })),
  /** Histogram of bot response times in seconds. */
  responseTimes: z.array(z.object({ bucket: z.string(), count: z.number() })),
  sessionLengths: z.array(
    z.object({
      sessionId: z.string(),
      start: z.string().nullable(),
      minutes: z.number(),
      messages: z.number(),
    }),
  ),
});
export type ChatMetrics = z.infer<typeof ChatMetrics>;

/**
 * The seed's fleet metrics (seed 000, "Monitoramento"): the total size of all the chats' DBs and the mean
 * time of the standard query of a chat. Which query is timed depends on the pass: the Fleet screen and
 * `alerts` time the newest page of messages (what a person opening the chat waits for), `scan` the visit's
 * reads (quick check and figures).
 */
export const FleetTotals = z.object({
  /** The sum of every chat's sizeBytes (profile.db and conversations.db with their -wal). */
  totalBytes: z.number().int().default(0),
  /** Mean of the timed chats' query time in ms; null when no chat was timed. */
  averageQueryMs: z.number().nullable().default(null),
  /** How many chats were timed (the mean's denominator). */
  timedChats: z.number().int().default(0),
});
export type FleetTotals = z.infer<typeof FleetTotals>;

/** FleetTotals from per-chat sizes and query times (null: not timed). */
export function fleetTotalsOf(chats: Iterable<{ sizeBytes: number; queryMs: number | null }>): FleetTotals {
  let totalBytes = 0;
  let timedChats = 0;
  let queryMs = 0;
  for (const c of chats) {
    totalBytes += c.sizeBytes;
    if (c.queryMs === null) continue;
    timedChats++;
    queryMs += c.queryMs;
  }
  return { totalBytes, averageQueryMs: roundMs(timedChats ? queryMs / timedChats : null), timedChats };
}

/** A time in ms to the hundredth (what the figures show), null kept. */
export function roundMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}

/** `scan --json`'s closing `summary`: the fleet's totals and its chat trees. */
export const ScanSummary = FleetTotals.extend({
  chats: z.number().int(),
  /** Every chat tree of the root, the current one first, with how many chat folders each holds. */
  trees: z.array(z.object({ tree: z.string(), chats: z.number().int() })),
  /** Chats found in more than one tree (each listed once, with `copies` and `newerIn`). */
  inMoreThanOneTree: z.number().int(),
});
export type ScanSummary = z.infer<typeof ScanSummary>;

export const FleetMetrics = FleetTotals.extend({
  chats: z.number().int(),
  activeUsersPerDay: z.array(DayCount),
  newUsersPerDay: z.array(DayCount),
  messagesPerDay: z.array(DayCount),
  sizeBuckets: z.array(z.object({ bucket: z.string(), count: z.number() })),
  /** The biggest chats (the size histogram's outliers), largest first. */
  largestChats: z.array(z.object({ chatId: z.string(), sizeBytes: z.number() })).default([]),
  /** Chats with timestamps in the future or before 2000: those days are left out of the charts. */
  clockSkewChats: z.number().int().default(0),
  alerts: z.array(
    z.object({
      chatId: z.string(),
      kind: z.enum(['db_large', 'inactive', 'health', 'clock_skew']),
      message: z.string(),
      severity: Severity,
      /** db_large {mb, limitMb}, inactive {days, limitDays}, health {code, file}, clock_skew {first, last}. */
      params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).default({}),
    }),
  ),
});
export type FleetMetrics = z.infer<typeof FleetMetrics>;

// ---- single files: legacy, foreign and generic SQLite ----

export const FileKind = z.enum(['per-chat', 'user_history', 'duiliocode', 'clinic', 'generic']);
export type FileKind = z.infer<typeof FileKind>;

export const ColumnInfo = z.object({
  name: z.string(),
  type: z.string(),
  notNull: z.boolean(),
  primaryKey: z.boolean(),
});
export type ColumnInfo = z.infer<typeof ColumnInfo>;

export const TableInfo = z.object({
  name: z.string(),
  type: z.enum(['table', 'view']),
  columns: z.array(ColumnInfo),
  /** Exact up to the cap; `rowCountCapped` says the real count is larger (no blocking full counts). */
  rowCount: z.number().int(),
  rowCountCapped: z.boolean(),
});
export type TableInfo = z.infer<typeof TableInfo>;

export const FileInfo = z.object({
  path: z.string(),
  kind: FileKind,
  sizeBytes: z.number().int(),
  journalMode: z.string(),
  pageSize: z.number().int(),
  tables: z.array(TableInfo),
  /** For chat-like kinds: an adapter maps conversations onto the common model. */
  hasConversations: z.boolean(),
});
export type FileInfo = z.infer<typeof FileInfo>;

export const ConversationRef = z.object({
  id: z.string(),
  title: z.string(),
  subtitle: z.string().nullable(),
  messages: z.number().int(),
  lastActive: z.string().nullable(),
});
export type ConversationRef = z.infer<typeof ConversationRef>;

/** A table cell as the UI shows it: typed, long values cut with their full length given. */
export const Cell = z.discriminatedUnion('t', [
  z.object({ t: z.literal('null') }),
  z.object({ t: z.literal('int'), v: z.string() }),
  z.object({ t: z.literal('real'), v: z.number() }),
  z.object({ t: z.literal('text'), v: z.string(), length: z.number().int(), truncated: z.boolean() }),
  z.object({ t: z.literal('blob'), hex: z.string(), length: z.number().int(), truncated: z.boolean() }),
]);
export type Cell = z.infer<typeof Cell>;

export const TablePage = z.object({
  table: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.array(Cell)),
  /** Pass back as `after` for the next page; null at the end. */
  nextCursor: z.string().nullable(),
});
export type TablePage = z.infer<typeof TablePage>;

export const SeriesPoint = z.object({ x: z.string(), y: z.number() });
export const LegacyMetrics = z.object({
  kind: FileKind,
  /** Named charts: each a title, a unit and one or more series of points. */
  charts: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      unit: z.string(),
      type: z.enum(['line', 'bar']),
      series: z.array(z.object({ name: z.string(), points: z.array(SeriesPoint) })),
    }),
  ),
  /** Small tables of figures (e.g. latency p50/p95 per operation). */
  tables: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      columns: z.array(z.string()),
      rows: z.array(z.array(z.string())),
    }),
  ),
});
export type LegacyMetrics = z.infer<typeof LegacyMetrics>;

// ---- integrity findings (codes are stable: scripts and cron depend on them) ----

export const FindingCode = z.enum([
  'not_sqlite',
  'empty_file',
  'truncated',
  'corrupt',
  'fk_violation',
  'schema_drift',
  'metadata_missing',
  'metadata_malformed',
  'metadata_mismatch',
  'orphan_rows',
  'wal_pending',
  'db_large',
  'inactive',
  'missing_file',
  'locked',
  'clock_skew',
  'not_a_file',
]);
export type FindingCode = z.infer<typeof FindingCode>;

/** Default severity of each code: error = unreadable or damaged, warning = needs attention, info = worth knowing. */
export const SEVERITY_OF: Record<FindingCode, Severity> = {
  not_sqlite: 'error',
  empty_file: 'error',
  truncated: 'error',
  corrupt: 'error',
  missing_file: 'error',
  not_a_file: 'error',
  fk_violation: 'warning',
  schema_drift: 'warning',
  metadata_missing: 'warning',
  metadata_malformed: 'warning',
  metadata_mismatch: 'warning',
  orphan_rows: 'warning',
  db_large: 'warning',
  locked: 'warning',
  wal_pending: 'info',
  inactive: 'info',
  clock_skew: 'info',
};

export const Finding = z.object({
  code: FindingCode,
  severity: Severity,
  /** File name relative to the chat folder (or the file's own name for a single DB). */
  file: z.string(),
  /**
   * English, for the CLI's human output and scripts' JSON: one sentence a support person understands.
   * The UI never shows it: it words `code` + `params` in the person's language.
   */
  message: z.string(),
  /** What the wording of `code` needs (file, sizes, days, dates, counts...): see renderer/i18n/findings.ts. */
  params: FindingParams.default({}),
});
export type Finding = z.infer<typeof Finding>;

/** The worst severity decides a chat's health; info never lowers it. */
export function healthOf(findings: readonly Pick<Finding, 'severity'>[]): Health {
  if (findings.some((f) => f.severity === 'error')) return 'error';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}

/** Alert thresholds from the bot's own monitoring (seed 000). */
export const DB_LARGE_BYTES = 10 * 1024 * 1024;
export const INACTIVE_DAYS = 90;
