import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Cell, TableInfo, TablePage } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import type { FilterOp, RowFilter } from '../../../shared/contract/query.ts';
import { call, useOp } from '../../api/index.ts';
import { formatNumber } from '../../components/format.ts';
import { Dialog, ErrorState, Loading } from '../../components/ui.tsx';
import { CellView, cellIsNumeric, decodeJsonEscapes } from './CellView.tsx';
import './files.css';

const PAGE = 100;

type Sort = { column: string; desc: boolean };
const OPS: FilterOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'starts', 'null', 'notnull'];
const NO_VALUE: ReadonlySet<FilterOp> = new Set(['null', 'notnull']);

/**
 * A table or view: paged by key (`Load more`) as stored, or sorted by any column (click a header:
 * ascending, descending, back to stored order) and filtered by column, operator and value, which main
 * runs in a thread of its own with a time limit. Typed cells and a full-value viewer.
 */
export function TableBrowser({ path, table }: { path: string; table: TableInfo }) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState<{ rowid: string; column: string } | null>(null);
  const [sort, setSort] = useState<Sort | null>(null);
  const [filters, setFilters] = useState<RowFilter[]>([]);
  const shaped = sort !== null || filters.length > 0;
  const query = useInfiniteQuery<
    TablePage,
    AppError,
    InfiniteData<TablePage, string | undefined>,
    readonly unknown[],
    string | undefined
  >({
    queryKey: ['file.rows', path, table.name, sort, filters],
    initialPageParam: undefined,
    queryFn: ({ pageParam }) =>
      shaped
        ? call('file.query', {
            path,
            table: table.name,
            ...(sort ? { sort } : {}),
            filters,
            offset: pageParam === undefined ? 0 : Number(pageParam),
            limit: PAGE,
          })
        : call('file.rows', { path, table: table.name, after: pageParam, limit: PAGE }),
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

  const cycleSort = (column: string) =>
    setSort((s) =>
      s?.column !== column ? { column, desc: false } : !s.desc ? { column, desc: true } : null,
    );

  const keyName = columns[0] ?? '';
  // Rows without a rowid are addressed by position in stored order: not in a sorted/filtered page.
  const canExpand = !(shaped && keyName === '#');
  return (
    <div className="table-browser">
      <FilterBar columns={table.columns.map((c) => c.name)} filters={filters} onChange={setFilters} />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <div className="grid-scroll" data-testid="table-rows">
            <table
              className="grid data-grid"
              aria-label={table.name}
              aria-rowcount={rows.length + 1}
              // The file's own data (its table, column names and values), in whatever language it holds.
              translate="no"
            >
              <thead>
                <tr>
                  {columns.map((c, i) => {
                    const info = types.get(c);
                    const sorted = sort?.column === c;
                    return (
                      <th
                        key={`${c}-${i}`}
                        scope="col"
                        className={numericCols.has(i) ? 'num' : undefined}
                        aria-sort={sorted ? (sort.desc ? 'descending' : 'ascending') : undefined}
                      >
                        {info ? (
                          <button
                            type="button"
                            className="th-sort"
                            data-column={c}
                            title={t('files.sortHint')}
                            onClick={() => cycleSort(c)}
                          >
                            {c}
                            <span className="sort-mark" aria-hidden="true">
                              {sorted ? (sort.desc ? '▼' : '▲') : ''}
                            </span>
                          </button>
                        ) : (
                          <span className={i === 0 ? 'muted' : undefined}>{c}</span>
                        )}
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
                  const rowid = key && key.t === 'int' && canExpand ? key.v : null;
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
            {rows.length === 0 ? (
              <p className="muted pad">{shaped ? t('files.noMatch') : t('files.noRows')}</p>
            ) : null}
          </div>
          <div className="table-foot">
            <span className="muted" data-testid="table-status">
              {t('files.rowsShown', { count: rows.length, n: formatNumber(rows.length) })}
              {shaped ? (
                ` · ${t('files.shaped')}`
              ) : (
                <>
                  {' / '}
                  {formatNumber(table.rowCount)}
                  {table.rowCountCapped ? '+' : ''}
                  {keyName ? ` · ${t('files.pagedBy', { key: keyName })}` : ''}
                </>
              )}
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
        </>
      )}
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

/** Filters as removable chips, and a small form adding one: column, operator, value. */
function FilterBar({
  columns,
  filters,
  onChange,
}: {
  columns: string[];
  filters: RowFilter[];
  onChange: (filters: RowFilter[]) => void;
}) {
  const { t } = useTranslation();
  const [column, setColumn] = useState(columns[0] ?? '');
  const [op, setOp] = useState<FilterOp>('contains');
  const [value, setValue] = useState('');
  if (columns.length === 0) return null;
  return (
    <div className="toolbar filter-bar" data-testid="table-filters">
      <form
        className="filter-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!column || (!NO_VALUE.has(op) && value === '')) return;
          onChange([...filters, { column, op, ...(NO_VALUE.has(op) ? {} : { value }) }]);
          setValue('');
        }}
      >
        <select
          aria-label={t('files.filter.column')}
          value={column}
          onChange={(e) => setColumn(e.target.value)}
          data-testid="filter-column"
        >
          {columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <select
          aria-label={t('files.filter.operator')}
          value={op}
          onChange={(e) => setOp(e.target.value as FilterOp)}
          data-testid="filter-op"
        >
          {OPS.map((o) => (
            <option key={o} value={o}>
              {t(`files.filter.op.${o}`)}
            </option>
          ))}
        </select>
        {NO_VALUE.has(op) ? null : (
          <input
            type="text"
            aria-label={t('files.filter.value')}
            placeholder={t('files.filter.value')}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            data-testid="filter-value"
          />
        )}
        <button type="submit" className="btn btn-small" data-testid="filter-add">
          {t('files.filter.add')}
        </button>
      </form>
      {filters.map((f, i) => (
        <span key={i} className="chip filter-chip">
          <span className="mono">{f.column}</span> {t(`files.filter.op.${f.op}`)}
          {f.value !== undefined ? <span className="mono"> {JSON.stringify(f.value)}</span> : null}
          <button
            type="button"
            className="chip-remove"
            aria-label={t('files.filter.remove')}
            onClick={() => onChange(filters.filter((_, k) => k !== i))}
          >
            ✕
          </button>
        </span>
      ))}
      {filters.length > 1 ? (
        <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange([])}>
          {t('files.filter.clear')}
        </button>
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
            {cell.data.isJson ? decodeJsonEscapes(cell.data.text) : cell.data.text}
          </pre>
        </>
      )}
    </Dialog>
  );
}
