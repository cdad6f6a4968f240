import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, LabelList } from 'recharts';
import type { JobProgress } from '../../../shared/contract/index.ts';
import type { FleetMetrics } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { startJob, toAppError } from '../../api/index.ts';
import { routeHref } from '../../app/nav.ts';
import { useCurrentRoot } from '../../app/places.ts';
import { createStore, useStore } from '../../app/store.ts';
import {
  CHART_MARGIN,
  chartAxes,
  ChartFrame,
  DayCountChart,
  MIN_COUNT_BAR,
  NoData,
  usePalette,
} from '../../components/charts.tsx';
import { DateField } from '../../components/DateField.tsx';
import { formatBytes, formatDay, formatNumber } from '../../components/format.ts';
import { dayChartSeries } from './window.ts';
import {
  Card,
  Empty,
  ErrorState,
  ProgressBar,
  SegmentedChoice,
  SeverityBadge,
  Stat,
} from '../../components/ui.tsx';
import { chatsUi } from '../chats/chatsUi.ts';
import { ClockIcon, FolderIcon } from '../../components/icons.tsx';
import { AlertsPanel } from '../maintenance/MaintenanceScreen.tsx';
import { FLEET_NS, ensureFleetStrings } from './strings.ts';
import { WordedText } from '../../components/worded.tsx';
import { wordFleetAlert } from '../../i18n/findings.ts';
import { WINDOW_PRESETS, windowOf, type DateWindow, type WindowPreset } from './window.ts';

interface FleetState {
  root: string | null;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'failed';
  progress: JobProgress | null;
  result: FleetMetrics | null;
  error: AppError | null;
}

// Kept across screens: the dashboard of a big root costs a full pass, so it is not redone on every visit.
const fleet = createStore<FleetState>({
  root: null,
  status: 'idle',
  progress: null,
  result: null,
  error: null,
});
let cancelCurrent: (() => void) | null = null;
let generation = 0;

function runFleet(root: string) {
  cancelCurrent?.();
  const gen = ++generation;
  let frame = 0;
  let latest: JobProgress | null = null;
  fleet.set({ root, status: 'running', progress: null, result: null, error: null });
  const job = startJob(
    'fleet.metrics',
    { root },
    {
      onProgress(p) {
        latest = p;
        if (!frame)
          frame = requestAnimationFrame(() => {
            frame = 0;
            if (gen === generation) fleet.set((s) => ({ ...s, progress: latest }));
          });
      },
    },
  );
  cancelCurrent = job.cancel;
  job.promise.then(
    (result) => {
      if (gen === generation) fleet.set((s) => ({ ...s, status: 'done', result }));
    },
    (error: unknown) => {
      if (gen !== generation) return;
      const e = toAppError(error);
      fleet.set((s) => ({
        ...s,
        status: e.code === 'cancelled' ? 'cancelled' : 'failed',
        error: e.code === 'cancelled' ? null : e,
      }));
    },
  );
}

const ALERT_KINDS = ['all', 'health', 'db_large', 'inactive', 'clock_skew'] as const;

/** The axis label of a day: with the year when the days shown span more than one year. */
function dayTick(withYear: boolean) {
  return (day: string) => (withYear ? `${formatDay(day)} ${day.slice(0, 4)}` : formatDay(day));
}

export function FleetScreen() {
  const { t } = useTranslation();
  const root = useCurrentRoot();
  const state = useStore(fleet);
  const p = usePalette();
  const [kind, setKind] = useState<(typeof ALERT_KINDS)[number]>('all');
  ensureFleetStrings();
  const { t: tf } = useTranslation(FLEET_NS);
  const [preset, setPreset] = useState<WindowPreset>('90');
  const [custom, setCustom] = useState<DateWindow>({ from: null, to: null });
  const [now] = useState(() => Date.now());
  const dateWindow = useMemo(() => windowOf(preset, custom, now), [preset, custom, now]);
  // The three day charts span the same chosen range, each day drawn (0 on a day nothing happened).
  const series = useMemo(
    () => (state.result ? dayChartSeries(state.result, dateWindow, now) : null),
    [state.result, dateWindow, now],
  );
  const withYear = series?.range ? series.range.from.slice(0, 4) !== series.range.to.slice(0, 4) : false;

  useEffect(() => {
    if (root && (fleet.get().root !== root || fleet.get().status === 'idle')) runFleet(root);
  }, [root]);

  const alerts = useMemo(
    () => (state.result?.alerts ?? []).filter((a) => kind === 'all' || a.kind === kind),
    [state.result, kind],
  );
  const alertCounts = useMemo(() => {
    const c: Record<string, number> = { all: 0, health: 0, db_large: 0, inactive: 0, clock_skew: 0 };
    for (const a of state.result?.alerts ?? []) {
      c.all!++;
      c[a.kind] = (c[a.kind] ?? 0) + 1;
    }
    return c;
  }, [state.result]);

  if (!root) return <Empty title={t('chats.noPlace')} icon={<FolderIcon size={20} />} />;
  const r = state.result;
  const running = state.status === 'running';

  return (
    <div className="screen fleet-screen">
      <div className="toolbar">
        <h1 className="screen-title">{t('fleet.title')}</h1>
        <SegmentedChoice
          pressed
          options={WINDOW_PRESETS}
          value={preset}
          onChange={setPreset}
          label={tf('window')}
          testId="fleet-window"
          dataName="window"
          labelOf={(w) => tf(`preset.${w}`)}
        />
        {preset === 'custom' ? (
          <span className="date-range">
            <DateField
              label={tf('from')}
              value={custom.from ?? ''}
              onChange={(day) => setCustom((c) => ({ ...c, from: day || null }))}
              testId="fleet-window-from"
            />
            <DateField
              label={tf('to')}
              value={custom.to ?? ''}
              onChange={(day) => setCustom((c) => ({ ...c, to: day || null }))}
              testId="fleet-window-to"
            />
          </span>
        ) : null}
        <div className="toolbar-spacer" />
        {running ? (
          <>
            <span className="muted" aria-live="polite">
              {t('fleet.reading', {
                done: formatNumber(state.progress?.done ?? 0),
                total: state.progress?.total == null ? '…' : formatNumber(state.progress.total),
              })}
            </span>
            <button type="button" className="btn btn-small" onClick={() => cancelCurrent?.()}>
              {t('common.cancel')}
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => runFleet(root)}>
            {t('fleet.refresh')}
          </button>
        )}
      </div>
      {running ? (
        <ProgressBar
          done={state.progress?.done ?? 0}
          total={state.progress?.total ?? null}
          label={t('fleet.reading', { done: '', total: '' })}
        />
      ) : (
        <div className="progress-placeholder" />
      )}
      <div className="scroll-pane">
        {state.status === 'failed' ? <ErrorState error={state.error} onRetry={() => runFleet(root)} /> : null}
        {state.status === 'cancelled' ? (
          <Empty title={t('fleet.cancelled')} icon={<ClockIcon size={20} />}>
            <button type="button" className="btn" onClick={() => runFleet(root)}>
              {t('fleet.refresh')}
            </button>
          </Empty>
        ) : null}
        {running && !r ? (
          <div className="state state-loading" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('fleet.loading')}
          </div>
        ) : null}
        {r && series ? (
          <>
            {r.clockSkewChats > 0 ? (
              <p className="muted" data-testid="fleet-clock-skew">
                {tf('clockSkew', { count: r.clockSkewChats, n: formatNumber(r.clockSkewChats) })}
              </p>
            ) : null}
            <div className="stats-row">
              <Stat label={t('fleet.chats')} value={formatNumber(r.chats)} />
              <Stat
                label={t('fleet.activeLast30')}
                value={formatNumber(lastDays(series.active, 30, 'max'))}
                hint={t('fleet.peakDaily')}
              />
              <Stat
                label={t('fleet.messagesLast30')}
                value={formatNumber(lastDays(series.messages, 30, 'sum'))}
              />
              <Stat label={t('fleet.alerts')} value={formatNumber(r.alerts.length)} />
              <Stat label={tf('totalSize')} value={formatBytes(r.totalBytes)} hint={tf('totalSizeHint')} />
              <Stat
                label={tf('averageQuery')}
                value={r.averageQueryMs === null ? '—' : tf('ms', { n: formatNumber(r.averageQueryMs, 2) })}
                hint={tf('averageQueryHint', { count: r.timedChats, n: formatNumber(r.timedChats) })}
              />
            </div>
            <div className="charts-grid" data-testid="fleet-charts">
              <DayCountCard kind="active" data={series.active} withYear={withYear} />
              <DayCountCard kind="created" data={series.created} withYear={withYear} />
              <Card title={t('fleet.sizes')} testId="chart-sizes">
                <ChartFrame height={200} label={t('fleet.sizes')}>
                  <BarChart data={r.sizeBuckets} margin={{ ...CHART_MARGIN, top: 20 }}>
                    {chartAxes(p, { x: { dataKey: 'bucket' }, y: { allowDecimals: false, width: 40 } })}
                    {/* A bucket of one chat beside hundreds is still seen, and every bar says its count. */}
                    <Bar
                      dataKey="count"
                      name={t('fleet.chats')}
                      fill={p.series[3]}
                      radius={[3, 3, 0, 0]}
                      minPointSize={MIN_COUNT_BAR}
                      isAnimationActive={false}
                    >
                      <LabelList
                        dataKey="count"
                        position="top"
                        fill={p.text}
                        fontSize={11}
                        formatter={(v: unknown) => formatNumber(Number(v))}
                      />
                    </Bar>
                  </BarChart>
                </ChartFrame>
                {r.largestChats.length > 0 ? (
                  <div data-testid="fleet-largest">
                    <div className="muted">{tf('largest')}</div>
                    <ol className="mini-list">
                      {r.largestChats.slice(0, 5).map((c) => (
                        <li key={c.chatId}>
                          <a className="mono" href={routeHref('chat', { id: c.chatId })}>
                            {c.chatId}
                          </a>{' '}
                          {formatBytes(c.sizeBytes)}
                        </li>
                      ))}
                    </ol>
                  </div>
                ) : null}
              </Card>
              <DayCountCard kind="messages" data={series.messages} withYear={withYear} />
            </div>
            <Card
              title={t('fleet.alertsTitle', { count: r.alerts.length, n: formatNumber(r.alerts.length) })}
              testId="fleet-alerts"
              actions={
                <SegmentedChoice
                  pressed
                  options={ALERT_KINDS}
                  value={kind}
                  onChange={setKind}
                  label={t('fleet.alertKind')}
                  labelOf={(k) => (
                    <>
                      {k === 'clock_skew' ? tf('kindClockSkew') : t(`fleet.kind.${k}`)}{' '}
                      <span className="segment-count">{formatNumber(alertCounts[k] ?? 0)}</span>
                    </>
                  )}
                />
              }
            >
              {alerts.length === 0 ? (
                <NoData>{t('fleet.noAlerts')}</NoData>
              ) : (
                <div className="alerts-scroll">
                  <table className="mini-table alerts">
                    <thead>
                      <tr>
                        <th scope="col">{t('fleet.severity')}</th>
                        <th scope="col">{t('fleet.kindCol')}</th>
                        <th scope="col">{t('chats.col.id')}</th>
                        <th scope="col">{t('fleet.message')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {alerts.slice(0, 1000).map((a, i) => (
                        <tr key={`${a.chatId}-${a.kind}-${i}`}>
                          <td>
                            <SeverityBadge severity={a.severity} />
                          </td>
                          <td>{a.kind === 'clock_skew' ? tf('kindClockSkew') : t(`fleet.kind.${a.kind}`)}</td>
                          <td>
                            <a
                              className="mono"
                              href={routeHref('chat', { id: a.chatId })}
                              onClick={() =>
                                chatsUi.set((s) => ({ ...s, activeId: a.chatId, lastChatId: a.chatId }))
                              }
                            >
                              {a.chatId}
                            </a>
                          </td>
                          <td>
                            <WordedText worded={wordFleetAlert(a)} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {alerts.length > 1000 ? (
                    <p className="muted">{t('fleet.alertsCapped', { n: formatNumber(1000) })}</p>
                  ) : null}
                </div>
              )}
            </Card>
            {/* The seed's alerts with their thresholds (the same list and settings as Maintenance → Alerts). */}
            {root ? <AlertsPanel root={root} /> : null}
          </>
        ) : null}
      </div>
    </div>
  );
}

function lastDays(series: { day: string; count: number }[], days: number, mode: 'sum' | 'max'): number {
  const last = series.at(-1);
  if (!last) return 0;
  const from = new Date(Date.parse(`${last.day}T00:00:00Z`) - (days - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const inRange = series.filter((d) => d.day >= from).map((d) => d.count);
  return mode === 'sum' ? inRange.reduce((a, b) => a + b, 0) : Math.max(0, ...inRange);
}

/** The dashboard's day charts: title, test id, width, series colour and what one count is. */
const DAY_CHARTS = {
  active: { title: 'fleet.activeUsers', testId: 'chart-active', wide: true, colour: 0, name: 'fleet.users' },
  created: { title: 'fleet.newUsers', testId: 'chart-new', wide: false, colour: 1, name: 'fleet.users' },
  messages: {
    title: 'fleet.messagesPerDay',
    testId: 'chart-messages',
    wide: true,
    colour: 2,
    name: 'fleet.messages',
  },
} as const;

/** A day chart of the dashboard in its card; its ticks carry the year when the window spans years. */
function DayCountCard({
  kind,
  data,
  withYear,
}: {
  kind: keyof typeof DAY_CHARTS;
  data: { day: string; count: number }[];
  withYear: boolean;
}) {
  const { t } = useTranslation();
  const p = usePalette();
  const chart = DAY_CHARTS[kind];
  return (
    <Card title={t(chart.title)} className={chart.wide ? 'span-2' : undefined} testId={chart.testId}>
      <DayCountChart
        data={data}
        color={p.series[chart.colour]!}
        name={t(chart.name)}
        tick={dayTick(withYear)}
        tooltipLabel={dayTick(true)}
      />
    </Card>
  );
}
