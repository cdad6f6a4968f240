import { useState, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertThresholds } from '../../../shared/contract/maintenance.ts';
import { queryClient } from '../../api/index.ts';
import { TabbedScreen, useRouteTab } from '../../components/RoutedTabs.tsx';
import { useCurrentRoot } from '../../app/places.ts';
import { formatBytes, formatDate, formatNumber } from '../../components/format.ts';
import { Card, ConfirmDialog, Empty, SeverityBadge } from '../../components/ui.tsx';
import type { ResultOf } from '../../../shared/contract/index.ts';
import { useJobSlot } from '../backups/jobSlot.ts';
import { Field, JobStatusView, NumberField, OutputLine } from '../backups/parts.tsx';
import { ensureBackupsStrings } from '../backups/strings.ts';
import { MAINTENANCE_NS, ensureMaintenanceStrings } from './strings.ts';
import { WordedText } from '../../components/worded.tsx';
import { wordAlert } from '../../i18n/findings.ts';

const TABS = ['vacuum', 'archive', 'alerts', 'rotate'] as const;

/**
 * Maintenance (seed 000's operator tasks, done safely): each operation shows its dry run as a table first,
 * asks once in a dialog that names exactly what will be written, runs as a job with progress and cancel, and
 * shows where the archive and the .bak files are. Route: `#/maintenance?tab=<tab>`.
 */
export function MaintenanceScreen() {
  ensureBackupsStrings();
  ensureMaintenanceStrings();
  const { t } = useTranslation(MAINTENANCE_NS);
  const root = useCurrentRoot();
  const tab = useRouteTab(TABS);
  return (
    <TabbedScreen
      name="maintenance"
      title={t('title')}
      intro={t('intro')}
      tabs={TABS}
      active={tab}
      labelOf={(id) => t(`tab.${id}`)}
    >
      {!root ? (
        <Empty title={t('noRoot')} />
      ) : tab === 'vacuum' ? (
        <VacuumPanel root={root} />
      ) : tab === 'archive' ? (
        <ArchivePanel root={root} />
      ) : tab === 'alerts' ? (
        <AlertsPanel root={root} />
      ) : (
        <RotatePanel root={root} />
      )}
    </TabbedScreen>
  );
}

type WritingJob = 'maintenance.vacuum' | 'maintenance.archiveInactive';

/** A writing panel's two jobs: the dry run that makes the plan, then the confirmed run of that plan. */
function usePreviewThenApply<P extends WritingJob>(kind: 'vacuum' | 'archive', root: string, name: P) {
  const preview = useJobSlot(`${kind}-preview:${root}`, name);
  const apply = useJobSlot(`${kind}-apply:${root}`, name);
  const plan = preview.state.result;
  const done = apply.state.result;
  const busy = preview.state.status === 'running' || apply.state.status === 'running';
  return { kind, preview, apply, plan, done, busy };
}

type PreviewThenApplyFlow<P extends WritingJob> = ReturnType<typeof usePreviewThenApply<P>>;

/**
 * A writing panel's dry-run button and its two jobs' progress (the preview's, then the confirmed run's),
 * then what the last of them found: the applied result once there is one, else the plan.
 */
function PreviewThenApply<P extends WritingJob>({
  flow: { kind, busy, preview, apply, plan, done },
  onPreview,
  children,
}: {
  flow: PreviewThenApplyFlow<P>;
  onPreview: () => void;
  children: (shown: ResultOf<P>) => ReactNode;
}) {
  const { t } = useTranslation(MAINTENANCE_NS);
  const shown = done ?? plan;
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={busy}
        data-testid={`${kind}-preview`}
        onClick={() => {
          apply.reset();
          onPreview();
        }}
      >
        {t('preview')}
      </button>
      <JobStatusView state={preview.state} label={() => t('previewRunning')} onCancel={preview.cancel} />
      <JobStatusView
        state={apply.state}
        label={(p) => p?.current ?? t('running')}
        onCancel={apply.cancel}
        testId={`${kind}-progress`}
      />
      {shown ? <div style={{ marginTop: 10 }}>{children(shown)}</div> : null}
    </>
  );
}

/** The button that writes, and the dialog naming exactly what it will write before it does. */
function ConfirmedApply({
  kind,
  label,
  disabled,
  style,
  title,
  body,
  confirmLabel,
  onConfirm,
}: {
  kind: 'vacuum' | 'archive' | 'rotate';
  label: string;
  disabled: boolean;
  style?: CSSProperties;
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => void;
}) {
  const { t } = useTranslation(MAINTENANCE_NS);
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn"
        style={style}
        disabled={disabled}
        data-testid={`${kind}-apply`}
        onClick={() => setConfirming(true)}
      >
        {label}
      </button>
      {confirming ? (
        <ConfirmDialog
          title={title}
          body={body}
          confirmLabel={confirmLabel}
          cancelLabel={t('cancel')}
          testId={`${kind}-confirm`}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            onConfirm();
          }}
        />
      ) : null}
    </>
  );
}

/**
 * The apply button of a previewed plan holding candidates, asking first with the plan's own words; once it
 * has run, every cached read is stale (files were vacuumed or moved away).
 */
function ApplyPlan<T extends { candidates: readonly unknown[] }>({
  kind,
  busy,
  plan,
  body,
  run,
}: {
  kind: 'vacuum' | 'archive';
  busy: boolean;
  /** The previewed plan, null once applied. */
  plan: T | null;
  body: (plan: T) => string;
  run: (plan: T) => Promise<unknown>;
}) {
  const { t } = useTranslation(MAINTENANCE_NS);
  if (!plan || plan.candidates.length === 0) return null;
  return (
    <ConfirmedApply
      kind={kind}
      label={t(`${kind}.apply`)}
      style={{ marginTop: 10 }}
      disabled={busy}
      title={t(`${kind}.confirmTitle`, { count: plan.candidates.length })}
      body={body(plan)}
      confirmLabel={t(`${kind}.confirm`)}
      onConfirm={() => void run(plan).then(() => queryClient.invalidateQueries())}
    />
  );
}

/** A plan or result as a table that scrolls within the panel. */
function PlanTable({
  testId,
  headings,
  maxHeight = 420,
  children,
}: {
  testId: string;
  headings: readonly (string | null)[];
  maxHeight?: number;
  children: ReactNode;
}) {
  return (
    <div style={{ maxHeight, overflow: 'auto' }}>
      <table className="mini-table" data-testid={testId}>
        <thead>
          <tr>{headings.map((h, i) => (h === null ? null : <th key={i}>{h}</th>))}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A titled list of chats or paths, shown only when it holds any. */
function TitledList({ title, items }: { title: string; items: readonly ReactNode[] }) {
  if (items.length === 0) return null;
  return (
    <div>
      <strong>{title}</strong>
      <ul>{items}</ul>
    </div>
  );
}

function numberOr(text: string, fallback: number): number {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function VacuumPanel({ root }: { root: string }) {
  const { t } = useTranslation(MAINTENANCE_NS);
  const flow = usePreviewThenApply('vacuum', root, 'maintenance.vacuum');
  const { preview, apply, plan, done, busy } = flow;
  const [minFree, setMinFree] = useState('10');
  const [wait, setWait] = useState('5');
  const input = {
    root,
    minFreePercent: Math.min(100, numberOr(minFree, 10)),
    waitSeconds: numberOr(wait, 0),
  };
  return (
    <Card title={t('tab.vacuum')} testId="vacuum-panel">
      <NumberField
        label={t('vacuum.minFree')}
        min={0}
        max={100}
        value={minFree}
        onChange={setMinFree}
        disabled={busy}
      />
      <NumberField
        label={t('vacuum.wait')}
        min={0}
        max={3600}
        value={wait}
        onChange={setWait}
        disabled={busy}
      />
      <PreviewThenApply flow={flow} onPreview={() => void preview.start({ ...input, dryRun: true })}>
        {(shown) => (
          <>
            <p>
              {done
                ? t('vacuum.done', {
                    done: done.outcomes.filter((o) => o.status === 'vacuumed').length,
                    count: done.candidates.length,
                    before: formatBytes(done.bytesBefore),
                    after: formatBytes(done.bytesAfter),
                  })
                : shown.candidates.length === 0
                  ? t('vacuum.nothing')
                  : t('vacuum.summary', {
                      count: shown.candidates.length,
                      before: formatBytes(shown.bytesBefore),
                      after: formatBytes(shown.bytesAfter),
                    })}
            </p>
            {shown.candidates.length > 0 ? (
              <PlanTable
                testId="vacuum-plan"
                headings={[
                  t('chat'),
                  t('file'),
                  t('size'),
                  t('vacuum.free'),
                  t('vacuum.reclaim'),
                  done ? t('vacuum.result') : null,
                ]}
              >
                {shown.candidates.slice(0, 3000).map((c) => {
                  const o = done?.outcomes.find((x) => x.path === c.path);
                  return (
                    <tr key={c.path} data-status={o?.status}>
                      <td className="mono">{c.chatId}</td>
                      <td className="mono">{c.file}</td>
                      <td className="num">{formatBytes(c.sizeBytes)}</td>
                      <td className="num">{`${formatNumber(c.freePercent, 1)}%`}</td>
                      <td className="num">{formatBytes(c.reclaimableBytes)}</td>
                      {done ? (
                        <td>
                          {o?.status === 'vacuumed' ? (
                            <>
                              {t('vacuum.vacuumed', {
                                before: formatBytes(o.bytesBefore),
                                after: formatBytes(o.bytesAfter),
                              })}
                              <div className="muted">
                                {t('vacuum.keptAs')} <span className="mono path">{o.backup}</span>
                              </div>
                              {o.tablesCompared === 0 ? (
                                <div className="muted">{t('vacuum.notCompared')}</div>
                              ) : null}
                            </>
                          ) : o ? (
                            <span className="muted">{o.reason}</span>
                          ) : null}
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </PlanTable>
            ) : null}
            <ApplyPlan
              kind="vacuum"
              busy={busy}
              plan={done ? null : plan}
              body={({ candidates }) =>
                t('vacuum.confirmBody', { files: candidates.map((c) => c.path).join(', ') })
              }
              run={({ candidates }) =>
                apply.start({
                  ...input,
                  chatIds: [...new Set(candidates.map((c) => c.chatId))],
                  paths: candidates.map((c) => c.path),
                  dryRun: false,
                })
              }
            />
          </>
        )}
      </PreviewThenApply>
    </Card>
  );
}

function ArchivePanel({ root }: { root: string }) {
  const { t } = useTranslation(MAINTENANCE_NS);
  const flow = usePreviewThenApply('archive', root, 'maintenance.archiveInactive');
  const { preview, apply, plan, done, busy } = flow;
  const [days, setDays] = useState('365');
  const [outDir, setOutDir] = useState('inactive');
  const input = { root, days: Math.max(0.001, numberOr(days, 365)), outDir: outDir.trim() || undefined };
  const totalSize = (plan?.candidates ?? []).reduce((s, c) => s + c.sizeBytes, 0);
  return (
    <Card title={t('tab.archive')} testId="archive-panel">
      <NumberField label={t('archive.days')} min={1} value={days} onChange={setDays} disabled={busy} />
      <Field label={t('archive.outDir')}>
        <input type="text" value={outDir} onChange={(e) => setOutDir(e.target.value)} disabled={busy} />
      </Field>
      <PreviewThenApply flow={flow} onPreview={() => void preview.start({ ...input, dryRun: true })}>
        {(shown) => (
          <>
            <p>
              {done
                ? t('archive.done', { count: done.archived.length, size: formatBytes(done.freedBytes) })
                : shown.candidates.length === 0
                  ? t('archive.nothing')
                  : t('archive.summary', { count: shown.candidates.length, size: formatBytes(totalSize) })}
            </p>
            {done?.archive ? (
              <>
                <OutputLine path={done.archive} />
                <p className="muted">{t('archive.restoreHint', { path: done.restoreInto })}</p>
              </>
            ) : null}
            {done ? (
              <TitledList
                title={t('archive.kept')}
                items={done.kept.map((k) => (
                  <li key={k.chatId}>
                    <span className="mono">{k.chatId}</span>: {k.reason}
                  </li>
                ))}
              />
            ) : null}
            {!done && shown.candidates.length > 0 ? (
              <PlanTable
                testId="archive-plan"
                headings={[t('chat'), t('size'), t('archive.lastActive'), t('archive.inactiveDays')]}
              >
                {shown.candidates.slice(0, 3000).map((c) => (
                  <tr key={c.chatId}>
                    <td className="mono">{c.chatId}</td>
                    <td className="num">{formatBytes(c.sizeBytes)}</td>
                    <td>{formatDate(c.lastActive)}</td>
                    <td className="num">{formatNumber(c.inactiveDays)}</td>
                  </tr>
                ))}
              </PlanTable>
            ) : null}
            <ApplyPlan
              kind="archive"
              busy={busy}
              plan={done ? null : plan}
              body={({ candidates }) =>
                t('archive.confirmBody', {
                  folder: input.outDir ?? 'inactive',
                  chats: candidates.map((c) => c.chatId).join(', '),
                  root,
                })
              }
              run={(shownPlan) => apply.start({ ...input, dryRun: false, plan: shownPlan.plan })}
            />
          </>
        )}
      </PreviewThenApply>
    </Card>
  );
}

const THRESHOLDS_KEY = 'chat-inspector.maintenance.alertThresholds';
const DEFAULT_THRESHOLDS: AlertThresholds = {
  dbMaxMb: 10,
  inactiveDays: 90,
  slowMs: 100,
  backupMaxDays: 2,
};

function loadThresholds(): AlertThresholds {
  try {
    const saved = JSON.parse(
      localStorage.getItem(THRESHOLDS_KEY) ?? 'null',
    ) as Partial<AlertThresholds> | null;
    return { ...DEFAULT_THRESHOLDS, ...(saved ?? {}) };
  } catch {
    return DEFAULT_THRESHOLDS;
  }
}

/** The seed's alerts with settable thresholds (remembered); the same list `chat-inspector alerts` prints. */
export function AlertsPanel({ root }: { root: string }) {
  // Also shown on the fleet dashboard, which may render before the Maintenance screen ever did.
  ensureBackupsStrings();
  ensureMaintenanceStrings();
  const { t } = useTranslation(MAINTENANCE_NS);
  const job = useJobSlot(`alerts:${root}`, 'maintenance.alerts');
  const [thresholds, setThresholds] = useState<AlertThresholds>(loadThresholds);
  const set = (key: keyof AlertThresholds, text: string) => {
    const next = { ...thresholds, [key]: numberOr(text, DEFAULT_THRESHOLDS[key]) || DEFAULT_THRESHOLDS[key] };
    setThresholds(next);
    localStorage.setItem(THRESHOLDS_KEY, JSON.stringify(next));
  };
  const result = job.state.result;
  const errors = result?.alerts.filter((a) => a.severity === 'error').length ?? 0;
  return (
    <Card title={t('tab.alerts')} testId="alerts-panel">
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
        {(['dbMaxMb', 'inactiveDays', 'slowMs'] as const).map((key) => (
          <NumberField
            key={key}
            label={t(`alerts.${key}`)}
            min={0}
            value={thresholds[key]}
            onChange={(text) => set(key, text)}
          />
        ))}
      </div>
      <button
        type="button"
        className="btn"
        disabled={job.state.status === 'running'}
        data-testid="alerts-run"
        onClick={() => void job.start({ root, thresholds })}
      >
        {t('alerts.run')}
      </button>
      <JobStatusView state={job.state} label={(p) => p?.current ?? t('running')} onCancel={job.cancel} />
      {result ? (
        <div style={{ marginTop: 10 }}>
          <p data-testid="alerts-summary">
            {result.alerts.length === 0
              ? t('alerts.none', { count: result.chats, chats: formatNumber(result.chats) })
              : t('alerts.count', {
                  errors: t('alerts.errors', { count: errors, n: formatNumber(errors) }),
                  warnings: t('alerts.warnings', {
                    count: result.alerts.length - errors,
                    n: formatNumber(result.alerts.length - errors),
                  }),
                  chats: t('alerts.chats', { count: result.chats, n: formatNumber(result.chats) }),
                })}
          </p>
          {result.alerts.length > 0 ? (
            <PlanTable
              testId="alerts-table"
              maxHeight={480}
              headings={[t('alerts.severity'), t('alerts.kind'), t('chat'), t('alerts.message')]}
            >
              {result.alerts.slice(0, 5000).map((a, i) => (
                <tr key={`${a.chatId}-${a.kind}-${i}`} data-kind={a.kind}>
                  <td>
                    <SeverityBadge severity={a.severity} />
                  </td>
                  <td>{t(`alerts.kind_${a.kind}`)}</td>
                  <td className="mono" translate="no">
                    {a.chatId}
                  </td>
                  <td>
                    <WordedText worded={wordAlert(a, result.thresholds)} />
                  </td>
                </tr>
              ))}
            </PlanTable>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

function RotatePanel({ root }: { root: string }) {
  const { t } = useTranslation(MAINTENANCE_NS);
  const job = useJobSlot(`rotate:${root}`, 'maintenance.backupRotate');
  const [keep, setKeep] = useState('7');
  const [outDir, setOutDir] = useState('');
  const keepN = Math.max(1, Math.floor(numberOr(keep, 7)));
  const result = job.state.result;
  const folderName = outDir.trim() || `rotation-${root.split(/[\\/]/).filter(Boolean).pop() ?? 'root'}`;
  return (
    <Card title={t('tab.rotate')} testId="rotate-panel">
      <NumberField label={t('rotate.keep')} min={1} value={keep} onChange={setKeep} />
      <Field label={t('rotate.outDir')}>
        <input
          type="text"
          value={outDir}
          placeholder={folderName}
          onChange={(e) => setOutDir(e.target.value)}
        />
      </Field>
      <ConfirmedApply
        kind="rotate"
        label={t('rotate.apply')}
        disabled={job.state.status === 'running'}
        title={t('rotate.confirmTitle')}
        body={t('rotate.confirmBody', { root, folder: folderName, keep: keepN })}
        confirmLabel={t('rotate.confirm')}
        onConfirm={() => void job.start({ root, keep: keepN, outDir: outDir.trim() || undefined })}
      />
      <p className="muted">{t('rotate.cron')}</p>
      <JobStatusView
        state={job.state}
        label={(p) => p?.current ?? t('running')}
        onCancel={job.cancel}
        testId="rotate-progress"
      />
      {result ? (
        <div style={{ marginTop: 10 }} data-testid="rotate-result">
          <OutputLine path={result.archive} />
          <p>{result.verified ? t('rotate.verified') : t('rotate.notVerified')}</p>
          {result.failed.length > 0 ? <p>{t('rotate.failed', { count: result.failed.length })}</p> : null}
          {(
            [
              ['rotate.keptList', result.kept.map((k) => k.path)],
              ['rotate.removed', result.removed.map((r) => r.path)],
              ['rotate.unverified', result.unverified],
            ] as const
          ).map(([label, paths]) => (
            <TitledList
              key={label}
              title={t(label)}
              items={paths.map((p) => (
                <li key={p} className="mono path">
                  {p}
                </li>
              ))}
            />
          ))}
        </div>
      ) : null}
    </Card>
  );
}
