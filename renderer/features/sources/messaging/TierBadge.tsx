import { useTranslation } from 'react-i18next';
import { MESSAGING_NS, ensureMessagingStrings } from './strings.ts';

// A message's storage tier (seed 003): hot, warm or cold, as a word and a colour — never the colour alone —
// with where it came from in the tooltip (a cold message's archive file and line).

const TIER_CLASS: Record<string, string> = { hot: 'badge-error', warm: 'badge-warning', cold: 'badge-info' };

export function TierBadge({ extra }: { extra: Record<string, unknown> | null }) {
  ensureMessagingStrings();
  const { t } = useTranslation(MESSAGING_NS);
  const tier = typeof extra?.tier === 'string' ? extra.tier : null;
  if (!tier || !(tier in TIER_CLASS)) return null;
  const hint =
    tier === 'cold'
      ? t('tier.coldHint', {
          file: String(extra?.archiveFile ?? '—'),
          line: String(extra?.archiveLine ?? '—'),
        })
      : t(`tier.${tier}Hint`);
  return (
    <span className={`badge ${TIER_CLASS[tier]}`} title={hint} data-testid="tier-badge" data-tier={tier}>
      <span className="badge-dot" aria-hidden="true" />
      {t(`tier.${tier}`)}
    </span>
  );
}
