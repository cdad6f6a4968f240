import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { LegacyMetrics } from '../../../shared/domain.ts';
import {
  axisProps,
  ChartFrame,
  gridProps,
  legendProps,
  NoData,
  tooltipProps,
  usePalette,
} from '../../components/charts.tsx';
import { formatDay, formatNumber } from '../../components/format.ts';
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
        <Card key={table.id} title={table.title} className="span-2" testId={`metrics-table-${table.id}`}>
          <div className="mini-scroll">
            <table className="mini-table">
              <thead>
                <tr>
                  {table.columns.map((c, i) => (
                    <th key={i} scope="col" className={i > 0 ? 'num' : undefined}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row, r) => (
                  <tr key={r}>
                    {row.map((v, i) => (
                      <td key={i} className={i > 0 ? 'num' : undefined}>
                        {v}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      ))}
    </div>
  );
}

const tickOf = (x: unknown) => {
  const v = String(x);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? formatDay(v) : v.length > 18 ? `${v.slice(0, 17)}…` : v;
};

export function LegacyChart({ chart }: { chart: Chart }) {
  const p = usePalette();
  const data = rowsOf(chart);
  const names = chart.series.map((s) => s.name);
  const title = chart.unit ? `${chart.title} (${chart.unit})` : chart.title;
  const many = data.length > 12;
  return (
    <Card title={title} testId={`metrics-chart-${chart.id}`} className={many ? 'span-2' : undefined}>
      {data.length === 0 ? (
        <NoData>—</NoData>
      ) : (
        <ChartFrame height={220} label={title}>
          {chart.type === 'line' ? (
            <LineChart data={data} margin={{ left: 0, right: 16, top: 8, bottom: 0 }}>
              <CartesianGrid {...gridProps(p)} />
              <XAxis dataKey="x" minTickGap={20} tickFormatter={tickOf} {...axisProps(p)} />
              <YAxis width={44} {...axisProps(p)} />
              <Tooltip {...tooltipProps(p)} formatter={(v) => formatNumber(Number(v), 2)} />
              {names.length > 1 ? <Legend {...legendProps(p)} /> : null}
              {names.map((n, i) => (
                <Line
                  key={n}
                  type="monotone"
                  dataKey={n}
                  stroke={p.series[i % p.series.length]}
                  dot={false}
                  strokeWidth={2}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          ) : (
            <BarChart data={data} margin={{ left: 0, right: 16, top: 8, bottom: 0 }}>
              <CartesianGrid {...gridProps(p)} />
              <XAxis
                dataKey="x"
                tickFormatter={tickOf}
                {...(data.length <= 10 ? { interval: 0 } : { minTickGap: 8 })}
                {...axisProps(p)}
              />
              <YAxis width={44} {...axisProps(p)} />
              <Tooltip {...tooltipProps(p)} formatter={(v) => formatNumber(Number(v), 2)} />
              {names.length > 1 ? <Legend {...legendProps(p)} /> : null}
              {names.map((n, i) => (
                <Bar
                  key={n}
                  dataKey={n}
                  fill={p.series[i % p.series.length]}
                  radius={[2, 2, 0, 0]}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          )}
        </ChartFrame>
      )}
    </Card>
  );
}
