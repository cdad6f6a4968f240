import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { findObject } from '../../adapters/schema.ts';
import { listDbFiles } from '../../store/files.ts';
import { listChats } from '../../store/layout.ts';
import { toCell } from '../../adapters/cells.ts';
import { readonlyCache } from '../../sqlite/cache.ts';
import { toAppError } from '../../sqlite/open.ts';
import { describeTolerant, quickCheck } from '../../query/damage.ts';
import { readChatLearning } from '../../query/learning.ts';
import { runWithDeadline } from '../../query/runner.ts';
import { resultPage, storeResult } from '../../query/results.ts';
import { checkConsoleSql, tableQuerySql } from '../../query/sql.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

function fileOf(path: string, ctx: HandlerContext): string {
  const real = ctx.places.requireFile(path);
  if (statSync(real).isDirectory())
    throw new AppError('invalid_input', `${path}: is a folder, not a database file`);
  return real;
}

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
    let described;
    try {
      described = describeTolerant(readonlyCache.get(real), real);
    } catch (error) {
      throw toAppError(error, real);
    }
    return { ...described, damage: await quickCheck(real) };
  },
  'root.overview': ({ root }, ctx) => {
    const real = ctx.places.requireRoot(root);
    // An empty chat_<id> folder is not a chat: only folders holding one of the bot's DBs count.
    const chats = listChats(real).chats.filter(
      (c) => existsSync(join(c.dir, 'conversations.db')) || existsSync(join(c.dir, 'profile.db')),
    );
    return { chatFolders: chats.length, dbFiles: listDbFiles(real).files.length };
  },
  'file.query': async ({ path, table, sort, filters, offset, limit, timeoutMs }, ctx) => {
    const real = fileOf(path, ctx);
    let object;
    try {
      object = findObject(readonlyCache.get(real), table);
    } catch (error) {
      throw toAppError(error, real);
    }
    if (object.error) throw new AppError('corrupt', `${table} cannot be read: ${object.error}`);
    const { sql, params, key } = tableQuerySql(object, { sort, filters, offset, limit: limit + 1 });
    const result = await runWithDeadline(
      { path: real, sql, params, rowCap: limit + 1, output: 'cells', requireReadonly: true },
      timeoutMs,
    );
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
  },
  'sql.run': async ({ path, sql, timeoutMs, rowCap, limit }, ctx) => {
    const real = fileOf(path, ctx);
    const body = checkConsoleSql(sql);
    const result = await runWithDeadline(
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
