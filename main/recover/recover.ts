// `recover`: salvage what is readable from a damaged DB into a new file with the original schema.
//
// The damaged file and its -wal/-shm are never modified: they are read (the fast path reads a private copy).
// The work (work.ts) runs in a worker of the pool (the one running recover.run, or, when this is called on
// a main thread, one it is handed to): a fast path when the file passes quick_check, else the page reader (salvage.ts). The new
// DB is built in a tracked temporary file beside its final place and linked there at the end; every temporary file is removed whatever way this ends (error, cancel, signal).

import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { basename, dirname, join, resolve } from 'node:path';
import type { RecoverResult } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { crashPoint, fsyncFile, privateTempDir, requireAbsent, tempBeside } from '../fs/files.ts';
import { quickCheckFile } from '../sqlite/file.ts';
import { swapInto } from '../backup/swap.ts';
import { requireRegularFile } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { SQLITE_MAGIC, readHeader } from '../sqlite/header.ts';
import { withReadonly } from '../sqlite/open.ts';
import {
  CHAT_DIR_PATTERN,
  CONVERSATIONS_DB,
  METADATA_JSON,
  PROFILE_DB,
} from '../adapters/per-chat-schema.ts';
import type { RowCountHint } from './salvage.ts';
import { sharedPool, type WorkerPool } from '../workers/pool.ts';
import { recoverWork, type Progress, type RecoverWorkInput, type RecoverWorkResult } from './work.ts';

export interface RecoverOptions {
  path: string;
  /** The new DB (must not exist). Optional with intoPlace. */
  out?: string | undefined;
  /** Put the recovered DB in place of the damaged one (kept as .bak-<time>) through the restore swap. */
  intoPlace?: boolean;
  waitMs?: number | undefined;
  now?: Date;
  /** Where the page work runs when this is called on a main thread (default: the process's shared pool). */
  pool?: WorkerPool;
}

/** Progress is passed on at most every PROGRESS_MS (the page reader reports every 256 pages). */
const PROGRESS_MS = 100;

/**
 * The page work's progress, throttled, and the cancel check: the work is synchronous, so a cancel is seen
 * at its next report (every 256 pages, 2,000 rows). In the app the job runs in a worker of the pool, whose
 * flag makes `ctx.signal.aborted` true at once; if the work does not come back in time the pool terminates
 * the worker and removes the temporary files this job tracked (main/workers/pool.ts).
 */
function reportingProgress(ctx: JobContext<null>): Progress {
  let last = 0;
  return (done, total, what) => {
    throwIfCancelled(ctx.signal);
    const now = Date.now();
    if (now - last < PROGRESS_MS && done !== total) return;
    last = now;
    ctx.progress(done, total, what);
  };
}

/** The page work of one recovery, on this thread (the pool's task `recover.work`, main/tasks.ts). */
export function recoverWorkTask(input: RecoverWorkInput, ctx: JobContext<null>): RecoverWorkResult {
  return recoverWork(input, reportingProgress(ctx));
}

/**
 * How many rows the chat's other files say a table of conversations.db had: metadata.json's totals and
 * profile.db's user_profile.total_messages (read-only). A count is used only where its sources agree.
 */
export function rowCountHints(source: string): RowCountHint[] {
  const dir = dirname(source);
  if (basename(source) !== CONVERSATIONS_DB || !CHAT_DIR_PATTERN.test(basename(dir))) return [];
  const found = new Map<string, { count: number; source: string }[]>();
  const add = (table: string, count: unknown, from: string): void => {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return;
    found.set(table, [...(found.get(table) ?? []), { count, source: from }]);
  };
  try {
    const meta = join(dir, METADATA_JSON);
    requireRegularFile(meta);
    const json = JSON.parse(readFileSync(meta, 'utf8')) as {
      quick_stats?: { total_messages?: unknown; total_sessions?: unknown };
    };
    add('messages', json.quick_stats?.total_messages, 'metadata.json total_messages');
    add('conversation_sessions', json.quick_stats?.total_sessions, 'metadata.json total_sessions');
  } catch {
    // no metadata.json, or unreadable: no hint from it
  }
  try {
    const profile = join(dir, PROFILE_DB);
    requireRegularFile(profile);
    const total = withReadonly(profile, (db) =>
      db.prepare('SELECT total_messages FROM user_profile LIMIT 2').pluck().all(),
    ) as unknown[];
    if (total.length === 1) add('messages', total[0], 'profile.db total_messages');
  } catch {
    // no profile.db, or damaged: no hint from it
  }
  const hints: RowCountHint[] = [];
  for (const [table, counts] of found) {
    if (counts.every((c) => c.count === counts[0]!.count))
      hints.push({
        table,
        count: counts[0]!.count,
        source: counts.map((c) => c.source).join(' and '),
        sources: counts.length,
      });
  }
  return hints;
}

/** Whether the file begins with SQLite's 16-byte magic string. */
/** How a recovered copy replaces the damaged DB: named by its chat, waiting for the bot to let go. */
function swapOptions(source: string, options: { waitMs?: number | undefined; now?: Date | undefined }) {
  const chatDir = basename(dirname(source));
  return {
    label: CHAT_DIR_PATTERN.test(chatDir) ? `chat ${chatDir.slice(5)}` : source,
    waitMs: options.waitMs ?? 10_000,
    now: options.now,
    sqlite: true,
  };
}

function startsAsSqlite(path: string): boolean {
  const magic = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    return (
      readSync(fd, magic, 0, magic.length, 0) === magic.length && magic.toString('latin1') === SQLITE_MAGIC
    );
  } finally {
    closeSync(fd);
  }
}

function fingerprint(path: string): string {
  const parts: string[] = [];
  for (const suffix of ['', '-wal', '-journal']) {
    try {
      const st = statSync(path + suffix);
      parts.push(`${suffix}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${suffix}:none`);
    }
  }
  return parts.join(' ');
}

export async function recoverDb(options: RecoverOptions, ctx: JobContext<null>): Promise<RecoverResult> {
  const started = Date.now();
  const source = resolve(options.path);
  if (!existsSync(source)) throw new AppError('not_found', `${options.path}: no such file`);
  requireRegularFile(source);
  if (!options.out && !options.intoPlace)
    throw new AppError('invalid_input', 'recover needs --out NEW.db or --into-place');
  const out = options.out ? resolve(options.out) : null;
  if (out) {
    if (out === source)
      throw new AppError('invalid_input', '--out must be a new file, not the damaged one (use --into-place)');
    requireAbsent(out, 'recovered DB');
  }
  const header = readHeader(source);
  // A file that starts as SQLite's does but whose page-size field is impossible is read all the same: the
  // page reader infers the page size from the pages.
  if (
    !header.ok &&
    (header.code === 'empty_file' ||
      header.code === 'missing_file' ||
      (header.code === 'not_sqlite' && !startsAsSqlite(source)))
  ) {
    throw new AppError(
      header.code === 'missing_file' ? 'not_found' : header.code,
      `${source}: ${header.message}; there is nothing to recover in it — restore it from a backup`,
    );
  }
  const before = fingerprint(source);
  const work = privateTempDir('recover');
  const untrackWork = trackTemp(work);
  // Built beside its final place, so the last step is a link/rename on one file system.
  const building = out ? tempBeside(out, 'recover') : tempBeside(source, 'recover');
  const untrackBuilding = trackTemp(building);
  let result: RecoverResult;
  try {
    const input: RecoverWorkInput = { source, work, building, hints: rowCountHints(source) };
    throwIfCancelled(ctx.signal);
    // On a process's main thread (the CLI today) the page work goes to a worker of the pool, so the
    // thread stays free for signals and the window; in a worker (recover.run) it runs right here.
    const done = isMainThread
      ? await (options.pool ?? sharedPool()).run('recover.work', input, {
          signal: ctx.signal,
          onProgress: (d, t, what) => ctx.progress(d, t, what),
        })
      : recoverWorkTask(input, ctx);
    throwIfCancelled(ctx.signal);
    if (done.integrity !== 'ok') {
      throw new AppError(
        'internal',
        `the recovered DB fails quick_check (${done.integrity}); nothing was written`,
      );
    }
    fsyncFile(building);
    result = { source, out, ...done, placedInto: null, backup: null, durationMs: 0 };
    crashPoint('recover:built');
    if (out) {
      // No-clobber: link fails if --out appeared meanwhile.
      try {
        linkSync(building, out);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') requireAbsent(out, 'recovered DB');
        throw error;
      }
    }
    if (options.intoPlace) {
      let staged = building;
      if (out) {
        staged = tempBeside(source, 'recover');
        trackTemp(staged);
        copyFileSync(out, staged);
        fsyncFile(staged);
      }
      try {
        const { backup } = swapInto(source, staged, swapOptions(source, options));
        result.placedInto = source;
        result.backup = backup;
      } finally {
        if (staged !== building) removeTemp(staged);
      }
    }
  } finally {
    removeTemp(work);
    untrackWork();
    removeTemp(building);
    untrackBuilding();
  }
  // The damaged file must be exactly as it was (unless it was deliberately replaced in place).
  if (!options.intoPlace && fingerprint(source) !== before) {
    throw new AppError('internal', `${source} changed during recovery (another program wrote it?)`);
  }
  result.durationMs = Date.now() - started;
  return result;
}

/** Puts an already recovered DB (a file `recover` wrote) in place of the damaged one, through the swap. */
export function placeRecovered(options: { path: string; recovered: string; waitMs?: number; now?: Date }): {
  placedInto: string;
  backup: string | null;
} {
  const source = resolve(options.path);
  requireRegularFile(source);
  requireRegularFile(options.recovered);
  const staged = tempBeside(source, 'recover');
  const untrack = trackTemp(staged);
  try {
    copyFileSync(options.recovered, staged);
    fsyncFile(staged);
    const check = quickCheckFile(staged);
    if (check !== 'ok')
      throw new AppError(
        'corrupt',
        `${options.recovered} fails quick_check (${check}); it was not put in place`,
      );
    const { backup } = swapInto(source, staged, swapOptions(source, options));
    return { placedInto: source, backup };
  } finally {
    removeTemp(staged);
    untrack();
  }
}
