import type { TablePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { toCell } from '../adapters/cells.ts';
import { findObject } from '../sqlite/catalog.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { toAppError } from '../sqlite/open.ts';
import { describeTolerant } from './damage.ts';
import { runStatement } from './execute.ts';
import { tableQuerySql, type TablePageItem, type TablePageResult } from './sql.ts';

// The Files screen's sorted and filtered grid and its description of a damaged file: both read the
// file's schema and rows, so both run in a worker of the pool (main/query/runner.ts, main/tasks.ts).

export type { TablePageItem, TablePageResult };

/** One page of a table or view, sorted and filtered; its first column is the row's key. */
export function readTablePage({ path, table, sort, filters, offset, limit }: TablePageItem): TablePage {
  let object;
  try {
    object = findObject(readonlyCache.get(path), table);
  } catch (error) {
    throw toAppError(error, path);
  }
  if (object.error) throw new AppError('corrupt', `${table} cannot be read: ${object.error}`);
  const { sql, params, key } = tableQuerySql(object, { sort, filters, offset, limit: limit + 1 });
  const result = runStatement({
    path,
    sql,
    params,
    rowCap: limit + 1,
    output: 'cells',
    requireReadonly: true,
  });
  if (result.output !== 'cells') throw new AppError('internal', 'unexpected query output');
  const more = result.rows.length > limit;
  const rows = result.rows.slice(0, limit).map((row, i) =>
    // Without a rowid the key is the position in this order.
    object.rowidName ? row : [toCell(BigInt(offset + i + 1)), ...row.slice(1)],
  );
  return {
    table: object.name,
    columns: [key, ...object.columns.map((c) => c.name)],
    rows,
    nextCursor: more ? String(offset + limit) : null,
  };
}

/** A damaged file described as far as it can be read (quick_check aside: it has a deadline of its own). */
export function describeFileTolerant(path: string): ReturnType<typeof describeTolerant> {
  try {
    return describeTolerant(readonlyCache.get(path), path);
  } catch (error) {
    throw toAppError(error, path);
  }
}
