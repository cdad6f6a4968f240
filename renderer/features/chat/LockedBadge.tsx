import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { wordFinding } from '../../i18n/findings.ts';

/** A DB held by another program (the `locked` finding, usually the bot writing). */
export interface LockedState {
  file: string;
  message: string;
}

/**
 * "Locked", not an error and not OK: another program holds one of the chat's databases, so its figures
 * are unknown until it lets go. The tooltip says which file and what to do; the finding's own sentence
 * is there too, for support.
 */
export const LockedBadge = memo(function LockedBadge({ locked }: { locked: LockedState }) {
  const { t } = useTranslation();
  const hint = `${t('health.lockedHint', { file: locked.file })}\n\n${wordFinding({ code: 'locked', file: locked.file }).text}`;
  return (
    <span
      className="badge badge-info badge-locked"
      data-health="locked"
      title={hint}
      aria-label={`${t('health.locked')}: ${t('health.lockedHint', { file: locked.file })}`}
    >
      <svg
        width={11}
        height={11}
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={2.4}
        strokeLinecap="round"
        aria-hidden="true"
        focusable="false"
      >
        <rect x="5" y="11" width="14" height="10" rx="2" />
        <path d="M8 11V7a4 4 0 0 1 8 0v4" />
      </svg>
      {t('health.locked')}
    </span>
  );
});
