import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputOf } from '../../../shared/contract/index.ts';
import type { FileInfo } from '../../../shared/domain.ts';
import { call, useOp } from '../../api/index.ts';
import { navigate, patchParams, useRoute } from '../../app/nav.ts';
import { useCurrentPlace } from '../../app/places.ts';
import { formatBytes, formatNumber, formatRelative } from '../../components/format.ts';
import { Thread, type PageParam } from '../../components/thread/Thread.tsx';
import { Empty, ErrorState, Loading, Tabs } from '../../components/ui.tsx';
import { LegacyMetricsView } from './LegacyMetricsView.tsx';
import { TableBrowser } from './TableBrowser.tsx';
import { SqlConsole } from './SqlConsole.tsx';
import { ChatIcon, DatabaseIcon, FolderIcon } from '../../components/icons.tsx';
import { SearchField } from '../../components/SearchField.tsx';
import { ReadAsConversations } from '../sources/mapping/ReadAsConversations.tsx';
import { FileExportButton } from '../backups/ExportButton.tsx';

const VIEWS = ['conversations', 'tables', 'sql', 'metrics'] as const;
type View = (typeof VIEWS)[number];

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Single SQLite files: legacy and foreign stores (conversations, metrics) and a generic table browser. */
export function FilesScreen() {
  const { t } = useTranslation();
  const place = useCurrentPlace();
  const route = useRoute();
  const root = place?.kind === 'root' ? place.path : null;
  const selected = route.params.path ?? (place?.kind === 'file' ? place.path : null);

  if (!place) return <Empty title={t('chats.noPlace')} icon={<FolderIcon size={20} />} />;
  return (
    <div className="screen files-screen">
      <aside className="file-list" aria-label={t('files.listLabel')}>
        {root ? <RootFiles root={root} selected={selected} /> : <SingleFile path={place.path} />}
      </aside>
      <div className="file-main">
        {selected ? (
          <FileView key={selected} path={selected} />
        ) : (
          <Empty title={t('files.pick')} icon={<DatabaseIcon size={20} />}>
            {t('files.pickHint')}
          </Empty>
        )}
      </div>
    </div>
  );
}

function SingleFile({ path }: { path: string }) {
  return (
    <ul className="nav-list">
      <li>
        <button type="button" className="nav-item is-active" onClick={() => navigate('files', { path })}>
          <span className="nav-item-title">{baseName(path)}</span>
          <span className="nav-item-sub mono">{path}</span>
        </button>
      </li>
    </ul>
  );
}

function RootFiles({ root, selected }: { root: string; selected: string | null }) {
  const { t } = useTranslation();
  const files = useOp('files.list', { root });
  if (files.isPending) return <Loading />;
  if (files.isError) return <ErrorState error={files.error} compact />;
  return (
    <>
      <h2 className="list-title">{t('files.found', { count: files.data.files.length })}</h2>
      {files.data.files.length === 0 ? (
        <p className="muted pad">{t('files.none')}</p>
      ) : (
        <ul className="nav-list" data-testid="file-list">
          {files.data.files.map((f) => (
            <li key={f.path}>
              <button
                type="button"
                className={`nav-item${selected === f.path ? ' is-active' : ''}`}
                aria-current={selected === f.path ? 'true' : undefined}
                onClick={() => navigate('files', { path: f.path })}
                data-file={f.relPath}
              >
                <span className="nav-item-title">{baseName(f.path)}</span>
                <span className="nav-item-sub">
                  <span className="mono">{f.relPath}</span> · {formatBytes(f.sizeBytes)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.data.capped ? <p className="muted pad">{t('files.capped')}</p> : null}
    </>
  );
}

function FileView({ path }: { path: string }) {
  const { t } = useTranslation();
  const info = useOp('file.open', { path });
  // A damaged file is still browsed: what can be read, with the damage stated at the top.
  const damaged = info.isError && info.error.code === 'corrupt';
  // SQLite's own check runs beside every open (in a thread, bounded in time): damage that the first
  // reads did not touch is stated too.
  const inspect = useOp('file.inspect', { path }, { enabled: damaged || info.isSuccess });
  if (info.isPending || (damaged && inspect.isPending)) return <Loading label={t('files.opening')} />;
  if (damaged && inspect.data) return <FileBody path={path} f={inspect.data.info} damage={inspect.data} />;
  if (info.isError)
    return (
      <ErrorState error={info.error} title={t('files.cannotOpen')} onRetry={() => void info.refetch()} />
    );
  const found =
    inspect.data &&
    (inspect.data.unreadable.length > 0 || (inspect.data.damage ?? ['ok']).some((line) => line !== 'ok'));
  return <FileBody path={path} f={info.data} damage={found ? inspect.data : undefined} />;
}

function DamageBanner({ damage }: { damage: OutputOf<'file.inspect'> }) {
  const { t } = useTranslation();
  const findings = damage.damage?.filter((line) => line !== 'ok') ?? [];
  return (
    <div className="banner banner-error" role="alert" data-testid="file-damage">
      <strong>{t('files.damage.title')}</strong>{' '}
      {damage.damage === null ? t('files.damage.checkTimedOut') : t('files.damage.intro')}
      {damage.unreadable.length > 0 ? (
        <p>
          {t('files.damage.unreadable', { count: damage.unreadable.length })}{' '}
          {damage.unreadable.map((u, i) => (
            <span key={u.table}>
              {i > 0 ? ', ' : ''}
              <span className="mono" title={u.message}>
                {u.table}
              </span>
            </span>
          ))}
        </p>
      ) : null}
      {findings.length > 0 ? (
        <details>
          <summary>{t('files.damage.findings', { count: findings.length })}</summary>
          <ul className="mono damage-lines">
            {findings.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function FileBody({ path, f, damage }: { path: string; f: FileInfo; damage?: OutputOf<'file.inspect'> }) {
  const { t } = useTranslation();
  const route = useRoute();
  const available = VIEWS.filter((v) => v !== 'conversations' || f.hasConversations);
  const requested = route.params.view as View | undefined;
  const view: View = requested && available.includes(requested) ? requested : available[0]!;
  return (
    <div className="file-view">
      {damage ? <DamageBanner damage={damage} /> : null}
      <header className="file-head">
        <h1>{baseName(f.path)}</h1>
        <span className={`badge badge-kind`} data-testid="file-kind">
          {t(`files.kind.${f.kind}`)}
        </span>
        <span className="muted">
          {formatBytes(f.sizeBytes)} · {t('files.journal', { mode: f.journalMode })} ·{' '}
          {t('files.pageSize', { n: formatNumber(f.pageSize) })} ·{' '}
          {t('files.tableCount', { count: f.tables.length })}
        </span>
        {f.kind === 'generic' ? <ReadAsConversations path={f.path} /> : null}
      </header>
      <Tabs
        tabs={available}
        active={view}
        labelOf={(v) => t(`files.view.${v}`)}
        onSelect={(v) => patchParams({ view: v, table: undefined, conv: undefined })}
      />
      {view === 'conversations' ? (
        <Conversations path={path} />
      ) : view === 'tables' ? (
        <Tables file={f} unreadable={new Set(damage?.unreadable.map((u) => u.table))} />
      ) : view === 'sql' ? (
        <SqlConsole file={f} />
      ) : (
        <div className="scroll-pane">
          <LegacyMetricsView path={path} />
        </div>
      )}
    </div>
  );
}

function Tables({ file, unreadable }: { file: FileInfo; unreadable: ReadonlySet<string> }) {
  const { t } = useTranslation();
  const route = useRoute();
  const current = file.tables.find((x) => x.name === route.params.table) ?? file.tables[0];
  if (!current) return <Empty title={t('files.noTables')} />;
  return (
    <div className="split">
      <ul className="nav-list table-list" aria-label={t('files.tables')} data-testid="table-list">
        {file.tables.map((x) => (
          <li key={x.name}>
            <button
              type="button"
              className={`nav-item${x.name === current.name ? ' is-active' : ''}`}
              aria-current={x.name === current.name ? 'true' : undefined}
              onClick={() => patchParams({ table: x.name })}
              data-table={x.name}
            >
              <span className="nav-item-title">
                <span translate="no">{x.name}</span>
                {x.type === 'view' ? <span className="muted"> · {t('files.viewType')}</span> : null}
              </span>
              <span className="nav-item-sub">
                {unreadable.has(x.name) ? (
                  <span className="error-text">{t('files.damage.tableUnreadable')}</span>
                ) : (
                  <>
                    {formatNumber(x.rowCount)}
                    {x.rowCountCapped ? '+' : ''} {t('files.rows')}
                  </>
                )}{' '}
                · {t('files.columns', { count: x.columns.length })}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <TableBrowser key={`${file.path}|${current.name}`} path={file.path} table={current} />
    </div>
  );
}

function Conversations({ path }: { path: string }) {
  const { t } = useTranslation();
  const route = useRoute();
  const [filter, setFilter] = useState('');
  const list = useOp('file.conversations', { path, limit: 2000 });
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const all = list.data?.conversations ?? [];
    return q
      ? all.filter(
          (c) =>
            c.title.toLowerCase().includes(q) ||
            c.id.toLowerCase().includes(q) ||
            (c.subtitle ?? '').toLowerCase().includes(q),
        )
      : all;
  }, [list.data, filter]);
  const selected = route.params.conv ?? list.data?.conversations[0]?.id ?? null;
  const selectedTitle = list.data?.conversations.find((c) => c.id === selected)?.title ?? selected ?? '';
  const fetchPage = useCallback(
    (param: PageParam & { limit: number }) =>
      call('file.messages', {
        path,
        conversationId: selected ?? '',
        before: param.before,
        after: param.after,
        oldest: param.oldest,
        limit: param.limit,
      }),
    [path, selected],
  );
  const queryKey = useMemo(() => ['file.messages', path, selected] as const, [path, selected]);

  if (list.isPending) return <Loading />;
  if (list.isError) return <ErrorState error={list.error} />;
  return (
    <div className="split">
      <div className="conv-list">
        <SearchField label={t('files.filterConversations')} value={filter} onChange={setFilter} />
        <ul className="nav-list" data-testid="conversation-list">
          {shown.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className={`nav-item${c.id === selected ? ' is-active' : ''}`}
                aria-current={c.id === selected ? 'true' : undefined}
                onClick={() => patchParams({ conv: c.id })}
              >
                <span className="nav-item-title">{c.title}</span>
                <span className="nav-item-sub">
                  {c.subtitle ? `${c.subtitle} · ` : ''}
                  {c.messages === null
                    ? t('files.messagesUnreadable')
                    : t('files.messages', { count: c.messages, n: formatNumber(c.messages) })}
                  {c.lastActive ? ` · ${formatRelative(c.lastActive)}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {list.data.capped ? <p className="muted pad">{t('files.conversationsCapped')}</p> : null}
      </div>
      <div className="conv-thread">
        {selected ? (
          <>
            <div className="conv-thread-bar" data-testid="conversation-bar">
              <span className="conv-thread-title">{selectedTitle}</span>
              {/* Through the same export as a chat of a root: masking a clinic's phone numbers included. */}
              <FileExportButton path={path} conversationId={selected} title={selectedTitle} />
            </div>
            <Thread key={selected} queryKey={queryKey} fetchPage={fetchPage} anchor={{ kind: 'newest' }} />
          </>
        ) : (
          <Empty title={t('files.noConversations')} icon={<ChatIcon size={20} />} />
        )}
      </div>
    </div>
  );
}
