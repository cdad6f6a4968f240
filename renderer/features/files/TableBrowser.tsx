import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Cell, TableInfo, TablePage } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { call, useOp } from '../../api/index.ts';
import { formatNumber } from '../../components/format.ts';
import { Dialog, ErrorState, Loading } from '../../components/ui.tsx';
import { CellView, cellIsNumeric } from './CellView.tsx';

const PAGE = 100;

/** A table or view, paged by key (`Load more`), with typed cells and a full-value viewer. */
export function TableBrowser({ path, table }: { path: string; table: TableInfo }) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState<{ rowid: string; column: string } | null>(null);
  const query = useInfiniteQuery<
    TablePage,
    AppError,
    InfiniteData<TablePage, string | undefined>,
    readonly unknown[],
    string | undefined
  >({
    queryKey: ['file.rows', path, table.name],
    initialPageParam: undefined,
    queryFn: ({ pageParam }) => call('file.rows', { path, table: table.name, after: pageParam, limit: PAGE }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: Infinity,
  });
  const columns = useMemo(() => query.data?.pages[0]?.columns ?? [], [query.data]);
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.rows) ?? [], [query.data]);
  const numericCols = useMemo(() => {
    const set = new Set<number>();
    columns.forEach((_, i) => {
      const sample = rows.find((r) => r[i]?.t !== 'null')?.[i];
      if (cellIsNumeric(sample)) set.add(i);
    });
    return set;
  }, [columns, rows]);
  const types = useMemo(() => new Map(table.columns.map((c) => [c.name, c])), [table]);

  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;

  const keyName = columns[0] ?? '';
  return (
    <div className="table-browser">
      <div className="grid-scroll" data-testid="table-rows">
        <table className="grid data-grid" aria-label={table.name} aria-rowcount={rows.length + 1}>
          <thead>
            <tr>
              {columns.map((c, i) => {
                const info = types.get(c);
                return (
                  <th key={`${c}-${i}`} scope="col" className={numericCols.has(i) ? 'num' : undefined}>
                    <span className={i === 0 ? 'muted' : undefined}>{c}</span>
                    {info ? (
                      <span className="col-type">
                        {info.type || 'ANY'}
                        {info.primaryKey ? ' · PK' : ''}
                      </span>
                    ) : i === 0 ? (
                      <span className="col-type">{t('files.key')}</span>
                    ) : null}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => {
              const key = row[0];
              const rowid = key && key.t === 'int' ? key.v : null;
              return (
                <tr key={r}>
                  {row.map((cell: Cell, i) => (
                    <td key={i} className={numericCols.has(i) ? 'num' : undefined}>
                      <CellView
                        cell={cell}
                        onExpand={
                          rowid !== null && i > 0
                            ? () => setExpanded({ rowid, column: columns[i]! })
                            : undefined
                        }
                      />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 ? <p className="muted pad">{t('files.noRows')}</p> : null}
      </div>
      <div className="table-foot">
        <span className="muted">
          {t('files.rowsShown', { n: formatNumber(rows.length) })}
          {' / '}
          {formatNumber(table.rowCount)}
          {table.rowCountCapped ? '+' : ''}
          {keyName ? ` · ${t('files.pagedBy', { key: keyName })}` : ''}
        </span>
        {query.hasNextPage ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? t('common.loading') : t('files.loadMore')}
          </button>
        ) : null}
      </div>
      {expanded ? (
        <CellDialog
          path={path}
          table={table.name}
          rowid={expanded.rowid}
          column={expanded.column}
          onClose={() => setExpanded(null)}
        />
      ) : null}
    </div>
  );
}

function CellDialog({
  path,
  table,
  rowid,
  column,
  onClose,
}: {
  path: string;
  table: string;
  rowid: string;
  column: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const cell = useOp('file.cell', { path, table, rowid, column });
  return (
    <Dialog title={`${table}.${column} · ${rowid}`} onClose={onClose} wide>
      {cell.isPending ? (
        <Loading />
      ) : cell.isError ? (
        <ErrorState error={cell.error} compact />
      ) : (
        <>
          <div className="dialog-tools">
            {cell.data.isJson ? <span className="badge badge-info">JSON</span> : null}
            <span className="muted">{t('files.chars', { n: formatNumber(cell.data.text.length) })}</span>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => void navigator.clipboard?.writeText(cell.data.text)}
            >
              {t('files.copy')}
            </button>
          </div>
          <pre className={`cell-full${cell.data.isJson ? ' json' : ''}`} data-testid="cell-full">
            {cell.data.text}
          </pre>
        </>
      )}
    </Dialog>
  );
}
