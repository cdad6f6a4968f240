import type { ReadableDb } from '../sqlite/open.ts';
import { tablesFigure } from '../sources/table-metrics.ts';
import type { Chart, FigureTable } from '../sources/types.ts';
import { describeTables } from './generic.ts';

/** Generic files: no charts, one table of the file's tables and their (capped) row counts. */
export function tablesOnly(db: ReadableDb): { charts: Chart[]; tables: FigureTable[] } {
  const tables = describeTables(db);
  return {
    charts: [],
    tables: [
      tablesFigure(
        tables.map((t) => [
          t.name,
          t.type,
          String(t.columns.length),
          formatCount(t.rowCount, t.rowCountCapped),
        ]),
      ),
    ],
  };
}

/** A capped count as a person reads it: ">10000" when counting stopped at the cap. */
export function formatCount(rowCount: number, capped: boolean): string {
  return capped ? `>${rowCount}` : String(rowCount);
}
