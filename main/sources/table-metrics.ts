import type { FigureTable, SourceMetrics, SourceTable } from './types.ts';

/** The figure table of a store's tables: one row per table (name, type, columns, rows as worded). */
export function tablesFigure(
  rows: [name: string, type: string, columns: string, rows: string][],
): FigureTable {
  return { id: 'tables', title: 'Tables', columns: ['Table', 'Type', 'Columns', 'Rows'], rows };
}

/** A server database of no known schema: no charts, one table of its tables and their row counts. */
export function tableListMetrics(tables: SourceTable[]): SourceMetrics {
  return {
    kind: 'generic',
    charts: [],
    tables: [
      tablesFigure(
        tables.map((t) => [
          t.name,
          t.type,
          String(t.columns),
          t.rows === null ? '—' : `${t.rowsEstimated ? '~' : ''}${t.rows}`,
        ]),
      ),
    ],
  };
}
