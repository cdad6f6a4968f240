import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputOf } from '../../../shared/contract/index.ts';
import type { FileInfo } from '../../../shared/domain.ts';
import { call, toAppError } from '../../api/index.ts';
import { formatNumber } from '../../components/format.ts';
import { ErrorState, Spinner } from '../../components/ui.tsx';
import type { AppError } from '../../../shared/errors.ts';
import { ResultGrid } from './ResultGrid.tsx';
import { saveText } from './saveText.ts';

const PAGE = 100;
const LIMITS = [1000, 5000, 30_000];
const CAPS = [1000, 10_000, 100_000];

type RunResult = OutputOf<'sql.run'>;

/**
 * The read-only SQL console: one SELECT or WITH statement on this file (main refuses anything else and
 * anything SQLite does not mark read-only), stopped at its time limit, rows up to a cap, paged, and
 * exportable as CSV or JSON with their full values.
 */
export function SqlConsole({ file }: { file: FileInfo }) {
  const { t } = useTranslation();
  const first = file.tables[0]?.name;
  const [sql, setSql] = useState(
    first ? `SELECT * FROM "${first.replace(/"/g, '""')}" LIMIT 100` : 'SELECT sqlite_version()',
  );
  const [timeoutMs, setTimeoutMs] = useState(1000);
  const [rowCap, setRowCap] = useState(10_000);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [result, setResult] = useState<RunResult | null>(null);
  const [page, setPage] = useState<{ offset: number; rows: RunResult['rows'] } | null>(null);
  const [exporting, setExporting] = useState(false);

  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      const r = await call('sql.run', { path: file.path, sql, timeoutMs, rowCap, limit: PAGE });
      setResult(r);
      setPage({ offset: 0, rows: r.rows });
    } catch (e) {
      setError(toAppError(e));
      setResult(null);
      setPage(null);
    } finally {
      setRunning(false);
    }
  };

  const goTo = async (offset: number) => {
    if (!result) return;
    try {
      const next = await call('sql.page', { resultId: result.resultId, offset, limit: PAGE });
      setPage({ offset, rows: next.rows });
    } catch (e) {
      setError(toAppError(e));
    }
  };

  const exportAs = async (format: 'csv' | 'json') => {
    setExporting(true);
    try {
      const out = await call('sql.export', { path: file.path, sql, timeoutMs, rowCap, format });
      saveText(out.text, out.filename, format === 'csv' ? 'text/csv' : 'application/json');
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setExporting(false);
    }
  };

  const offset = page?.offset ?? 0;
  const count = result?.rowCount ?? 0;

  return (
    <div className="sql-console">
      <form
        className="sql-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label className="sql-label">
          <span className="visually-hidden">{t('files.sql.label')}</span>
          <textarea
            className="sql-input mono"
            data-testid="sql-input"
            spellCheck={false}
            rows={5}
            value={sql}
            onChange={(e) => setSql(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void run();
              }
            }}
          />
        </label>
        <div className="toolbar sql-tools">
          <button type="submit" className="btn btn-primary" disabled={running} data-testid="sql-run">
            {running ? <Spinner /> : null} {t('files.sql.run')}
          </button>
          <span className="muted">{t('files.sql.hint')}</span>
          <label className="inline-field">
            <span>{t('files.sql.timeLimit')}</span>
            <select
              value={timeoutMs}
              onChange={(e) => setTimeoutMs(Number(e.target.value))}
              data-testid="sql-time-limit"
            >
              {LIMITS.map((ms) => (
                <option key={ms} value={ms}>
                  {t('files.sql.seconds', { n: formatNumber(ms / 1000) })}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <span>{t('files.sql.rowCap')}</span>
            <select value={rowCap} onChange={(e) => setRowCap(Number(e.target.value))}>
              {CAPS.map((n) => (
                <option key={n} value={n}>
                  {formatNumber(n)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </form>
      <p className="muted sql-note">{t('files.sql.readOnly')}</p>
      {error ? (
        <div data-testid="sql-error">
          <ErrorState error={error} title={t('files.sql.failed')} compact />
        </div>
      ) : null}
      {result && page ? (
        <div className="sql-output">
          <div className="toolbar sql-status">
            <span data-testid="sql-status">
              {t('files.sql.rows', { count, n: formatNumber(count) })}
              {result.capped ? ` ${t('files.sql.capped', { n: formatNumber(rowCap) })}` : ''} ·{' '}
              {t('files.sql.elapsed', { n: formatNumber(result.elapsedMs) })}
            </span>
            <span className="spacer" />
            {count > PAGE ? (
              <span className="pager">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={offset === 0}
                  onClick={() => void goTo(Math.max(0, offset - PAGE))}
                >
                  ← {t('files.sql.previous')}
                </button>
                <span className="muted" data-testid="sql-page">
                  {t('files.sql.range', {
                    from: formatNumber(offset + 1),
                    to: formatNumber(Math.min(count, offset + PAGE)),
                    n: formatNumber(count),
                  })}
                </span>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={offset + PAGE >= count}
                  onClick={() => void goTo(offset + PAGE)}
                >
                  {t('files.sql.next')} →
                </button>
              </span>
            ) : null}
            <button
              type="button"
              className="btn btn-small"
              disabled={exporting}
              onClick={() => void exportAs('csv')}
            >
              {t('files.sql.exportCsv')}
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={exporting}
              onClick={() => void exportAs('json')}
            >
              {t('files.sql.exportJson')}
            </button>
          </div>
          <ResultGrid
            columns={result.columns}
            rows={page.rows}
            label={t('files.sql.result')}
            firstRow={offset + 1}
          />
        </div>
      ) : null}
    </div>
  );
}
