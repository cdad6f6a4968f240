// `backup`: one chat, a selection or the whole root into a .tar.gz with the per-chat layout and a manifest.
//
// Pipeline: chats go to the worker pool in chunks; each worker makes consistent copies of one chat's files
// (online backup API) in a private temp folder with their hashes and row counts; the main thread streams the
// finished chunk into the gzip writer while the workers copy the next one, and deletes each copy as soon as it
// is packed. So temp space is at most two chunks and memory does not grow with the root. The archive is
// written as FILE.<pid>.partial and linked to its name at the end: no half archive ever carries the final
// name. The partial and the temp folder are tracked (main/fs/temp.ts): an error, a cancel, SIGINT or
// SIGTERM removes them; a SIGKILLed backup's partial is removed by the next backup to the same name.
//
// Each chat's files are judged one by one: a folder, FIFO or link where a file should be (or a DB locked for
// the whole wait) is reported in `notBackedUp` and the chat's healthy files are archived all the same. An
// archive that would hold no chat at all is not left on disk: that is an error.

import { linkSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackupEvent, BackupResult } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { VERSION } from '../config/version.ts';
import { describeKind, entryAt } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { chatCopy, chatTrees, listChats, type ChatLocation } from '../store/layout.ts';
import { CHAT_DIR_PATTERN } from '../adapters/per-chat-schema.ts';
import type { WorkerPool } from '../workers/pool.ts';
import {
  fsyncDir,
  fsyncFile,
  holdPoint,
  claimArchiveOut,
  privateTempDir,
  requireAbsent,
  sizeOrNull,
} from '../fs/files.ts';
import {
  ARCHIVE_FORMAT,
  LAYOUT_FILES,
  FORMAT_VERSION,
  MANIFEST_NAME,
  archivePathOf,
  isDamaged,
  type Manifest,
  type ManifestFile,
} from './manifest.ts';
import type { SnapshotChatItem, SnapshotChatResult } from './snapshot.ts';
import { TarGzWriter } from './tar.ts';

export interface BackupOptions {
  root: string;
  /** Absent or empty: every chat. */
  chatIds?: readonly string[] | undefined;
  out: string;
  pool: WorkerPool;
  /** gzip level (default 3; gzip's and `tar -czf`'s default is 6). */
  level?: number | undefined;
  now?: Date;
  /** Run quick_check on every DB while backing up (default false: `verify` does it on the archive). */
  check?: boolean | undefined;
  /** How long to keep trying to read a DB another program keeps locked, before leaving it out (ms). */
  lockWaitMs?: number | undefined;
  /** Chats per worker round (at most MAX_READY rounds wait in memory). */
  chunkSize?: number;
}

/**
 * gzip level 3: as fast as level 1 on this data and ~2.4x faster than level 6 (gzip's and tar -czf's default),
 * for an archive ~10% larger than level 6's (SQLite pages compress well either way). --level 6 or 9 for smaller.
 */
export const DEFAULT_GZIP_LEVEL = 3;
/** Copies waiting to be packed: at most this many chunks... */
const MAX_READY = 3;
/** ...of at most this many bytes of source files each (and at most `chunkSize` chats). */
const CHUNK_BYTES = 32 * 1024 * 1024;

function sizeOfChat(dir: string): number {
  let total = 0;
  for (const name of LAYOUT_FILES) {
    total += sizeOrNull(join(dir, name)) ?? 0;
    if (name !== 'metadata.json') total += sizeOrNull(join(dir, `${name}-wal`)) ?? 0;
  }
  return total;
}

/** Chats in order, cut into chunks by count and by bytes (a chat larger than the budget is a chunk alone). */
function* planChunks(chats: ChatLocation[], maxCount: number): Generator<ChatLocation[]> {
  let chunk: ChatLocation[] = [];
  let bytes = 0;
  for (const chat of chats) {
    const size = sizeOfChat(chat.dir);
    if (chunk.length > 0 && (chunk.length >= maxCount || bytes + size > CHUNK_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(chat);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

type PathReason = { path: string; reason: string };

/**
 * The chats to back up. A chat folder that is a symbolic link (asked for by id, or met in the chats folder)
 * is never followed: it goes to `notBackedUp`, so the person learns that chat is not in the archive.
 */
function selectChats(
  root: string,
  chatIds: readonly string[] | undefined,
): { chats: ChatLocation[]; skipped: PathReason[]; notBackedUp: PathReason[] } {
  const notBackedUp: PathReason[] = [];
  if (chatIds && chatIds.length > 0) {
    const chats: ChatLocation[] = [];
    const trees = chatTrees(root);
    for (const chatId of new Set(chatIds)) {
      // The chat's copy in the first tree holding it, as chatDir finds it (the current tree first).
      let dir = join(trees[0]!.dir, `chat_${chatId}`);
      let tree = trees[0]!.tree;
      let kind = entryAt(dir).kind;
      for (let i = 1; kind === 'missing' && i < trees.length; i++) {
        dir = join(trees[i]!.dir, `chat_${chatId}`);
        tree = trees[i]!.tree;
        kind = entryAt(dir).kind;
      }
      if (kind === 'directory') chats.push({ chatId, dir, tree });
      else if (kind === 'missing') chats.push({ chatId, ...chatCopy(root, chatId) });
      else notBackedUp.push({ path: dir, reason: `the chat folder is ${describeKind(kind)}` });
    }
    return { chats, skipped: [], notBackedUp };
  }
  const { chats, skipped } = listChats(root);
  // A chat in two trees is archived once (its entries are named by chat id): the other copy is named.
  for (const chat of chats)
    for (const copy of chat.copies ?? [])
      notBackedUp.push({
        path: copy.dir,
        reason: `another copy of chat ${chat.chatId}: the copy in ${chat.tree} was backed up`,
      });
  const rest: PathReason[] = [];
  for (const s of skipped) {
    const kind = entryAt(s.path).kind;
    if (kind === 'symlink' && CHAT_DIR_PATTERN.test(basename(s.path)))
      notBackedUp.push({ path: s.path, reason: `the chat folder is ${describeKind(kind)}` });
    else rest.push(s);
  }
  return { chats, skipped: rest, notBackedUp };
}

/** Gives the finished partial its name, never over a file that appeared meanwhile; stops tracking it. */
export function publish(partial: string, out: string): void {
  try {
    linkSync(partial, out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') requireAbsent(out, 'archive');
    // No hard links on this file system: a rename, after checking once more.
    requireAbsent(out, 'archive');
    renameSync(partial, out);
    removeTemp(partial);
    return;
  }
  removeTemp(partial);
}

export async function createBackup(
  options: BackupOptions,
  ctx: JobContext<BackupEvent>,
): Promise<BackupResult> {
  const started = Date.now();
  const root = resolve(options.root);
  const out = resolve(options.out);
  const partial = claimArchiveOut(out);
  const { chats, skipped: rootSkipped, notBackedUp: rootNotBackedUp } = selectChats(root, options.chatIds);
  const createdAt = (options.now ?? new Date()).toISOString();
  const mtime = new Date(createdAt);
  const tmpDir = privateTempDir('backup');
  trackTemp(tmpDir);
  let writer: TarGzWriter;
  try {
    trackTemp(partial);
    writer = new TarGzWriter(partial, options.level ?? DEFAULT_GZIP_LEVEL);
  } catch (error) {
    removeTemp(tmpDir);
    removeTemp(partial);
    throw error;
  }
  const files: ManifestFile[] = [];
  const skipped = [...rootSkipped];
  const notBackedUp = [...rootNotBackedUp];
  const damaged: BackupResult['damaged'] = [];
  const failed: BackupResult['failed'] = [];
  const included: string[] = [];
  let dataBytes = 0;
  let done = 0;
  let finished = false;
  ctx.progress(0, chats.length, null);

  const pack = async (results: (SnapshotChatResult | { chatId: string; error: string })[]): Promise<void> => {
    for (const result of results) {
      throwIfCancelled(ctx.signal);
      if ('error' in result) {
        failed.push({ chatId: result.chatId, reason: result.error });
        ctx.emit({ chatId: result.chatId, files: 0, problem: result.error });
      } else {
        for (const s of result.skipped) skipped.push(s);
        for (const n of result.notBackedUp) notBackedUp.push(n);
        if (result.files.length > 0) {
          await writer.addDir(`chats/chat_${result.chatId}/`, mtime);
          included.push(result.chatId);
        }
        for (const f of result.files) {
          const path = archivePathOf(result.chatId, f.name);
          if (f.data) {
            await writer.addBuffer(
              path,
              Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength),
              new Date(f.mtimeMs),
            );
          } else if (f.tmpPath) {
            await writer.addFile(path, f.tmpPath, f.size, new Date(f.mtimeMs));
            removeTemp(f.tmpPath);
          }
          dataBytes += f.size;
          const { tmpPath: _tmp, mtimeMs: _mtime, data: _data, ...rest } = f;
          files.push({ path, chatId: result.chatId, ...rest });
          if (isDamaged(f.integrity)) damaged.push({ path, integrity: f.integrity });
        }
        const problem = result.files.find((f) => isDamaged(f.integrity));
        const left = result.notBackedUp[0];
        ctx.emit({
          chatId: result.chatId,
          files: result.files.length,
          problem: problem
            ? `${problem.name}: ${problem.integrity}`
            : left
              ? `${basename(left.path)} not backed up: ${left.reason}`
              : null,
        });
      }
      done++;
      ctx.progress(done, chats.length, result.chatId);
      await holdPoint('backup:packed-chat');
    }
  };

  try {
    await writer.addDir('chats/', mtime);
    // Workers copy chunk after chunk without waiting for the archive; the main thread packs finished chunks
    // in order. At most MAX_READY chunks wait in memory (each at most CHUNK_BYTES of copies).
    const inflight: Promise<void>[] = [];
    let packError: unknown = null;
    for (const chunk of planChunks(chats, options.chunkSize ?? 128)) {
      throwIfCancelled(ctx.signal);
      if (packError) throw packError;
      const items: SnapshotChatItem[] = chunk.map((c) => ({
        chatId: c.chatId,
        dir: c.dir,
        tmpDir,
        check: options.check ?? false,
        lockWaitMs: options.lockWaitMs,
      }));
      const results: (SnapshotChatResult | { chatId: string; error: string })[] = new Array(items.length);
      await options.pool.map('backup.chat', items, {
        signal: ctx.signal,
        onResult: (k, outcome) => {
          results[k] = outcome.ok ? outcome.value : { chatId: items[k]!.chatId, error: outcome.message };
        },
      });
      const previous = inflight[inflight.length - 1] ?? Promise.resolve();
      const packed = previous.then(() => pack(results));
      packed.catch((error: unknown) => {
        packError ??= error;
      });
      inflight.push(packed);
      if (inflight.length >= MAX_READY) await inflight.shift();
    }
    await Promise.all(inflight);
    if (included.length === 0) {
      const why = [
        ...failed.map((f) => `chat ${f.chatId}: ${f.reason}`),
        ...notBackedUp.map((n) => `${n.path}: ${n.reason}`),
      ];
      throw new AppError(
        'invalid_input',
        `nothing could be backed up from ${root}, so no archive was written` +
          (why.length > 0
            ? `: ${why.slice(0, 3).join('; ')}${why.length > 3 ? ` (and ${why.length - 3} more)` : ''}`
            : ' (it holds no chat)'),
      );
    }
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: FORMAT_VERSION,
      toolVersion: VERSION,
      createdAt,
      sourceRoot: root,
      chats: included,
      files,
      skipped,
    };
    await writer.addBuffer(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest, null, 1)), mtime);
    await writer.finish();
    fsyncFile(partial);
    publish(partial, out);
    fsyncDir(dirname(out));
    finished = true;
  } catch (error) {
    await writer.abort();
    removeTemp(partial);
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new AppError(
        'conflict',
        `${partial} exists: another backup is writing there (or one crashed; delete it)`,
      );
    if (code === 'ENOSPC') throw new AppError('internal', `no space left for the archive ${out}`);
    throw error;
  } finally {
    removeTemp(tmpDir);
    if (!finished) removeTemp(partial);
  }
  return {
    out,
    chats: included.length,
    files: files.length,
    archiveBytes: statSync(out).size,
    dataBytes,
    damaged,
    skipped,
    failed,
    notBackedUp,
    durationMs: Date.now() - started,
  };
}
