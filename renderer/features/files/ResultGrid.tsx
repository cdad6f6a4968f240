import { useMemo } from 'react';
import type { Cell } from '../../../shared/domain.ts';
import { CellView, cellIsNumeric } from './CellView.tsx';

/** A read-only grid of typed cells (console results): numbers right-aligned, long values cut. */
export function ResultGrid({
  columns,
  rows,
  label,
  firstRow,
}: {
  columns: string[];
  rows: Cell[][];
  label: string;
  /** 1-based number of the first row shown (pages of a longer result). */
  firstRow: number;
}) {
  const numeric = useMemo(() => {
    const set = new Set<number>();
    columns.forEach((_, i) => {
      if (cellIsNumeric(rows.find((r) => r[i]?.t !== 'null')?.[i])) set.add(i);
    });
    return set;
  }, [columns, rows]);
  return (
    <div className="grid-scroll" data-testid="sql-result">
      <table className="grid data-grid" aria-label={label}>
        <thead>
          <tr>
            <th scope="col" className="num muted">
              #
            </th>
            {columns.map((c, i) => (
              <th key={`${c}-${i}`} scope="col" className={numeric.has(i) ? 'num' : undefined}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              <td className="num muted">{firstRow + r}</td>
              {row.map((cell, i) => (
                <td key={i} className={numeric.has(i) ? 'num' : undefined}>
                  <CellView cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
