import { useTranslation } from 'react-i18next';
import { Bar, BarChart, Line, LineChart } from 'recharts';
import type { LegacyMetrics } from '../../../shared/domain.ts';
import type { ChartPalette } from '../../app/theme.ts';
import {
  CHART_MARGIN,
  ChartCard,
  chartAxes,
  COUNT_CURVE,
  MIN_COUNT_BAR,
  NoData,
  usePalette,
  yAxisWidth,
} from '../../components/charts.tsx';
import { formatDateTime, formatDay, formatNumber } from '../../components/format.ts';
import { Card, ErrorState, Loading } from '../../components/ui.tsx';
import { useOp } from '../../api/index.ts';

type Chart = LegacyMetrics['charts'][number];

/** Series of {x, y} points merged into rows keyed by x (what recharts draws). */
function rowsOf(chart: Chart): Record<string, string | number>[] {
  const byX = new Map<string, Record<string, string | number>>();
  for (const s of chart.series) {
    for (const pt of s.points) {
      let row = byX.get(pt.x);
      if (!row) byX.set(pt.x, (row = { x: pt.x }));
      row[s.name] = pt.y;
    }
  }
  return [...byX.values()];
}

/** Series whose meaning has a colour: failures red, successes green, client errors amber. */
function seriesColour(name: string, index: number, p: ChartPalette): string {
  const n = name.toLowerCase();
  if (/^(failed|failure|errors?|5xx)$/.test(n)) return p.error;
  if (/^(4xx)$/.test(n)) return p.warning;
  if (/^(succeeded|success|ok|2xx)$/.test(n)) return p.ok;
  if (n === 'user' || n === 'users') return p.user;
  if (n === 'bot') return p.bot;
  // Neutral series skip the palette's green and red, which carry meaning above.
  const neutral = p.series.filter((c) => c !== p.series[1] && c !== p.series[5]);
  return neutral[index % neutral.length]!;
}

const NUMERIC = /^[\d.,\s%+-]+$|^—$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const numericColumn = (rows: string[][], i: number) => rows.every((r) => NUMERIC.test(r[i] ?? ''));

/** "…(newest 500 of api_call_logs)" → its figures, so the title can be said in the UI language. */
function titleParams(title: string): { n: string; table: string } {
  const m = /newest (\d+) of ([\w.]+)/.exec(title);
  return { n: m ? formatNumber(Number(m[1])) : '', table: m?.[2] ?? '' };
}

export function LegacyMetricsView({ path }: { path: string }) {
  const { t } = useTranslation();
  const metrics = useOp('file.metrics', { path });
  if (metrics.isPending) return <Loading />;
  if (metrics.isError) return <ErrorState error={metrics.error} />;
  const m = metrics.data;
  if (m.charts.length === 0 && m.tables.length === 0) return <NoData>{t('files.noMetrics')}</NoData>;
  return (
    <div className="charts-grid" data-testid="legacy-metrics">
      {m.charts.map((c) => (
        <LegacyChart key={c.id} chart={c} />
      ))}
      {m.tables.map((table) => (
        <MetricsTableCard
          key={table.id}
          title={t(`files.metricsTable.${table.id}`, {
            defaultValue: table.title,
            ...titleParams(table.title),
          })}
          testId={`metrics-table-${table.id}`}
          table={table}
          isNumeric={(i) => i > 0 && numericColumn(table.rows, i)}
          heading={(c) => t(`files.metricsColumn.${c}`, { defaultValue: c })}
          cell={(v) => (ISO_TIME.test(v) ? formatDateTime(v) : v)}
        />
      ))}
    </div>
  );
}

/** A metrics table in a wide card; which columns are figures, and how headings and cells read, are the caller's. */
export function MetricsTableCard({
  title,
  testId,
  table,
  isNumeric,
  heading = (column) => column,
  cell = (value) => value,
}: {
  title: string;
  testId: string;
  table: { columns: string[]; rows: string[][] };
  isNumeric: (column: number) => boolean;
  heading?: (column: string) => string;
  cell?: (value: string) => string;
}) {
  const numClass = (i: number) => (isNumeric(i) ? 'num' : undefined);
  return (
    <Card title={title} className="span-2" testId={testId}>
      <div className="mini-scroll">
        <table className="mini-table">
          <thead>
            <tr>
              {table.columns.map((c, i) => (
                <th key={i} scope="col" className={numClass(i)}>
                  {heading(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {row.map((v, i) => (
                  <td key={i} className={numClass(i)}>
                    {cell(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

const tickOf = (x: unknown) => {
  const v = String(x);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? formatDay(v) : v.length > 18 ? `${v.slice(0, 17)}…` : v;
};

export function LegacyChart({ chart }: { chart: Chart }) {
  const { t } = useTranslation();
  const p = usePalette();
  const data = rowsOf(chart);
  const names = chart.series.map((s) => s.name);
  const label = (name: string) => t(`files.metricsSeries.${name}`, { defaultValue: name });
  const chartTitle = t(`files.metricsChart.${chart.id}`, { defaultValue: chart.title });
  const unit = chart.unit ? t(`files.metricsUnit.${chart.unit}`, { defaultValue: chart.unit }) : '';
  const title = unit ? `${chartTitle} (${unit})` : chartTitle;
  const many = data.length > 12;
  // Counts are whole numbers: no 0.75 of a call on the axis.
  const whole = chart.series.every((s) => s.points.every((pt) => Number.isInteger(pt.y)));
  const values = chart.series.flatMap((s) => s.points.map((pt) => pt.y));
  const yWidth = yAxisWidth(values, (v) => formatNumber(v, whole ? 0 : 1));
  // Category axes (operation or endpoint names) are slanted so neighbours never overlap.
  const categories = data.length > 0 && !/^\d{4}-\d{2}-\d{2}$/.test(String(data[0]!.x));
  const xAxis = categories
    ? ({ interval: 0, angle: -30, textAnchor: 'end', height: 64, tickFormatter: shortTick } as const)
    : ({ minTickGap: 24, tickFormatter: tickOf } as const);
  const axes = chartAxes(p, {
    x: { dataKey: 'x', ...xAxis },
    y: { width: yWidth, allowDecimals: !whole, tickFormatter: (v: number) => formatNumber(v, 1) },
    tooltip: { formatter: (v, n) => [formatNumber(Number(v), 2), label(String(n))] },
    legend: names.length > 1 ? { formatter: (n) => label(String(n)) } : undefined,
  });
  return (
    <ChartCard
      title={title}
      testId={`metrics-chart-${chart.id}`}
      className={many ? 'span-2' : undefined}
      height={categories ? 260 : 220}
      empty={data.length === 0 ? '—' : null}
    >
      {chart.type === 'line' ? (
        <LineChart data={data} margin={CHART_MARGIN}>
          {axes}
          {names.map((n, i) => (
            <Line
              key={n}
              // Whole numbers are counts: steps. Averages: straight lines, no invented curve.
              type={whole ? COUNT_CURVE : 'linear'}
              dataKey={n}
              stroke={seriesColour(n, i, p)}
              dot={false}
              strokeWidth={2}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      ) : (
        <BarChart data={data} margin={CHART_MARGIN}>
          {axes}
          {names.map((n, i) => (
            <Bar
              key={n}
              dataKey={n}
              fill={seriesColour(n, i, p)}
              radius={[2, 2, 0, 0]}
              minPointSize={whole ? MIN_COUNT_BAR : 0}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      )}
    </ChartCard>
  );
}

const shortTick = (x: unknown) => {
  const v = String(x);
  return v.length > 16 ? `${v.slice(0, 15)}…` : v;
};
