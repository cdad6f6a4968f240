import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputOf } from '../../../shared/contract/index.ts';
import type { SourceInfoOut, SourceMessageOut } from '../../../shared/contract/sources.ts';
import type { AppError } from '../../../shared/errors.ts';
import { call, useOp } from '../../api/index.ts';
import { navigate, patchParams, useRoute } from '../../app/nav.ts';
import { formatDateTime, formatNumber } from '../../components/format.ts';
import { Card, Empty, ErrorState, Loading, Tabs } from '../../components/ui.tsx';
import { LegacyChart, MetricsTableCard } from '../files/LegacyMetricsView.tsx';
import { FoldedEvents, IntentChip, foldEvents } from './mapping/events.tsx';
import { MappingPanel } from './mapping/MappingPanel.tsx';
import { ConnectPanel } from './ConnectPanel.tsx';
import { ensureMessagingStrings, PageWarnings, SummaryAside, TierBadge } from './messaging/index.ts';
import { SOURCES_NS, ensureSourcesStrings } from './strings.ts';

// Server sources: connect (URL + password held in the main process only), then for EvoSense a tenant first,
// its conversations, a thread with sentiment / emotion / satisfaction in colour, similar messages (pgvector)
// and the tenant's metrics; any other database shows its tables. Route: #/sources?src=&tenant=&view=&conv=

type View = 'conversations' | 'metrics' | 'tables' | 'mapping';

export function SourcesScreen() {
  ensureSourcesStrings();
  ensureMessagingStrings();
  const { t } = useTranslation(SOURCES_NS);
  const route = useRoute();
  const list = useOp('sources.list', {});
  const selected = route.params.src ?? null;
  return (
    <div className="screen files-screen" data-testid="sources-screen">
      <aside className="file-list" aria-label={t('listLabel')}>
        {list.data?.canConnect ? <ConnectPanel /> : null}
        {list.isPending ? <Loading /> : null}
        {list.isError ? <ErrorState error={list.error} compact /> : null}
        {list.data ? (
          <>
            {!list.data.canConnect ? <p className="muted pad">{t('restricted')}</p> : null}
            {list.data.sources.length === 0 ? (
              <p className="muted pad">{t('none')}</p>
            ) : (
              <ul className="nav-list" data-testid="source-list">
                {list.data.sources.map((s) => (
                  <li key={s.id}>
                    <button
                      type="button"
                      className={`nav-item${selected === s.id ? ' is-active' : ''}`}
                      aria-current={selected === s.id ? 'true' : undefined}
                      onClick={() => navigate('sources', { src: s.id })}
                    >
                      <span className="nav-item-title">
                        {s.kind
                          ? t(`kind.${s.kind}`, { defaultValue: s.kind })
                          : t(/^(mysql|mariadb):/.test(s.label) ? 'kind.mysql' : 'kind.postgres')}
                      </span>
                      <span className="nav-item-sub mono">{s.label}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : null}
      </aside>
      <div className="file-main">
        {selected ? (
          <SourceView key={selected} id={selected} />
        ) : (
          <Empty title={t('pick')}>{t('pickHint')}</Empty>
        )}
      </div>
    </div>
  );
}

function SourceView({ id }: { id: string }) {
  const { t } = useTranslation(SOURCES_NS);
  const route = useRoute();
  const info = useOp('sources.info', { id });
  if (info.isPending) return <Loading />;
  if (info.isError) return <ErrorState error={info.error} onRetry={() => void info.refetch()} />;
  const s = info.data;
  const tenant = s.tenantScoped ? (route.params.tenant ?? null) : null;
  const views: View[] = s.hasConversations ? ['conversations', 'metrics', 'tables'] : ['metrics', 'tables'];
  // Tables but no recognised conversations (or a mapping in use): the mapping panel, first when unmapped.
  if (s.engine !== 'root' && (!s.hasConversations || s.kind === 'mapped'))
    views.splice(s.hasConversations ? views.length : 0, 0, 'mapping');
  const requested = route.params.view as View | undefined;
  const view: View = requested && views.includes(requested) ? requested : views[0]!;
  return (
    <div className="file-view">
      <header className="file-head">
        <h1 className="mono">{s.source}</h1>
        <span className="badge badge-kind" data-testid="source-kind">
          {t(`kind.${s.kind}`, { defaultValue: s.kind })}
        </span>
        {s.tenantScoped ? <TenantPicker info={s} tenant={tenant} /> : null}
      </header>
      {s.tenantScoped && !tenant ? (
        <Empty title={t('chooseTenant')}>{t('chooseTenantHint')}</Empty>
      ) : (
        <>
          <Tabs
            tabs={views}
            active={view}
            labelOf={(v) => t(`view.${v}`)}
            onSelect={(v) => patchParams({ view: v })}
          />
          {view === 'conversations' ? (
            <Conversations
              id={id}
              tenant={tenant ?? undefined}
              hasSimilar={s.hasSimilar}
              withSummary={s.kind === 'messaging'}
            />
          ) : view === 'mapping' ? (
            <MappingPanel id={id} />
          ) : view === 'metrics' ? (
            <Metrics id={id} tenant={tenant ?? undefined} />
          ) : (
            <Tables info={s} />
          )}
        </>
      )}
    </div>
  );
}

function TenantPicker({ info, tenant }: { info: SourceInfoOut; tenant: string | null }) {
  const { t } = useTranslation(SOURCES_NS);
  return (
    <label style={{ display: 'inline-flex', gap: 6, alignItems: 'center' }}>
      <span className="muted">{t('tenant')}</span>
      <select
        className="input"
        data-testid="tenant-picker"
        value={tenant ?? ''}
        onChange={(e) => patchParams({ tenant: e.target.value || undefined, conv: undefined })}
      >
        <option value="">{t('chooseTenant')}</option>
        {info.tenants.map((x) => (
          <option key={x.id} value={x.id}>
            {x.name} · {x.plan ?? '—'}
          </option>
        ))}
      </select>
    </label>
  );
}

type ConversationPage = OutputOf<'sources.conversations'>;

function Conversations({
  id,
  tenant,
  hasSimilar,
  withSummary,
}: {
  id: string;
  tenant?: string;
  hasSimilar: boolean;
  withSummary: boolean;
}) {
  const { t } = useTranslation(SOURCES_NS);
  const route = useRoute();
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const [extra, setExtra] = useState<ConversationPage[]>([]);
  const first = useOp('sources.conversations', { id, tenant, search: applied || undefined, limit: 50 });
  const pages = first.data ? [first.data, ...extra] : [];
  const next = pages[pages.length - 1]?.next ?? null;
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<AppError | null>(null);
  const more = async () => {
    if (!next) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await call('sources.conversations', {
        id,
        tenant,
        search: applied || undefined,
        after: next,
        limit: 50,
      });
      setExtra((p) => [...p, page]);
    } catch (e) {
      setMoreError(e as AppError);
    } finally {
      setLoadingMore(false);
    }
  };
  const conv = route.params.conv ?? null;
  return (
    <div className="split">
      <div className="table-list" style={{ display: 'flex', flexDirection: 'column', minWidth: 280 }}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setExtra([]);
            setApplied(search.trim());
          }}
        >
          <input
            className="input"
            type="search"
            aria-label={t('search')}
            placeholder={t('search')}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="source-search"
          />
        </form>
        {first.isPending ? <Loading /> : null}
        {first.isError ? (
          <ErrorState error={first.error} compact onRetry={() => void first.refetch()} />
        ) : null}
        {first.data && pages.every((p) => p.conversations.length === 0) ? (
          <p className="muted pad">{t('noConversations')}</p>
        ) : null}
        <ul className="nav-list" data-testid="source-conversations">
          {pages
            .flatMap((p) => p.conversations)
            .map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className={`nav-item${conv === c.id ? ' is-active' : ''}`}
                  aria-current={conv === c.id ? 'true' : undefined}
                  onClick={() => patchParams({ conv: c.id })}
                >
                  <span className="nav-item-title mono">{c.title}</span>
                  <span className="nav-item-sub">
                    {c.title !== c.id ? <span className="mono">{c.id} · </span> : null}
                    {c.messages === null
                      ? t('messagesUnreadable')
                      : t('messagesCount', { count: c.messages, formatted: formatNumber(c.messages) })}{' '}
                    ·{' '}
                    {c.events ? (
                      <span data-events={c.events}>
                        {t('eventsCount', { count: c.events, formatted: formatNumber(c.events) })} ·{' '}
                      </span>
                    ) : null}
                    {formatDateTime(c.lastActivity)}
                  </span>
                </button>
              </li>
            ))}
        </ul>
        {next ? (
          <button type="button" className="btn btn-small" disabled={loadingMore} onClick={() => void more()}>
            {t('more')}
          </button>
        ) : null}
        {moreError ? <ErrorState error={moreError} compact onRetry={() => void more()} /> : null}
      </div>
      <div style={{ flex: 1, minWidth: 0, overflow: 'auto', display: 'flex', alignItems: 'flex-start' }}>
        {conv ? (
          <>
            <div style={{ flex: 1, minWidth: 0 }}>
              <Thread
                key={`${tenant}:${conv}`}
                id={id}
                tenant={tenant}
                conversationId={conv}
                hasSimilar={hasSimilar}
              />
            </div>
            {withSummary ? <SummaryAside key={conv} id={id} tenant={tenant} conversationId={conv} /> : null}
          </>
        ) : (
          <Empty title={t('pickConversation')} />
        )}
      </div>
    </div>
  );
}

type MessagePage = OutputOf<'sources.messages'>;

function Thread({
  id,
  tenant,
  conversationId,
  hasSimilar,
}: {
  id: string;
  tenant?: string;
  conversationId: string;
  hasSimilar: boolean;
}) {
  const { t } = useTranslation(SOURCES_NS);
  const newest = useOp('sources.messages', { id, tenant, conversationId, limit: 50 });
  const [older, setOlder] = useState<MessagePage[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [similarOf, setSimilarOf] = useState<string | null>(null);
  if (newest.isPending) return <Loading />;
  if (newest.isError) return <ErrorState error={newest.error} onRetry={() => void newest.refetch()} />;
  const pages = [...older, newest.data];
  const cursor = pages[0]!.older;
  const loadOlder = async () => {
    if (!cursor) return;
    setLoading(true);
    setError(null);
    try {
      // A page arrives whole or not at all: a lost connection shows an error and a retry, never a gap.
      const page = await call('sources.messages', { id, tenant, conversationId, limit: 50, before: cursor });
      setOlder((p) => [page, ...p]);
    } catch (e) {
      setError(e as AppError);
    } finally {
      setLoading(false);
    }
  };
  const messages = pages.flatMap((p) => p.messages);
  return (
    <div className="pad" data-testid="source-thread">
      {cursor ? (
        <button type="button" className="btn btn-small" disabled={loading} onClick={() => void loadOlder()}>
          {t('older')}
        </button>
      ) : null}
      {error ? <ErrorState error={error} compact onRetry={() => void loadOlder()} /> : null}
      <PageWarnings warnings={pages.flatMap((p) => p.warnings ?? [])} />
      {messages.length === 0 ? <p className="muted">{t('noMessages')}</p> : null}
      <ol style={{ listStyle: 'none', padding: 0, display: 'grid', gap: 8 }}>
        {foldEvents(messages).map((item) =>
          item.kind === 'events' ? (
            <FoldedEvents key={item.key} events={item.events} />
          ) : (
            <MessageBubble
              key={item.message.id}
              message={item.message}
              onSimilar={
                hasSimilar && item.message.extra?.hasEmbedding === true
                  ? () => setSimilarOf(item.message.id)
                  : undefined
              }
            />
          ),
        )}
      </ol>
      {similarOf && tenant ? (
        <SimilarPanel id={id} tenant={tenant} messageId={similarOf} onClose={() => setSimilarOf(null)} />
      ) : null}
    </div>
  );
}

/** −1…1 → red…amber…green: the colour says it before the number does. */
export function sentimentColour(v: number): string {
  if (v <= -0.3) return '#d92d20';
  if (v < 0.1) return '#f79009';
  return '#12b76a';
}

export function satisfactionColour(v: number): string {
  if (v < 40) return '#d92d20';
  if (v < 70) return '#f79009';
  return '#12b76a';
}

function Chip({ colour, children }: { colour?: string; children: string }) {
  return (
    <span
      className="badge"
      style={colour ? { borderLeft: `4px solid ${colour}`, paddingLeft: 6 } : undefined}
      data-colour={colour}
    >
      {children}
    </span>
  );
}

function MessageBubble({ message: m, onSimilar }: { message: SourceMessageOut; onSimilar?: () => void }) {
  const { t } = useTranslation(SOURCES_NS);
  const a = m.analysis;
  return (
    <li
      className={`bubble bubble-${m.role}`}
      data-message-id={m.id}
      style={{
        borderLeft: `4px solid ${a?.sentiment !== null && a?.sentiment !== undefined ? sentimentColour(a.sentiment) : 'transparent'}`,
        padding: '6px 10px',
      }}
    >
      <div className="muted" style={{ fontSize: 12 }}>
        #{m.id} · {m.rawRole ?? m.role} · {formatDateTime(m.timestamp)} <TierBadge extra={m.extra} />
      </div>
      <div style={{ whiteSpace: 'pre-wrap' }}>{m.text}</div>
      <IntentChip message={m} />
      {a ? (
        <div style={{ display: 'flex', gap: 6, flexWrap: 'wrap', marginTop: 4 }} data-testid="analysis">
          {a.sentiment !== null && a.sentiment !== undefined ? (
            <Chip colour={sentimentColour(a.sentiment)}>{t('sentiment', { v: a.sentiment.toFixed(2) })}</Chip>
          ) : null}
          {a.emotion ? <Chip>{a.emotion}</Chip> : null}
          {a.satisfaction !== null && a.satisfaction !== undefined ? (
            <Chip colour={satisfactionColour(a.satisfaction)}>
              {t('satisfaction', { v: String(a.satisfaction) })}
            </Chip>
          ) : null}
          {a.tone ? <Chip>{t('tone', { v: a.tone })}</Chip> : null}
          {onSimilar ? (
            <button type="button" className="btn btn-small" onClick={onSimilar}>
              {t('similar')}
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function SimilarPanel({
  id,
  tenant,
  messageId,
  onClose,
}: {
  id: string;
  tenant: string;
  messageId: string;
  onClose: () => void;
}) {
  const { t } = useTranslation(SOURCES_NS);
  const similar = useOp('sources.similar', { id, tenant, messageId, limit: 10 });
  return (
    <Card
      title={t('similarTitle', { id: messageId })}
      testId="similar-panel"
      actions={
        <button type="button" className="btn btn-small" onClick={onClose}>
          {t('close')}
        </button>
      }
    >
      {similar.isPending ? <Loading /> : null}
      {similar.isError ? (
        <ErrorState error={similar.error} compact onRetry={() => void similar.refetch()} />
      ) : null}
      {similar.data?.similar.length === 0 ? <p className="muted">{t('similarNone')}</p> : null}
      <ol style={{ display: 'grid', gap: 6 }}>
        {similar.data?.similar.map((s) => (
          <li key={s.messageId}>
            <button
              type="button"
              className="link"
              onClick={() => patchParams({ conv: s.conversationId })}
              title={s.conversationId}
            >
              {s.text}
            </button>{' '}
            <span className="muted">
              {t('distance', { d: s.distance.toFixed(3) })} · {formatDateTime(s.timestamp)}
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}

function Metrics({ id, tenant }: { id: string; tenant?: string }) {
  const metrics = useOp('sources.metrics', { id, tenant });
  if (metrics.isPending) return <Loading />;
  if (metrics.isError) return <ErrorState error={metrics.error} onRetry={() => void metrics.refetch()} />;
  const m = metrics.data;
  return (
    <div className="scroll-pane">
      <div className="charts-grid" data-testid="source-metrics">
        {m.charts.map((c) => (
          <LegacyChart key={c.id} chart={c} />
        ))}
        {m.tables.map((table) => (
          <MetricsTableCard
            key={table.id}
            title={table.title}
            testId={`source-table-${table.id}`}
            table={table}
            isNumeric={(i) => i > 0}
          />
        ))}
      </div>
    </div>
  );
}

function Tables({ info }: { info: SourceInfoOut }) {
  const { t } = useTranslation(SOURCES_NS);
  return (
    <div className="scroll-pane">
      <table className="mini-table" data-testid="source-tables">
        <thead>
          <tr>
            <th scope="col">{t('table.name')}</th>
            <th scope="col">{t('table.type')}</th>
            <th scope="col" className="num">
              {t('table.columns')}
            </th>
            <th scope="col" className="num">
              {t('table.rows')}
            </th>
          </tr>
        </thead>
        <tbody>
          {info.tables.map((x) => (
            <tr key={x.name}>
              <td className="mono">{x.name}</td>
              <td>{x.type}</td>
              <td className="num">{x.columns}</td>
              <td className="num">
                {x.readable === false
                  ? t('table.noAccess')
                  : x.rows === null
                    ? '—'
                    : `${x.rowsEstimated ? '~' : ''}${formatNumber(x.rows)}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
