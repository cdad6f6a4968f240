// `export`: chats as JSON, CSV or printable HTML, streamed to the file.
//
// Messages are read by key (`id > ? ORDER BY id LIMIT 1000`), one short statement per page, and written
// through one reusable buffer that the disk drains (writer.ts): memory stays flat for a chat of any size, and a
// bot writing at the same time is never blocked for the length of an export (a single long-running SELECT
// would hold a read lock on a rollback-journal DB for the whole export). The file is written as
// FILE.partial and renamed at the end.

import { existsSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ExportFormat, ExportResult } from '../../shared/contract/backup.ts';
import type {
  ConversationSession,
  LearningProgress,
  Message,
  UserPreferences,
  UserProfile,
} from '../../shared/domain.ts';
import { AppError, asAppError } from '../../shared/errors.ts';
import { fsyncDir, requireAbsent, unlinkIfExists } from '../fs/files.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { openReadonly, withReadonly, type ReadableDb } from '../sqlite/open.ts';
import { mapProgress, mapSession } from '../store/chat.ts';
import { chatDir } from '../store/layout.ts';
import { mapMessageRow } from '../store/messages.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../store/schema.ts';
import { toIso } from '../store/time.ts';
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

function redactMessage(m: Message, redact: Redact): Message {
  return {
    ...m,
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

export async function exportChats(options: ExportOptions, ctx: JobContext<null>): Promise<ExportResult> {
  const root = resolve(options.root);
  const out = resolve(options.out);
  if (options.chatIds.length === 0) throw new AppError('invalid_input', 'name at least one chat to export');
  if (!options.overwrite) requireAbsent(out, 'export');
  else if (!existsSync(dirname(out))) throw new AppError('not_found', `${dirname(out)}: no such folder`);
  const chatIds = [...new Set(options.chatIds)];
  const dirs = chatIds.map((id) => ({ chatId: id, dir: chatDir(root, id, options.tree) }));
  const exportedAt = (options.now ?? new Date()).toISOString();
  const redacted = options.redact ?? false;
  const pageSize = options.pageSize ?? 1000;
  const writer: ExportFormatWriter =
    options.format === 'json'
      ? jsonWriter({ exportedAt, redacted })
      : options.format === 'csv'
        ? csvWriter()
        : htmlWriter({
            exportedAt,
            redacted,
            title:
              chatIds.length === 1
                ? `Chat ${chatIds[0]} — transcript`
                : `${chatIds.length} chats — transcripts`,
          });

  const partial = `${out}.partial`;
  const output = new TextOutput(partial);
  let totalMessages = 0;
  let totalSessions = 0;
  let finished = false;
  try {
    // Totals first, for the progress bar.
    const counts = dirs.map(({ dir }) => {
      try {
        return withReadonly(join(dir, CONVERSATIONS_DB), (db) => ({
          messages: Number(db.prepare('SELECT count(*) FROM messages').pluck().get()),
          sessions: Number(db.prepare('SELECT count(*) FROM conversation_sessions').pluck().get()),
        }));
      } catch (error) {
        const { code, message } = asAppError(error, 'corrupt');
        throw new AppError(code, `conversations.db of a chat cannot be read (${message}); recover it first`);
      }
    });
    const grand = counts.reduce((n, c) => n + c.messages, 0);
    ctx.progress(0, grand, null);
    await output.write(writer.begin());
    for (const [i, { chatId, dir }] of dirs.entries()) {
      throwIfCancelled(ctx.signal);
      const base = readProfile(dir, chatId);
      const p = base.profile;
      const redact = redacted ? createRedactor({ names: [p?.firstName, p?.lastName, p?.username] }) : null;
      const header: ChatHeader = {
        chatId,
        profile: redact ? redactProfile(p) : p,
        preferences: base.preferences,
        progress: base.progress,
        messages: counts[i]!.messages,
        sessions: counts[i]!.sessions,
      };
      await output.write(writer.chatStart(header, i === 0));
      const { db } = openReadonly(join(dir, CONVERSATIONS_DB));
      try {
        // Pages are read once, in order: a small page cache is enough (a per-connection setting).
        db.pragma('cache_size = -2000');
        let sessions = (
          db.prepare('SELECT * FROM conversation_sessions ORDER BY session_start, id').all() as Row[]
        ).map(mapSession);
        if (redact) sessions = sessions.map((s) => redactSession(s, redact));
        const bySessionId = new Map<string, ConversationSession>();
        for (const s of sessions) if (s.sessionId) bySessionId.set(s.sessionId, s);
        await output.write(writer.sessions(header, sessions));
        totalSessions += sessions.length;
        sessions = [];
        await output.write(writer.messagesStart(header));
        let index = 0;
        let lastSession: string | null | undefined;
        await forEachPage(db, pageSize, async (rows) => {
          throwIfCancelled(ctx.signal);
          for (const row of rows) {
            let m = mapMessageRow(row);
            if (redact) m = redactMessage(m, redact);
            const changed = m.sessionId !== lastSession;
            lastSession = m.sessionId;
            await output.write(
              writer.message(
                header,
                m,
                index++,
                m.sessionId ? (bySessionId.get(m.sessionId) ?? null) : null,
                changed,
              ),
            );
          }
          totalMessages += rows.length;
          ctx.progress(totalMessages, grand, `chat ${chatId}`);
        });
      } finally {
        db.close();
      }
      await output.write(writer.chatEnd(header));
    }
    await output.write(writer.end());
    await output.close();
    if (!options.overwrite) requireAbsent(out, 'export');
    renameSync(partial, out);
    fsyncDir(dirname(out));
    finished = true;
  } finally {
    if (!finished) {
      output.destroy();
      unlinkIfExists(partial);
    }
  }
  return {
    out,
    format: options.format,
    chats: dirs.length,
    messages: totalMessages,
    sessions: totalSessions,
    bytes: statSync(out).size,
    redacted,
  };
}

/** Messages in id order, one page per statement (no read transaction held between pages). */
async function forEachPage(
  db: ReadableDb,
  pageSize: number,
  onPage: (rows: Row[]) => Promise<void>,
): Promise<void> {
  const page = db.prepare('SELECT * FROM messages WHERE id > ? ORDER BY id LIMIT ?');
  let after = -Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = page.all(after, pageSize) as Row[];
    if (rows.length === 0) return;
    await onPage(rows);
    after = Number(rows[rows.length - 1]!.id);
  }
}
