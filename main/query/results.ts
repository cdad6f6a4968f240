import { randomUUID } from 'node:crypto';
import type { Cell } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';

// Console results are read once and paged from here, so paging never runs the statement again. A few
// results are kept (the newest), each at most the row cap with cut cells.

export interface StoredResult {
  path: string;
  columns: string[];
  rows: Cell[][];
  capped: boolean;
}

const KEEP = 6;
const results = new Map<string, StoredResult>();

export function storeResult(result: StoredResult): string {
  const id = randomUUID();
  results.set(id, result);
  while (results.size > KEEP) results.delete(results.keys().next().value!);
  return id;
}

export function resultPage(
  id: string,
  offset: number,
  limit: number,
): { rows: Cell[][]; result: StoredResult } {
  const result = results.get(id);
  if (!result) throw new AppError('not_found', 'This result is no longer kept: run the query again.');
  return { rows: result.rows.slice(offset, offset + limit), result };
}
