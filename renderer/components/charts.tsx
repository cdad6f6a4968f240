import type { ReactElement, ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';
import { useChartPalette, type ChartPalette } from '../app/theme.ts';

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
