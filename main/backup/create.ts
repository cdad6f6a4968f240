// `backup`: one chat, a selection or the whole root into a .tar.gz with the per-chat layout and a manifest.
//
// Pipeline: chats go to the worker pool in chunks; each worker makes consistent copies of one chat's files
// (online backup API) in a private temp folder with their hashes and row counts; the main thread streams the
// finished chunk into the gzip writer while the workers copy the next one, and deletes each copy as soon as it
// is packed. So temp space is at most two chunks and memory does not grow with the root. The archive is
// written as FILE.partial and renamed at the end: no half archive ever carries the final name.

import { mkdtempSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BackupEvent, BackupResult } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { TOOL_VERSION } from './version.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { chatDir, listChats, type ChatLocation } from '../store/layout.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { fsyncDir, fsyncFile, removeQuietly, requireAbsent, sizeOrNull, unlinkIfExists } from './fs.ts';
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

function selectChats(
  root: string,
  chatIds: readonly string[] | undefined,
): { chats: ChatLocation[]; skipped: { path: string; reason: string }[] } {
  if (chatIds && chatIds.length > 0) {
    const unique = [...new Set(chatIds)];
    return { chats: unique.map((chatId) => ({ chatId, dir: chatDir(root, chatId) })), skipped: [] };
  }
  const { chats, skipped } = listChats(root);
  return { chats, skipped };
}

export async function createBackup(
  options: BackupOptions,
  ctx: JobContext<BackupEvent>,
): Promise<BackupResult> {
  const started = Date.now();
  const root = resolve(options.root);
  const out = resolve(options.out);
  requireAbsent(out, 'archive');
  const partial = `${out}.partial`;
  const { chats, skipped: rootSkipped } = selectChats(root, options.chatIds);
  const createdAt = (options.now ?? new Date()).toISOString();
  const mtime = new Date(createdAt);
  const tmpDir = mkdtempSync(join(tmpdir(), 'chat-inspector-backup-'));
  let writer: TarGzWriter;
  try {
    writer = new TarGzWriter(partial, options.level ?? DEFAULT_GZIP_LEVEL);
  } catch (error) {
    removeQuietly(tmpDir);
    throw error;
  }
  const files: ManifestFile[] = [];
  const skipped = [...rootSkipped];
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
            unlinkIfExists(f.tmpPath);
          }
          dataBytes += f.size;
          const { tmpPath: _tmp, mtimeMs: _mtime, data: _data, ...rest } = f;
          files.push({ path, chatId: result.chatId, ...rest });
          if (isDamaged(f.integrity)) damaged.push({ path, integrity: f.integrity });
        }
        const problem = result.files.find((f) => isDamaged(f.integrity));
        ctx.emit({
          chatId: result.chatId,
          files: result.files.length,
          problem: problem ? `${problem.name}: ${problem.integrity}` : null,
        });
      }
      done++;
      ctx.progress(done, chats.length, result.chatId);
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
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: FORMAT_VERSION,
      toolVersion: TOOL_VERSION,
      createdAt,
      sourceRoot: root,
      chats: included,
      files,
      skipped,
    };
    await writer.addBuffer(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest, null, 1)), mtime);
    await writer.finish();
    fsyncFile(partial);
    requireAbsent(out, 'archive');
    renameSync(partial, out);
    fsyncDir(dirname(out));
    finished = true;
  } catch (error) {
    await writer.abort();
    unlinkIfExists(partial);
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
    removeQuietly(tmpDir);
    if (!finished) unlinkIfExists(partial);
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
    durationMs: Date.now() - started,
  };
}
