import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { listDbFiles } from '../../store/files.ts';
import { listChats } from '../../store/layout.ts';
import { toAppError } from '../../sqlite/open.ts';
import { quickCheck } from '../../query/damage.ts';
import { readChatLearning } from '../../query/learning.ts';
import { runWithDeadline, tablePageWithDeadline } from '../../query/runner.ts';
import { resultPage, storeResult } from '../../query/results.ts';
import { checkConsoleSql } from '../../query/sql.ts';
import type { WorkerPool } from '../../workers/pool.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

/**
 * Where statements and schema reads of the Files screen run: the pool of interactive requests (a runaway
 * statement's worker is terminated and replaced there), or the fan-out pool where there is none (tests).
 */
const statementPool = (ctx: HandlerContext): WorkerPool => ctx.offload ?? ctx.pool;

/** How long describing a file may take before the request is stopped (ctx.deadlineMs overrides). */
const DESCRIBE_DEADLINE_MS = 10_000;

/** The allowed file's real path; the worker that reads it refuses a folder (query/runner.ts refuseFolder). */
const fileOf = (path: string, ctx: HandlerContext): string => ctx.places.requireFile(path);

export const queryHandlers = {
  'chat.learning': ({ root, chatId, tree }, ctx) => {
    const real = ctx.places.requireRoot(root);
    try {
      return readChatLearning(real, chatId, tree);
    } catch (error) {
      throw toAppError(error, `chat ${chatId}`);
    }
  },
  'file.inspect': async ({ path }, ctx) => {
    const real = fileOf(path, ctx);
    const pool = statementPool(ctx);
    const described = await pool.run('sql.describe', real, {
      deadlineMs: ctx.deadlineMs ?? DESCRIBE_DEADLINE_MS,
      describe: `reading ${real} (file.inspect): the file did not answer and the request was stopped; other requests go on`,
    });
    return { ...described, damage: await quickCheck(pool, real) };
  },
  'root.overview': ({ root }, ctx) => {
    const real = ctx.places.requireRoot(root);
    // An empty chat_<id> folder is not a chat: only folders holding one of the bot's DBs count.
    const chats = listChats(real).chats.filter(
      (c) => existsSync(join(c.dir, 'conversations.db')) || existsSync(join(c.dir, 'profile.db')),
    );
    return { chatFolders: chats.length, dbFiles: listDbFiles(real).files.length };
  },
  'file.query': ({ path, table, sort, filters, offset, limit, timeoutMs }, ctx) =>
    tablePageWithDeadline(
      statementPool(ctx),
      { path: fileOf(path, ctx), table, sort, filters, offset, limit },
      timeoutMs,
    ),
  'sql.run': async ({ path, sql, timeoutMs, rowCap, limit }, ctx) => {
    const real = fileOf(path, ctx);
    const body = checkConsoleSql(sql);
    const result = await runWithDeadline(
      statementPool(ctx),
      { path: real, sql: body, params: [], rowCap, output: 'cells', requireReadonly: true },
      timeoutMs,
    );
    if (result.output !== 'cells') throw new AppError('internal', 'unexpected query output');
    const resultId = storeResult({
      path: real,
      columns: result.columns,
      rows: result.rows,
      capped: result.capped,
    });
    return {
      resultId,
      columns: result.columns,
      rows: result.rows.slice(0, limit),
      rowCount: result.rows.length,
      capped: result.capped,
      elapsedMs: result.elapsedMs,
    };
  },
  'sql.page': ({ resultId, offset, limit }) => ({ rows: resultPage(resultId, offset, limit).rows, offset }),
  'sql.export': async ({ path, sql, timeoutMs, rowCap, format }, ctx) => {
    const real = fileOf(path, ctx);
    const body = checkConsoleSql(sql);
    const result = await runWithDeadline(
      statementPool(ctx),
      { path: real, sql: body, params: [], rowCap, output: format, requireReadonly: true },
      timeoutMs,
    );
    if (result.output === 'cells') throw new AppError('internal', 'unexpected query output');
    const stem = basename(real).replace(/\.[^.]+$/, '');
    return {
      text: result.text,
      rowCount: result.rowCount,
      capped: result.capped,
      filename: `${stem}-query.${format}`,
    };
  },
} satisfies Partial<Handlers>;
