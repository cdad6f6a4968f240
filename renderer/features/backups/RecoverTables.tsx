import { useTranslation } from 'react-i18next';
import type { RecoverResult, RecoverTable } from '../../../shared/contract/backup.ts';
import { formatNumber } from '../../components/format.ts';
import { BACKUPS_NS } from './strings.ts';

// What a recover kept, per table — recovered, put in lost_and_found, lost — as the CLI's `recover` reports
// it. Shown by the Backups → Recover panel and by the Recover action of an Integrity finding.

function lostCell(row: RecoverTable, t: (key: string, options?: Record<string, unknown>) => string): string {
  if (row.lost === null) return t('recover.unknown');
  return row.lostBasis === 'upper_bound'
    ? t('recover.atMost', { count: formatNumber(row.lost) })
    : formatNumber(row.lost);
}

export function RecoverTables({ result }: { result: RecoverResult }) {
  const { t } = useTranslation(BACKUPS_NS);
  return (
    <table className="mini-table" data-testid="recover-tables">
      <thead>
        <tr>
          <th>{t('recover.table')}</th>
          <th className="num">{t('recover.recovered')}</th>
          <th className="num">{t('recover.lostAndFoundColumn')}</th>
          <th className="num">{t('recover.lost')}</th>
          <th>{t('recover.basis')}</th>
        </tr>
      </thead>
      <tbody>
        {result.tables.map((row) => (
          <tr key={row.table} data-testid={`recover-row-${row.table}`}>
            <td className="mono">{row.table}</td>
            <td className="num">{formatNumber(row.recovered)}</td>
            <td className="num">{formatNumber(row.lostAndFound)}</td>
            <td className="num">{lostCell(row, t)}</td>
            <td className="muted">
              {t(`recover.basis_${row.lostBasis}`, {
                source:
                  row.lostSource === 'tree' || row.lostSource === 'quick_check'
                    ? t(`recover.source_${row.lostSource}`)
                    : row.lostSource,
              })}
              {row.note ? <div>{row.note}</div> : null}
              {row.reasons.map((r) => (
                <div key={r.reason}>{t('recover.reason', { count: r.count, reason: r.reason })}</div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The per-table figures and the lost_and_found total. */
export function RecoverFigures({ result }: { result: RecoverResult }) {
  const { t } = useTranslation(BACKUPS_NS);
  return (
    <>
      <RecoverTables result={result} />
      <p data-testid="recover-lnf">
        {result.lostAndFound > 0
          ? t('recover.lostAndFound', {
              count: result.lostAndFound,
              table: result.lostAndFoundTable ?? 'lost_and_found',
            })
          : t('recover.noLostAndFound')}
      </p>
    </>
  );
}
