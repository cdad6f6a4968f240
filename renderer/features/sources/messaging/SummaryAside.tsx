import { useTranslation } from 'react-i18next';
import { useOp } from '../../../api/index.ts';
import { formatDateTime, formatNumber } from '../../../components/format.ts';
import { Card, ErrorState, Loading } from '../../../components/ui.tsx';
import { MESSAGING_NS, ensureMessagingStrings } from './strings.ts';

// Seed 003's ConversationSummary beside the thread: summary, key points, sentiment (word and colour), tags,
// message count and duration.

const SENTIMENT_CLASS: Record<string, string> = {
  positive: 'badge-ok',
  neutral: 'badge-info',
  negative: 'badge-error',
};

export function SummaryAside({
  id,
  tenant,
  conversationId,
}: {
  id: string;
  tenant?: string;
  conversationId: string;
}) {
  ensureMessagingStrings();
  const { t } = useTranslation(MESSAGING_NS);
  const summary = useOp('messaging.summary', { id, tenant, conversationId });
  const duration = (minutes: number): string => {
    const d = Math.floor(minutes / 1440);
    const h = Math.floor((minutes % 1440) / 60);
    const m = minutes % 60;
    if (d > 0) return t('summary.durationParts.days', { d: formatNumber(d), h });
    if (h > 0) return t('summary.durationParts.hours', { h, m });
    return t('summary.durationParts.minutes', { m });
  };
  return (
    <aside style={{ width: 300, flex: 'none' }} data-testid="conversation-summary">
      <Card title={t('summary.title')}>
        {summary.isPending ? <Loading /> : null}
        {summary.isError ? (
          <ErrorState error={summary.error} compact onRetry={() => void summary.refetch()} />
        ) : null}
        {summary.data && summary.data.summary === null ? <p className="muted">{t('summary.none')}</p> : null}
        {summary.data?.summary ? (
          <div style={{ display: 'grid', gap: 8 }}>
            <p style={{ margin: 0 }}>{summary.data.summary.summary}</p>
            {summary.data.summary.keyPoints.length > 0 ? (
              <div>
                <div className="muted">{t('summary.keyPoints')}</div>
                <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
                  {summary.data.summary.keyPoints.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            <dl
              className="mini-dl"
              style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '4px 10px', margin: 0 }}
            >
              {summary.data.summary.sentiment ? (
                <>
                  <dt className="muted">{t('summary.sentiment')}</dt>
                  <dd style={{ margin: 0 }}>
                    <span
                      className={`badge ${SENTIMENT_CLASS[summary.data.summary.sentiment] ?? 'badge-info'}`}
                      data-testid="summary-sentiment"
                    >
                      {t(`sentiment.${summary.data.summary.sentiment}`, {
                        defaultValue: summary.data.summary.sentiment,
                      })}
                    </span>
                  </dd>
                </>
              ) : null}
              {summary.data.summary.messageCount !== null ? (
                <>
                  <dt className="muted">{t('summary.messages')}</dt>
                  <dd style={{ margin: 0 }}>{formatNumber(summary.data.summary.messageCount)}</dd>
                </>
              ) : null}
              {summary.data.summary.duration !== null ? (
                <>
                  <dt className="muted">{t('summary.duration')}</dt>
                  <dd style={{ margin: 0 }}>{duration(summary.data.summary.duration)}</dd>
                </>
              ) : null}
              {summary.data.summary.createdAt ? (
                <>
                  <dt className="muted">{t('summary.created')}</dt>
                  <dd style={{ margin: 0 }}>{formatDateTime(summary.data.summary.createdAt)}</dd>
                </>
              ) : null}
            </dl>
            {summary.data.summary.tags.length > 0 ? (
              <div style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }} aria-label={t('summary.tags')}>
                {summary.data.summary.tags.map((tag) => (
                  <span key={tag} className="badge badge-kind">
                    {tag}
                  </span>
                ))}
              </div>
            ) : null}
          </div>
        ) : null}
      </Card>
    </aside>
  );
}
