import type { ReadableDb } from '../sqlite/open.ts';
import type { FileDetection } from '../sources/sqlite-file.ts';
import { columnSet } from '../sqlite/catalog.ts';

// Each SQLite file kind's detection, by its tables and a few key columns (tolerant of drift: extra tables
// and columns, missing optional ones). They are tried in the order of main/adapters/file-kinds.ts, which
// matters: DuilioCode's `user_preferences(user_id, key, value)` must not be taken for the English-teacher
// bot's `user_preferences(chat_id, ...)`, and a unified user_history.db is also a chat's conversations.db.

export type Detection = FileDetection;

const hasAll = (cols: Set<string> | null, names: readonly string[]): boolean =>
  !!cols && names.every((n) => cols.has(n));
const hasAny = (cols: Set<string> | null, names: readonly string[]): boolean =>
  !!cols && names.some((n) => cols.has(n));

/** DuilioCode (seed 004): SQLAlchemy + Alembic in one file. */
export function detectDuilioCode(db: ReadableDb): Detection | null {
  const cols = (table: string) => columnSet(db, table);
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
  if ((historyOk || systemMetrics) && duilio.length >= 2)
    return { kind: 'duiliocode', perChatFile: null, hasConversations: historyOk, signals: duilio };
  return null;
}

/** The WhatsApp clinic bot (seed 001): SQLite fallback of a PostgreSQL schema. */
export function detectClinic(db: ReadableDb): Detection | null {
  const cols = (table: string) => columnSet(db, table);
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
  if (clinicCore && clinic.length >= 2)
    return {
      kind: 'clinic',
      perChatFile: null,
      hasConversations: conversationsOk && convMessagesOk,
      signals: clinic,
    };
  return null;
}

const messagesOk = (messages: Set<string> | null) =>
  hasAll(messages, ['chat_id']) && hasAny(messages, ['message_type', 'content']);

/** The English-teacher bot's unified legacy user_history.db (seed 000). */
export function detectUserHistory(db: ReadableDb): Detection | null {
  if (!messagesOk(columnSet(db, 'messages')) || !hasAll(columnSet(db, 'user_profile'), ['chat_id']))
    return null;
  const signals = ['messages', 'user_profile'];
  if (hasAll(columnSet(db, 'conversation_sessions'), ['session_id'])) signals.push('conversation_sessions');
  return { kind: 'user_history', perChatFile: null, hasConversations: true, signals };
}

/** One of a chat's two files (seed 000's per-chat layout): its conversations.db or its profile.db. */
export function detectPerChat(db: ReadableDb): Detection | null {
  const cols = (table: string) => columnSet(db, table);
  const messages = cols('messages');
  const profileOk = hasAll(cols('user_profile'), ['chat_id']);
  const profileSide =
    profileOk ||
    hasAll(cols('learning_progress'), ['chat_id', 'skill_name']) ||
    hasAll(cols('user_preferences'), ['chat_id']);
  const sessions = hasAll(cols('conversation_sessions'), ['session_id']);
  // A chat's conversations.db (its chat_id column may have drifted away: still readable by id).
  const threadOk = hasAll(messages, ['id']) && hasAny(messages, ['message_type', 'content']);
  if (messagesOk(messages) || (threadOk && sessions)) {
    const signals = ['messages'];
    if (sessions) signals.push('conversation_sessions');
    return { kind: 'per-chat', perChatFile: 'conversations', hasConversations: threadOk, signals };
  }
  if (profileSide)
    return {
      kind: 'per-chat',
      perChatFile: 'profile',
      hasConversations: false,
      signals: [profileOk ? 'user_profile' : 'learning_progress/user_preferences(chat_id)'],
    };
  return null;
}
