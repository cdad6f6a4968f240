import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FleetFilter, FleetRow, FleetSort, ListHealth } from '../../../shared/contract/index.ts';
import { useOp } from '../../api/index.ts';
import { navigate, routeHref } from '../../app/nav.ts';
import { useCurrentPlace } from '../../app/places.ts';
import { useStore } from '../../app/store.ts';
import { isTypingTarget } from '../../app/keyboard.ts';
import { DateField } from '../../components/DateField.tsx';
import { formatBytes, formatDateTime, formatNumber, formatRelative } from '../../components/format.ts';
import { Empty, ErrorState, ProgressBar, SegmentedChoice } from '../../components/ui.tsx';
import { DatabaseIcon, FolderIcon, InboxIcon, SearchIcon } from '../../components/icons.tsx';
import { SearchField } from '../../components/SearchField.tsx';
import { chatOrder, chatsUi, NO_FILTERS, type ChatsUiState } from './chatsUi.ts';
import { useFleetRows, type ListQuery } from './fleetRows.ts';
import { ListHealthBadge, PartialCount } from './ListHealthBadge.tsx';
import { MessageSearch } from './MessageSearch.tsx';
import { cancelScan, ensureScan, startScan, useScan } from './scanStore.ts';
import { CHATS_NS, ensureChatsStrings } from './strings.ts';
import { SkippedEntries } from '../../components/worded.tsx';
import { INTEGRITY_NS, ensureIntegrityStrings } from '../integrity/strings.ts';

const ROW_HEIGHT = 34;
const HEADER_HEIGHT = 34;
const FIRST_PAINT_HEIGHT = 900;
const FIRST_ROW_TIMING = 'first-row';
const HEALTH_FILTERS = ['all', 'ok', 'warning', 'error', 'unchecked'] as const;

type ColumnId = FleetSort;
const COLUMNS: { id: ColumnId; label: string; weight: number; numeric?: boolean; descFirst?: boolean }[] = [
  { id: 'chatId', label: 'chats.col.id', weight: 13 },
  { id: 'name', label: 'chats.col.name', weight: 23 },
  { id: 'level', label: 'chats.col.level', weight: 7 },
  { id: 'messages', label: 'chats.col.messages', weight: 11, numeric: true, descFirst: true },
  { id: 'sessions', label: 'chats.col.sessions', weight: 9, numeric: true, descFirst: true },
  { id: 'lastActive', label: 'chats.col.lastActive', weight: 15, descFirst: true },
  { id: 'sizeBytes', label: 'chats.col.size', weight: 9, numeric: true, descFirst: true },
  { id: 'health', label: 'chats.col.health', weight: 13, descFirst: true },
];

/**
 * Each column's share of the table, summing to 100% whatever columns are shown: the last-backup and tree
 * columns take their room mostly from the name, so the table never grows past the window (at 1024 px the
 * extra columns pushed the last ones out of sight).
 */
function columnWidths(withTree: boolean): { base: string[]; lastBackup: string; tree: string } {
  const nameGives = withTree ? 10 : 5;
  const weights = COLUMNS.map((c) => (c.id === 'name' ? c.weight - nameGives : c.weight));
  const lastBackup = 11;
  const tree = withTree ? 14 : 0;
  const total = weights.reduce((sum, w) => sum + w, 0) + lastBackup + tree;
  const pct = (w: number) => `${((w / total) * 100).toFixed(2)}%`;
  return { base: weights.map(pct), lastBackup: pct(lastBackup), tree: pct(tree) };
}

/** The list's filter as the index takes it (the search text waits until typing pauses). */
export function filterOf(ui: ChatsUiState, text: string, withHealth: boolean): FleetFilter {
  const filter: FleetFilter = {};
  if (withHealth && ui.health !== 'all') filter.health = [ui.health];
  if (ui.level) filter.level = ui.level;
  if (ui.code) filter.code = ui.code;
  if (ui.activeFrom) filter.activeFrom = ui.activeFrom;
  if (ui.activeTo) filter.activeTo = ui.activeTo;
  if (ui.notBackedUp) filter.notBackedUpDays = ui.notBackedUpDays;
  if (text.trim()) filter.text = text.trim();
  return filter;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

/** The list's first query for a root as the screen will make it (the app's start asks for it early). */
export function firstListQuery(root: string): ListQuery {
  const ui = chatsUi.get();
  return { root, sort: ui.sort, desc: ui.desc, filter: filterOf(ui, ui.search, true) };
}

export function ChatsScreen() {
  const { t } = useTranslation();
  const place = useCurrentPlace();
  const root = place?.kind === 'root' ? place.path : null;

  useEffect(() => {
    if (root) ensureScan(root);
  }, [root]);

  if (!place) {
    return (
      <Empty title={t('chats.noPlace')} icon={<FolderIcon size={20} />}>
        {t('chats.noPlaceHint')}
      </Empty>
    );
  }
  if (!root) {
    return (
      <Empty title={t('chats.fileOpen')} icon={<DatabaseIcon size={20} />}>
        <button type="button" className="btn" onClick={() => navigate('files', { path: place.path })}>
          {t('chats.goToFile')}
        </button>
      </Empty>
    );
  }
  return <ChatsView root={root} />;
}

function ChatsView({ root }: { root: string }) {
  ensureChatsStrings();
  ensureIntegrityStrings();
  const { t } = useTranslation();
  const { t: tl } = useTranslation(CHATS_NS);
  const scan = useScan();
  const ui = useStore(chatsUi);
  const text = useDebounced(ui.search, 200);
  const version = scan.root === root ? scan.version : 0;
  const filter = useMemo(() => filterOf(ui, text, true), [ui, text]);
  const overviewFilter = useMemo(() => filterOf(ui, text, false), [ui, text]);
  const overview = useOp(
    'fleet.overview',
    { root, filter: overviewFilter },
    { placeholderData: (previous) => previous, staleTime: 0 },
  );
  // The totals follow the index as the refresh writes it.
  const refetchOverview = overview.refetch;
  useEffect(() => {
    if (version > 0) void refetchOverview();
  }, [version, refetchOverview]);
  const rows = useFleetRows({ root, sort: ui.sort, desc: ui.desc, filter }, version);

  const running = scan.status === 'running' && scan.root === root;
  const progress = scan.progress;
  const counts = overview.data?.counts;
  const setUi = (patch: Partial<ChatsUiState>) => chatsUi.set((s) => ({ ...s, ...patch }));

  return (
    <div className="screen chats-screen">
      <div className="toolbar" role="search">
        <SearchField
          label={t('chats.searchLabel')}
          placeholder={t('chats.searchPlaceholder')}
          value={ui.search}
          onChange={(search) => setUi({ search })}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' || e.key === 'Enter') {
              e.preventDefault();
              const grid = document.querySelector<HTMLElement>('[data-chat-grid]');
              grid?.focus();
              if (e.key === 'Enter') {
                const first = chatsUi.get().activeId ?? chatOrder.current[0];
                if (first) openChat(first);
              }
            } else if (e.key === 'Escape' && ui.search) {
              e.stopPropagation();
              setUi({ search: '' });
            }
          }}
        />
        <SegmentedChoice
          pressed
          options={HEALTH_FILTERS}
          value={ui.health}
          onChange={(health) => setUi({ health })}
          label={t('chats.healthFilter')}
          dataName="health-filter"
          isHidden={(h) => h === 'unchecked' && !counts?.unchecked && ui.health !== 'unchecked'}
          labelOf={(h) => (
            <>
              {h === 'all' ? t('chats.allHealth') : <HealthDot health={h} />}
              {h === 'all' ? null : <span>{h === 'unchecked' ? tl('unchecked') : t(`health.${h}`)}</span>}
              <span className="segment-count">
                {formatNumber(h === 'all' ? (overview.data?.total ?? 0) : (counts?.[h] ?? 0))}
              </span>
            </>
          )}
        />
        <label className="select-field">
          <span>{t('chats.col.level')}</span>
          <select value={ui.level} onChange={(e) => setUi({ level: e.target.value })} data-level-filter>
            <option value="">{t('chats.allLevels')}</option>
            {(overview.data?.levels ?? []).map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="select-field">
          <span>{tl('finding')}</span>
          <select
            value={ui.code}
            onChange={(e) => setUi({ code: e.target.value as ChatsUiState['code'] })}
            data-code-filter
          >
            <option value="">{tl('allCodes')}</option>
            {(overview.data?.codes ?? []).map((c) => (
              <option key={c.code} value={c.code}>
                {t(`code.${c.code}`, { ns: INTEGRITY_NS, defaultValue: c.code })} ({formatNumber(c.chats)})
              </option>
            ))}
          </select>
        </label>
        <span className="date-range">
          <DateField
            label={tl('activeFrom')}
            value={ui.activeFrom}
            onChange={(day) => setUi({ activeFrom: day })}
            testId="chats-active-from"
          />
          <DateField
            label={tl('activeTo')}
            value={ui.activeTo}
            onChange={(day) => setUi({ activeTo: day })}
            testId="chats-active-to"
          />
        </span>
        <NotBackedUpFilter
          on={ui.notBackedUp}
          days={ui.notBackedUpDays}
          onChange={(notBackedUp, notBackedUpDays) => setUi({ notBackedUp, notBackedUpDays })}
        />
        <div className="toolbar-spacer" />
        <ScanStatusBar root={root} total={overview.data?.total ?? null} />
      </div>
      <MessageSearch root={root} />
      {running ? (
        <ProgressBar done={progress?.done ?? 0} total={progress?.total ?? null} label={t('chats.scanning')} />
      ) : (
        <div className="progress-placeholder" />
      )}
      {scan.status === 'failed' && scan.root === root && !rows.total ? (
        <ErrorState error={scan.error} title={t('chats.scanFailed')} onRetry={() => startScan(root)} />
      ) : rows.error && rows.total === null ? (
        <ErrorState error={rows.error} title={t('chats.scanFailed')} onRetry={() => startScan(root)} />
      ) : (
        <ChatGrid
          rows={rows}
          sort={ui.sort}
          desc={ui.desc}
          running={running}
          indexed={overview.data?.total ?? 0}
          withTree={(overview.data?.trees.length ?? 0) > 1}
        />
      )}
    </div>
  );
}

/** "Not backed up for [N] days": a check box and the number of whole days (alerts' rule). */
function NotBackedUpFilter({
  on,
  days,
  onChange,
}: {
  on: boolean;
  days: number;
  onChange: (on: boolean, days: number) => void;
}) {
  const { t: tl } = useTranslation(CHATS_NS);
  return (
    <span className="select-field" title={tl('notBackedUpHint')} data-testid="chats-not-backed-up">
      <label>
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => onChange(e.target.checked, days)}
          data-not-backed-up
        />{' '}
        {tl('notBackedUp')}
      </label>
      <input
        type="number"
        min={0}
        max={36500}
        step={1}
        value={days}
        aria-label={`${tl('notBackedUp')} (${tl('notBackedUpDays')})`}
        style={{ width: '4.5em' }}
        onChange={(e) => {
          const n = Math.trunc(Number(e.target.value));
          // An emptied or impossible number keeps the last good one.
          if (e.target.value !== '' && Number.isFinite(n) && n >= 0 && n <= 36500) onChange(on, n);
        }}
        data-not-backed-up-days
      />
      <span>{tl('notBackedUpDays')}</span>
    </span>
  );
}

function HealthDot({ health }: { health: ListHealth }) {
  return <span className={`dot dot-${health}`} aria-hidden="true" />;
}

function ScanStatusBar({ root, total }: { root: string; total: number | null }) {
  const { t } = useTranslation();
  const { t: tl } = useTranslation(CHATS_NS);
  const scan = useScan();
  const overview = useOp('fleet.overview', { root, filter: {} }, { staleTime: 0 });
  const refetch = overview.refetch;
  useEffect(() => {
    if (scan.version > 0) void refetch();
  }, [scan.version, refetch]);
  const p = scan.progress;
  const running = scan.status === 'running' && scan.root === root;
  const counts = overview.data?.counts;
  const all = overview.data?.total ?? total ?? 0;
  const skipped = overview.data?.skipped ?? [];
  return (
    <div
      className="scan-status"
      aria-live="polite"
      data-testid="scan-status"
      data-status={scan.root === root ? scan.status : 'idle'}
    >
      <span className="scan-count">
        {running
          ? p?.total
            ? tl('refreshing', { done: formatNumber(p.done), total: formatNumber(p.total) })
            : tl('fromIndex')
          : scan.status === 'cancelled'
            ? t('chats.cancelledAt', { count: all, n: formatNumber(all) })
            : t('chats.total', { count: all, n: formatNumber(all) })}
      </span>
      <span className="scan-health">
        {(['ok', 'warning', 'error'] as const).map((h) => (
          <span key={h} className="scan-health-item" title={t(`health.${h}`)}>
            <HealthDot health={h} /> {formatNumber(counts?.[h] ?? 0)}
          </span>
        ))}
        {counts?.unchecked ? (
          <span className="scan-health-item" title={tl('unchecked')} data-unchecked-count>
            <HealthDot health="unchecked" /> {formatNumber(counts.unchecked)}
          </span>
        ) : null}
      </span>
      <SkippedEntries skipped={skipped} label={t('chats.skipped', { count: skipped.length })} />
      {running ? (
        <button type="button" className="btn btn-small" onClick={cancelScan}>
          {t('common.cancel')}
        </button>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => startScan(root)}>
          {t('chats.rescan')}
        </button>
      )}
    </div>
  );
}

export function openChat(chatId: string, messageId?: number) {
  chatsUi.set((s) => ({ ...s, activeId: chatId, lastChatId: chatId }));
  navigate('chat', { id: chatId, msg: messageId === undefined ? undefined : String(messageId) });
}

function ChatGrid({
  rows,
  sort,
  desc,
  running,
  indexed,
  withTree,
}: {
  rows: ReturnType<typeof useFleetRows>;
  sort: FleetSort;
  desc: boolean;
  running: boolean;
  indexed: number;
  /** The root has more than one chat tree: a column says which each chat lives in. */
  withTree: boolean;
}) {
  // The last-backup column, then the tree column when the root has several trees.
  const columnCount = COLUMNS.length + 1 + (withTree ? 1 : 0);
  const widths = columnWidths(withTree);
  const { t } = useTranslation();
  const { t: tl } = useTranslation(CHATS_NS);
  const parentRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLTableElement>(null);
  const activeId = useStore(chatsUi, (s) => s.activeId);
  const total = rows.total ?? 0;
  const now = useMemo(() => Date.now(), []);

  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    // Until the table is measured (and when the screen is rendered ahead of time): a window's worth.
    initialRect: { width: 0, height: FIRST_PAINT_HEIGHT },
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;
  const ensure = rows.ensure;
  useEffect(() => {
    if (total > 0) ensure(firstIndex, lastIndex);
  }, [ensure, firstIndex, lastIndex, total]);

  // The order the person sees (the loaded part), for next/previous chat on the chat screen.
  useEffect(() => {
    chatOrder.current = rows.loadedIds();
  });

  const activeIndex = useMemo(() => {
    if (!activeId) return -1;
    for (let i = firstIndex; i <= lastIndex; i++) if (rows.rowAt(i)?.chatId === activeId) return i;
    const loaded = chatOrder.current.indexOf(activeId);
    return loaded;
  }, [activeId, rows, firstIndex, lastIndex]);

  // The row the keys moved to while its page was still loading (End on a long list): selected once read.
  const pendingIndex = useRef<number | null>(null);
  const move = useCallback(
    (delta: number) => {
      if (total === 0) return;
      const from = pendingIndex.current ?? (activeIndex === -1 ? (delta > 0 ? -1 : total) : activeIndex);
      const next = Math.max(0, Math.min(total - 1, from + delta));
      virtualizer.scrollToIndex(next, { align: 'auto' });
      const id = rows.rowAt(next)?.chatId;
      pendingIndex.current = id ? null : next;
      if (id) chatsUi.set((s) => ({ ...s, activeId: id }));
      else rows.ensure(next, next);
    },
    [total, activeIndex, virtualizer, rows],
  );
  // Every render may follow a page read: select the row the keys moved to once it is there.
  useEffect(() => {
    const pending = pendingIndex.current;
    if (pending === null) return;
    const id = rows.rowAt(pending)?.chatId;
    if (!id) return;
    pendingIndex.current = null;
    chatsUi.set((s) => ({ ...s, activeId: id }));
  });

  // j/k and the arrows work anywhere on the screen except while typing.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || isTypingTarget(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      const page = Math.max(1, Math.floor((parentRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
      const deltas: Record<string, number> = {
        j: 1,
        ArrowDown: 1,
        k: -1,
        ArrowUp: -1,
        PageDown: page,
        PageUp: -page,
      };
      if (e.key in deltas) {
        e.preventDefault();
        move(deltas[e.key]!);
      } else if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        move(e.key === 'Home' ? -total : total);
      } else if (
        e.key === 'Enter' &&
        activeIndex >= 0 &&
        (e.target === document.body || e.target === gridRef.current)
      ) {
        e.preventDefault();
        const id = rows.rowAt(activeIndex)?.chatId;
        if (id) openChat(id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move, rows, activeIndex, total]);

  // Coming back from a chat: focus the list (the row is highlighted when its page is loaded).
  useEffect(() => {
    if (chatsUi.get().activeId) gridRef.current?.focus({ preventScroll: true });
  }, []);

  const padTop = items.length > 0 ? items[0]!.start - HEADER_HEIGHT : 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  const toggleSort = (column: (typeof COLUMNS)[number]) =>
    chatsUi.set((s) =>
      s.sort === column.id
        ? { ...s, desc: !s.desc }
        : { ...s, sort: column.id, desc: column.descFirst === true },
    );

  let body: React.ReactNode;
  if (rows.total === null || total === 0) {
    body = (
      <tr>
        <td colSpan={columnCount} className="grid-state">
          {rows.total === null || (running && indexed === 0) ? (
            <div className="state state-loading" role="status">
              <span className="spinner" aria-hidden="true" />
              {t('chats.loadingRows')}
            </div>
          ) : indexed > 0 ? (
            <Empty title={t('chats.noMatch')} icon={<SearchIcon size={20} />}>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => chatsUi.set((s) => ({ ...s, ...NO_FILTERS }))}
              >
                {t('chats.clearFilters')}
              </button>
            </Empty>
          ) : (
            <Empty title={t('chats.empty')} icon={<InboxIcon size={20} />}>
              {t('chats.emptyHint')}
            </Empty>
          )}
        </td>
      </tr>
    );
  } else {
    body = (
      <>
        {padTop > 0 ? (
          <tr aria-hidden="true" className="spacer">
            <td colSpan={columnCount} style={{ height: padTop }} />
          </tr>
        ) : null}
        {items.map((item) => {
          const row = rows.rowAt(item.index);
          return row ? (
            <ChatRow
              key={row.chatId}
              chat={row}
              index={item.index}
              active={row.chatId === activeId}
              now={now}
              withTree={withTree}
            />
          ) : (
            <tr key={`loading-${item.index}`} className="grid-row is-loading" aria-rowindex={item.index + 2}>
              <td colSpan={columnCount} className="muted">
                …
              </td>
            </tr>
          );
        })}
        {padBottom > 0 ? (
          <tr aria-hidden="true" className="spacer">
            <td colSpan={columnCount} style={{ height: padBottom }} />
          </tr>
        ) : null}
      </>
    );
  }

  return (
    <div className="grid-scroll" ref={parentRef} data-testid="chat-list-scroll">
      <table
        className="grid chat-grid"
        role="grid"
        ref={gridRef}
        tabIndex={0}
        data-chat-grid
        aria-label={t('chats.tableLabel')}
        aria-rowcount={total + 1}
        aria-activedescendant={activeId && activeIndex >= 0 ? `chat-row-${activeId}` : undefined}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.altKey && !e.ctrlKey && !e.metaKey && activeIndex >= 0) {
            e.preventDefault();
            const id = rows.rowAt(activeIndex)?.chatId;
            if (id) openChat(id);
          }
        }}
      >
        <colgroup>
          {COLUMNS.map((c, i) => (
            <col key={c.id} style={{ width: widths.base[i] }} />
          ))}
          <col style={{ width: widths.lastBackup }} />
          {withTree ? <col style={{ width: widths.tree }} /> : null}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {COLUMNS.map((column) => {
              const sorted = sort === column.id ? (desc ? 'desc' : 'asc') : false;
              return (
                <th
                  key={column.id}
                  scope="col"
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                  className={column.numeric ? 'num' : undefined}
                  data-col={column.id}
                >
                  <button type="button" className="th-button" onClick={() => toggleSort(column)}>
                    <span>{t(column.label)}</span>
                    <span className={`sort-indicator${sorted ? ' is-sorted' : ''}`} aria-hidden="true">
                      {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                    </span>
                  </button>
                </th>
              );
            })}
            <th scope="col" data-col="lastBackup">
              {tl('lastBackup')}
            </th>
            {withTree ? (
              <th scope="col" data-col="tree">
                {t('chats.col.tree')}
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{body}</tbody>
      </table>
    </div>
  );
}

const ChatRow = memo(function ChatRow({
  chat,
  index,
  active,
  now,
  withTree,
}: {
  chat: FleetRow;
  index: number;
  active: boolean;
  now: number;
  withTree: boolean;
}) {
  const { t } = useTranslation();
  const { t: tl } = useTranslation(CHATS_NS);
  // A chat listed before its first visit has no figures yet: a dash, never "0 messages".
  const notRead = chat.health === 'unchecked' && chat.sizeBytes === 0 && chat.messages === null;
  return (
    <tr
      id={`chat-row-${chat.chatId}`}
      className={`grid-row${active ? ' is-active' : ''}`}
      aria-rowindex={index + 2}
      aria-selected={active}
      data-chat-id={chat.chatId}
      data-health={chat.health}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey) return;
        e.preventDefault();
        openChat(chat.chatId);
      }}
    >
      {/* The browser reports when the first row's text is painted (Element Timing; bench/first-rows.ts). */}
      <td className="mono" {...(index === 0 ? { elementtiming: FIRST_ROW_TIMING } : {})}>
        {chat.chatId}
      </td>
      <td className="cell-name">
        <a href={routeHref('chat', { id: chat.chatId })} tabIndex={-1}>
          {chat.name ?? <span className="muted">{notRead ? '—' : t('chats.noName')}</span>}
        </a>
      </td>
      <td>{chat.level ? <span className="level">{chat.level}</span> : <span className="muted">—</span>}</td>
      <td className="num">
        {notRead ? (
          '—'
        ) : (
          <PartialCount value={formatNumber(chat.messages)} partial={chat.partial} unread={chat.unread} />
        )}
      </td>
      <td className="num">
        {notRead ? (
          '—'
        ) : (
          <PartialCount
            value={formatNumber(chat.sessions)}
            partial={chat.partial}
            unread={chat.unread}
            compact
          />
        )}
      </td>
      <td title={chat.lastActive ? formatDateTime(chat.lastActive) : undefined}>
        {chat.lastActive ? formatRelative(chat.lastActive, now) : <span className="muted">—</span>}
        {chat.codes.includes('inactive') ? (
          <span className="archive-candidate" title={tl('archiveCandidateHint')} data-archive-candidate>
            {tl('archiveCandidate')}
          </span>
        ) : null}
      </td>
      <td className="num">{notRead ? '—' : formatBytes(chat.sizeBytes)}</td>
      <td>
        <ListHealthBadge health={chat.health} locked={chat.locked} />
      </td>
      <LastBackupCell chat={chat} now={now} />
      {withTree ? (
        <td data-col="tree" data-tree={chat.tree}>
          {chat.tree ?? '.'}
          {chat.copies && chat.copies.length > 0 ? (
            // Leads to the chat's other copy (the chat screen's ?tree=); the row itself opens this one.
            <a
              className="archive-candidate"
              data-newer-in={chat.newerIn ?? ''}
              data-testid="other-copy-link"
              href={routeHref('chat', { id: chat.chatId, tree: chat.copies[0]!.tree })}
              onClick={(e) => e.stopPropagation()}
            >
              {chat.newerIn
                ? tl('alsoInNewer', { trees: chat.copies.map((c) => c.tree).join(', '), newer: chat.newerIn })
                : tl('alsoIn', { trees: chat.copies.map((c) => c.tree).join(', ') })}
            </a>
          ) : null}
        </td>
      ) : null}
    </tr>
  );
});

/** When the chat was last backed up (as `show` says), relative; the date and its source in the title. */
function LastBackupCell({ chat, now }: { chat: FleetRow; now: number }) {
  const { t: tl } = useTranslation(CHATS_NS);
  const last = chat.lastBackup;
  if (!last)
    return (
      <td data-col="lastBackup" data-source="none" title={last === null ? tl('lastBackupNone') : undefined}>
        <span className="muted">—</span>
      </td>
    );
  const source =
    last.source === 'archive'
      ? tl('lastBackupArchive', { archive: last.archive ?? '' })
      : tl('lastBackupMetadata');
  return (
    <td data-col="lastBackup" data-source={last.source} title={`${formatDateTime(last.at)} — ${source}`}>
      {formatRelative(last.at, now)}
    </td>
  );
}
