import type { ChatMapping } from '../../shared/contract/mapping.ts';
import type { MessageRole } from '../../shared/domain.ts';
import type { SqlEngine, TableMeta } from './engine.ts';
import { defaultRoleOf, type MappingExtras } from './mapping.ts';

// The chat stores of the common bot frameworks, recognised by shape (a renamed table still counts):
// - LangChain's SQLChatMessageHistory: message_store(id, session_id, message), `message` being JSON such as
//   {"type": "human", "data": {"content": "…"}}; no time column: a thread is ordered by id.
// - Rasa's SQL tracker store: events(id, sender_id, type_name, timestamp, intent_name, action_name, data),
//   timestamp in epoch seconds, `data` the event as JSON. User and bot turns are `user`/`bot` events
//   (data.text); every other event (actions, slots, session starts) is kept, as a folded system line.

export interface FrameworkMatch {
  kind: 'langchain' | 'rasa';
  table: string;
  mapping: ChatMapping;
  extras: MappingExtras;
  /** What decided it (table and columns), for `open` and the tests. */
  signals: string[];
}

const lower = (t: TableMeta): Set<string> => new Set(t.columns.map((c) => c.name.toLowerCase()));
const actual = (t: TableMeta, name: string): string =>
  t.columns.find((c) => c.name.toLowerCase() === name)?.name ?? name;

function looksLikeLangChainMessage(value: unknown): boolean {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return false;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const m = parsed as { type?: unknown; data?: unknown };
  return typeof m.type === 'string' && typeof m.data === 'object' && m.data !== null;
}

/** LangChain's message types (HumanMessage.type is "human", AIMessage "ai", ...). */
function langchainRole(raw: string | null): MessageRole {
  const word = raw?.toLowerCase() ?? null;
  if (word === 'human') return 'user';
  if (word === 'ai') return 'bot';
  return defaultRoleOf(raw);
}

export const RASA_TURN_EVENTS = new Set(['user', 'bot']);

function rasaRole(raw: string | null): MessageRole {
  if (raw === 'user') return 'user';
  if (raw === 'bot') return 'bot';
  return 'system';
}

function parseJson(value: unknown): Record<string, unknown> | null {
  if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  if (typeof value !== 'string') return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One line for an event that is not a turn: what a person scanning the thread needs to see of it. */
export function rasaEventLine(
  type: string,
  action: string | null,
  data: Record<string, unknown> | null,
): string {
  switch (type) {
    case 'action':
      return `action ${action ?? String(data?.name ?? '')}`.trim();
    case 'slot':
      return `slot ${String(data?.name ?? '')} = ${JSON.stringify(data?.value ?? null)}`;
    case 'active_loop':
      return `active loop ${String(data?.name ?? 'none')}`;
    default:
      return type.replace(/_/g, ' ');
  }
}

const rasaExtras: MappingExtras = {
  kind: 'rasa',
  extras: { intent: 'intent_name', action: 'action_name', data: 'data' },
  roleOf: rasaRole,
  // 19 turns are some 35 events (actions, slots, session starts): the turns are the messages.
  turnRoles: [...RASA_TURN_EVENTS],
  finish(message, extras) {
    const type = message.rawRole ?? '';
    const data = parseJson(extras.data);
    const extra: Record<string, unknown> = { event: type };
    if (RASA_TURN_EVENTS.has(type)) {
      if (type === 'user') {
        const parse = (data?.parse_data ?? null) as {
          intent?: { name?: unknown; confidence?: unknown };
        } | null;
        const intent = extras.intent ?? parse?.intent?.name ?? null;
        if (intent !== null) extra.intent = intent;
        if (typeof parse?.intent?.confidence === 'number') extra.intentConfidence = parse.intent.confidence;
      }
    } else {
      // Not a turn: shown folded in the thread, its text a one-line summary of the event.
      extra.folded = true;
      if (extras.action !== undefined) extra.action = extras.action;
      message.text = rasaEventLine(type, (extras.action as string | undefined) ?? null, data);
    }
    message.extra = extra;
  },
};

/** Recognises LangChain and Rasa stores among the tables (reading a few `message` values for LangChain). */
export async function detectFramework(
  engine: SqlEngine,
  tables: TableMeta[],
): Promise<FrameworkMatch | null> {
  const d = engine.dialect;
  // Rasa first: its shape is the more specific (five named columns).
  const rasa = tables
    .filter((t) => ['sender_id', 'type_name', 'timestamp', 'data'].every((c) => lower(t).has(c)))
    .sort((a, b) => Number(b.name.toLowerCase() === 'events') - Number(a.name.toLowerCase() === 'events'))[0];
  if (rasa) {
    const cols = lower(rasa);
    const extras: MappingExtras = {
      ...rasaExtras,
      extras: Object.fromEntries(
        Object.entries(rasaExtras.extras!)
          .filter(([, c]) => cols.has(c))
          .map(([k, c]) => [k, actual(rasa, c)]),
      ),
    };
    return {
      kind: 'rasa',
      table: rasa.name,
      mapping: {
        table: rasa.name,
        conversation: actual(rasa, 'sender_id'),
        time: actual(rasa, 'timestamp'),
        role: actual(rasa, 'type_name'),
        text: `${actual(rasa, 'data')}.text`,
        id: cols.has('id') ? actual(rasa, 'id') : null,
      },
      extras,
      signals: [`${rasa.name}(sender_id, type_name, timestamp, data)`],
    };
  }
  const candidates = tables
    .filter((t) => ['session_id', 'message'].every((c) => lower(t).has(c)))
    .sort(
      (a, b) =>
        Number(b.name.toLowerCase() === 'message_store') - Number(a.name.toLowerCase() === 'message_store'),
    );
  for (const table of candidates) {
    const message = actual(table, 'message');
    const sample = await engine.rows(
      `SELECT ${d.quote(message)} AS m FROM ${d.quote(table.name)} WHERE ${d.quote(message)} IS NOT NULL LIMIT 5`,
      [],
    );
    if (sample.length === 0 || !sample.every((r) => looksLikeLangChainMessage(r.m))) continue;
    return {
      kind: 'langchain',
      table: table.name,
      mapping: {
        table: table.name,
        conversation: actual(table, 'session_id'),
        time: null,
        role: `${message}.type`,
        text: `${message}.data.content`,
        id: lower(table).has('id') ? actual(table, 'id') : null,
      },
      extras: { kind: 'langchain', roleOf: langchainRole },
      signals: [`${table.name}(session_id, message JSON {type, data.content})`],
    };
  }
  return null;
}
