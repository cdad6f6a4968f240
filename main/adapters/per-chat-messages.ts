// The seed-000 message model (the `messages` table of a chat's conversations.db and of user_history):
// a kind's reading, shared by the per-chat kinds and by the features that show a chat (store/, fleet/).
import { THREAD_FIELDS } from '../../shared/message-fields.ts';
import type { Message, MessagePage, MessageRole } from '../../shared/domain.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { SourceMessage } from '../sources/types.ts';
import { pageThread } from '../sources/thread-order.ts';
import { toIso } from '../sources/time.ts';

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
  /** A message id: the page starting at that message. */
  from?: number | undefined;
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
 * The seed-000 fields a SourceMessage of this layout carries in `extra` (the row's own extras beside them):
 * the thread's fields (shared/message-fields.ts) but the model, which seed 000 does not write.
 */
const OWN_FIELDS: readonly string[] = THREAD_FIELDS.filter((key) => key !== 'model');

/** The app's seed-000 view of a message of this layout (the thread's bubbles: corrections, voice...). */
export function messageOfSource(m: SourceMessage): Message {
  const all = m.extra ?? {};
  const rest = Object.fromEntries(Object.entries(all).filter(([key]) => !OWN_FIELDS.includes(key)));
  const voice = all.voice;
  return {
    id: Number(m.id),
    sessionId: typeof all.sessionId === 'string' ? all.sessionId : null,
    role: m.role,
    rawRole: m.rawRole,
    content: m.text,
    originalContent: typeof all.originalContent === 'string' ? all.originalContent : null,
    isVoice: voice !== undefined,
    voiceDuration: typeof voice === 'number' ? voice : num(all.voiceDuration),
    hasErrors: all.hasErrors === true,
    corrections: all.corrections ?? null,
    vocabulary: all.vocabulary ?? null,
    confidence: num(all.confidence),
    responseTime: num(all.responseTime),
    timestamp: m.timestamp,
    extra: Object.keys(rest).length > 0 ? rest : null,
  };
}

/**
 * A page of a seed-000 `messages` table in thread order (main/sources/thread-order.ts: by time, then id;
 * keyset, never OFFSET): newest by default, older than `before`, newer than `after`, or starting at the
 * first message on or after `at`. Rows come back oldest first; cursors are message ids.
 */
export function pageMessages(source: MessageSource, request: PageRequest): MessagePage {
  const { db } = source;
  // The seed-000 column, or the created_at of files written by other versions of the bot.
  const time = db
    .prepare(
      "SELECT name FROM pragma_table_info('messages') WHERE name IN ('timestamp', 'created_at') ORDER BY name = 'timestamp' DESC LIMIT 1",
    )
    .pluck()
    .get() as string | undefined;
  const page = pageThread(
    {
      db,
      table: 'messages',
      key: 'id',
      time: time ?? null,
      where: source.filter?.sql ?? '1',
      params: source.filter?.params ?? [],
    },
    request,
  );
  return {
    messages: page.rows.map(mapMessageRow),
    olderCursor: page.olderCursor,
    newerCursor: page.newerCursor,
  };
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

/**
 * The one definition of a message's role in SQL, the same as `roleOf`: counts (side panel, metrics) and
 * the search's role filter all use it, so they agree.
 */
export const ROLE_SQL = `(CASE WHEN lower(coalesce(message_type, '')) IN ('user', 'inbound', 'human') THEN 'user'
  WHEN lower(message_type) = 'system' THEN 'system' ELSE 'bot' END)`;

/** What a search keeps besides the text: one role, and a day range (inclusive, `YYYY-MM-DD`). */
export interface SearchFilter {
  role?: MessageRole | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Keyset cursor: only hits older than this id (the next page). */
  before?: number | undefined;
}

export interface SearchResult {
  hits: { id: number; timestamp: string | null; role: MessageRole; snippet: string }[];
  /** Every hit of the query and filters, not only this page. */
  total: number;
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

/**
 * Messages whose text contains `query`, newest first, a page at a time by key (the id), with the total
 * number of hits and a short snippet around the match.
 */
export function searchMessages(
  source: MessageSource,
  query: string,
  limit: number,
  filter: SearchFilter = {},
): SearchResult {
  const where: string[] = [];
  const params: unknown[] = [];
  if (source.filter) {
    where.push(`(${source.filter.sql})`);
    params.push(...source.filter.params);
  }
  const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  where.push(`(content LIKE ? ESCAPE '\\' OR original_content LIKE ? ESCAPE '\\')`);
  params.push(pattern, pattern);
  if (filter.role) {
    where.push(`${ROLE_SQL} = ?`);
    params.push(filter.role);
  }
  if (filter.from) {
    where.push('timestamp >= ?');
    params.push(normalizeAt(filter.from));
  }
  if (filter.to) {
    // Inclusive of the whole last day: everything before the start of the next one.
    where.push('timestamp < ?');
    params.push(`${nextDay(filter.to)} 00:00:00`);
  }
  const conditions = where.join(' AND ');
  const total = Number(
    (
      source.db.prepare(`SELECT count(*) AS n FROM messages WHERE ${conditions}`).get(...params) as {
        n: number;
      }
    ).n,
  );
  const pageWhere = filter.before !== undefined ? `${conditions} AND id < ?` : conditions;
  const pageParams = filter.before !== undefined ? [...params, filter.before] : params;
  const rows = source.db
    .prepare(
      `SELECT id, timestamp, message_type, content, original_content FROM messages
       WHERE ${pageWhere} ORDER BY id DESC LIMIT ?`,
    )
    .all(...pageParams, limit + 1) as {
    id: number;
    timestamp: unknown;
    message_type: unknown;
    content: string | null;
    original_content: string | null;
  }[];
  const needle = query.toLowerCase();
  const page = rows.slice(0, limit);
  const hits = page.map((r) => {
    const text = r.content?.toLowerCase().includes(needle)
      ? r.content
      : (r.original_content ?? r.content ?? '');
    return {
      id: Number(r.id),
      timestamp: toIso(r.timestamp),
      role: roleOf(r.message_type),
      snippet: snippet(text ?? '', needle),
    };
  });
  const last = page[page.length - 1];
  return { hits, total, nextBefore: rows.length > limit && last ? Number(last.id) : null };
}

function nextDay(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function snippet(text: string, needle: string): string {
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return text.slice(0, 120);
  const start = Math.max(0, at - 50);
  const end = Math.min(text.length, at + needle.length + 70);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
