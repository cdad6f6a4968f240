// `export`: conversations as JSON, CSV or printable HTML, streamed to the file — chats of a data root
// (exportChats) or one conversation of any Source (exportFromSource), through one pipeline over SourceMessage.
//
// A root's messages are read by key (`id > ? ORDER BY id LIMIT 1000`, PerChatSource.exportMessages), one
// short statement per page, and written through one reusable buffer that the disk drains (writer.ts):
// memory stays flat for a chat of any size, and a bot writing at the same time is never blocked for the
// length of an export (a single long-running SELECT would hold a read lock on a rollback-journal DB for the
// whole export). The file is written as FILE.partial and renamed at the end.

import { existsSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ExportFormat, ExportResult } from '../../shared/contract/backup.ts';
import {
  NO_LEARNING_FIELDS,
  type ConversationSession,
  type LearningProgress,
  type Message,
  type UserPreferences,
  type UserProfile,
} from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { fsyncDir, requireAbsent, unlinkIfExists } from '../fs/files.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { trackTemp } from '../fs/temp.ts';
import { PerChatSource } from '../kinds/per-chat-root.ts';
import type { Source, SourceMessage } from '../sources/types.ts';
import { withReadonly } from '../sqlite/open.ts';
import { mapProgress } from '../store/chat.ts';
import { messageOfSource } from '../adapters/per-chat-messages.ts';
import { PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { toIso } from '../sources/time.ts';
import { csvWriter, htmlWriter, jsonWriter, type ChatHeader, type ExportFormatWriter } from './formats.ts';
import { MASK, createRedactor, redactDeep, type Redact } from './redact.ts';
import { TextOutput } from './writer.ts';

export interface ExportOptions {
  root: string;
  chatIds: readonly string[];
  format: ExportFormat;
  out: string;
  redact?: boolean;
  /** The chats' copies in this chat tree of the root (`data/chats`); the plain-id rule when absent. */
  tree?: string | undefined;
  /** Replace `out` if it exists (default: refuse). */
  overwrite?: boolean;
  now?: Date;
  pageSize?: number;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const boolOrNull = (v: unknown): boolean | null =>
  v === null || v === undefined
    ? null
    : v === 1 || v === true || v === '1' || String(v).toUpperCase() === 'TRUE';

function readProfile(dir: string, chatId: string): Pick<ChatHeader, 'profile' | 'preferences' | 'progress'> {
  try {
    return withReadonly(join(dir, PROFILE_DB), (db) => {
      const p = db.prepare('SELECT * FROM user_profile LIMIT 1').get() as Row | undefined;
      const pr = db.prepare('SELECT * FROM user_preferences LIMIT 1').get() as Row | undefined;
      const progress = (db.prepare('SELECT * FROM learning_progress ORDER BY id').all() as Row[]).map(
        mapProgress,
      );
      const profile: UserProfile | null = p
        ? {
            chatId: String(p.chat_id ?? chatId),
            username: str(p.username),
            firstName: str(p.first_name),
            lastName: str(p.last_name),
            currentLevel: str(p.current_level),
            preferredLanguage: str(p.preferred_language),
            createdAt: toIso(p.created_at),
            lastActive: toIso(p.last_active),
            totalMessages: num(p.total_messages),
            studyStreak: num(p.study_streak),
          }
        : null;
      const preferences: UserPreferences | null = pr
        ? {
            voiceEnabled: boolOrNull(pr.voice_enabled),
            explanationLanguage: str(pr.explanation_language),
            difficultyPreference: str(pr.difficulty_preference),
            feedbackStyle: str(pr.feedback_style),
            studyReminders: boolOrNull(pr.study_reminders),
            reminderFrequency: num(pr.reminder_frequency),
          }
        : null;
      return { profile, preferences, progress };
    });
  } catch {
    // A damaged or missing profile.db does not stop the transcript.
    return { profile: null, preferences: null, progress: [] as LearningProgress[] };
  }
}

function redactProfile(profile: UserProfile | null): UserProfile | null {
  if (!profile) return null;
  const mask = (v: string | null) => (v ? MASK.name : v);
  return {
    ...profile,
    username: mask(profile.username),
    firstName: mask(profile.firstName),
    lastName: mask(profile.lastName),
  };
}

/** Every text of a message that can name someone: its words, the store's word for the sender, its extras. */
function redactMessage(m: Message, redact: Redact): Message {
  return {
    ...m,
    rawRole: m.rawRole === null ? null : redact(m.rawRole),
    content: m.content === null ? null : redact(m.content),
    originalContent: m.originalContent === null ? null : redact(m.originalContent),
    corrections: redactDeep(m.corrections, redact),
    vocabulary: redactDeep(m.vocabulary, redact),
    extra: m.extra ? (redactDeep(m.extra, redact) as Record<string, unknown>) : null,
  };
}

function redactSession(s: ConversationSession, redact: Redact): ConversationSession {
  return {
    ...s,
    topic: s.topic === null ? null : redact(s.topic),
    summary: s.summary === null ? null : redact(s.summary),
  };
}

/**
 * The formats speak the app's seed-000 Message: a per-chat root's messages come back whole
 * (messageOfSource); another Source's id, analysis and extras ride along in `extra`.
 */
function messageOfOtherSource(m: SourceMessage, index: number): Message {
  const numeric = Number(m.id);
  const extra: Record<string, unknown> = { ...(m.extra ?? {}) };
  if (!Number.isSafeInteger(numeric)) extra.id = m.id;
  if (m.analysis)
    for (const [k, v] of Object.entries(m.analysis)) if (v !== null && v !== undefined) extra[k] = v;
  return {
    id: Number.isSafeInteger(numeric) ? numeric : index + 1,
    sessionId: null,
    role: m.role,
    rawRole: m.rawRole,
    content: m.text,
    ...NO_LEARNING_FIELDS,
    timestamp: m.timestamp,
    extra: Object.keys(extra).length > 0 ? extra : null,
  };
}

/** One conversation to write: its header and sessions, then its messages a page at a time. */
interface ExportItem {
  header: ChatHeader;
  sessions: ConversationSession[];
  pages: AsyncIterable<SourceMessage[]>;
  /** How a message is shown in the formats. */
  view: (m: SourceMessage, index: number) => Message;
  redact: Redact | null;
}

interface ExportRun {
  out: string;
  format: ExportFormat;
  redacted: boolean;
  overwrite: boolean;
  exportedAt: string;
  /** The HTML transcript's title. */
  title: string;
  /** Messages in all, for the progress bar. */
  grand: number;
}

/** What every export asked for (format, redaction, overwrite, time) with its file, title and size. */
function exportRun(
  options: { format: ExportFormat; redact?: boolean; overwrite?: boolean; now?: Date },
  out: string,
  title: string,
  grand: number,
): ExportRun {
  return {
    out,
    format: options.format,
    redacted: options.redact ?? false,
    overwrite: options.overwrite ?? false,
    exportedAt: (options.now ?? new Date()).toISOString(),
    title,
    grand,
  };
}

/**
 * The one export pipeline: each conversation's pages are written through one reusable buffer and dropped,
 * so memory stays flat for any size; written as FILE.partial (tracked: removed on failure, cancel or
 * signal), renamed into place at the end.
 */
async function writeExport(
  run: ExportRun,
  items: Iterable<() => ExportItem | Promise<ExportItem>>,
  ctx: JobContext<null>,
): Promise<ExportResult> {
  const writer: ExportFormatWriter =
    run.format === 'json'
      ? jsonWriter({ exportedAt: run.exportedAt, redacted: run.redacted })
      : run.format === 'csv'
        ? csvWriter()
        : htmlWriter({ exportedAt: run.exportedAt, redacted: run.redacted, title: run.title });
  const partial = `${run.out}.partial`;
  const untrack = trackTemp(partial);
  const output = new TextOutput(partial);
  let chats = 0;
  let totalMessages = 0;
  let totalSessions = 0;
  let finished = false;
  try {
    ctx.progress(0, run.grand, null);
    await output.write(writer.begin());
    for (const next of items) {
      throwIfCancelled(ctx.signal);
      const item = await next();
      const { header, redact } = item;
      await output.write(writer.chatStart(header, chats === 0));
      chats++;
      const bySessionId = new Map<string, ConversationSession>();
      for (const s of item.sessions) if (s.sessionId) bySessionId.set(s.sessionId, s);
      await output.write(writer.sessions(header, item.sessions));
      totalSessions += item.sessions.length;
      await output.write(writer.messagesStart(header));
      let index = 0;
      let lastSession: string | null | undefined;
      for await (const page of item.pages) {
        throwIfCancelled(ctx.signal);
        for (const source of page) {
          let m = item.view(source, index);
          if (redact) m = redactMessage(m, redact);
          const changed = m.sessionId !== lastSession;
          lastSession = m.sessionId;
          const session = m.sessionId ? (bySessionId.get(m.sessionId) ?? null) : null;
          await output.write(writer.message(header, m, index++, session, changed));
        }
        totalMessages += page.length;
        ctx.progress(totalMessages, Math.max(totalMessages, run.grand), header.chatId);
      }
      await output.write(writer.chatEnd(header));
    }
    await output.write(writer.end());
    await output.close();
    if (!run.overwrite) requireAbsent(run.out, 'export');
    renameSync(partial, run.out);
    untrack();
    fsyncDir(dirname(run.out));
    finished = true;
  } finally {
    if (!finished) {
      output.destroy();
      unlinkIfExists(partial);
      untrack();
    }
  }
  return {
    out: run.out,
    format: run.format,
    chats,
    messages: totalMessages,
    sessions: totalSessions,
    bytes: statSync(run.out).size,
    redacted: run.redacted,
  };
}

function checkTarget(out: string, overwrite: boolean): void {
  if (!overwrite) requireAbsent(out, 'export');
  else if (!existsSync(dirname(out))) throw new AppError('not_found', `${dirname(out)}: no such folder`);
}

/** `export ROOT --chat ID...`: chats of a data root, each with its profile, sessions and every message. */
export async function exportChats(options: ExportOptions, ctx: JobContext<null>): Promise<ExportResult> {
  const root = resolve(options.root);
  const out = resolve(options.out);
  if (options.chatIds.length === 0) throw new AppError('invalid_input', 'name at least one chat to export');
  checkTarget(out, options.overwrite ?? false);
  const chatIds = [...new Set(options.chatIds)];
  const chats = chatIds.map((id) => new PerChatSource(root, id, options.tree));
  const redacted = options.redact ?? false;
  const pageSize = options.pageSize ?? 1000;
  // Totals first, for the progress bar (and a chat that cannot be read stops the export before it starts).
  const counts = chats.map((chat) => chat.exportCounts());
  return writeExport(
    exportRun(
      options,
      out,
      chatIds.length === 1 ? `Chat ${chatIds[0]} — transcript` : `${chatIds.length} chats — transcripts`,
      counts.reduce((n, c) => n + c.messages, 0),
    ),
    chats.map((chat, i) => () => {
      const base = readProfile(chat.dir, chat.chatId);
      const p = base.profile;
      const redact = redacted ? createRedactor({ names: [p?.firstName, p?.lastName, p?.username] }) : null;
      const sessions = chat.exportSessions();
      return {
        header: {
          chatId: chat.chatId,
          profile: redact ? redactProfile(p) : p,
          preferences: base.preferences,
          progress: base.progress,
          messages: counts[i]!.messages,
          sessions: counts[i]!.sessions,
        },
        sessions: redact ? sessions.map((s) => redactSession(s, redact)) : sessions,
        pages: chat.exportMessages(pageSize),
        view: messageOfSource,
        redact,
      };
    }),
    ctx,
  );
}

export interface SourceExportOptions {
  conversationId: string;
  tenant?: string | undefined;
  format: ExportFormat;
  out: string;
  redact?: boolean;
  overwrite?: boolean;
  now?: Date;
  pageSize?: number;
}

/**
 * `export SOURCE --chat ID`: one conversation of any Source, in the same formats, streamed (the Source
 * hands out pages: a server-side cursor for PostgreSQL).
 */
export async function exportFromSource(
  source: Source,
  options: SourceExportOptions,
  ctx: JobContext<null>,
): Promise<ExportResult> {
  const out = resolve(options.out);
  checkTarget(out, options.overwrite ?? false);
  const conversation = await source.conversation(options.conversationId, { tenant: options.tenant });
  const total = conversation.messages;
  if (total === null)
    throw new AppError(
      'corrupt',
      `conversation ${options.conversationId}: its messages cannot be read; recover it first`,
    );
  const redacted = options.redact ?? false;
  const redact = redacted ? createRedactor({}) : null;
  const shownId = redact ? redact(conversation.id) : conversation.id;
  return writeExport(
    exportRun(options, out, `Conversation ${shownId} — transcript`, total),
    [
      () => ({
        header: {
          chatId: shownId,
          // Whom the conversation is with (a clinic's is the patient's phone): masked like its messages.
          title: redact ? redact(conversation.title) : conversation.title,
          profile: null,
          preferences: null,
          progress: [],
          messages: total,
          sessions: 0,
        },
        sessions: [],
        pages: source.exportMessages({
          conversationId: options.conversationId,
          tenant: options.tenant,
          pageSize: options.pageSize ?? 5000,
        }),
        view: messageOfOtherSource,
        redact,
      }),
    ],
    ctx,
  );
}
