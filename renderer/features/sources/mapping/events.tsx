import { useTranslation } from 'react-i18next';
import type { SourceMessageOut } from '../../../../shared/contract/sources.ts';
import { formatDateTime } from '../../../components/format.ts';
import { MAPPING_NS, ensureMappingStrings } from './strings.ts';

// A bot framework's events that are not turns (Rasa's actions, slots, session starts) stay in the thread,
// folded: a run of them is one line that opens to show each. The intent of a user turn shows beside it.

export type ThreadItem =
  | { kind: 'message'; message: SourceMessageOut }
  | { kind: 'events'; key: string; events: SourceMessageOut[] };

/** Consecutive folded events (extra.folded) become one item; every other message stays as it is. */
export function foldEvents(messages: readonly SourceMessageOut[]): ThreadItem[] {
  const items: ThreadItem[] = [];
  for (const m of messages) {
    const last = items[items.length - 1];
    if (m.extra?.folded !== true) items.push({ kind: 'message', message: m });
    else if (last?.kind === 'events') last.events.push(m);
    else items.push({ kind: 'events', key: `events-${m.id}`, events: [m] });
  }
  return items;
}

export function FoldedEvents({ events }: { events: SourceMessageOut[] }) {
  ensureMappingStrings();
  const { t } = useTranslation(MAPPING_NS);
  return (
    <li data-testid="folded-events" className="muted" style={{ fontSize: 12 }}>
      <details>
        <summary>
          {t('events', { count: events.length })}: {events.map((e) => e.text ?? e.rawRole).join(' · ')}
        </summary>
        <ol style={{ listStyle: 'none', paddingLeft: 12 }}>
          {events.map((e) => (
            <li key={e.id} data-message-id={e.id}>
              <span className="mono">{formatDateTime(e.timestamp)}</span> · {e.rawRole} · {e.text}
            </li>
          ))}
        </ol>
      </details>
    </li>
  );
}

/** Rasa's intent (and its confidence) beside a user turn; nothing for other messages. */
export function IntentChip({ message }: { message: SourceMessageOut }) {
  ensureMappingStrings();
  const { t } = useTranslation(MAPPING_NS);
  const intent = message.extra?.intent;
  if (typeof intent !== 'string') return null;
  const confidence = message.extra?.intentConfidence;
  const shown = typeof confidence === 'number' ? `${intent} (${confidence.toFixed(2)})` : intent;
  return (
    <span className="badge" data-testid="intent">
      {t('intent', { v: shown })}
    </span>
  );
}
