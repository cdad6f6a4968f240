import type { Message, MessagePage, MessageRole } from '../../shared/domain.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { toIso } from './time.ts';

/** Where a page comes from: a table with the seed-000 message columns, optionally filtered (user_history). */
export interface MessageSource {
  db: ReadableDb;
  /** Extra SQL condition and its parameters, e.g. `chat_id = ?` for the unified legacy DB. */
  filter?: { sql: string; params: unknown[] };
}

export interface PageRequest {
  before?: number | undefined;
  after?: number | undefined;
  at?: string | undefined;
  limit: number;
}

export function roleOf(rawType: unknown): MessageRole {
  const t = typeof rawType === 'string' ? rawType.toLowerCase() : '';
  if (t === 'user' || t === 'inbound' || t === 'human') return 'user';
  if (t === 'system') return 'system';
  return 'bot';
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const num = (v: unknown): number | null =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const bool = (v: unknown): boolean => v === 1 || v === true || v === '1' || v === 'true' || v === 'TRUE';

/** Maps one row of a seed-000 `messages` table (tolerant of missing columns: schema drift). */
export function mapMessageRow(row: Record<string, unknown>): Message {
  const context = row.message_context;
  return {
    id: Number(row.id),
    sessionId: str(row.session_id),
    role: roleOf(row.message_type),
    rawRole: str(row.message_type),
    content: str(row.content),
    originalContent: str(row.original_content),
    isVoice: bool(row.is_voice),
    voiceDuration: num(row.voice_duration),
    hasErrors: bool(row.has_errors),
    corrections: parseJson(row.grammar_corrections),
    vocabulary: parseJson(row.vocabulary_suggestions),
    confidence: num(row.confidence_score),
    responseTime: num(row.response_time),
    timestamp: toIso(row.timestamp),
    extra:
      context === null || context === undefined || context === '' ? null : { context: parseJson(context) },
  };
}

/**
 * A page of messages by key (the id), never OFFSET: newest by default, older than `before`, newer than
 * `after`, or starting at the first message on or after `at`. Rows come back oldest first.
 */
export function pageMessages(source: MessageSource, request: PageRequest): MessagePage {
  const { db } = source;
  const base = source.filter ? `(${source.filter.sql}) AND ` : '';
  const params = source.filter?.params ?? [];
  let rows: Record<string, unknown>[];
  if (request.after !== undefined) {
    rows = db
      .prepare(`SELECT * FROM messages WHERE ${base}id > ? ORDER BY id ASC LIMIT ?`)
      .all(...params, request.after, request.limit) as Record<string, unknown>[];
  } else if (request.at !== undefined) {
    const first = db
      .prepare(`SELECT id FROM messages WHERE ${base}timestamp >= ? ORDER BY timestamp ASC, id ASC LIMIT 1`)
      .get(...params, normalizeAt(request.at)) as { id: number } | undefined;
    if (first) {
      rows = db
        .prepare(`SELECT * FROM messages WHERE ${base}id >= ? ORDER BY id ASC LIMIT ?`)
        .all(...params, first.id, request.limit) as Record<string, unknown>[];
    } else {
      rows = (
        db
          .prepare(
            `SELECT * FROM messages WHERE ${source.filter ? `(${source.filter.sql})` : '1'} ORDER BY id DESC LIMIT ?`,
          )
          .all(...params, request.limit) as Record<string, unknown>[]
      ).reverse();
    }
  } else if (request.before !== undefined) {
    rows = (
      db
        .prepare(`SELECT * FROM messages WHERE ${base}id < ? ORDER BY id DESC LIMIT ?`)
        .all(...params, request.before, request.limit) as Record<string, unknown>[]
    ).reverse();
  } else {
    rows = (
      db
        .prepare(
          `SELECT * FROM messages WHERE ${source.filter ? `(${source.filter.sql})` : '1'} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params, request.limit) as Record<string, unknown>[]
    ).reverse();
  }
  const messages = rows.map(mapMessageRow);
  if (messages.length === 0) return { messages, olderCursor: null, newerCursor: null };
  const minId = messages[0]!.id;
  const maxId = messages[messages.length - 1]!.id;
  const older = db.prepare(`SELECT 1 FROM messages WHERE ${base}id < ? LIMIT 1`).get(...params, minId);
  const newer = db.prepare(`SELECT 1 FROM messages WHERE ${base}id > ? LIMIT 1`).get(...params, maxId);
  return { messages, olderCursor: older ? minId : null, newerCursor: newer ? maxId : null };
}

/** The bot stores 'YYYY-MM-DD HH:MM:SS'; an ISO date from the UI is compared in that form. */
function normalizeAt(at: string): string {
  const iso = at
    .trim()
    .replace('T', ' ')
    .replace(/Z$/, '')
    .replace(/\.\d+$/, '');
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso} 00:00:00` : iso;
}

/** Messages whose text contains `query`, newest first, with a short snippet around the match. */
export function searchMessages(
  source: MessageSource,
  query: string,
  limit: number,
): { hits: { id: number; timestamp: string | null; snippet: string }[]; capped: boolean } {
  const base = source.filter ? `(${source.filter.sql}) AND ` : '';
  const params = source.filter?.params ?? [];
  const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = source.db
    .prepare(
      `SELECT id, timestamp, content, original_content FROM messages
       WHERE ${base}(content LIKE ? ESCAPE '\\' OR original_content LIKE ? ESCAPE '\\')
       ORDER BY id DESC LIMIT ?`,
    )
    .all(...params, pattern, pattern, limit + 1) as {
    id: number;
    timestamp: unknown;
    content: string | null;
    original_content: string | null;
  }[];
  const needle = query.toLowerCase();
  const hits = rows.slice(0, limit).map((r) => {
    const text = r.content?.toLowerCase().includes(needle)
      ? r.content
      : (r.original_content ?? r.content ?? '');
    return { id: r.id, timestamp: toIso(r.timestamp), snippet: snippet(text ?? '', needle) };
  });
  return { hits, capped: rows.length > limit };
}

function snippet(text: string, needle: string): string {
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return text.slice(0, 120);
  const start = Math.max(0, at - 50);
  const end = Math.min(text.length, at + needle.length + 70);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
