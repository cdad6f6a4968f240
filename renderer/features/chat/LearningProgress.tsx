import { useTranslation } from 'react-i18next';
import { Bar, BarChart, Line, LineChart } from 'recharts';
import { correctionsOf } from '../../../shared/corrections.ts';
import type { ChatDetail } from '../../../shared/domain.ts';
import { useOp } from '../../api/index.ts';
import {
  CHART_MARGIN,
  ChartCard,
  chartAxes,
  MIN_COUNT_BAR,
  NoData,
  usePalette,
  yAxisWidth,
} from '../../components/charts.tsx';
import {
  formatDateTime,
  formatMonth,
  formatNumber,
  formatPercent,
  formatRelative,
} from '../../components/format.ts';
import { Card, ErrorState, Loading } from '../../components/ui.tsx';
import { wordMismatch } from '../../i18n/findings.ts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** One cached item as a short text: a word, a correction "a → b", or the item's own text. */
function itemText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Json;
    const c = correctionsOf({ corrections: o, originalContent: null, content: null }).items[0];
    if (c) return `${c.original} → ${c.corrected}`;
    const count = typeof o.count === 'number' ? ` (${formatNumber(o.count)})` : '';
    for (const k of ['word', 'term', 'mistake', 'rule', 'pattern', 'error', 'text', 'topic', 'name'])
      if (typeof o[k] === 'string') return `${o[k] as string}${count}`;
  }
  return JSON.stringify(v);
}

/** Falling, rising or flat: the second half of the sessions against the first. */
function trend(rates: number[]): 'down' | 'up' | 'flat' | null {
  if (rates.length < 6) return null;
  const half = Math.floor(rates.length / 2);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const delta = avg(rates.slice(half)) - avg(rates.slice(0, half));
  return Math.abs(delta) < 0.03 ? 'flat' : delta < 0 ? 'down' : 'up';
}

/**
 * The learning progress the bot tracks (seed 000): its own cache in metadata.json, labelled as such with
 * its age and whether it agrees with the databases, and what the databases themselves say.
 */
export function LearningProgress({ root, detail }: { root: string; detail: ChatDetail }) {
  const { t } = useTranslation();
  const p = usePalette();
  // A chat in two trees: the copy the screen shows (detail.tree), not the plain id's.
  const learning = useOp('chat.learning', {
    root,
    chatId: detail.chatId,
    ...(detail.copies?.length && detail.tree !== undefined ? { tree: detail.tree } : {}),
  });
  const raw = obj(detail.metadata.raw);
  const quick = obj(raw.quick_stats);
  const cache = obj(raw.cache);
  const updated = typeof raw.last_update === 'string' ? raw.last_update : null;
  const state = detail.metadata.state;

  const sessions = (learning.data?.errorsPerSession ?? []).map((s, i) => ({
    i: i + 1,
    rate: s.messages > 0 ? s.withErrors / s.messages : 0,
    label: s.start ? formatDateTime(s.start) : s.sessionId,
  }));
  const direction = trend(sessions.map((s) => s.rate));

  const chips = (items: unknown[], testId: string) =>
    items.length === 0 ? (
      <span className="muted">—</span>
    ) : (
      <span className="chip-list" data-testid={testId} translate="no">
        {items.slice(0, 20).map((v, i) => (
          <span key={i} className="chip">
            {itemText(v)}
          </span>
        ))}
      </span>
    );

  return (
    <>
      <Card title={t('learning.cacheTitle')} className="span-2" testId="learning-cache">
        <p className="muted learning-cache-state" data-state={state}>
          {state === 'missing' || state === 'malformed'
            ? t(`learning.cache.${state}`)
            : t('learning.cacheAge', { age: updated ? formatRelative(updated) : '—' })}{' '}
          {state === 'ok' ? (
            <span className="badge badge-ok">{t('learning.agrees')}</span>
          ) : state === 'stale' ? (
            <span
              className="badge badge-warning"
              title={detail.metadata.mismatches.map(wordMismatch).join('\n')}
            >
              {t('learning.disagrees', { count: detail.metadata.mismatches.length })}
            </span>
          ) : null}
        </p>
        {state === 'ok' || state === 'stale' ? (
          <dl className="learning-cache">
            <dt>{t('learning.favoriteTopics')}</dt>
            <dd>{chips(list(quick.favorite_topics), 'cache-topics')}</dd>
            <dt>{t('learning.improvementAreas')}</dt>
            <dd>{chips(list(quick.improvement_areas), 'cache-areas')}</dd>
            <dt>{t('learning.recentCorrections')}</dt>
            <dd>{chips(list(cache.recent_corrections), 'cache-corrections')}</dd>
            <dt>{t('learning.vocabularyLearned')}</dt>
            <dd>{chips(list(cache.vocabulary_learned), 'cache-vocabulary')}</dd>
            <dt>{t('learning.commonMistakes')}</dt>
            <dd>{chips(list(cache.common_mistakes), 'cache-mistakes')}</dd>
          </dl>
        ) : null}
      </Card>
      {learning.isPending ? (
        <Card className="span-2">
          <Loading />
        </Card>
      ) : learning.isError ? (
        <Card className="span-2">
          <ErrorState error={learning.error} compact />
        </Card>
      ) : (
        <>
          <Card title={t('learning.topCorrections')} testId="learning-corrections">
            {learning.data.topCorrections.length === 0 ? (
              <NoData>{t('learning.none')}</NoData>
            ) : (
              <table className="mini-table">
                <tbody>
                  {learning.data.topCorrections.map((c, i) => (
                    <tr key={i}>
                      <td translate="no">
                        <del>{c.original}</del> → <ins>{c.corrected}</ins>
                      </td>
                      <td className="num">{formatNumber(c.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <ChartCard
            title={t('learning.vocabulary')}
            testId="learning-vocabulary"
            empty={learning.data.vocabularyPerMonth.length === 0 ? t('learning.none') : null}
          >
            <BarChart data={learning.data.vocabularyPerMonth} margin={CHART_MARGIN}>
              {chartAxes(p, {
                x: { dataKey: 'month', tickFormatter: (m: string) => formatMonth(m), minTickGap: 16 },
                y: {
                  allowDecimals: false,
                  width: yAxisWidth(
                    learning.data.vocabularyPerMonth.map((m) => m.words),
                    (v) => formatNumber(v),
                  ),
                },
                tooltip: { labelFormatter: (m) => formatMonth(String(m)) },
                legend: {},
              })}
              <Bar
                dataKey="words"
                name={t('learning.wordsSuggested')}
                fill={p.series[0]}
                minPointSize={MIN_COUNT_BAR}
                isAnimationActive={false}
              />
              <Bar
                dataKey="newWords"
                name={t('learning.newWords')}
                fill={p.series[2]}
                minPointSize={MIN_COUNT_BAR}
                isAnimationActive={false}
              />
            </BarChart>
          </ChartCard>
          <ChartCard
            title={t('learning.errorsPerSession')}
            className="span-2"
            testId="learning-errors"
            height={200}
            empty={sessions.length === 0 ? t('learning.none') : null}
            actions={
              direction ? (
                <span
                  className={`badge badge-${direction === 'down' ? 'ok' : direction === 'up' ? 'warning' : 'info'}`}
                >
                  {t(`learning.trend.${direction}`)}
                </span>
              ) : null
            }
          >
            <LineChart data={sessions} margin={CHART_MARGIN}>
              {chartAxes(p, {
                x: { dataKey: 'i', minTickGap: 24 },
                y: { width: 44, domain: [0, 1], tickFormatter: (v: number) => formatPercent(v) },
                tooltip: {
                  labelFormatter: (_, payload) => String(payload?.[0]?.payload?.label ?? ''),
                  formatter: (v) => [formatPercent(Number(v)), t('learning.withErrors')],
                },
              })}
              <Line
                type="linear"
                dataKey="rate"
                stroke={p.error}
                dot={false}
                strokeWidth={2}
                isAnimationActive={false}
              />
            </LineChart>
          </ChartCard>
        </>
      )}
    </>
  );
}
