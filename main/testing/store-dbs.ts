// Small, exactly known databases in the seeds' shapes, for the adapters' tests (known counts, known
// durations for percentiles, hostile names). The realistic fixtures come from main/fixtures/.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from '../sqlite/driver.ts';
import { CONVERSATIONS_SCHEMA, PROFILE_SCHEMA } from '../adapters/per-chat-schema.ts';
import type { ReadableDb } from '../sqlite/open.ts';

export function writeDb(
  path: string,
  sql: string,
  fill?: (db: Database.Database) => void,
  wal = false,
): void {
  const db = new Database(path);
  try {
    if (wal) db.pragma('journal_mode = WAL');
    db.exec(sql);
    if (fill) db.transaction(() => fill(db))();
  } finally {
    db.close();
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
/** 'YYYY-MM-DD HH:MM:SS' for day `d` (1-based, in 2025-03) at second `s` of that day. */
export function sqlTime(day: number, second: number): string {
  return `2025-03-${pad(day)} ${pad(Math.floor(second / 3600))}:${pad(Math.floor(second / 60) % 60)}:${pad(second % 60)}`;
}

// ---- seed 000 ----

export interface HistoryUser {
  chatId: number;
  firstName: string | null;
  username: string;
  level: string;
  messages: number;
}

/** A unified user_history.db: messages of all users interleaved in time (ids follow time, as the bot wrote them). */
export function writeUserHistory(path: string, users: HistoryUser[]): Map<number, number[]> {
  const idsByChat = new Map<number, number[]>(users.map((u) => [u.chatId, []]));
  writeDb(path, PROFILE_SCHEMA + CONVERSATIONS_SCHEMA, (db) => {
    const profile = db.prepare(
      'INSERT INTO user_profile (chat_id, username, first_name, current_level, last_active) VALUES (?, ?, ?, ?, ?)',
    );
    for (const u of users) profile.run(u.chatId, u.username, u.firstName, u.level, sqlTime(1, 0));
    const insert = db.prepare(
      'INSERT INTO messages (chat_id, session_id, message_type, content, is_voice, timestamp) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const left = new Map(users.map((u) => [u.chatId, u.messages]));
    let tick = 0;
    while ([...left.values()].some((n) => n > 0)) {
      for (const u of users) {
        const n = left.get(u.chatId)!;
        if (n === 0) continue;
        left.set(u.chatId, n - 1);
        const i = u.messages - n;
        const day = 1 + Math.floor(tick / 40);
        const result = insert.run(
          u.chatId,
          `s-${u.chatId}-${Math.floor(i / 10)}`,
          i % 2 === 0 ? 'user' : 'sarah',
          `message ${i} of ${u.chatId}`,
          0,
          sqlTime(day, tick % 86400),
        );
        idsByChat.get(u.chatId)!.push(Number(result.lastInsertRowid));
        tick++;
      }
    }
  });
  return idsByChat;
}

export function writePerChat(
  root: string,
  chatId: number,
  messages: number,
): { dir: string; profile: string; conversations: string } {
  const dir = join(root, `chat_${chatId}`);
  mkdirSync(dir, { recursive: true });
  const profile = join(dir, 'profile.db');
  const conversations = join(dir, 'conversations.db');
  writeDb(profile, PROFILE_SCHEMA, (db) => {
    db.prepare('INSERT INTO user_profile (chat_id, username, first_name) VALUES (?, ?, ?)').run(
      chatId,
      'ana',
      'Ana',
    );
  });
  writeDb(
    conversations,
    CONVERSATIONS_SCHEMA,
    (db) => {
      const insert = db.prepare(
        'INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (?, ?, ?, ?, ?)',
      );
      for (let i = 0; i < messages; i++)
        insert.run(chatId, 's1', i % 2 ? 'sarah' : 'user', `m${i}`, sqlTime(2 + (i % 3), i));
    },
    true,
  );
  return { dir, profile, conversations };
}

// ---- seed 004: DuilioCode (SQLAlchemy create_all DDL) ----

export const DUILIO_DDL = `
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE user_preferences (id INTEGER NOT NULL, user_id VARCHAR, "key" VARCHAR, value TEXT, created_at DATETIME, PRIMARY KEY (id));
CREATE TABLE conversation_history (id INTEGER NOT NULL, user_id VARCHAR, session_id VARCHAR, role VARCHAR, content TEXT,
  model VARCHAR, workspace_path VARCHAR, extra_data JSON, created_at DATETIME, PRIMARY KEY (id));
CREATE INDEX ix_conversation_history_user_id ON conversation_history (user_id);
CREATE INDEX ix_conversation_history_session_id ON conversation_history (session_id);
CREATE TABLE system_metrics (id INTEGER NOT NULL, operation VARCHAR, duration_ms FLOAT, success BOOLEAN, error TEXT,
  extra_data JSON, created_at DATETIME, PRIMARY KEY (id));
`;

export interface DuilioSession {
  user: string | null;
  session: string | null;
  turns: number;
}

/**
 * Sessions interleaved; system_metrics: chat_completion 1..100 ms (10 failures, ids 91..100 of it),
 * file_write 10/20/30/40 ms, all on 2025-03-01 and 2025-03-02.
 */
export function writeDuilio(path: string, sessions: DuilioSession[]): void {
  writeDb(path, DUILIO_DDL, (db) => {
    db.prepare('INSERT INTO alembic_version VALUES (?)').run('7c2d9e4f1a3b');
    db.prepare('INSERT INTO user_preferences (user_id, "key", value) VALUES (?, ?, ?)').run(
      'user123',
      'theme',
      'dark',
    );
    const insert = db.prepare(
      'INSERT INTO conversation_history (user_id, session_id, role, content, model, workspace_path, extra_data, created_at) VALUES (?,?,?,?,?,?,?,?)',
    );
    const max = Math.max(...sessions.map((s) => s.turns));
    let tick = 0;
    for (let t = 0; t < max; t++) {
      for (const s of sessions) {
        if (t >= s.turns) continue;
        insert.run(
          s.user,
          s.session,
          t % 2 === 0 ? 'user' : 'assistant',
          `turn ${t}`,
          'qwen2.5-coder:14b',
          '/home/duilio/proj',
          JSON.stringify({ tokens: 100 + t }),
          `2025-01-27 10:${pad(Math.floor(tick / 60))}:${pad(tick++ % 60)}.123456`,
        );
      }
    }
    const metric = db.prepare(
      'INSERT INTO system_metrics (operation, duration_ms, success, error, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (let ms = 1; ms <= 100; ms++)
      metric.run(
        'chat_completion',
        ms,
        ms > 90 ? 0 : 1,
        ms > 90 ? `timeout ${ms}` : null,
        sqlTime(ms <= 50 ? 1 : 2, ms),
      );
    for (const ms of [30, 10, 40, 20]) metric.run('file_write', ms, 1, null, sqlTime(2, 1000 + ms));
  });
}

// ---- seed 001: the clinic bot's SQLite fallback ----

export const CLINIC_DDL = `
CREATE TABLE conversations (id VARCHAR PRIMARY KEY, phone VARCHAR NOT NULL, state VARCHAR, context JSON,
  created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE INDEX idx_conversations_phone_updated ON conversations(phone, updated_at);
CREATE TABLE conversation_messages (id VARCHAR PRIMARY KEY, conversation_id VARCHAR NOT NULL, direction VARCHAR,
  content TEXT, message_type VARCHAR, created_at TIMESTAMP);
CREATE TABLE appointments (id VARCHAR PRIMARY KEY, phone VARCHAR, appointment_date TIMESTAMP, status VARCHAR, created_at TIMESTAMP);
CREATE TABLE waiting_list (id VARCHAR PRIMARY KEY, phone VARCHAR, priority INTEGER, created_at TIMESTAMP);
CREATE TABLE chatbot_metrics (id VARCHAR PRIMARY KEY, date DATE NOT NULL, total_conversations INTEGER DEFAULT 0,
  successful_appointments INTEGER DEFAULT 0, bot_resolution_rate DECIMAL(5,2), avg_response_time_ms INTEGER,
  user_satisfaction_score DECIMAL(3,2), created_at TIMESTAMP);
CREATE TABLE api_call_logs (id VARCHAR PRIMARY KEY, service VARCHAR NOT NULL, endpoint VARCHAR NOT NULL, method VARCHAR NOT NULL,
  request_data JSON, response_data JSON, status_code INTEGER, response_time_ms INTEGER, success BOOLEAN, created_at TIMESTAMP);
CREATE TABLE notifications (id VARCHAR PRIMARY KEY, phone VARCHAR NOT NULL, type VARCHAR NOT NULL, message TEXT NOT NULL,
  scheduled_for TIMESTAMP NOT NULL, sent_at TIMESTAMP, status VARCHAR DEFAULT 'pending', created_at TIMESTAMP);
CREATE TABLE message_templates (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, category VARCHAR NOT NULL,
  template TEXT NOT NULL, variables JSON, active BOOLEAN DEFAULT true, created_at TIMESTAMP, updated_at TIMESTAMP);
`;

export function uuid(n: number): string {
  const h = createHash('sha1').update(String(n)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Conversations with `counts[i]` messages each (inbound/outbound alternating, interleaved); chatbot_metrics
 * for 2025-03-01..03; api_call_logs: zapi /send-text 1..20 ms all 200 on day 1, gestaods /agenda
 * 100/200/300/400 ms with statuses 200, 404, 500, 503 on day 2.
 */
export function writeClinic(path: string, counts: number[]): { ids: string[] } {
  const ids = counts.map((_, i) => uuid(1000 + i));
  writeDb(path, CLINIC_DDL, (db) => {
    const conv = db.prepare(
      'INSERT INTO conversations (id, phone, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    ids.forEach((id, i) =>
      conv.run(id, `+55119${String(8000000 + i)}`, 'agendamento', sqlTime(1, i), sqlTime(3, i)),
    );
    const msg = db.prepare(
      'INSERT INTO conversation_messages (id, conversation_id, direction, content, message_type, created_at) VALUES (?,?,?,?,?,?)',
    );
    let n = 0;
    const max = Math.max(...counts);
    for (let t = 0; t < max; t++) {
      counts.forEach((count, i) => {
        if (t < count)
          msg.run(
            uuid(n++),
            ids[i],
            t % 2 === 0 ? 'inbound' : 'outbound',
            `msg ${t}`,
            t === 2 ? 'audio' : 'text',
            sqlTime(2, n),
          );
      });
    }
    const metric = db.prepare(
      'INSERT INTO chatbot_metrics (id, date, total_conversations, successful_appointments, bot_resolution_rate, avg_response_time_ms, user_satisfaction_score) VALUES (?,?,?,?,?,?,?)',
    );
    metric.run(uuid(1), '2025-03-01', 40, 12, 85.5, 1200, 4.5);
    metric.run(uuid(2), '2025-03-02', 35, 10, 80.0, 1500, 4.2);
    metric.run(uuid(3), '2025-03-03', 50, 20, 90.25, 900, 4.8);
    const log = db.prepare(
      'INSERT INTO api_call_logs (id, service, endpoint, method, status_code, response_time_ms, success, created_at) VALUES (?,?,?,?,?,?,?,?)',
    );
    for (let ms = 1; ms <= 20; ms++)
      log.run(uuid(5000 + ms), 'zapi', '/send-text', 'POST', 200, ms, 1, sqlTime(1, ms));
    [
      [100, 200],
      [200, 404],
      [300, 500],
      [400, 503],
    ].forEach(([ms, status], i) =>
      log.run(
        uuid(6000 + i),
        'gestaods',
        '/agenda',
        'GET',
        status,
        ms,
        status === 200 ? 1 : 0,
        sqlTime(2, i),
      ),
    );
  });
  return { ids };
}

// ---- file fingerprints: browsing must not change a byte ----

export interface Fingerprint {
  files: string[];
  hashes: Record<string, string>;
  mtimes: Record<string, number>;
}

/** Names, sha256 and mtimes of every file in a folder (except -shm, which every reader may update). */
export function fingerprint(dir: string): Fingerprint {
  const files = readdirSync(dir).sort();
  const hashes: Record<string, string> = {};
  const mtimes: Record<string, number> = {};
  for (const f of files) {
    const p = join(dir, f);
    if (f.endsWith('-shm') || statSync(p).isDirectory()) continue;
    hashes[f] = createHash('sha256').update(readFileSync(p)).digest('hex');
    mtimes[f] = statSync(p).mtimeMs;
  }
  return { files, hashes, mtimes };
}

/** Records every statement run through a connection (SQL and arguments), for EXPLAIN QUERY PLAN checks. */
export function recordingDb(db: ReadableDb): {
  db: ReadableDb;
  statements: { sql: string; args: unknown[] }[];
} {
  const statements: { sql: string; args: unknown[] }[] = [];
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (sql: string) => {
        const stmt = target.prepare(sql);
        return new Proxy(stmt, {
          get(s, p, r) {
            const value = Reflect.get(s, p, r) as unknown;
            if (typeof value !== 'function') return value;
            if (p === 'all' || p === 'get' || p === 'iterate' || p === 'run') {
              return (...args: unknown[]) => {
                statements.push({ sql, args });
                return (value as (...a: unknown[]) => unknown).apply(s, args);
              };
            }
            return (...args: unknown[]) => {
              const out = (value as (...a: unknown[]) => unknown).apply(s, args);
              // Chained modifiers (pluck, raw, safeIntegers) return the statement: keep recording.
              return out === s ? r : out;
            };
          },
        });
      };
    },
  });
  return { db: proxy, statements };
}

/** The EXPLAIN QUERY PLAN details of a statement with its arguments. */
export function queryPlan(db: ReadableDb, sql: string, args: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
}
