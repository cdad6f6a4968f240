// The three export formats, each a set of callbacks fed chat by chat, session list first, then messages in
// id order, page by page.
//
// JSON: {"format":"chat-inspector-export","version":1,"exportedAt","redacted","chats":[{"chatId","profile",
//   "preferences","progress","sessions":[...],"messages":[...]}]} with the app's Message/ConversationSession
//   shapes (camelCase).
// CSV: ONE file for messages and sessions (RFC 4180: CRLF, fields quoted when needed, quotes doubled; UTF-8
//   with a BOM so Excel reads accents). Columns `chat_id` and `record` ('session' or 'message') say what a
//   row is; a chat's sessions come first, then its messages. Cells that a spreadsheet would run as a formula
//   (starting with = + - @) get a leading apostrophe.
// HTML: a printable, self-contained transcript (inline CSS with print styles, no script), bubbles by role,
//   session headers, corrections shown original → corrected. Every text is escaped.

import { correctionsOf } from '../../shared/corrections.ts';
import type {
  ConversationSession,
  LearningProgress,
  Message,
  UserPreferences,
  UserProfile,
} from '../../shared/domain.ts';

export interface ChatHeader {
  chatId: string;
  /** Who a conversation of another source is with (a clinic's patient phone, a user's name), when known. */
  title?: string | null;
  profile: UserProfile | null;
  preferences: UserPreferences | null;
  progress: LearningProgress[];
  messages: number;
  sessions: number;
}

export interface ExportFormatWriter {
  begin(): string;
  chatStart(chat: ChatHeader, first: boolean): string;
  sessions(chat: ChatHeader, sessions: ConversationSession[]): string;
  messagesStart(chat: ChatHeader): string;
  message(
    chat: ChatHeader,
    m: Message,
    index: number,
    session: ConversationSession | null,
    sessionChanged: boolean,
  ): string;
  chatEnd(chat: ChatHeader): string;
  end(): string;
}

// ---- JSON ----

export function jsonWriter(meta: { exportedAt: string; redacted: boolean }): ExportFormatWriter {
  return {
    begin: () =>
      `{"format":"chat-inspector-export","version":1,"exportedAt":${JSON.stringify(meta.exportedAt)},"redacted":${meta.redacted},"chats":[`,
    chatStart: (chat, first) =>
      `${first ? '' : ','}\n{"chatId":${JSON.stringify(chat.chatId)},${chat.title != null ? `"title":${JSON.stringify(chat.title)},` : ''}"profile":${JSON.stringify(chat.profile)},"preferences":${JSON.stringify(
        chat.preferences,
      )},"progress":${JSON.stringify(chat.progress)},`,
    sessions: (_chat, sessions) => `"sessions":[${sessions.map((s) => `\n${JSON.stringify(s)}`).join(',')}],`,
    messagesStart: () => '"messages":[',
    message: (_chat, m, index) => `${index === 0 ? '' : ','}\n${JSON.stringify(m)}`,
    chatEnd: () => ']}',
    end: () => '\n]}\n',
  };
}

// ---- CSV ----

export const CSV_COLUMNS = [
  'chat_id',
  'record',
  'id',
  'session_id',
  'timestamp',
  'end',
  'role',
  'raw_role',
  'content',
  'original_content',
  'is_voice',
  'voice_duration',
  'has_errors',
  'corrections',
  'confidence',
  'response_time',
  'topic',
  'messages_count',
  'duration_minutes',
  'quality_score',
  'summary',
] as const;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(values: Partial<Record<(typeof CSV_COLUMNS)[number], unknown>>): string {
  return `${CSV_COLUMNS.map((c) => csvCell(values[c])).join(',')}\r\n`;
}

export function csvWriter(): ExportFormatWriter {
  return {
    begin: () => `\uFEFF${CSV_COLUMNS.join(',')}\r\n`,
    chatStart: () => '',
    sessions: (chat, sessions) =>
      sessions
        .map((s) =>
          csvRow({
            chat_id: chat.chatId,
            record: 'session',
            id: s.id,
            session_id: s.sessionId,
            timestamp: s.start,
            end: s.end,
            topic: s.topic,
            messages_count: s.messagesCount,
            duration_minutes: s.durationMinutes,
            quality_score: s.qualityScore,
            summary: s.summary,
          }),
        )
        .join(''),
    messagesStart: () => '',
    message: (chat, m) =>
      csvRow({
        chat_id: chat.chatId,
        record: 'message',
        id: m.id,
        session_id: m.sessionId,
        timestamp: m.timestamp,
        role: m.role,
        raw_role: m.rawRole,
        content: m.content,
        original_content: m.originalContent,
        is_voice: m.isVoice ? 1 : 0,
        voice_duration: m.voiceDuration,
        has_errors: m.hasErrors ? 1 : 0,
        corrections: m.corrections,
        confidence: m.confidence,
        response_time: m.responseTime,
      }),
    chatEnd: () => '',
    end: () => '',
  };
}

// ---- HTML ----

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const e = (v: unknown): string => (v === null || v === undefined ? '' : escapeHtml(String(v)));

const CSS = `
:root{--user:#dcf8c6;--bot:#ffffff;--sys:#eef1f5;--ink:#1d2330;--muted:#667085;--line:#d0d5dd;--accent:#2f5bea}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:#f4f6f9}
main{max-width:860px;margin:0 auto;padding:24px 16px 48px}
header.chat{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 20px}
header.chat h1{margin:0 0 4px;font-size:20px}
.meta{color:var(--muted);font-size:12px}
.session{margin:28px 0 10px;padding:8px 12px;border-left:4px solid var(--accent);background:#fff;border-radius:6px}
.session h2{margin:0;font-size:14px}
.row{display:flex;margin:6px 0}
.row.user{justify-content:flex-end}
.row.system{justify-content:center}
.bubble{max-width:78%;padding:8px 12px;border-radius:12px;border:1px solid var(--line);background:var(--bot);white-space:pre-wrap;overflow-wrap:anywhere}
.row.user .bubble{background:var(--user);border-color:#b7e4a0}
.row.system .bubble{background:var(--sys);font-size:12px;color:var(--muted)}
.who{font-size:11px;color:var(--muted);margin-bottom:2px}
.fix{margin-top:6px;padding-top:6px;border-top:1px dashed var(--line);font-size:12px}
.fix del{color:#b42318}
.fix ins{color:#067647;text-decoration:none;font-weight:600}
.tags{margin-top:4px;font-size:11px;color:var(--muted)}
.chat-break{page-break-before:always;break-before:page}
@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}header.chat,.session{border-color:#999}
.bubble{break-inside:avoid;page-break-inside:avoid;border-color:#999}.row.user .bubble{background:#f0f0f0}.session{break-after:avoid;page-break-after:avoid}}
`;

/** Corrections as the thread shows them: original → corrected (rule); raw text only for unknown shapes. */
function correctionsHtml(m: Message): string {
  const { items, raw } = correctionsOf(m);
  const parts: string[] = [];
  // The message's own before/after (original_content → content) first, as the transcript always did.
  const rewritten = m.originalContent && m.content && m.originalContent !== m.content;
  if (rewritten) parts.push(`<div><del>${e(m.originalContent)}</del> → <ins>${e(m.content)}</ins></div>`);
  const listed = items.filter(
    (c) => !(rewritten && c.original === m.originalContent && c.corrected === m.content && c.rule === null),
  );
  parts.push(
    ...listed.map(
      (c) =>
        `<div><del>${e(c.original)}</del> → <ins>${e(c.corrected)}</ins>${c.rule ? ` <span class="meta">(${e(c.rule)})</span>` : ''}</div>`,
    ),
  );
  if (raw) parts.push(`<div class="meta">${e(raw)}</div>`);
  return parts.length ? `<div class="fix">${parts.join('')}</div>` : '';
}

function displayName(p: UserProfile | null): string {
  if (!p) return '';
  const full = [p.firstName, p.lastName].filter(Boolean).join(' ');
  return full || (p.username ? `@${p.username}` : '');
}

export function htmlWriter(meta: {
  exportedAt: string;
  redacted: boolean;
  title: string;
}): ExportFormatWriter {
  return {
    begin: () =>
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
      `<title>${e(meta.title)}</title><style>${CSS}</style></head><body><main>\n`,
    chatStart: (chat, first) => {
      const name = displayName(chat.profile);
      const p = chat.profile;
      return (
        `<section class="transcript${first ? '' : ' chat-break'}"><header class="chat"><h1>${e(name || chat.title || `Chat ${chat.chatId}`)}</h1>` +
        `<div class="meta">Chat ${e(chat.chatId)}${p?.currentLevel ? ` · level ${e(p.currentLevel)}` : ''} · ${chat.messages} messages · ${chat.sessions} sessions` +
        ` · exported ${e(meta.exportedAt)}${meta.redacted ? ' · personal data masked' : ''}</div></header>\n`
      );
    },
    sessions: () => '',
    messagesStart: () => '',
    message: (_chat, m, _index, session, changed) => {
      let out = '';
      if (changed) {
        const title = session?.topic ? `Session: ${e(session.topic)}` : `Session ${e(m.sessionId ?? '—')}`;
        const when = session?.start
          ? `${e(session.start.replace('T', ' ').replace('Z', ' UTC'))}`
          : e(m.timestamp ?? '');
        const extra = [
          session?.durationMinutes != null ? `${Math.round(session.durationMinutes)} min` : null,
          session?.messagesCount != null ? `${session.messagesCount} messages` : null,
          session?.qualityScore != null ? `quality ${session.qualityScore}` : null,
        ]
          .filter(Boolean)
          .join(' · ');
        out += `<div class="session"><h2>${title}</h2><div class="meta">${when}${extra ? ` · ${extra}` : ''}</div>${
          session?.summary ? `<div class="meta">${e(session.summary)}</div>` : ''
        }</div>\n`;
      }
      const who = m.role === 'user' ? 'User' : m.role === 'system' ? 'System' : (m.rawRole ?? 'Bot');
      const tags = [
        m.isVoice ? `🎤 voice${m.voiceDuration != null ? ` ${m.voiceDuration.toFixed(1)} s` : ''}` : null,
        m.confidence != null ? `confidence ${Math.round(m.confidence * 100)}%` : null,
        m.responseTime != null ? `replied in ${m.responseTime.toFixed(1)} s` : null,
      ]
        .filter(Boolean)
        .join(' · ');
      out +=
        `<div class="row ${m.role}"><div class="bubble"><div class="who">${e(who)} · ${e(m.timestamp?.replace('T', ' ').replace('Z', '') ?? '')}</div>` +
        `${e(m.role === 'user' && m.originalContent ? m.originalContent : m.content)}${correctionsHtml(m)}${tags ? `<div class="tags">${e(tags)}</div>` : ''}</div></div>\n`;
      return out;
    },
    chatEnd: () => '</section>\n',
    end: () => '</main></body></html>\n',
  };
}
