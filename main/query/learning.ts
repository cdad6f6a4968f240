import { join } from 'node:path';
import { correctionsOf } from '../../shared/corrections.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { chatDir } from '../store/layout.ts';
import { readonlyCache } from '../sqlite/cache.ts';

// What the databases say about a learner (seed 000), next to what the bot caches in metadata.json:
// the corrections it made most often (grammar_corrections), the words it suggested month by month
// (vocabulary_suggestions), and the share of the learner's messages with errors, session by session.

/** Rows read at most (the newest): a big chat's figures come from its recent history. */
export const LEARNING_WINDOW = 50_000;
const TOP = 15;
const SESSIONS = 120;

export interface Learning {
  topCorrections: { original: string; corrected: string; count: number }[];
  vocabularyPerMonth: { month: string; words: number; newWords: number }[];
  topWords: { word: string; count: number }[];
  errorsPerSession: { sessionId: string; start: string | null; messages: number; withErrors: number }[];
  /** Rows read (at most LEARNING_WINDOW) and whether older ones were left out. */
  rowsRead: number;
  windowed: boolean;
}

function parse(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

function words(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') {
      const w = (v as Record<string, unknown>).word ?? (v as Record<string, unknown>).term;
      if (typeof w === 'string') out.push(w);
    }
  }
  return out.map((w) => w.trim().toLowerCase()).filter(Boolean);
}

export function readLearning(db: ReadableDb): Learning {
  const rows = db
    .prepare(
      `SELECT session_id, message_type, has_errors, grammar_corrections, vocabulary_suggestions, timestamp
       FROM messages ORDER BY id DESC LIMIT ?`,
    )
    .all(LEARNING_WINDOW + 1) as Record<string, unknown>[];
  const windowed = rows.length > LEARNING_WINDOW;
  if (windowed) rows.pop();
  rows.reverse();

  const corrections = new Map<string, { original: string; corrected: string; count: number }>();
  const perMonth = new Map<string, { words: number; newWords: number }>();
  const wordCounts = new Map<string, number>();
  const sessions = new Map<string, { start: string | null; messages: number; withErrors: number }>();
  for (const r of rows) {
    const parsed = parse(r.grammar_corrections);
    if (parsed !== null) {
      for (const c of correctionsOf({ corrections: parsed, originalContent: null, content: null }).items) {
        const key = `${c.original.toLowerCase()}\u0000${c.corrected.toLowerCase()}`;
        const entry = corrections.get(key) ?? { original: c.original, corrected: c.corrected, count: 0 };
        entry.count++;
        corrections.set(key, entry);
      }
    }
    const suggested = words(parse(r.vocabulary_suggestions));
    const month = typeof r.timestamp === 'string' ? r.timestamp.slice(0, 7) : null;
    if (suggested.length > 0 && month) {
      const m = perMonth.get(month) ?? { words: 0, newWords: 0 };
      for (const w of suggested) {
        m.words++;
        if (!wordCounts.has(w)) m.newWords++;
        wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
      }
      perMonth.set(month, m);
    }
    const role = String(r.message_type ?? '').toLowerCase();
    const sessionId = r.session_id === null || r.session_id === undefined ? null : String(r.session_id);
    if (sessionId && (role === 'user' || role === 'inbound' || role === 'human')) {
      const s = sessions.get(sessionId) ?? {
        start: typeof r.timestamp === 'string' ? r.timestamp : null,
        messages: 0,
        withErrors: 0,
      };
      s.messages++;
      const flagged = r.has_errors === 1 || r.has_errors === true || r.has_errors === '1';
      if (flagged || parsed !== null) s.withErrors++;
      sessions.set(sessionId, s);
    }
  }
  return {
    topCorrections: [...corrections.values()].sort((a, b) => b.count - a.count).slice(0, TOP),
    vocabularyPerMonth: [...perMonth.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([month, v]) => ({ month, ...v })),
    topWords: [...wordCounts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 24)
      .map(([word, count]) => ({ word, count })),
    errorsPerSession: [...sessions.entries()]
      .map(([sessionId, s]) => ({ sessionId, ...s }))
      .sort((a, b) => ((a.start ?? '') < (b.start ?? '') ? -1 : 1))
      .slice(-SESSIONS),
    rowsRead: rows.length,
    windowed,
  };
}

export function readChatLearning(root: string, chatId: string, tree?: string): Learning {
  return readLearning(readonlyCache.get(join(chatDir(root, chatId, tree), 'conversations.db')));
}
