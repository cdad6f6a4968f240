import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Area, AreaChart, Bar, BarChart } from 'recharts';
import type { ChatMetrics } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import {
  CHART_MARGIN,
  ChartCard,
  chartAxes,
  COUNT_CURVE,
  MIN_COUNT_BAR,
  usePalette,
  yAxisWidth,
} from '../../components/charts.tsx';
import {
  formatDate,
  formatDay,
  formatDayYear,
  formatMinutes,
  formatMonth,
  formatNumber,
} from '../../components/format.ts';
import {
  bucketFor,
  bucketize,
  fillRange,
  lastDaysRange,
  spanDays,
  type Bucket,
} from '../../components/series.ts';
import { ErrorState, Loading, SegmentedChoice, Stat } from '../../components/ui.tsx';

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per-chat metrics: messages per day (user vs bot), response time distribution, session length. */
const WINDOWS = ['all', '365', '90', '30'] as const;
type TimeWindow = (typeof WINDOWS)[number];

/**
 * The whole window (counted back from the last active day), every day of it (0 on a day without
 * messages: the chat's own DB says none were written), bucketed by the window's span.
 */
function shapeSeries(days: ChatMetrics['messagesPerDay'], window: TimeWindow) {
  const range = lastDaysRange(days, window === 'all' ? null : Number(window));
  if (!range) return { rows: [], bucket: 'day' as Bucket, spansYears: false };
  const filled = fillRange(days, range, (day) => ({ day, user: 0, bot: 0 }));
  const bucket = bucketFor(spanDays(range.from, range.to));
  const rows = bucket === 'day' ? filled : bucketize(filled, ['user', 'bot'] as const, bucket);
  return { rows, bucket, spansYears: range.from.slice(0, 4) !== range.to.slice(0, 4) };
}

function tickFormatter(bucket: Bucket, spansYears: boolean) {
  if (bucket === 'month') return (d: string) => formatMonth(d);
  return spansYears ? (d: string) => formatDayYear(d) : (d: string) => formatDay(d);
}

function tooltipLabel(day: string, bucket: Bucket): string {
  if (bucket === 'month') return formatMonth(day);
  return bucket === 'week' ? `${formatDayYear(day)} +7` : formatDayYear(day);
}

export function MetricsCharts({
  metrics,
  error,
  loading,
  sessionsTotal,
}: {
  /** The chat's session count (the chart reads at most 5,000 sessions; the figure is the real one). */
  sessionsTotal?: number;
  metrics: ChatMetrics | undefined;
  error: AppError | null;
  loading: boolean;
}) {
  const { t } = useTranslation();
  const p = usePalette();
  const sessions = useMemo(
    () =>
      (metrics?.sessionLengths ?? []).map((s, i) => ({
        i,
        label: s.start ? formatDate(s.start) : `#${i + 1}`,
        minutes: Math.round(s.minutes * 10) / 10,
        messages: s.messages,
      })),
    [metrics],
  );
  const [range, setRange] = useState<TimeWindow>('all');
  const shaped = useMemo(() => shapeSeries(metrics?.messagesPerDay ?? [], range), [metrics, range]);
  const perDay = shaped.rows;
  if (loading) return <Loading />;
  if (error) return <ErrorState error={error} title={t('metrics.error')} />;
  if (!metrics) return null;

  const totalUser = metrics.messagesPerDay.reduce((a, d) => a + d.user, 0);
  const totalBot = metrics.messagesPerDay.reduce((a, d) => a + d.bot, 0);
  const activeDays = metrics.messagesPerDay.length;
  const medianSession = median(sessions.map((s) => s.minutes));
  const many = perDay.length > 60;
  const tick = tickFormatter(shaped.bucket, shaped.spansYears);
  const yWidth = yAxisWidth(
    perDay.map((d) => d.user + d.bot),
    (v) => formatNumber(v),
  );
  // Bars are wide enough for closer ticks than an area's.
  const perDayAxes = (minTickGap: number) =>
    chartAxes(p, {
      x: { dataKey: 'day', tickFormatter: tick, minTickGap, interval: 'preserveStartEnd' },
      y: { allowDecimals: false, width: yWidth, tickFormatter: (v: number) => formatNumber(v) },
      tooltip: { labelFormatter: (d) => tooltipLabel(String(d), shaped.bucket) },
      legend: {},
    });

  return (
    <div className="metrics">
      <div className="stats-row">
        <Stat label={t('metrics.userMessages')} value={formatNumber(totalUser)} />
        <Stat label={t('metrics.botMessages')} value={formatNumber(totalBot)} />
        <Stat label={t('metrics.activeDays')} value={formatNumber(activeDays)} />
        <Stat label={t('metrics.sessions')} value={formatNumber(sessionsTotal ?? sessions.length)} />
        <Stat label={t('metrics.medianSession')} value={formatMinutes(medianSession)} />
      </div>
      <div className="charts-grid">
        <ChartCard
          title={t(`metrics.per.${shaped.bucket}`)}
          label={t('metrics.perDay')}
          className="span-2"
          testId="chart-per-day"
          height={240}
          empty={metrics.messagesPerDay.length === 0 ? t('metrics.noMessages') : null}
          actions={
            <SegmentedChoice
              options={WINDOWS}
              value={range}
              onChange={setRange}
              label={t('metrics.window')}
              labelOf={(w) => t(`metrics.windows.${w}`)}
              dataName="window"
            />
          }
        >
          {many ? (
            <AreaChart data={perDay} margin={CHART_MARGIN}>
              {perDayAxes(28)}
              {(['user', 'bot'] as const).map((who) => (
                <Area
                  key={who}
                  type={COUNT_CURVE}
                  dataKey={who}
                  name={t(`metrics.${who}`)}
                  stackId="1"
                  stroke={p[who]}
                  fill={p[who]}
                  fillOpacity={0.35}
                  isAnimationActive={false}
                />
              ))}
            </AreaChart>
          ) : (
            <BarChart data={perDay} margin={CHART_MARGIN}>
              {perDayAxes(16)}
              <Bar
                dataKey="user"
                name={t('metrics.user')}
                stackId="m"
                fill={p.user}
                isAnimationActive={false}
              />
              <Bar
                dataKey="bot"
                name={t('metrics.bot')}
                stackId="m"
                fill={p.bot}
                radius={[2, 2, 0, 0]}
                isAnimationActive={false}
              />
            </BarChart>
          )}
        </ChartCard>
        <ChartCard
          title={t('metrics.responseTimes')}
          testId="chart-response"
          empty={metrics.responseTimes.every((b) => b.count === 0) ? t('metrics.noResponseTimes') : null}
        >
          <BarChart data={metrics.responseTimes} margin={CHART_MARGIN}>
            {chartAxes(p, { x: { dataKey: 'bucket' }, y: { allowDecimals: false, width: 36 } })}
            <Bar
              dataKey="count"
              name={t('metrics.replies')}
              fill={p.series[2]}
              radius={[3, 3, 0, 0]}
              minPointSize={MIN_COUNT_BAR}
              isAnimationActive={false}
            />
          </BarChart>
        </ChartCard>
        <ChartCard
          title={t('metrics.sessionLength')}
          testId="chart-sessions"
          empty={sessions.length === 0 ? t('metrics.noSessions') : null}
        >
          <BarChart data={sessions} margin={CHART_MARGIN}>
            {chartAxes(p, {
              x: { dataKey: 'label', minTickGap: 16 },
              y: { width: 36 },
              tooltip: {
                formatter: (v, name) => [
                  name === 'minutes' ? formatMinutes(Number(v)) : v,
                  t('metrics.minutes'),
                ],
              },
            })}
            <Bar dataKey="minutes" fill={p.series[0]} radius={[2, 2, 0, 0]} isAnimationActive={false} />
          </BarChart>
        </ChartCard>
      </div>
    </div>
  );
}
