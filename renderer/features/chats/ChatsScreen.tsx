import {
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type FilterFn,
  type Row,
  type SortingFn,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary, Health } from '../../../shared/domain.ts';
import { navigate, routeHref } from '../../app/nav.ts';
import { useCurrentPlace } from '../../app/places.ts';
import { useStore } from '../../app/store.ts';
import { isTypingTarget } from '../../app/keyboard.ts';
import {
  formatBytes,
  formatDateTime,
  formatNumber,
  formatRelative,
  levelNumber,
} from '../../components/format.ts';
import { Empty, ErrorState, HealthBadge, ProgressBar } from '../../components/ui.tsx';
import { chatOrder, chatsUi } from './chatsUi.ts';
import { cancelScan, ensureScan, startScan, useScan } from './scanStore.ts';
import { DatabaseIcon, FolderIcon, InboxIcon, SearchIcon } from '../../components/icons.tsx';

const ROW_HEIGHT = 34;
const HEADER_HEIGHT = 34;
const HEALTH_ORDER: Record<Health, number> = { ok: 0, warning: 1, error: 2 };

/** Accent-insensitive lower case, cached per row object (100k rows are filtered on every keystroke). */
const folded = new WeakMap<ChatSummary, string>();
function foldedName(chat: ChatSummary): string {
  let v = folded.get(chat);
  if (v === undefined) {
    v = (chat.name ?? '')
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
    folded.set(chat, v);
  }
  return v;
}
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();

const searchFilter: FilterFn<ChatSummary> = (row, _columnId, value: string) => {
  const q = fold(value);
  if (!q) return true;
  return row.original.chatId.includes(q) || foldedName(row.original).includes(q);
};

const byChatId: SortingFn<ChatSummary> = (a, b) => {
  const x = a.original.chatId;
  const y = b.original.chatId;
  const nx = x.startsWith('-');
  const ny = y.startsWith('-');
  if (nx !== ny) return nx ? -1 : 1;
  const cmp = x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
  return nx ? -cmp : cmp;
};
const byLevel: SortingFn<ChatSummary> = (a, b) =>
  (levelNumber(a.original.level) ?? 0) - (levelNumber(b.original.level) ?? 0);
const byHealth: SortingFn<ChatSummary> = (a, b) =>
  HEALTH_ORDER[a.original.health] - HEALTH_ORDER[b.original.health];
const byText: SortingFn<ChatSummary> = (a, b) => foldedName(a.original).localeCompare(foldedName(b.original));

type ColumnId = 'chatId' | 'name' | 'level' | 'messages' | 'sessions' | 'lastActive' | 'sizeBytes' | 'health';
const COLUMN_WIDTHS: Record<ColumnId, string> = {
  chatId: '13%',
  name: '25%',
  level: '7%',
  messages: '10%',
  sessions: '9%',
  lastActive: '15%',
  sizeBytes: '9%',
  health: '12%',
};
const NUMERIC = new Set<ColumnId>(['messages', 'sessions', 'sizeBytes']);

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
  const { t } = useTranslation();
  const scan = useScan();
  const ui = useStore(chatsUi);
  const rows = scan.root === root ? scan.rows : [];

  const columns = useMemo<ColumnDef<ChatSummary>[]>(
    () => [
      {
        id: 'chatId',
        accessorKey: 'chatId',
        header: t('chats.col.id'),
        sortingFn: byChatId,
        filterFn: searchFilter,
      },
      { id: 'name', accessorFn: (r) => r.name ?? '', header: t('chats.col.name'), sortingFn: byText },
      {
        id: 'level',
        accessorFn: (r) => r.level ?? '',
        header: t('chats.col.level'),
        sortingFn: byLevel,
        filterFn: 'equalsString',
      },
      { id: 'messages', accessorKey: 'messages', header: t('chats.col.messages'), sortDescFirst: true },
      { id: 'sessions', accessorKey: 'sessions', header: t('chats.col.sessions'), sortDescFirst: true },
      {
        id: 'lastActive',
        accessorFn: (r) => r.lastActive ?? '',
        header: t('chats.col.lastActive'),
        sortDescFirst: true,
        sortingFn: 'basic',
      },
      { id: 'sizeBytes', accessorKey: 'sizeBytes', header: t('chats.col.size'), sortDescFirst: true },
      {
        id: 'health',
        accessorKey: 'health',
        header: t('chats.col.health'),
        sortingFn: byHealth,
        sortDescFirst: true,
        filterFn: 'equalsString',
      },
    ],
    [t],
  );

  const columnFilters = useMemo(() => {
    const filters = ui.columnFilters.filter((f) => f.id !== 'health');
    if (ui.health !== 'all') filters.push({ id: 'health', value: ui.health });
    return filters;
  }, [ui.columnFilters, ui.health]);

  // TanStack's hooks return unmemoizable functions; React Compiler skipping this component is expected.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting: ui.sorting, globalFilter: ui.search, columnFilters },
    onSortingChange: (updater) =>
      chatsUi.set((s) => ({ ...s, sorting: typeof updater === 'function' ? updater(s.sorting) : updater })),
    globalFilterFn: searchFilter,
    getColumnCanGlobalFilter: (column) => column.id === 'chatId',
    getCoreRowModel: getCoreRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (r) => r.chatId,
    enableMultiSort: false,
  });
  const tableRows = table.getRowModel().rows;

  // The order the person sees, for next/previous chat on the chat screen.
  useEffect(() => {
    chatOrder.current = tableRows.map((r) => r.original.chatId);
  }, [tableRows]);

  const levels = useMemo(() => {
    const set = new Set<string>();
    for (const r of rows) if (r.level) set.add(r.level);
    return [...set].sort((a, b) => (levelNumber(a) ?? 99) - (levelNumber(b) ?? 99) || a.localeCompare(b));
    // Levels only need recomputing when the row set grows noticeably.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows.length > 0 ? Math.ceil(rows.length / 500) : 0, scan.status]);
  const levelFilter = (ui.columnFilters.find((f) => f.id === 'level')?.value as string | undefined) ?? '';

  const running = scan.status === 'running' && scan.root === root;
  const progress = scan.progress;

  return (
    <div className="screen chats-screen">
      <div className="toolbar" role="search">
        <label className="search-field">
          <span className="visually-hidden">{t('chats.searchLabel')}</span>
          <span className="search-icon" aria-hidden="true">
            <SearchIcon size={14} />
          </span>
          <input
            type="search"
            data-search
            placeholder={t('chats.searchPlaceholder')}
            value={ui.search}
            onChange={(e) => chatsUi.set((s) => ({ ...s, search: e.target.value }))}
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
                chatsUi.set((s) => ({ ...s, search: '' }));
              }
            }}
          />
        </label>
        <div className="segmented" role="group" aria-label={t('chats.healthFilter')}>
          {(['all', 'ok', 'warning', 'error'] as const).map((h) => (
            <button
              key={h}
              type="button"
              className={`segment${ui.health === h ? ' is-active' : ''}`}
              aria-pressed={ui.health === h}
              data-health-filter={h}
              onClick={() => chatsUi.set((s) => ({ ...s, health: h }))}
            >
              {h === 'all' ? t('chats.allHealth') : <HealthDot health={h} />}
              {h === 'all' ? null : <span>{t(`health.${h}`)}</span>}
              <span className="segment-count">
                {formatNumber(h === 'all' ? rows.length : scan.counts[h])}
              </span>
            </button>
          ))}
        </div>
        <label className="select-field">
          <span>{t('chats.col.level')}</span>
          <select
            value={levelFilter}
            onChange={(e) =>
              chatsUi.set((s) => ({
                ...s,
                columnFilters: [
                  ...s.columnFilters.filter((f) => f.id !== 'level'),
                  ...(e.target.value ? [{ id: 'level', value: e.target.value }] : []),
                ],
              }))
            }
          >
            <option value="">{t('chats.allLevels')}</option>
            {levels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <div className="toolbar-spacer" />
        <ScanStatusBar root={root} />
      </div>
      {running ? (
        <ProgressBar done={progress?.done ?? 0} total={progress?.total ?? null} label={t('chats.scanning')} />
      ) : (
        <div className="progress-placeholder" />
      )}
      {scan.status === 'failed' && scan.root === root ? (
        <ErrorState error={scan.error} title={t('chats.scanFailed')} onRetry={() => startScan(root)} />
      ) : (
        <ChatGrid rows={tableRows} table={table} running={running} totalRows={rows.length} />
      )}
    </div>
  );
}

function HealthDot({ health }: { health: Health }) {
  return <span className={`dot dot-${health}`} aria-hidden="true" />;
}

function ScanStatusBar({ root }: { root: string }) {
  const { t } = useTranslation();
  const scan = useScan();
  const p = scan.progress;
  const running = scan.status === 'running';
  return (
    <div className="scan-status" aria-live="polite" data-testid="scan-status" data-status={scan.status}>
      <span className="scan-count">
        {running
          ? t('chats.progress', {
              done: formatNumber(p?.done ?? 0),
              total: p?.total == null ? '…' : formatNumber(p.total),
            })
          : scan.status === 'cancelled'
            ? t('chats.cancelledAt', { count: scan.rows.length, n: formatNumber(scan.rows.length) })
            : t('chats.total', { count: scan.rows.length, n: formatNumber(scan.rows.length) })}
      </span>
      <span className="scan-health">
        <span className="scan-health-item" title={t('health.ok')}>
          <HealthDot health="ok" /> {formatNumber(scan.counts.ok)}
        </span>
        <span className="scan-health-item" title={t('health.warning')}>
          <HealthDot health="warning" /> {formatNumber(scan.counts.warning)}
        </span>
        <span className="scan-health-item" title={t('health.error')}>
          <HealthDot health="error" /> {formatNumber(scan.counts.error)}
        </span>
      </span>
      {scan.skipped.length > 0 ? (
        <span className="muted" title={scan.skipped.map((s) => `${s.path}: ${s.reason}`).join('\n')}>
          {t('chats.skipped', { count: scan.skipped.length })}
        </span>
      ) : null}
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

export function openChat(chatId: string) {
  chatsUi.set((s) => ({ ...s, activeId: chatId, lastChatId: chatId }));
  navigate('chat', { id: chatId });
}

function isActivationKey(e: KeyboardEvent) {
  return !e.altKey && !e.ctrlKey && !e.metaKey;
}

function ChatGrid({
  rows,
  table,
  running,
  totalRows,
}: {
  rows: Row<ChatSummary>[];
  table: ReturnType<typeof useReactTable<ChatSummary>>;
  running: boolean;
  totalRows: number;
}) {
  const { t } = useTranslation();
  const parentRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLTableElement>(null);
  const activeId = useStore(chatsUi, (s) => s.activeId);
  const activeIndex = useMemo(
    () => (activeId ? rows.findIndex((r) => r.id === activeId) : -1),
    [rows, activeId],
  );
  const now = useMemo(() => Date.now(), []);

  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });

  // Coming back from a chat: bring the row that was open into view and focus the list.
  useEffect(() => {
    const s = chatsUi.get();
    if (s.activeId) {
      const i = rows.findIndex((r) => r.id === s.activeId);
      if (i >= 0) {
        virtualizer.scrollToIndex(i, { align: 'center' });
        gridRef.current?.focus({ preventScroll: true });
      }
    }
    // Only on mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const move = useCallback(
    (delta: number) => {
      if (rows.length === 0) return;
      const from = activeIndex === -1 ? (delta > 0 ? -1 : rows.length) : activeIndex;
      const next = Math.max(0, Math.min(rows.length - 1, from + delta));
      const id = rows[next]!.id;
      chatsUi.set((s) => ({ ...s, activeId: id }));
      virtualizer.scrollToIndex(next, { align: 'auto' });
    },
    [rows, activeIndex, virtualizer],
  );

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
        move(e.key === 'Home' ? -rows.length : rows.length);
      } else if (
        e.key === 'Enter' &&
        activeIndex >= 0 &&
        (e.target === document.body || e.target === gridRef.current)
      ) {
        e.preventDefault();
        openChat(rows[activeIndex]!.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move, rows, activeIndex]);

  const items = virtualizer.getVirtualItems();
  const padTop = items.length > 0 ? items[0]!.start - HEADER_HEIGHT : 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;
  const headers = table.getHeaderGroups()[0]!.headers;

  let body: React.ReactNode;
  if (rows.length === 0) {
    body = (
      <tr>
        <td colSpan={headers.length} className="grid-state">
          {running ? (
            <div className="state state-loading" role="status">
              <span className="spinner" aria-hidden="true" />
              {t('chats.loadingRows')}
            </div>
          ) : totalRows > 0 ? (
            <Empty title={t('chats.noMatch')} icon={<SearchIcon size={20} />}>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => chatsUi.set((s) => ({ ...s, search: '', health: 'all', columnFilters: [] }))}
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
            <td colSpan={headers.length} style={{ height: padTop }} />
          </tr>
        ) : null}
        {items.map((item) => {
          const row = rows[item.index]!;
          return (
            <ChatRow
              key={row.id}
              chat={row.original}
              index={item.index}
              active={item.index === activeIndex}
              now={now}
            />
          );
        })}
        {padBottom > 0 ? (
          <tr aria-hidden="true" className="spacer">
            <td colSpan={headers.length} style={{ height: padBottom }} />
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
        aria-rowcount={rows.length + 1}
        aria-activedescendant={activeIndex >= 0 ? `chat-row-${rows[activeIndex]!.id}` : undefined}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && isActivationKey(e) && activeIndex >= 0) {
            e.preventDefault();
            openChat(rows[activeIndex]!.id);
          }
        }}
      >
        <colgroup>
          {headers.map((h) => (
            <col key={h.id} style={{ width: COLUMN_WIDTHS[h.id as ColumnId] }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {headers.map((header) => {
              const sorted = header.column.getIsSorted();
              return (
                <th
                  key={header.id}
                  scope="col"
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                  className={NUMERIC.has(header.id as ColumnId) ? 'num' : undefined}
                  data-col={header.id}
                >
                  <button
                    type="button"
                    className="th-button"
                    onClick={header.column.getToggleSortingHandler()}
                  >
                    <span>{header.column.columnDef.header as string}</span>
                    <span className={`sort-indicator${sorted ? ' is-sorted' : ''}`} aria-hidden="true">
                      {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                    </span>
                  </button>
                </th>
              );
            })}
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
}: {
  chat: ChatSummary;
  index: number;
  active: boolean;
  now: number;
}) {
  const { t } = useTranslation();
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
      <td className="mono">{chat.chatId}</td>
      <td className="cell-name">
        <a href={routeHref('chat', { id: chat.chatId })} tabIndex={-1}>
          {chat.name ?? <span className="muted">{t('chats.noName')}</span>}
        </a>
      </td>
      <td>{chat.level ? <span className="level">{chat.level}</span> : <span className="muted">—</span>}</td>
      <td className="num">{formatNumber(chat.messages)}</td>
      <td className="num">{formatNumber(chat.sessions)}</td>
      <td title={chat.lastActive ? formatDateTime(chat.lastActive) : undefined}>
        {chat.lastActive ? formatRelative(chat.lastActive, now) : <span className="muted">—</span>}
      </td>
      <td className="num">{formatBytes(chat.sizeBytes)}</td>
      <td>
        <HealthBadge health={chat.health} />
      </td>
    </tr>
  );
});
