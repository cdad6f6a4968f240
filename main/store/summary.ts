import { lstatSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  DB_LARGE_BYTES,
  INACTIVE_DAYS,
  SEVERITY_OF,
  healthOf,
  type ChatSummary,
  type CountsReason,
  type CountsState,
  type Finding,
  type FindingCode,
} from '../../shared/domain.ts';
import { AppError, asAppError, errorMessage } from '../../shared/errors.ts';
import {
  openReadonly,
  toAppError,
  type OpenReadonlyOptions,
  type OpenedDb,
  type ReadableDb,
} from '../sqlite/open.ts';
import { EARLIEST_PLAUSIBLE, chatLastActivity, inactiveDays, latestPlausible } from './activity.ts';
import type { ChatCopy, ChatLocation } from './layout.ts';
import {
  describeMismatch,
  metadataLastBackup,
  metadataMismatches,
  mismatchParams,
  readMetadata,
  type MetadataRead,
} from './metadata.ts';
import { CONVERSATIONS_DB, displayName, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { latest, toIso } from '../sources/time.ts';

export interface ScanItem {
  chatId: string;
  dir: string;
  /** Clock for the inactive check (ms since epoch). */
  nowMs: number;
  /** How long to wait for a writer's lock before reporting `locked` (ms; openReadonly's default when absent). */
  busyTimeoutMs?: number;
  /** The DBs' and their -wal's lstat, when the caller just took it (not stat'ed again). */
  known?: KnownFiles;
  /** The chat tree holding `dir` (see store/layout.ts), copied into the summary. */
  tree?: string;
  /** The chat's copies in the root's other trees (see ChatLocation.copies). */
  copies?: ChatCopy[];
}

/** What a visit of this chat needs to know of it (its copies only when it has some). */
export function scanItemOf(chat: ChatLocation, nowMs: number): ScanItem {
  const item: ScanItem = { chatId: chat.chatId, dir: chat.dir, nowMs, tree: chat.tree };
  if (chat.copies) item.copies = chat.copies;
  return item;
}

/** By file name (profile.db, profile.db-wal, conversations.db, conversations.db-wal): null when absent. */
export type KnownFiles = Record<string, { regular: boolean; size: number } | null>;

/**
 * Extra work on a DB while it is open for the figures (the integrity check's quick_check and schema),
 * so each file is opened once. Runs before the figures are read; its findings join the chat's.
 */
export type DbInspector = (file: typeof PROFILE_DB | typeof CONVERSATIONS_DB, db: ReadableDb) => Finding[];

/** How the DBs are opened: openReadonly, or the integrity check's opener that reuses one connection. */
export type DbOpener = (path: string, options: OpenReadonlyOptions) => OpenedDb;

export interface ScanOutcome {
  kind: 'chat';
  summary: ChatSummary;
  findings: Finding[];
  /** False when conversations.db's figures could not be read at all (the counts are not counts). */
  countsRead?: boolean;
  /** metadata.json's `database_info.last_backup` (the fleet index keeps it for the last-backup column). */
  metadataLastBackup?: string | null;
}

/** Codes of findings on conversations.db that mean the counts beside them are only what could be read. */
const DAMAGE_CODES: ReadonlySet<string> = new Set([
  'corrupt',
  'truncated',
  'not_sqlite',
  'empty_file',
  'missing_file',
  'not_a_file',
  'locked',
]);

/**
 * Whether a chat's counts are the whole chat's, from its findings and whether conversations.db's figures
 * could be read at all: the one rule behind every screen's "—" and "(partial)".
 */
export function countsStateOf(
  findings: readonly Finding[],
  countsRead: boolean,
): { counts: CountsState; countsReason: CountsReason | null } {
  const damage = findings.find((f) => f.file === CONVERSATIONS_DB && DAMAGE_CODES.has(f.code));
  const reason = damage ? { code: damage.code, file: damage.file } : null;
  if (!countsRead) {
    // Unread without damage (a table missing: schema drift): the file's own finding says why.
    const other = findings.find((f) => f.file === CONVERSATIONS_DB);
    const why = reason ?? (other ? { code: other.code, file: other.file } : null);
    return { counts: 'unread', countsReason: why ?? { code: 'corrupt', file: CONVERSATIONS_DB } };
  }
  return damage ? { counts: 'partial', countsReason: reason } : { counts: 'whole', countsReason: null };
}

/** A summary's counts and their state as these findings say (null counts when nothing could be read). */
export function withCountsState(
  summary: ChatSummary,
  findings: readonly Finding[],
  countsRead: boolean,
): ChatSummary {
  const state = countsStateOf(findings, countsRead);
  return {
    ...summary,
    ...state,
    messages: countsRead ? summary.messages : null,
    sessions: countsRead ? summary.sessions : null,
  };
}

/**
 * A finding: `message` is English for the CLI; `params` (with `file` always) are what the renderer words
 * `code` with, in the person's language.
 */
export function finding(
  code: FindingCode,
  file: string,
  message: string,
  params: Record<string, string | number | null> = {},
): Finding {
  return { code, severity: SEVERITY_OF[code], file, message, params: { file, ...params } };
}

const KIND_OF_WORDS: [RegExp, string][] = [
  [/symbolic link/, 'symlink'],
  [/directory|folder/, 'directory'],
  [/pipe|FIFO/, 'fifo'],
  [/socket/, 'socket'],
  [/device/, 'device'],
];

/** The byte figures of the header reader's "cut short" sentences, for the wording. */
function truncatedParams(detail: string): Record<string, number | null> {
  const promised = /(\d+) bytes where the header promises (\d+)/.exec(detail);
  if (promised) return { bytes: Number(promised[1]), expectedBytes: Number(promised[2]), pageSize: null };
  const pages = /\((\d+) bytes\) is not a whole number of (\d+)-byte pages/.exec(detail);
  if (pages) return { bytes: Number(pages[1]), expectedBytes: null, pageSize: Number(pages[2]) };
  const bytes = /(\d+) bytes/.exec(detail);
  return { bytes: bytes ? Number(bytes[1]) : null, expectedBytes: null, pageSize: null };
}

/** A file-level AppError as the finding a support person reads. */
export function findingFromError(error: unknown, file: string): Finding {
  const { code, message } = asAppError(error);
  // The header reader's own words ("the file is not an SQLite database", "the file is cut short: …")
  // are folded into one sentence rather than repeated.
  const detail = message
    .replace(/^.*?: /, '')
    .replace(/^the file (is not an SQLite database|is cut short)(: )?/, '');
  switch (code) {
    case 'not_found':
      return finding(
        'missing_file',
        file,
        `${file} is missing: the chat's data for it is gone; restore it from a backup.`,
      );
    case 'empty_file':
      return finding('empty_file', file, `${file} is empty (0 bytes): restore it from a backup.`);
    case 'not_sqlite':
      return finding(
        'not_sqlite',
        file,
        `${file} is not an SQLite database${detail ? ` (${detail})` : ''}: restore it from a backup.`,
        { detail: detail || null },
      );
    case 'truncated':
      return finding(
        'truncated',
        file,
        `${file} is cut short${detail ? ` (${detail})` : ''}: recover what is readable or restore a backup.`,
        truncatedParams(detail),
      );
    case 'locked':
      return finding(
        'locked',
        file,
        `${file} could not be read: ${detail}. Try again when the bot is idle.`,
        {
          detail: detail || null,
        },
      );
    case 'not_a_file': {
      // The entry named may be a side file (conversations.db-wal): the message starts with its path.
      const message = errorMessage(error);
      const path = /^(.*?): is /.exec(message)?.[1];
      const name = path ? basename(path) : file;
      return finding(
        'not_a_file',
        file,
        `${name} ${detail.replace(/; it was not opened$/, '')}: it was never opened; put the real file back (restore it from a backup).`,
        { entry: name, kind: KIND_OF_WORDS.find(([re]) => re.test(detail))?.[1] ?? null },
      );
    }
    default:
      return finding(
        'corrupt',
        file,
        `${file} is damaged (${detail}): recover what is readable or restore a backup.`,
        { detail: detail || null },
      );
  }
}

export interface ProfileFigures {
  name: string | null;
  level: string | null;
  lastActive: string | null;
}

function readProfileFigures(db: ReadableDb): ProfileFigures {
  const row = db
    .prepare('SELECT username, first_name, last_name, current_level, last_active FROM user_profile LIMIT 1')
    .get() as Record<string, unknown> | undefined;
  return profileFiguresOf(row);
}

/** The profile's figures from its user_profile row (undefined: no row). */
export function profileFiguresOf(row: Record<string, unknown> | undefined): ProfileFigures {
  if (!row) return { name: null, level: null, lastActive: null };
  return {
    name: displayName(row),
    level: (row.current_level as string | null) ?? null,
    lastActive: toIso(row.last_active),
  };
}

export interface ConversationFigures {
  messages: number;
  sessions: number;
  lastMessageAt: string | null;
  firstMessageAt: string | null;
}

// The plausible-time rule lives with the activity rule; imported from here by the fleet's charts too.
export { EARLIEST_PLAUSIBLE, latestPlausible } from './activity.ts';

function readConversationFigures(db: ReadableDb): ConversationFigures {
  // The newest message by rowid, not max(timestamp): the bot inserts in time order, and max() would
  // decode every row where count(*) only walks the b-tree.
  const m = db
    .prepare(
      'SELECT (SELECT count(*) FROM messages), (SELECT timestamp FROM messages ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM conversation_sessions), (SELECT timestamp FROM messages ORDER BY id LIMIT 1)',
    )
    .raw()
    .get() as [number, unknown, number, unknown];
  return conversationFiguresOf(m[0], m[1], m[2], m[3]);
}

/** The conversation figures from the counts and the first and last messages' timestamps. */
export function conversationFiguresOf(
  messages: number,
  lastTimestamp: unknown,
  sessions: number,
  firstTimestamp: unknown,
): ConversationFigures {
  return { messages, sessions, lastMessageAt: toIso(lastTimestamp), firstMessageAt: toIso(firstTimestamp) };
}

export interface FileSize {
  exists: boolean;
  bytes: number;
  walBytes: number;
}

export function sizeOf(path: string, known?: KnownFiles): FileSize {
  const name = basename(path);
  if (known && name in known && `${name}-wal` in known) {
    const file = known[name];
    const wal = known[`${name}-wal`];
    if (!file) return { exists: false, bytes: 0, walBytes: 0 };
    return { exists: true, bytes: file.regular ? file.size : 0, walBytes: wal?.regular ? wal.size : 0 };
  }
  // throwIfNoEntry: a missing -wal is the usual case, and exceptions are slow on a hot path. lstat: a
  // link is never followed; an entry that is not a regular file exists (the open reports not_a_file)
  // but has no size of its own.
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return { exists: false, bytes: 0, walBytes: 0 };
  const wal = lstatSync(`${path}-wal`, { throwIfNoEntry: false });
  return {
    exists: true,
    bytes: st.isFile() ? st.size : 0,
    walBytes: wal?.isFile() ? wal.size : 0,
  };
}

/**
 * One row of the chat list with exact counts from the DBs, and the cheap findings met on the way
 * (file problems, metadata state, WAL, size, inactivity). The full integrity check adds the expensive ones.
 * Runs in a worker thread during a scan.
 */
export function summarizeChatTask(
  item: ScanItem,
  inspect?: DbInspector,
  open: DbOpener = openReadonly,
): ScanOutcome {
  const profilePath = join(item.dir, PROFILE_DB);
  const conversationsPath = join(item.dir, CONVERSATIONS_DB);
  const profileSize = sizeOf(profilePath, item.known);
  const conversationsSize = sizeOf(conversationsPath, item.known);
  // A chat folder with none of its files is still a chat: each missing file is a finding (never skipped).
  const meta = readMetadata(item.dir);
  const findings: Finding[] = [];
  let profile: ProfileFigures = { name: null, level: null, lastActive: null };
  let conversations: ConversationFigures | null = null;

  if (!profileSize.exists) {
    findings.push(findingFromError(new AppError('not_found', ''), PROFILE_DB));
  } else {
    try {
      const { db } = open(profilePath, { probe: false, busyTimeoutMs: item.busyTimeoutMs });
      try {
        if (inspect) findings.push(...inspect(PROFILE_DB, db));
        profile = readProfileFigures(db);
      } finally {
        db.close();
      }
    } catch (error) {
      findings.push(schemaOrFileFinding(error, PROFILE_DB));
    }
  }
  if (!conversationsSize.exists) {
    findings.push(findingFromError(new AppError('not_found', ''), CONVERSATIONS_DB));
  } else {
    try {
      const { db } = open(conversationsPath, { probe: false, busyTimeoutMs: item.busyTimeoutMs });
      try {
        if (inspect) findings.push(...inspect(CONVERSATIONS_DB, db));
        conversations = readConversationFigures(db);
      } finally {
        db.close();
      }
    } catch (error) {
      findings.push(schemaOrFileFinding(error, CONVERSATIONS_DB));
    }
  }

  return finishSummary(item, { profileSize, conversationsSize, meta, profile, conversations }, findings);
}

/** What one visit of a chat read, before the findings that follow from it. */
export interface ChatReading {
  profileSize: FileSize;
  conversationsSize: FileSize;
  meta: MetadataRead;
  profile: ProfileFigures;
  /** Null when conversations.db's figures could not be read. */
  conversations: ConversationFigures | null;
}

/**
 * The row and the findings that follow from what was read (metadata, WAL, size, clock, inactivity),
 * after `findings` (the files' own). Shared by every way a chat is read, so they all say the same.
 */
export function finishSummary(item: ScanItem, reading: ChatReading, findings: Finding[]): ScanOutcome {
  const { profileSize, conversationsSize, meta, profile, conversations } = reading;
  if (meta.state === 'missing') {
    findings.push(
      finding(
        'metadata_missing',
        METADATA_JSON,
        "metadata.json is missing: the bot's quick stats are gone; rebuild it from the DBs.",
      ),
    );
  } else if (meta.state === 'malformed' && meta.notAFile) {
    findings.push(
      finding(
        'not_a_file',
        METADATA_JSON,
        `metadata.json ${meta.message.replace(/; it was not opened$/, '')}: it was never opened; remove it and rebuild metadata.json from the DBs.`,
        { entry: METADATA_JSON, kind: meta.notAFile ?? null },
      ),
    );
  } else if (meta.state === 'malformed') {
    findings.push(
      finding(
        'metadata_malformed',
        METADATA_JSON,
        `metadata.json ${meta.message}: rebuild it from the DBs.`,
        {
          detail: meta.message,
        },
      ),
    );
  } else {
    const mismatches = metadataMismatches(meta.value, {
      chatId: item.chatId,
      ...(conversations ?? {}),
      level: profile.level,
    });
    if (mismatches.length > 0) {
      findings.push(
        finding(
          'metadata_mismatch',
          METADATA_JSON,
          `${mismatches.map(describeMismatch).join('; ')}: rebuild metadata.json from the DBs.`,
          mismatchParams(mismatches),
        ),
      );
    }
  }

  if (conversationsSize.walBytes > 0 || profileSize.walBytes > 0) {
    const file = conversationsSize.walBytes > 0 ? CONVERSATIONS_DB : PROFILE_DB;
    findings.push(
      finding(
        'wal_pending',
        file,
        `${file} has recent changes still in its -wal file (normal while the bot runs; they are included).`,
        { walBytes: file === CONVERSATIONS_DB ? conversationsSize.walBytes : profileSize.walBytes },
      ),
    );
  }
  const sizeBytes =
    profileSize.bytes + profileSize.walBytes + conversationsSize.bytes + conversationsSize.walBytes;
  const largest = Math.max(
    profileSize.bytes + profileSize.walBytes,
    conversationsSize.bytes + conversationsSize.walBytes,
  );
  if (largest > DB_LARGE_BYTES) {
    const file =
      conversationsSize.bytes + conversationsSize.walBytes >= profileSize.bytes
        ? CONVERSATIONS_DB
        : PROFILE_DB;
    findings.push(
      finding(
        'db_large',
        file,
        `${file} is ${(largest / 1048576).toFixed(1)} MB (over 10 MB): review or archive old history.`,
        { mb: Number((largest / 1048576).toFixed(1)), limitMb: DB_LARGE_BYTES / 1048576 },
      ),
    );
  }
  const newestTrace = latest(profile.lastActive, conversations?.lastMessageAt ?? null);
  const ahead = newestTrace !== null && newestTrace > latestPlausible(item.nowMs) ? newestTrace : null;
  const lastActive = chatLastActivity(
    {
      lastMessageAt: conversations?.lastMessageAt ?? null,
      profileLastActive: profile.lastActive,
      quickStatsLastActive: meta.state === 'ok' ? toIso(meta.value.quick_stats?.last_active) : null,
    },
    item.nowMs,
  );
  const first = conversations?.firstMessageAt ?? null;
  const before = first !== null && first < EARLIEST_PLAUSIBLE ? first : null;
  if (ahead || before) {
    const dates = [before, ahead].filter((d): d is string => d !== null).map((d) => d.slice(0, 10));
    findings.push(
      finding(
        'clock_skew',
        CONVERSATIONS_DB,
        `Timestamps ${ahead && before ? 'before 2000 and in the future' : ahead ? 'in the future' : 'before 2000'} (${dates.join(', ')}): the clock of the machine that wrote them was wrong; those days are left out of the fleet charts.`,
        { before: before?.slice(0, 10) ?? null, ahead: ahead?.slice(0, 10) ?? null },
      ),
    );
  }
  // The one inactive rule (activity.ts): the list, Integrity, Fleet, alerts and archive-inactive share it.
  const days = inactiveDays(lastActive, item.nowMs, INACTIVE_DAYS);
  if (days !== null) {
    findings.push(
      finding(
        'inactive',
        PROFILE_DB,
        `No activity for ${days} days (over ${INACTIVE_DAYS}): a candidate for archiving.`,
        { days, limitDays: INACTIVE_DAYS },
      ),
    );
  }

  const locked = findings.find((f) => f.code === 'locked');
  return {
    kind: 'chat',
    countsRead: conversations !== null,
    metadataLastBackup: metadataLastBackup(meta),
    summary: {
      chatId: item.chatId,
      name: profile.name,
      level: profile.level,
      messages: conversations?.messages ?? null,
      sessions: conversations?.sessions ?? null,
      ...countsStateOf(findings, conversations !== null),
      lastActive,
      sizeBytes,
      health: healthOf(findings),
      ...(locked ? { locked: { file: locked.file, message: locked.message } } : {}),
    },
    findings,
  };
}

/** "no such table/column" on a readable file is schema drift, not damage. */
function schemaOrFileFinding(error: unknown, file: string): Finding {
  const message = errorMessage(error);
  if (!(error instanceof AppError) && /no such (table|column)/.test(message)) {
    return finding(
      'schema_drift',
      file,
      `${file} does not have the expected tables (${message.replace(/^.*?: /, '')}).`,
      { detail: message.replace(/^.*?: /, '') },
    );
  }
  // SQLite's own errors (busy, corrupt...) are named for what they are, not all as damage.
  return findingFromError(toAppError(error, file), file);
}
