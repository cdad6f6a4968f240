import { useMemo, type ComponentProps } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, Line, LineChart, type XAxis } from 'recharts';
import type { ChatDetail, ChatMetrics } from '../../../shared/domain.ts';
import {
  CHART_MARGIN,
  ChartCard,
  chartAxes,
  MIN_COUNT_BAR,
  NoData,
  usePalette,
} from '../../components/charts.tsx';
import {
  formatDate,
  formatDay,
  formatNumber,
  formatPercent,
  formatRelative,
  levelName,
  levelNumber,
} from '../../components/format.ts';
import { Card } from '../../components/ui.tsx';
import { FlameIcon } from '../../components/icons.tsx';
import { LearningProgress } from './LearningProgress.tsx';

interface SkillRow {
  skill: string;
  type: string;
  mastery: number;
  success: number;
  practice: number;
}

/** Learning progress: mastery, level before → after over time, success rate, practice counts, streak. */
export function ProgressCharts({
  detail,
  metrics,
  root,
}: {
  root: string;
  detail: ChatDetail;
  metrics: ChatMetrics | undefined;
}) {
  const { t } = useTranslation();
  const p = usePalette();

  // learning_progress keeps one row per practice: the latest row of each skill is its current state.
  const skills = useMemo<SkillRow[]>(() => {
    const latest = new Map<string, (typeof detail.progress)[number]>();
    for (const row of detail.progress) {
      const key = `${row.skillType ?? ''}:${row.skillName ?? '?'}`;
      const prev = latest.get(key);
      if (!prev || (row.lastPracticed ?? '') >= (prev.lastPracticed ?? '')) latest.set(key, row);
    }
    return [...latest.values()]
      .map((r) => ({
        skill: r.skillName ?? r.skillType ?? '?',
        type: r.skillType ?? '',
        mastery: r.masteryLevel ?? 0,
        success: r.successRate ?? 0,
        practice: r.practiceCount ?? 0,
      }))
      .sort((a, b) => b.mastery - a.mastery);
  }, [detail]);

  const levels = useMemo(
    () =>
      detail.progress
        .filter((r) => r.lastPracticed && (levelNumber(r.levelAfter) || levelNumber(r.levelBefore)))
        .map((r) => ({
          t: Date.parse(r.lastPracticed!),
          before: levelNumber(r.levelBefore),
          after: levelNumber(r.levelAfter),
          skill: r.skillName,
        }))
        .sort((a, b) => a.t - b.t),
    [detail],
  );

  const skillHeight = Math.max(160, skills.length * 28 + 40);

  if (detail.progress.length === 0) {
    return (
      <div className="charts-grid">
        <StreakCard detail={detail} metrics={metrics} />
        <Card title={t('progress.title')}>
          <NoData>{t('progress.none')}</NoData>
        </Card>
        <LearningProgress root={root} detail={detail} />
      </div>
    );
  }

  return (
    <div className="charts-grid" data-testid="progress-charts">
      <LearningProgress root={root} detail={detail} />
      <SkillBarsCard kind="mastery" skills={skills} height={skillHeight} />
      <ChartCard title={t('progress.levels')} testId="chart-levels" height={skillHeight}>
        <LineChart data={levels} margin={{ ...CHART_MARGIN, bottom: 4 }}>
          {chartAxes(p, {
            x: {
              type: 'number',
              dataKey: 't',
              scale: 'time',
              domain: ['dataMin', 'dataMax'],
              ticks: dayTicks(levels.map((l) => l.t)),
              tickFormatter: (v: number) => formatDate(new Date(v).toISOString()),
            },
            y: { domain: [1, 6], ticks: [1, 2, 3, 4, 5, 6], tickFormatter: levelName, width: 32 },
            tooltip: {
              labelFormatter: (v) => formatDate(new Date(Number(v)).toISOString()),
              formatter: (v, name) => [levelName(Number(v)), name],
            },
            legend: {},
          })}
          <Line
            type="stepAfter"
            dataKey="before"
            name={t('progress.levelBefore')}
            stroke={p.axis}
            strokeDasharray="4 3"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            type="stepAfter"
            dataKey="after"
            name={t('progress.levelAfter')}
            stroke={p.series[2]}
            strokeWidth={2}
            dot={levels.length <= 40 ? { r: 2.5 } : false}
            isAnimationActive={false}
          />
        </LineChart>
      </ChartCard>
      <SkillBarsCard kind="success" skills={skills} height={skillHeight} />
      <SkillBarsCard kind="practice" skills={skills} height={skillHeight} />
      <StreakCard detail={detail} metrics={metrics} />
    </div>
  );
}

const percentTick = (v: number) => formatPercent(v);

type SkillFigure = 'mastery' | 'success' | 'practice';

/** Each skill chart's figure: its series colour, x-axis and value format (rates in %, practice a count). */
const SKILL_CHARTS: Record<
  SkillFigure,
  {
    colour: number;
    x: ComponentProps<typeof XAxis>;
    format: (value: number) => string;
    minPointSize?: typeof MIN_COUNT_BAR;
  }
> = {
  mastery: { colour: 0, x: { domain: [0, 1], tickFormatter: percentTick }, format: percentTick },
  success: { colour: 1, x: { domain: [0, 1], tickFormatter: percentTick }, format: percentTick },
  practice: {
    colour: 3,
    x: { allowDecimals: false },
    format: (v) => formatNumber(v),
    minPointSize: MIN_COUNT_BAR,
  },
};

/** One figure per skill as horizontal bars, skills named on the left. */
function SkillBarsCard({ kind, skills, height }: { kind: SkillFigure; skills: SkillRow[]; height: number }) {
  const { t } = useTranslation();
  const p = usePalette();
  const { colour, x, format, minPointSize } = SKILL_CHARTS[kind];
  return (
    <ChartCard title={t(`progress.${kind}`)} testId={`chart-${kind}`} height={height}>
      <BarChart data={skills} layout="vertical" margin={{ left: 8, right: 16, top: 4, bottom: 4 }}>
        {chartAxes(p, {
          grid: { horizontal: false, vertical: true },
          x: { type: 'number', ...x },
          y: { type: 'category', dataKey: 'skill', width: 130 },
          tooltip: { formatter: (v) => format(Number(v)) },
        })}
        <Bar
          dataKey={kind}
          name={t(`progress.${kind}Short`)}
          fill={p.series[colour]}
          minPointSize={minPointSize}
          radius={[0, 3, 3, 0]}
          isAnimationActive={false}
        />
      </BarChart>
    </ChartCard>
  );
}

const STREAK_DAYS = 35;

/** At most five ticks on distinct days (a level chart over three days must not say one date five times). */
function dayTicks(times: number[]): number[] {
  if (times.length === 0) return [];
  const min = Math.min(...times);
  const max = Math.max(...times);
  const day = 86_400_000;
  const out: number[] = [];
  for (let i = 0; i <= 4; i++) {
    const t = Math.floor((min + ((max - min) * i) / 4) / day) * day + day / 2;
    const clamped = Math.min(max, Math.max(min, t));
    if (!out.some((o) => Math.floor(o / day) === Math.floor(clamped / day))) out.push(clamped);
  }
  return out;
}

/** The study streak as a figure, with the last five weeks of activity up to the last message. */
function StreakCard({ detail, metrics }: { detail: ChatDetail; metrics: ChatMetrics | undefined }) {
  const { t } = useTranslation();
  const streak = detail.profile?.studyStreak ?? null;
  const days = useMemo(() => {
    const counts = new Map((metrics?.messagesPerDay ?? []).map((d) => [d.day, d.user + d.bot]));
    const endIso = detail.lastActive ?? detail.lastMessageAt;
    const end = endIso ? Date.parse(endIso.slice(0, 10) + 'T00:00:00Z') : NaN;
    if (Number.isNaN(end)) return [];
    const out: { day: string; n: number }[] = [];
    for (let i = STREAK_DAYS - 1; i >= 0; i--) {
      const day = new Date(end - i * 86_400_000).toISOString().slice(0, 10);
      out.push({ day, n: counts.get(day) ?? 0 });
    }
    return out;
  }, [metrics, detail]);
  const max = Math.max(1, ...days.map((d) => d.n));
  return (
    <Card title={t('progress.streak')} testId="streak">
      <div className="streak">
        <div className="streak-figure">
          <span className="streak-number">{streak === null ? '—' : formatNumber(streak)}</span>
          <span className="streak-unit">
            <FlameIcon size={14} /> {t('progress.streakDays', { count: streak ?? 0 })}
          </span>
          <span className="muted">
            {t('progress.lastActive')}: {formatRelative(detail.lastActive)}
          </span>
        </div>
        {days.length > 0 ? (
          <div className="streak-calendar">
            <div className="streak-days" aria-label={t('progress.activity')} data-testid="streak-days">
              {days.map((d) => (
                <span
                  key={d.day}
                  className="streak-day"
                  data-level={d.n === 0 ? 0 : Math.ceil((d.n / max) * 4)}
                  title={`${formatDay(d.day)}: ${t('progress.messagesCount', { count: d.n, n: formatNumber(d.n) })}`}
                />
              ))}
            </div>
            <div className="streak-range muted">
              <span>{formatDay(days[0]!.day)}</span>
              <span>{formatDay(days[days.length - 1]!.day)}</span>
            </div>
            <div className="streak-legend muted" aria-hidden="true">
              {t('progress.less')}
              {[0, 1, 2, 3, 4].map((level) => (
                <span key={level} className="streak-day" data-level={level} />
              ))}
              {t('progress.more')}
            </div>
          </div>
        ) : null}
      </div>
    </Card>
  );
}
