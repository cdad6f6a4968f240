import type { MessageRole } from '../../shared/domain.ts';
import { columnNamed, columnsOf, type MappedKind } from '../mapping/kinds.ts';
import type { MappingExtras } from '../mapping/mapping.ts';

// Rasa's SQL tracker store: events(id, sender_id, type_name, timestamp, intent_name, action_name, data),
// timestamp in epoch seconds, `data` the event as JSON. User and bot turns are `user`/`bot` events
// (data.text); every other event (actions, slots, session starts) is kept, as a folded system line.
// Recognised by shape (a renamed table still counts), on any engine.

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

export const rasaKind: MappedKind = {
  name: 'rasa',
  label: 'Rasa tracker store',
  // Its shape is the more specific (four named columns): registered before LangChain.
  async detect(_engine, tables) {
    const rasa = tables
      .filter((t) => ['sender_id', 'type_name', 'timestamp', 'data'].every((c) => columnsOf(t).has(c)))
      .sort(
        (a, b) => Number(b.name.toLowerCase() === 'events') - Number(a.name.toLowerCase() === 'events'),
      )[0];
    if (!rasa) return null;
    const cols = columnsOf(rasa);
    return {
      mapping: {
        table: rasa.name,
        conversation: columnNamed(rasa, 'sender_id'),
        time: columnNamed(rasa, 'timestamp'),
        role: columnNamed(rasa, 'type_name'),
        text: `${columnNamed(rasa, 'data')}.text`,
        id: cols.has('id') ? columnNamed(rasa, 'id') : null,
      },
      extras: {
        ...rasaExtras,
        extras: Object.fromEntries(
          Object.entries(rasaExtras.extras!)
            .filter(([, c]) => cols.has(c))
            .map(([k, c]) => [k, columnNamed(rasa, c)]),
        ),
      },
      signals: [`${rasa.name}(sender_id, type_name, timestamp, data)`],
    };
  },
};
