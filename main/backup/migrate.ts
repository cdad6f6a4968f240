// `migrate`: split the unified legacy user_history.db (seed 000: the five tables in one file, keyed by
// chat_id) into the per-chat layout, and prove every row arrived.
//
// Each chat is built in a hidden folder inside the target chats folder (same file system), with the exact
// schemas of main/adapters/per-chat-schema.ts and a fresh metadata.json; every table is then compared with the source
// (row count and a sha256 over its rows in id order). Only a chat that matches is renamed into place, whole.
// An existing chat is never touched without --force, and then only through the restore swap (old files kept
// as .bak-<time>).

import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MigrateChat, MigrateResult } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { openReadonly, type ReadableDb } from '../sqlite/open.ts';
import { openPrivateReadonly, type Reader } from '../sqlite/readable.ts';
import { openForWrite } from '../sqlite/write.ts';
import { guardInsideRoot } from '../fs/entry.ts';
import { resolveChatsDir } from '../store/layout.ts';
import {
  CONVERSATIONS_DB,
  CONVERSATIONS_SCHEMA,
  EXPECTED_TABLES,
  METADATA_JSON,
  PROFILE_DB,
  PROFILE_SCHEMA,
} from '../adapters/per-chat-schema.ts';
import {
  chownLike,
  crashPoint,
  fsyncDir,
  fsyncFile,
  removeQuietly,
  removeStaleTemps,
  tempBeside,
} from '../fs/files.ts';
import { buildMetadataFromDbs, writeStagedText } from './metadata.ts';
import { swapInto } from './swap.ts';

export interface MigrateOptions {
  path: string;
  root: string;
  dryRun?: boolean;
  force?: boolean;
  now?: Date;
  waitMs?: number;
}

/** Per-chat tables in the order they are written, with the file they go to and their row order. */
const TABLES: { table: string; file: typeof PROFILE_DB | typeof CONVERSATIONS_DB; orderBy: string }[] = [
  { table: 'user_profile', file: PROFILE_DB, orderBy: 'chat_id' },
  { table: 'user_preferences', file: PROFILE_DB, orderBy: 'chat_id' },
  { table: 'learning_progress', file: PROFILE_DB, orderBy: 'id' },
  { table: 'messages', file: CONVERSATIONS_DB, orderBy: 'id' },
  { table: 'conversation_sessions', file: CONVERSATIONS_DB, orderBy: 'id' },
];

function sourceColumns(db: ReadableDb): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const existing = new Set(
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[],
  );
  for (const { table, file } of TABLES) {
    if (!existing.has(table)) continue;
    const have = new Set(
      (db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string }[]).map((c) => c.name),
    );
    // Only the expected columns the legacy file really has: the rest take the schema's defaults.
    out.set(
      table,
      EXPECTED_TABLES[file][table]!.filter((c) => have.has(c)),
    );
  }
  return out;
}

function hashValue(hash: Hash, value: unknown): void {
  if (value === null || value === undefined) hash.update('n\u0001');
  else if (typeof value === 'bigint') hash.update(`i${value}\u0001`);
  else if (typeof value === 'number') hash.update(`r${value}\u0001`);
  else if (typeof value === 'string') hash.update(`t${Buffer.byteLength(value)}:${value}\u0001`);
  else if (Buffer.isBuffer(value)) hash.update(`b${value.length}:`).update(value).update('\u0001');
  else hash.update(`?${String(value)}\u0001`);
}

/** Row count and sha256 of a table's rows (the given columns, in `orderBy` order). */
function tableDigest(
  db: Reader,
  table: string,
  columns: string[],
  orderBy: string,
  chatId: bigint | null,
): { count: number; sha256: string } {
  const where = chatId === null ? '' : ' WHERE chat_id = ?';
  const stmt = db
    .prepare(
      `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)}${where} ORDER BY ${quoteIdent(orderBy)}`,
    )
    .raw(true)
    .safeIntegers(true);
  const hash = createHash('sha256');
  let count = 0;
  for (const row of (chatId === null ? stmt.iterate() : stmt.iterate(chatId)) as Iterable<unknown[]>) {
    for (const v of row) hashValue(hash, v);
    hash.update('\u0002');
    count++;
  }
  return { count, sha256: hash.digest('hex') };
}

function buildDb(
  path: string,
  schema: string,
  src: ReadableDb,
  columns: Map<string, string[]>,
  file: string,
  chatId: bigint,
): void {
  const db = openForWrite(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.exec(schema);
    db.exec('BEGIN');
    for (const { table, file: f, orderBy } of TABLES) {
      const cols = columns.get(table);
      if (f !== file || !cols || cols.length === 0) continue;
      const read = src
        .prepare(
          `SELECT ${cols.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)} WHERE chat_id = ? ORDER BY ${quoteIdent(orderBy)}`,
        )
        .raw(true)
        .safeIntegers(true);
      const insert = db.prepare(
        `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      );
      for (const row of read.iterate(chatId) as Iterable<unknown[]>) insert.run(...row);
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  fsyncFile(path);
}

/**
 * Where the chat folders go: into the folder given, as the bot reads them (`--into data/chats` writes
 * `data/chats/chat_<id>`, not `data/chats/chats/...`). A folder that already holds the chats layout, itself
 * or in its `chats/`, `data/chats/` or `bot/data/chats/`, gets them beside the chats already there.
 */
export function migrationChatsDir(root: string): string {
  return resolveChatsDir(root);
}

export async function migrateUserHistory(
  options: MigrateOptions,
  ctx: JobContext<MigrateChat>,
): Promise<MigrateResult> {
  const source = resolve(options.path);
  const root = resolve(options.root);
  if (!existsSync(root)) throw new AppError('not_found', `${options.root}: no such folder`);
  const now = options.now ?? new Date();
  const { db: src } = openReadonly(source);
  try {
    const columns = sourceColumns(src);
    if (!columns.has('messages') || !columns.has('user_profile')) {
      throw new AppError(
        'invalid_input',
        `${source} is not a legacy user_history.db (it has no user_profile and messages tables)`,
      );
    }
    const union = [...columns.keys()]
      .map((t) => `SELECT chat_id FROM ${quoteIdent(t)} WHERE chat_id IS NOT NULL`)
      .join(' UNION ');
    const ids = (src.prepare(`${union} ORDER BY 1`).pluck().safeIntegers(true).all() as unknown[]).filter(
      (v): v is bigint => typeof v === 'bigint',
    );
    const chatsDir = migrationChatsDir(root);
    const chats: MigrateChat[] = [];
    const digests = new Map<string, Map<string, { count: number; sha256: string }>>();
    for (const id of ids) {
      // Reading the source can take long on a big file: progress, and a cancel seen between chats.
      throwIfCancelled(ctx.signal);
      ctx.progress(digests.size, null, `reading chat ${id}`);
      const chatId = String(id);
      // A chat folder that is a link is refused (the one path guard), never written through.
      const dir = guardInsideRoot(root, join(chatsDir, `chat_${chatId}`));
      const perTable = new Map<string, { count: number; sha256: string }>();
      for (const { table, orderBy } of TABLES) {
        const cols = columns.get(table);
        if (!cols) continue;
        perTable.set(table, tableDigest(src, table, cols, orderBy, id));
      }
      digests.set(chatId, perTable);
      chats.push({
        chatId,
        action: existsSync(dir) ? (options.force ? 'replace' : 'conflict') : 'add',
        tables: [...perTable].map(([table, d]) => ({
          table,
          source: d.count,
          migrated: null,
          checksumOk: null,
        })),
        backups: [],
      });
    }
    const totals = (list: MigrateChat[]) => {
      const sum = (table: string) =>
        list.reduce((n, c) => n + (c.tables.find((t) => t.table === table)?.source ?? 0), 0);
      return {
        users: list.length,
        messages: sum('messages'),
        sessions: sum('conversation_sessions'),
        rows: list.reduce((n, c) => n + c.tables.reduce((m, t) => m + t.source, 0), 0),
      };
    };
    const conflicts = chats.filter((c) => c.action === 'conflict');
    if (options.dryRun) {
      return {
        source,
        root,
        chatsDir,
        dryRun: true,
        applied: false,
        chats,
        totals: totals(chats),
        integrityPercent: 0,
      };
    }
    if (conflicts.length > 0) {
      throw new AppError(
        'conflict',
        `${conflicts.length} chat(s) already exist in ${root} (${conflicts
          .slice(0, 5)
          .map((c) => c.chatId)
          .join(
            ', ',
          )}${conflicts.length > 5 ? ', ...' : ''}): nothing was migrated; use --force to replace them (the old files are kept as .bak-<time>)`,
      );
    }
    mkdirSync(chatsDir, { recursive: true });
    removeStaleTemps(chatsDir);
    let verifiedRows = 0;
    let done = 0;
    for (const chat of chats) {
      throwIfCancelled(ctx.signal);
      const id = BigInt(chat.chatId);
      const finalDir = join(chatsDir, `chat_${chat.chatId}`);
      const tmpDir = tempBeside(finalDir, 'migrate');
      mkdirSync(tmpDir, { mode: 0o755 });
      try {
        buildDb(join(tmpDir, PROFILE_DB), PROFILE_SCHEMA, src, columns, PROFILE_DB, id);
        buildDb(join(tmpDir, CONVERSATIONS_DB), CONVERSATIONS_SCHEMA, src, columns, CONVERSATIONS_DB, id);
        // Prove it: every table's count and checksum, read back from the new files.
        let allOk = true;
        const expected = digests.get(chat.chatId)!;
        for (const t of chat.tables) {
          const spec = TABLES.find((x) => x.table === t.table)!;
          const db = openPrivateReadonly(join(tmpDir, spec.file));
          try {
            const got = tableDigest(db, t.table, columns.get(t.table)!, spec.orderBy, null);
            t.migrated = got.count;
            t.checksumOk =
              got.count === expected.get(t.table)!.count && got.sha256 === expected.get(t.table)!.sha256;
          } finally {
            db.close();
          }
          if (t.checksumOk) verifiedRows += t.source;
          else allOk = false;
        }
        if (!allOk) {
          removeQuietly(tmpDir);
          continue;
        }
        const meta = buildMetadataFromDbs(tmpDir, chat.chatId, now, null);
        const staged = writeStagedText(
          join(tmpDir, METADATA_JSON),
          `${JSON.stringify(meta, null, 2)}\n`,
          'new',
        );
        renameSync(staged, join(tmpDir, METADATA_JSON));
        fsyncDir(tmpDir);
        crashPoint('migrate:built');
        if (!existsSync(finalDir)) {
          chownLike(
            [tmpDir, ...[PROFILE_DB, CONVERSATIONS_DB, METADATA_JSON].map((n) => join(tmpDir, n))],
            chatsDir,
          );
          renameSync(tmpDir, finalDir);
          fsyncDir(chatsDir);
        } else {
          // --force: each file through the restore swap, old ones kept as .bak-<time>.
          for (const name of [PROFILE_DB, CONVERSATIONS_DB, METADATA_JSON]) {
            const target = join(finalDir, name);
            const stagedPath = tempBeside(target, 'migrate');
            renameSync(join(tmpDir, name), stagedPath);
            const { backup } = swapInto(target, stagedPath, {
              label: `chat ${chat.chatId}`,
              waitMs: options.waitMs ?? 10_000,
              now,
              sqlite: name !== METADATA_JSON,
            });
            if (backup) chat.backups.push(backup);
          }
          rmdirSync(tmpDir);
        }
      } finally {
        if (existsSync(tmpDir)) removeQuietly(tmpDir);
      }
      ctx.emit(chat);
      ctx.progress(++done, chats.length, `chat ${chat.chatId}`);
    }
    const t = totals(chats);
    const integrityPercent = t.rows === 0 ? 100 : Math.floor((verifiedRows / t.rows) * 10000) / 100;
    return { source, root, chatsDir, dryRun: false, applied: true, chats, totals: t, integrityPercent };
  } finally {
    src.close();
  }
}
