import type { SourceMetrics, SourceTable } from './types.ts';

/** A server database of no known schema: no charts, one table of its tables and their row counts. */
export function tableListMetrics(tables: SourceTable[]): SourceMetrics {
  return {
    kind: 'generic',
    charts: [],
    tables: [
      {
        id: 'tables',
        title: 'Tables',
        columns: ['Table', 'Type', 'Columns', 'Rows'],
        rows: tables.map((t) => [
          t.name,
          t.type,
          String(t.columns),
          t.rows === null ? '—' : `${t.rowsEstimated ? '~' : ''}${t.rows}`,
        ]),
      },
    ],
  };
}
