import type { FileKind } from '../../shared/domain.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { columnSet } from './schema.ts';

export interface Detection {
  kind: FileKind;
  /** For 'per-chat': which of the chat's two files this is. */
  perChatFile: 'profile' | 'conversations' | null;
  /** Whether an adapter can list conversations of this file. */
  hasConversations: boolean;
  /** The signals that decided it, for --debug and tests. */
  signals: string[];
}

const hasAll = (cols: Set<string> | null, names: readonly string[]): boolean =>
  !!cols && names.every((n) => cols.has(n));
const hasAny = (cols: Set<string> | null, names: readonly string[]): boolean =>
  !!cols && names.some((n) => cols.has(n));

/**
 * What a file is, by its tables and a few key columns (tolerant of drift: extra tables and columns,
 * missing optional ones). Order matters: DuilioCode's `user_preferences(user_id, key, value)` must not be
 * taken for the English-teacher bot's `user_preferences(chat_id, ...)`.
 */
export function detectKind(db: ReadableDb): Detection {
  const cols = (table: string) => columnSet(db, table);
  const signals: string[] = [];

  // ---- DuilioCode (seed 004): SQLAlchemy + Alembic in one file ----
  const history = cols('conversation_history');
  const historyOk = hasAll(history, ['role', 'content']) && hasAny(history, ['session_id', 'user_id']);
  const duilioPrefs = hasAll(cols('user_preferences'), ['user_id', 'key', 'value']);
  const systemMetrics = hasAll(cols('system_metrics'), ['operation', 'duration_ms']);
  const alembic = cols('alembic_version') !== null;
  const duilio = [
    historyOk && 'conversation_history',
    duilioPrefs && 'user_preferences(key,value)',
    systemMetrics && 'system_metrics',
    alembic && 'alembic_version',
  ].filter((s): s is string => typeof s === 'string');
  if ((historyOk || systemMetrics) && duilio.length >= 2) {
    return { kind: 'duiliocode', perChatFile: null, hasConversations: historyOk, signals: duilio };
  }

  // ---- WhatsApp clinic bot (seed 001): SQLite fallback of a PostgreSQL schema ----
  const conversations = cols('conversations');
  const convMessages = cols('conversation_messages');
  const conversationsOk = hasAny(conversations, ['phone', 'phone_number']);
  const convMessagesOk = hasAll(convMessages, ['conversation_id']);
  const clinicTables = [
    'appointments',
    'waiting_list',
    'chatbot_metrics',
    'api_call_logs',
    'notifications',
    'message_templates',
  ];
  const clinic = [
    conversationsOk && 'conversations(phone)',
    convMessagesOk && 'conversation_messages',
    ...clinicTables.map((t) => cols(t) !== null && t),
  ].filter((s): s is string => typeof s === 'string');
  const clinicCore =
    conversationsOk ||
    convMessagesOk ||
    clinic.includes('chatbot_metrics') ||
    clinic.includes('api_call_logs');
  if (clinicCore && clinic.length >= 2) {
    return {
      kind: 'clinic',
      perChatFile: null,
      hasConversations: conversationsOk && convMessagesOk,
      signals: clinic,
    };
  }

  // ---- English-teacher bot (seed 000): per-chat files, or the unified legacy user_history.db ----
  const messages = cols('messages');
  const messagesOk = hasAll(messages, ['chat_id']) && hasAny(messages, ['message_type', 'content']);
  const profile = cols('user_profile');
  const profileOk = hasAll(profile, ['chat_id']);
  const profileSide =
    profileOk ||
    hasAll(cols('learning_progress'), ['chat_id', 'skill_name']) ||
    hasAll(cols('user_preferences'), ['chat_id']);
  const sessions = hasAll(cols('conversation_sessions'), ['session_id']);
  if (messagesOk && profileOk) {
    signals.push('messages', 'user_profile');
    if (sessions) signals.push('conversation_sessions');
    return { kind: 'user_history', perChatFile: null, hasConversations: true, signals };
  }
  // A chat's conversations.db (its chat_id column may have drifted away: still readable by id).
  const threadOk = hasAll(messages, ['id']) && hasAny(messages, ['message_type', 'content']);
  if (messagesOk || (threadOk && sessions)) {
    signals.push('messages');
    if (sessions) signals.push('conversation_sessions');
    return { kind: 'per-chat', perChatFile: 'conversations', hasConversations: threadOk, signals };
  }
  if (profileSide) {
    signals.push(profileOk ? 'user_profile' : 'learning_progress/user_preferences(chat_id)');
    return { kind: 'per-chat', perChatFile: 'profile', hasConversations: false, signals };
  }
  return { kind: 'generic', perChatFile: null, hasConversations: false, signals };
}
