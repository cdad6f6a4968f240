import { z } from 'zod';
import { Cell, FileInfo, TablePage } from '../domain.ts';
import { query } from './define.ts';
import { ChatTreeInput } from './browse.ts';
import { ChatId, PathInput, pageLimit } from './primitives.ts';

// The table browser's sorted/filtered pages and the read-only SQL console. Every statement runs in a
// thread of its own on a read-only connection and is stopped at its time limit.

const Sql = z.string().min(1).max(100_000);
/** Milliseconds a statement may run before it is stopped. */
const TimeLimit = z.number().int().min(100).max(60_000).default(1000);
/** Rows a console result keeps at most. */
const RowCap = z.number().int().min(1).max(100_000).default(10_000);
const PageLimit = pageLimit(1000, 100);

export const FilterOp = z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'starts', 'null', 'notnull']);
export type FilterOp = z.infer<typeof FilterOp>;

export const RowFilter = z.object({
  column: z.string().min(1).max(512),
  op: FilterOp,
  value: z.string().max(10_000).optional(),
});
export type RowFilter = z.infer<typeof RowFilter>;

export const queryOperations = {
  'chat.learning': query(
    "What a chat's databases say about the learner: most frequent corrections, vocabulary suggested per month, errors per session.",
    z.object({
      root: PathInput,
      chatId: ChatId,
      tree: ChatTreeInput.optional(),
    }),
    z.object({
      topCorrections: z.array(
        z.object({ original: z.string(), corrected: z.string(), count: z.number().int() }),
      ),
      vocabularyPerMonth: z.array(
        z.object({ month: z.string(), words: z.number().int(), newWords: z.number().int() }),
      ),
      topWords: z.array(z.object({ word: z.string(), count: z.number().int() })),
      errorsPerSession: z.array(
        z.object({
          sessionId: z.string(),
          start: z.string().nullable(),
          messages: z.number().int(),
          withErrors: z.number().int(),
        }),
      ),
      rowsRead: z.number().int(),
      windowed: z.boolean(),
    }),
  ),
  // Runs on main: a coordinator; it hands the file's description and its quick_check to the pool, each
  // with its own deadline (quick_check's ends in a null finding, not in a failed request).
  'file.inspect': query(
    "A damaged file, described as far as it can be read: the readable tables, the ones that cannot be read and why, and SQLite's quick_check findings.",
    z.object({ path: PathInput }),
    z.object({
      info: FileInfo,
      unreadable: z.array(z.object({ table: z.string(), message: z.string() })),
      /** quick_check's lines ('ok' alone: no damage found); null when it did not finish in time. */
      damage: z.array(z.string()).nullable(),
    }),
    { runs: 'main' },
  ),
  'root.overview': query(
    'What a data root holds at a glance: chat folders, and SQLite files outside them (a folder of legacy DBs has only the latter).',
    z.object({ root: PathInput }),
    z.object({ chatFolders: z.number().int(), dbFiles: z.number().int() }),
  ),
  // Runs on main: a coordinator; the schema read and the statement run in the pool, stopped at the
  // request's own time limit with the console's message.
  'file.query': query(
    'A page of a table or view sorted by any column and filtered (column, operator, value); stopped at its time limit.',
    z.object({
      path: PathInput,
      table: z.string().min(1).max(512),
      sort: z.object({ column: z.string().min(1).max(512), desc: z.boolean() }).optional(),
      filters: z.array(RowFilter).max(20).default([]),
      offset: z.number().int().min(0).max(1_000_000).default(0),
      limit: PageLimit,
      timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    }),
    TablePage,
    { runs: 'main' },
  ),
  // Runs on main: the result is kept in this process for sql.page; the statement runs in the pool,
  // stopped at its limit.
  'sql.run': query(
    'Runs one read-only statement (SELECT or WITH) on a file: the first page of its rows, up to a row cap, within a time limit.',
    z.object({ path: PathInput, sql: Sql, timeoutMs: TimeLimit, rowCap: RowCap, limit: PageLimit }),
    z.object({
      resultId: z.string(),
      columns: z.array(z.string()),
      rows: z.array(z.array(Cell)),
      rowCount: z.number().int(),
      /** True when the statement had more rows than the cap. */
      capped: z.boolean(),
      elapsedMs: z.number().int(),
    }),
    { runs: 'main' },
  ),
  // Runs on main: it pages a result kept in this process's memory.
  'sql.page': query(
    'Another page of a console result (kept for a while; run the statement again when it is gone).',
    z.object({
      resultId: z.string().min(1).max(64),
      offset: z.number().int().min(0),
      limit: PageLimit,
    }),
    z.object({ rows: z.array(z.array(Cell)), offset: z.number().int() }),
    { runs: 'main' },
  ),
  // Runs on main: a coordinator; the statement runs in the pool, stopped at its limit.
  'sql.export': query(
    "A console statement's rows (full values, up to the row cap) as CSV or JSON text, to save as a file.",
    z.object({
      path: PathInput,
      sql: Sql,
      timeoutMs: TimeLimit,
      rowCap: RowCap,
      format: z.enum(['csv', 'json']),
    }),
    z.object({ text: z.string(), rowCount: z.number().int(), capped: z.boolean(), filename: z.string() }),
    { runs: 'main' },
  ),
} as const;
