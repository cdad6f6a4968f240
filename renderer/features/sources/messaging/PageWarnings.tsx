import { useTranslation } from 'react-i18next';
import { MESSAGING_NS, ensureMessagingStrings } from './strings.ts';

/** What could not be read for the pages shown (a damaged archive file, with its line): said, not hidden. */
export function PageWarnings({ warnings }: { warnings: string[] }) {
  ensureMessagingStrings();
  const { t } = useTranslation(MESSAGING_NS);
  const unique = [...new Set(warnings)];
  if (unique.length === 0) return null;
  return (
    <div
      className="banner"
      style={{ background: 'var(--warning-bg)', borderColor: 'var(--warning)' }}
      role="status"
      data-testid="archive-warnings"
    >
      <strong>{t('warnings.title')}</strong>
      <ul>
        {unique.map((w) => (
          <li key={w} className="mono">
            {w}
          </li>
        ))}
      </ul>
    </div>
  );
}
