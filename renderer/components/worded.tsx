import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SkippedEntry } from '../../shared/domain.ts';
import { wordSkipped, type Worded } from '../i18n/findings.ts';

/** A worded finding or alert: its sentence, and the computer text it quotes (never translated). */
export function WordedText({ worded }: { worded: Worded }) {
  return (
    <>
      {worded.text}
      {worded.detail ? (
        <code className="worded-detail" translate="no">
          {worded.detail}
        </code>
      ) : null}
    </>
  );
}

/**
 * "N entries skipped", a button that shows which and why (reachable by keyboard, not only a hover
 * tooltip). `code` words the reason; entries from an older main have only the English `reason`.
 */
export function SkippedEntries({
  skipped,
  label,
}: {
  skipped: readonly (Pick<SkippedEntry, 'path' | 'reason'> & { code?: string })[];
  label: string;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const id = useId();
  if (skipped.length === 0) return null;
  return (
    <span className="skipped-entries" data-testid="skipped-entries">
      <button
        type="button"
        className="btn btn-small btn-ghost muted"
        aria-expanded={open}
        aria-controls={id}
        title={open ? t('skippedEntry.hide') : t('skippedEntry.show')}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
      >
        {label}
      </button>
      {open ? (
        <div id={id} className="skipped-popover" role="region" aria-label={t('skippedEntry.title')}>
          <p className="muted">{t('skippedEntry.title')}</p>
          <ul>
            {skipped.map((s) => (
              <li key={s.path}>
                <code translate="no">{s.path}</code> — {wordSkipped(s)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </span>
  );
}
