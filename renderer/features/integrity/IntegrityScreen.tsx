import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatCheck, CheckMode, ReportFormat } from '../../../shared/contract/integrity.ts';
import { isChatId } from '../../../shared/contract/primitives.ts';
import { FindingCode, type Health } from '../../../shared/domain.ts';
import { exportReport } from '../../../shared/integrity-report.ts';
import { toAppError } from '../../api/index.ts';
import { navigate } from '../../app/nav.ts';
import { useCurrentPlace } from '../../app/places.ts';
import { createStore, useStore } from '../../app/store.ts';
import { showToast } from '../../app/toasts.tsx';
import { displayName, formatDateTime, formatNumber } from '../../components/format.ts';
import { useOp } from '../../api/index.ts';
import { FindingActions } from './FindingActions.tsx';
import { SkippedEntries, WordedText } from '../../components/worded.tsx';
import { wordFinding } from '../../i18n/findings.ts';
import {
  Card,
  Empty,
  ErrorState,
  HealthBadge,
  ProgressBar,
  SegmentedChoice,
  SeverityBadge,
} from '../../components/ui.tsx';
import {
  cancelCheck,
  checkStore,
  currentReport,
  resetCheck,
  resultIndex,
  startCheck,
  useCheck,
} from './checkStore.ts';
import { Heatmap } from './Heatmap.tsx';
import { INTEGRITY_NS, ensureIntegrityStrings } from './strings.ts';
import './integrity.css';

type StatusFilter = 'all' | Health;

interface IntegrityUi {
  status: StatusFilter;
  code: FindingCode | '';
  selectedId: string | null;
}

/** Filters and selection survive a visit to a chat and back. */
const uiStore = createStore<IntegrityUi>({ status: 'all', code: '', selectedId: null });

const STATUS_RANK: Record<Health, number> = { error: 0, warning: 1, ok: 2 };

function matches(ui: IntegrityUi, check: ChatCheck): boolean {
  if (ui.status !== 'all' && check.status !== ui.status) return false;
  if (ui.code && !check.findings.some((f) => f.code === ui.code)) return false;
  return true;
}

function download(text: string, fileName: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

function openChat(chatId: string): void {
  navigate('chat', { id: chatId });
}

export function IntegrityScreen() {
  ensureIntegrityStrings();
  const { t } = useTranslation(INTEGRITY_NS);
  const place = useCurrentPlace();
  const root = place?.kind === 'root' ? place.path : null;
  const checkRoot = useCheck((s) => s.root);

  // Results belong to the root they were made for.
  useEffect(() => {
    if (checkRoot && checkRoot !== root) {
      resetCheck();
      uiStore.set((s) => ({ ...s, selectedId: null }));
    }
  }, [checkRoot, root]);

  if (!root) {
    return (
      <div className="screen">
        <Empty title={t('noRoot')} icon="⛨">
          {t('noRootHint')}
        </Empty>
      </div>
    );
  }
  return <IntegrityView root={root} />;
}

function IntegrityView({ root }: { root: string }) {
  const { t } = useTranslation(INTEGRITY_NS);
  const state = useCheck();
  const ui = useStore(uiStore);
  const running = state.status === 'running';
  const hasRun = state.status !== 'idle' && state.root === root;

  const start = (mode: CheckMode) => {
    uiStore.set((s) => ({ ...s, selectedId: null }));
    startCheck(root, mode);
  };

  const exportAs = (format: ReportFormat) => {
    const report = currentReport(checkStore.get());
    if (!report) return;
    try {
      const file = exportReport(report, format);
      download(file.text, file.fileName, file.mimeType);
      showToast(t('exported', { name: file.fileName }));
    } catch (error) {
      showToast(t('exportFailed', { message: toAppError(error).message }), 'error');
    }
  };

  const total = Math.max(state.progress?.total ?? 0, state.results.length);
  const canExport = (state.status === 'done' || state.status === 'cancelled') && state.results.length > 0;

  return (
    <div className="screen integrity-screen" data-testid="integrity-screen" data-status={state.status}>
      <div className="toolbar integrity-toolbar">
        <h2 className="screen-title">{t('title')}</h2>
        {running ? (
          <button type="button" className="btn" onClick={cancelCheck} data-testid="integrity-cancel">
            {t('cancel')}
          </button>
        ) : (
          <>
            <button
              type="button"
              className="btn"
              title={t('quickHint')}
              onClick={() => start('quick')}
              data-testid="integrity-start-quick"
            >
              {hasRun && state.mode === 'quick' ? t('rerunQuick') : t('quick')}
            </button>
            <button
              type="button"
              className="btn"
              title={t('fullHint')}
              onClick={() => start('full')}
              data-testid="integrity-start-full"
            >
              {hasRun && state.mode === 'full' ? t('rerunFull') : t('full')}
            </button>
          </>
        )}
        <StatusLine />
        {/* One "Export" label for both formats keeps the toolbar on one line at 1024 px in both languages. */}
        <div className="integrity-export" role="group" aria-label={t('export')}>
          <span className="muted">{t('export')}</span>
          <button
            type="button"
            className="btn btn-small"
            disabled={!canExport}
            onClick={() => exportAs('json')}
            title={t('exportJson')}
            aria-label={t('exportJson')}
          >
            JSON
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={!canExport}
            onClick={() => exportAs('html')}
            title={t('exportHtml')}
            aria-label={t('exportHtml')}
            data-testid="integrity-export-html"
          >
            HTML
          </button>
        </div>
      </div>
      {running ? (
        <ProgressBar
          done={state.progress?.done ?? 0}
          total={state.progress?.total ?? null}
          label={t(`runningMode_${state.mode}`)}
        />
      ) : (
        <div className="progress-placeholder" />
      )}
      <div className="integrity-body">
        {!hasRun ? (
          <Card>
            <p className="integrity-intro">{t('intro')}</p>
            <ul className="integrity-modes">
              <li>
                <strong>{t('quick')}</strong> — {t('quickHint')}
              </li>
              <li>
                <strong>{t('full')}</strong> — {t('fullHint')}
              </li>
            </ul>
          </Card>
        ) : state.status === 'failed' ? (
          <ErrorState error={state.error} title={t('failed')} onRetry={() => start(state.mode)} />
        ) : (
          <>
            <Filters />
            <Card title={t('heatmap')} testId="integrity-map-card" actions={<Legend />}>
              <MapPanel total={total} ui={ui} />
            </Card>
            <div className="integrity-split">
              <FindingsList ui={ui} />
              <ChatFindings selectedId={ui.selectedId} />
            </div>
          </>
        )}
      </div>
    </div>
  );
}

function StatusLine() {
  const { t } = useTranslation(INTEGRITY_NS);
  const s = useCheck();
  if (s.status === 'idle') return null;
  const counts = (
    <span className="scan-health">
      {(['ok', 'warning', 'error'] as const).map((h) => (
        <span
          key={h}
          className="scan-health-item"
          data-testid={`integrity-count-${h}`}
          data-count={s.counts[h]}
        >
          <span className={`dot dot-${h}`} aria-hidden="true" /> {formatNumber(s.counts[h])}
        </span>
      ))}
    </span>
  );
  let text: string;
  if (s.status === 'running') {
    const p = s.progress;
    text = t('running', {
      done: formatNumber(p?.done ?? 0),
      total: p?.total == null ? '…' : formatNumber(p.total),
    });
  } else if (s.status === 'cancelled') {
    text = t('cancelledSummary', { n: formatNumber(s.results.length) });
  } else if (s.status === 'done') {
    text = t('doneSummary', {
      count: s.results.length,
      n: formatNumber(s.results.length),
      mode: t(`mode_${s.mode}`),
      time: formatDateTime(s.finishedAt),
    });
  } else {
    text = '';
  }
  return (
    <div className="scan-status" aria-live="polite" data-testid="integrity-status">
      <span className="scan-count" title={text}>
        {text}
      </span>
      {counts}
      <SkippedEntries skipped={s.skipped} label={t('skipped', { count: s.skipped.length })} />
    </div>
  );
}

function Legend() {
  const { t } = useTranslation();
  const { t: ti } = useTranslation(INTEGRITY_NS);
  return (
    <span className="integrity-legend" aria-hidden="true">
      {(['ok', 'warning', 'error'] as const).map((h) => (
        <span key={h}>
          <span className={`integrity-swatch swatch-${h}`} /> {t(`health.${h}`)}
        </span>
      ))}
      <span>
        <span className="integrity-swatch swatch-pending" /> {ti('legendPending')}
      </span>
    </span>
  );
}

function Filters() {
  const { t } = useTranslation(INTEGRITY_NS);
  const { t: tApp } = useTranslation();
  const ui = useStore(uiStore);
  const { results, version, counts } = useCheck();
  const codeCounts = useMemo(() => {
    const out = new Map<FindingCode, number>();
    for (const r of results) {
      const seen = new Set<FindingCode>();
      for (const f of r.findings) {
        if (seen.has(f.code)) continue;
        seen.add(f.code);
        out.set(f.code, (out.get(f.code) ?? 0) + 1);
      }
    }
    return out;
    // `version` stands for the in-place appends to `results`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [results, version]);
  return (
    <div className="integrity-filters">
      <SegmentedChoice
        pressed
        options={['all', 'error', 'warning', 'ok'] as const}
        value={ui.status}
        onChange={(status) => uiStore.set((s) => ({ ...s, status }))}
        label={t('statusFilter')}
        dataName="status-filter"
        labelOf={(h) => (
          <>
            {h === 'all' ? t('all') : <span className={`dot dot-${h}`} aria-hidden="true" />}
            {h === 'all' ? null : <span>{tApp(`health.${h}`)}</span>}
            <span className="segment-count">
              {formatNumber(h === 'all' ? counts.ok + counts.warning + counts.error : counts[h])}
            </span>
          </>
        )}
      />
      <label className="select-field">
        <span>{t('codeFilter')}</span>
        <select
          value={ui.code}
          data-testid="integrity-code-filter"
          onChange={(e) => {
            const parsed = FindingCode.safeParse(e.target.value);
            uiStore.set((s) => ({ ...s, code: parsed.success ? parsed.data : '' }));
          }}
        >
          <option value="">{t('allCodes')}</option>
          {FindingCode.options.map((code) => (
            <option key={code} value={code} disabled={!codeCounts.has(code) && ui.code !== code}>
              {t(`code.${code}`)} ({formatNumber(codeCounts.get(code) ?? 0)})
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function MapPanel({ total, ui }: { total: number; ui: IntegrityUi }) {
  const { t } = useTranslation(INTEGRITY_NS);
  const { results, version } = useCheck();
  const isVisible = useCallback((c: ChatCheck) => matches(ui, c), [ui]);
  const selectedIndex = ui.selectedId !== null ? (resultIndex(ui.selectedId) ?? null) : null;
  return (
    <>
      <Heatmap
        results={results}
        version={version}
        total={total}
        isVisible={isVisible}
        filterKey={`${ui.status}|${ui.code}`}
        selectedIndex={selectedIndex}
        onSelect={(i) => {
          const chat = results[i];
          if (chat) uiStore.set((s) => ({ ...s, selectedId: chat.chatId }));
        }}
        onOpen={(i) => {
          const chat = results[i];
          if (chat) openChat(chat.chatId);
        }}
        label={t('heatmap')}
      />
      <p className="muted integrity-hint">{t('heatmapHint')}</p>
    </>
  );
}

const ROW_HEIGHT = 36;

function FindingsList({ ui }: { ui: IntegrityUi }) {
  const { t } = useTranslation(INTEGRITY_NS);
  const { results, version, status } = useCheck();
  const scrollRef = useRef<HTMLDivElement>(null);
  // Worst first, then in the root's order: three passes, no sort of 100,000 rows on every update.
  const rows = useMemo(() => {
    const buckets: ChatCheck[][] = [[], [], []];
    for (const r of results) {
      if (r.findings.length === 0 || !matches(ui, r)) continue;
      buckets[STATUS_RANK[r.status]]!.push(r);
    }
    return buckets.flat();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [results, version, ui.status, ui.code]);

  // TanStack's virtualizer returns functions the React Compiler cannot memoise; that is expected.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const select = (chatId: string) => uiStore.set((s) => ({ ...s, selectedId: chatId }));
  const selectedPos = ui.selectedId ? rows.findIndex((r) => r.chatId === ui.selectedId) : -1;

  return (
    <Card
      title={t('listTitle', { count: rows.length, n: formatNumber(rows.length) })}
      className="integrity-list-card"
    >
      {rows.length === 0 ? (
        <p className="muted pad">
          {status === 'running'
            ? null
            : ui.status === 'all' && !ui.code
              ? t('listEmptyClean')
              : t('listEmpty')}
        </p>
      ) : (
        <div
          className="integrity-list"
          ref={scrollRef}
          role="listbox"
          tabIndex={0}
          aria-label={t('listTitle', { count: rows.length, n: formatNumber(rows.length) })}
          aria-activedescendant={selectedPos >= 0 ? `integrity-row-${rows[selectedPos]!.chatId}` : undefined}
          data-testid="integrity-list"
          onKeyDown={(e) => {
            if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Enter') return;
            e.preventDefault();
            if (e.key === 'Enter') {
              if (selectedPos >= 0) openChat(rows[selectedPos]!.chatId);
              return;
            }
            const next = Math.max(
              0,
              Math.min(rows.length - 1, selectedPos + (e.key === 'ArrowDown' ? 1 : -1)),
            );
            const row = rows[next];
            if (row) {
              select(row.chatId);
              virtualizer.scrollToIndex(next, { align: 'auto' });
            }
          }}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const r = rows[item.index]!;
              const codes = [...new Set(r.findings.map((f) => f.code))];
              return (
                <div
                  key={r.chatId}
                  id={`integrity-row-${r.chatId}`}
                  role="option"
                  aria-selected={r.chatId === ui.selectedId}
                  className={`integrity-row${r.chatId === ui.selectedId ? ' is-selected' : ''}`}
                  // Measured: a row whose chips do not fit on one line (1024 px, Portuguese) grows, never clips.
                  ref={virtualizer.measureElement}
                  data-index={item.index}
                  style={{ transform: `translateY(${item.start}px)`, minHeight: ROW_HEIGHT }}
                  data-chat-id={r.chatId}
                  data-status={r.status}
                  onClick={() => select(r.chatId)}
                  onDoubleClick={() => openChat(r.chatId)}
                >
                  <span className={`dot dot-${r.status}`} aria-hidden="true" />
                  <span className="mono integrity-row-id" translate="no">
                    {r.chatId}
                  </span>
                  <span className="integrity-row-codes" title={codes.map((c) => t(`code.${c}`)).join(' · ')}>
                    {codes.slice(0, 3).map((c) => (
                      <span
                        key={c}
                        className={`chip integrity-chip chip-${r.findings.find((f) => f.code === c)!.severity}`}
                      >
                        {t(`code.${c}`)}
                      </span>
                    ))}
                  </span>
                  {codes.length > 3 ? <span className="muted">+{codes.length - 3}</span> : null}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </Card>
  );
}

function ChatFindings({ selectedId }: { selectedId: string | null }) {
  const { t } = useTranslation(INTEGRITY_NS);
  const { results, version } = useCheck();
  const chat = useMemo(() => {
    if (selectedId === null) return null;
    const index = resultIndex(selectedId);
    return index === undefined ? null : (results[index] ?? null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId, results, version]);

  if (!chat) {
    return (
      <Card className="integrity-detail-card">
        <p className="muted pad">{t('selectHint')}</p>
      </Card>
    );
  }
  return <ChatFindingsCard chat={chat} />;
}

function ChatFindingsCard({ chat }: { chat: ChatCheck }) {
  const { t } = useTranslation(INTEGRITY_NS);
  const root = useCurrentPlace()?.path ?? '';
  // The chat's name and folder, as far as its files can be read (a broken chat still has a folder).
  const detail = useOp(
    'chat.detail',
    { root, chatId: chat.chatId },
    { enabled: root !== '' && isChatId(chat.chatId) },
  );
  const name = displayName(detail.data?.profile);
  return (
    <Card
      className="integrity-detail-card"
      testId="integrity-detail"
      title={
        <span className="integrity-detail-title">
          {t('detailTitle', { id: chat.chatId })}
          {name ? (
            <span className="integrity-chat-name" translate="no">
              {' · '}
              {name}
            </span>
          ) : null}{' '}
          <HealthBadge health={chat.status} />
        </span>
      }
      actions={
        <button
          type="button"
          className="btn btn-small"
          onClick={() => openChat(chat.chatId)}
          data-testid="integrity-open-chat"
        >
          {t('openChat')}
        </button>
      }
    >
      {chat.findings.length === 0 ? (
        <p className="muted pad">{t('noFindings')}</p>
      ) : (
        <table
          className="mini-table integrity-findings"
          data-testid="integrity-findings"
          data-chat-id={chat.chatId}
        >
          <thead>
            <tr>
              <th>{t('col.severity')}</th>
              <th>{t('col.code')}</th>
              <th>{t('col.file')}</th>
              <th>{t('col.message')}</th>
            </tr>
          </thead>
          <tbody>
            {chat.findings.map((f, i) => (
              <tr key={`${f.code}-${f.file}-${i}`} data-code={f.code} data-severity={f.severity}>
                <td>
                  <SeverityBadge severity={f.severity} />
                </td>
                <td>
                  {t(`code.${f.code}`)}
                  <div className="muted mono" translate="no">
                    {f.code}
                  </div>
                </td>
                <td className="mono" translate="no">
                  {f.file}
                </td>
                <td>
                  <WordedText worded={wordFinding(f)} />
                  <FindingActions
                    root={root}
                    chatId={chat.chatId}
                    chatDir={detail.data?.dir ?? null}
                    finding={f}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
