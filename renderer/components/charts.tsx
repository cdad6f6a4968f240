import type { ComponentProps, ReactElement, ReactNode } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useChartPalette, type ChartPalette } from '../app/theme.ts';
import { Card } from './ui.tsx';

/** A sized box for one chart (ResponsiveContainer needs a parent with a height). */
export function ChartFrame({
  height = 220,
  children,
  label,
}: {
  height?: number;
  children: ReactElement;
  label: string;
}) {
  return (
    <div className="chart" style={{ height }} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 400, height }}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

/**
 * A chart in a card: its title, and the chart drawn in a sized frame, or what is said when there is
 * nothing to draw (`empty`).
 */
export function ChartCard({
  title,
  testId,
  className,
  actions,
  empty,
  height = 220,
  label = title,
  children,
}: {
  title: string;
  testId?: string;
  className?: string;
  actions?: ReactNode;
  /** What stands instead of the chart when it has nothing to draw. */
  empty?: ReactNode;
  height?: number;
  /** The chart's accessible name, the title unless said. */
  label?: string;
  children: ReactElement;
}) {
  return (
    <Card title={title} testId={testId} className={className} actions={actions}>
      {empty ? (
        <NoData>{empty}</NoData>
      ) : (
        <ChartFrame height={height} label={label}>
          {children}
        </ChartFrame>
      )}
    </Card>
  );
}

/** The room around a cartesian chart: none on the left (the y-axis has its width), some for the last tick. */
export const CHART_MARGIN = { left: 0, right: 16, top: 8, bottom: 0 } as const;

/**
 * The grid, axes, tooltip and (when given) legend of a cartesian chart in the palette's colours, each
 * with its own options on top. A function, not a component: recharts reads its children's types.
 */
export function chartAxes(
  p: ChartPalette,
  {
    x,
    y,
    tooltip,
    legend,
    grid,
  }: {
    x?: ComponentProps<typeof XAxis>;
    y?: ComponentProps<typeof YAxis>;
    tooltip?: ComponentProps<typeof Tooltip>;
    legend?: ComponentProps<typeof Legend>;
    grid?: ComponentProps<typeof CartesianGrid>;
  },
) {
  return (
    <>
      <CartesianGrid {...gridProps(p)} {...grid} />
      <XAxis {...x} {...axisProps(p)} />
      <YAxis {...y} {...axisProps(p)} />
      <Tooltip {...tooltipProps(p)} {...tooltip} />
      {legend ? <Legend {...legendProps(p)} {...legend} /> : null}
    </>
  );
}

export function axisProps(p: ChartPalette) {
  return {
    stroke: p.axis,
    tick: { fill: p.text, fontSize: 11 },
    tickLine: false,
    axisLine: { stroke: p.grid },
  } as const;
}

export function gridProps(p: ChartPalette) {
  return { stroke: p.grid, strokeDasharray: '3 3', vertical: false } as const;
}

export function tooltipProps(p: ChartPalette) {
  return {
    contentStyle: {
      background: p.tooltipBg,
      border: `1px solid ${p.tooltipBorder}`,
      borderRadius: 6,
      fontSize: 12,
      color: p.text,
      boxShadow: '0 4px 14px rgba(0,0,0,.12)',
    },
    labelStyle: { color: p.text, fontWeight: 600 },
    itemStyle: { padding: 0 },
    cursor: { fill: p.grid, fillOpacity: 0.5 },
    isAnimationActive: false,
  } as const;
}

export function legendProps(p: ChartPalette) {
  return { iconSize: 10, wrapperStyle: { fontSize: 12, color: p.text } } as const;
}

export function usePalette() {
  return useChartPalette();
}

export function NoData({ children }: { children: ReactNode }) {
  return <div className="chart-empty">{children}</div>;
}

/**
 * A y-axis wide enough for its longest tick label (11 px text: about 7 px a character, plus the tick gap),
 * so "12,000" is never clipped to "2,000".
 */
export function yAxisWidth(values: readonly number[], format: (v: number) => string): number {
  let max = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > max) max = Math.abs(v);
  // Ticks are rounded up past the largest value: measure the next round number.
  const magnitude = max > 0 ? 10 ** Math.ceil(Math.log10(max + 1)) : 10;
  const longest = Math.max(format(magnitude).length, format(max).length, format(-max).length);
  return Math.max(32, Math.min(96, 10 + longest * 7));
}

/**
 * The line of a count over time: a step (a day holds 3 users until the next day), never a smoothed
 * curve, which draws values between whole numbers that never happened.
 */
export const COUNT_CURVE = 'stepAfter' as const;

/** A bar holding at least one item stays visible beside much taller ones (1 chat on a 0–300 scale). */
export const MIN_COUNT_BAR = (value: number | null | undefined): number =>
  value !== null && value !== undefined && value > 0 ? 3 : 0;

/** Up to this many days, one bar per day; beyond, bars thinner than a pixel: a step area instead. */
const MAX_DAY_BARS = 400;

/**
 * Whole-number counts per day over a range already filled day by day (series.ts fillRange): bars, or a
 * step area for long ranges. The axis shows its first and last day, so it visibly spans the range.
 */
export function DayCountChart({
  data,
  color,
  name,
  tick,
  tooltipLabel,
  height = 200,
}: {
  data: { day: string; count: number }[];
  color: string;
  name: string;
  tick: (day: string) => string;
  tooltipLabel: (day: string) => string;
  height?: number;
}) {
  const p = usePalette();
  if (data.length === 0) return <NoData>—</NoData>;
  const axes = chartAxes(p, {
    x: { dataKey: 'day', tickFormatter: tick, minTickGap: 28, interval: 'preserveStartEnd' },
    y: {
      allowDecimals: false,
      width: yAxisWidth(
        data.map((d) => d.count),
        String,
      ),
    },
    tooltip: { labelFormatter: (d) => tooltipLabel(String(d)) },
  });
  const margin = CHART_MARGIN;
  return (
    <ChartFrame height={height} label={name}>
      {data.length <= MAX_DAY_BARS ? (
        <BarChart data={data} margin={margin} barCategoryGap={1}>
          {axes}
          <Bar
            dataKey="count"
            name={name}
            fill={color}
            minPointSize={MIN_COUNT_BAR}
            isAnimationActive={false}
          />
        </BarChart>
      ) : (
        <AreaChart data={data} margin={margin}>
          {axes}
          <Area
            type={COUNT_CURVE}
            dataKey="count"
            name={name}
            stroke={color}
            fill={color}
            fillOpacity={0.25}
            isAnimationActive={false}
          />
        </AreaChart>
      )}
    </ChartFrame>
  );
}
