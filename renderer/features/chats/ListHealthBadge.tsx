import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ListHealth } from '../../../shared/contract/index.ts';
import { HealthBadge } from '../../components/ui.tsx';
import { LockedBadge, type LockedState } from '../chat/LockedBadge.tsx';
import { CHATS_NS, ensureChatsStrings } from './strings.ts';

/**
 * A chat's health as the list knows it: ok, warning, error, or not checked yet (never shown as ok); a DB
 * held by another program shows as locked (an error found elsewhere in the chat still shows as error).
 */
export const ListHealthBadge = memo(function ListHealthBadge({
  health,
  locked,
}: {
  health: ListHealth;
  locked?: LockedState | undefined;
}) {
  ensureChatsStrings();
  const { t } = useTranslation(CHATS_NS);
  if (locked && health !== 'error') return <LockedBadge locked={locked} />;
  if (health !== 'unchecked') return <HealthBadge health={health} />;
  return (
    <span className="badge badge-unchecked" data-health="unchecked" title={t('uncheckedHint')}>
      <span className="badge-dot" aria-hidden="true" />
      {t('unchecked')}
    </span>
  );
});

/** A count read from a damaged file: the figure marked partial, or a dash when nothing could be read. */
export function PartialCount({
  value,
  partial,
  unread = false,
  compact = false,
}: {
  value: string;
  partial: boolean;
  unread?: boolean;
  /** A narrow column beside one that already says why: the dash alone, the words for screen readers. */
  compact?: boolean;
}) {
  ensureChatsStrings();
  const { t } = useTranslation(CHATS_NS);
  if (unread) {
    return (
      <span className="count-partial" title={t('unreadHint')} data-unread="true">
        — <span className={compact ? 'visually-hidden' : 'muted'}>({t('unread')})</span>
      </span>
    );
  }
  if (!partial) return <>{value}</>;
  return (
    <span className="count-partial" title={t('partialHint')} data-partial="true">
      {value} <span className="muted">({t('partial')})</span>
    </span>
  );
}
