// The per-chat layout of the English-teacher bot (seed 000), exactly as the bot creates it.
// Used by the fixture generator, by schema_drift checks and by migrate.
// It is the per-chat kind's schema, so it lives with the kinds: the user_history and chat-file kinds
// (adapters/) share it with the per-chat root (kinds/per-chat-root.ts), and features (store/, fleet/...)
// read it from here, since a kind may import no feature.

import { CHAT_ID_SOURCE } from '../../shared/contract/primitives.ts';
export const PROFILE_DB = 'profile.db';
import { CONVERSATIONS_DB } from '../../shared/chat-layout.ts';

export { CONVERSATIONS_DB };
export const METADATA_JSON = 'metadata.json';
export const CHAT_DIR_PREFIX = 'chat_';
/** A chat folder is `chat_<id>` where id is a Telegram chat id (negative for groups). */
export const CHAT_DIR_PATTERN = new RegExp(`^chat_(${CHAT_ID_SOURCE})$`);

export const PROFILE_SCHEMA = `
CREATE TABLE user_profile (
    chat_id INTEGER PRIMARY KEY,
    username TEXT,
    first_name TEXT,
    last_name TEXT,
    current_level TEXT DEFAULT 'B1',
    preferred_language TEXT DEFAULT 'PT',
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    last_active TIMESTAMP,
    total_messages INTEGER DEFAULT 0,
    study_streak INTEGER DEFAULT 0
);
CREATE TABLE learning_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER,
    skill_type TEXT,
    skill_name TEXT,
    level_before TEXT,
    level_after TEXT,
    practice_count INTEGER DEFAULT 0,
    success_rate REAL,
    last_practiced TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    mastery_level REAL DEFAULT 0.0,
    FOREIGN KEY (chat_id) REFERENCES user_profile(chat_id)
);
CREATE TABLE user_preferences (
    chat_id INTEGER PRIMARY KEY,
    voice_enabled BOOLEAN DEFAULT TRUE,
    explanation_language TEXT DEFAULT 'PT',
    difficulty_preference TEXT DEFAULT 'AUTO',
    feedback_style TEXT DEFAULT 'ENCOURAGING',
    study_reminders BOOLEAN DEFAULT FALSE,
    reminder_frequency INTEGER DEFAULT 24,
    FOREIGN KEY (chat_id) REFERENCES user_profile(chat_id)
);
`;

export const CONVERSATIONS_SCHEMA = `
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER,
    session_id TEXT,
    message_type TEXT,
    content TEXT,
    original_content TEXT,
    is_voice BOOLEAN DEFAULT FALSE,
    voice_duration REAL,
    has_errors BOOLEAN DEFAULT FALSE,
    grammar_corrections TEXT,
    vocabulary_suggestions TEXT,
    confidence_score REAL,
    response_time REAL,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    message_context TEXT
);
CREATE TABLE conversation_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER,
    session_id TEXT UNIQUE,
    session_start TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    session_end TIMESTAMP,
    session_duration REAL,
    messages_count INTEGER DEFAULT 0,
    session_topic TEXT,
    session_quality_score REAL,
    learning_objectives TEXT,
    session_summary TEXT
);
`;

/** Expected tables and columns per file, for schema_drift (extra columns and tables are drift too). */
export const EXPECTED_TABLES: Record<
  typeof PROFILE_DB | typeof CONVERSATIONS_DB,
  Record<string, string[]>
> = {
  [PROFILE_DB]: {
    user_profile: [
      'chat_id',
      'username',
      'first_name',
      'last_name',
      'current_level',
      'preferred_language',
      'created_at',
      'last_active',
      'total_messages',
      'study_streak',
    ],
    learning_progress: [
      'id',
      'chat_id',
      'skill_type',
      'skill_name',
      'level_before',
      'level_after',
      'practice_count',
      'success_rate',
      'last_practiced',
      'mastery_level',
    ],
    user_preferences: [
      'chat_id',
      'voice_enabled',
      'explanation_language',
      'difficulty_preference',
      'feedback_style',
      'study_reminders',
      'reminder_frequency',
    ],
  },
  [CONVERSATIONS_DB]: {
    messages: [
      'id',
      'chat_id',
      'session_id',
      'message_type',
      'content',
      'original_content',
      'is_voice',
      'voice_duration',
      'has_errors',
      'grammar_corrections',
      'vocabulary_suggestions',
      'confidence_score',
      'response_time',
      'timestamp',
      'message_context',
    ],
    conversation_sessions: [
      'id',
      'chat_id',
      'session_id',
      'session_start',
      'session_end',
      'session_duration',
      'messages_count',
      'session_topic',
      'session_quality_score',
      'learning_objectives',
      'session_summary',
    ],
  },
};

/** The unified legacy DB (`user_history.db`) holds the same five tables in one file, keyed by chat_id. */
export const USER_HISTORY_SCHEMA = PROFILE_SCHEMA + CONVERSATIONS_SCHEMA;

/** metadata.json as the bot writes it (only the fields the inspector reads are typed). */
export interface ChatMetadataJson {
  chat_id: number;
  last_update?: string;
  quick_stats?: {
    total_messages?: number;
    total_sessions?: number;
    current_level?: string;
    study_streak?: number;
    last_active?: string;
    favorite_topics?: string[];
    improvement_areas?: string[];
  };
  cache?: Record<string, unknown>;
  database_info?: {
    profile_db_size?: string;
    conversations_db_size?: string;
    total_size?: string;
    last_backup?: string;
  };
}

/** A profile row's name as people read it: first and last name, else @username, else null. */
export function displayName(row: Record<string, unknown>): string | null {
  const full = [row.first_name, row.last_name]
    .filter((p) => typeof p === 'string' && p.trim() !== '')
    .join(' ');
  if (full) return full;
  return typeof row.username === 'string' && row.username ? `@${row.username}` : null;
}
