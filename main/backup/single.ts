// `backup FILE.db`: one SQLite file that is not a chat root (`user_history.db`, the clinic bot's fallback
// DB, `duiliocode.db`) into a .tar.gz holding `file/<name>` and a manifest of kind 'file' (its name, size,
// sha256, row counts). The copy is made as a chat's DB is (snapshot.ts: consistent while its bot writes);
// the archive is written as FILE.<pid>.partial and linked to its name at the end, like a root's.
// `verify` and `restore` read it through the same code as a root's archive (verify.ts, restore.ts).

import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackupResult } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { describeKind, entryAt } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { readHeader } from '../sqlite/header.ts';
import { publish } from './create.ts';
import { claimArchiveOut, fsyncDir, fsyncFile, privateTempDir } from '../fs/files.ts';
import {
  ARCHIVE_FORMAT,
  FORMAT_VERSION,
  MANIFEST_NAME,
  SINGLE_FILE_DIR,
  SINGLE_FILE_NAME,
  isDamaged,
  singleArchivePath,
  type Manifest,
} from './manifest.ts';
import { COPY_BUDGET_MS, snapshotSingleDb } from './snapshot.ts';
import { TarGzWriter } from './tar.ts';
import { VERSION } from '../config/version.ts';
import { DEFAULT_GZIP_LEVEL } from './create.ts';

export interface SingleBackupOptions {
  file: string;
  out: string;
  level?: number | undefined;
  now?: Date;
  check?: boolean | undefined;
  lockWaitMs?: number | undefined;
}

/** Whether `path` is a regular file to back up as a single DB (a folder is a data root). */
export function isSingleFileSource(path: string): boolean {
  return entryAt(resolve(path)).kind === 'file';
}

export async function backupSingleFile(
  options: SingleBackupOptions,
  ctx: JobContext<unknown>,
): Promise<BackupResult> {
  const started = Date.now();
  const source = resolve(options.file);
  const out = resolve(options.out);
  const kind = entryAt(source).kind;
  if (kind !== 'file')
    throw new AppError('invalid_input', `${options.file}: is ${describeKind(kind)}, not an SQLite file`);
  const name = basename(source);
  if (!SINGLE_FILE_NAME.test(name))
    throw new AppError(
      'invalid_input',
      `${options.file}: a file name of letters, digits, ".", "_" and "-" only can be backed up`,
    );
  const header = readHeader(source);
  if (!header.ok)
    throw new AppError('invalid_input', `${options.file}: not an SQLite database (${header.message})`);
  const partial = claimArchiveOut(out);
  const createdAt = (options.now ?? new Date()).toISOString();
  const mtime = new Date(createdAt);
  const tmpDir = privateTempDir('backup');
  trackTemp(tmpDir);
  let finished = false;
  let writer: TarGzWriter | null = null;
  ctx.progress(0, 1, name);
  try {
    const copy = await snapshotSingleDb(
      source,
      join(tmpDir, name),
      options.check ?? false,
      options.lockWaitMs ?? COPY_BUDGET_MS,
    );
    if ('notBackedUp' in copy)
      throw new AppError('locked', `${source} could not be backed up: ${copy.notBackedUp}`);
    throwIfCancelled(ctx.signal);
    trackTemp(partial);
    writer = new TarGzWriter(partial, options.level ?? DEFAULT_GZIP_LEVEL);
    const path = singleArchivePath(name);
    await writer.addDir(`${SINGLE_FILE_DIR}/`, mtime);
    if (copy.data)
      await writer.addBuffer(
        path,
        Buffer.from(copy.data.buffer, copy.data.byteOffset, copy.data.byteLength),
        new Date(copy.mtimeMs),
      );
    else await writer.addFile(path, copy.tmpPath!, copy.size, new Date(copy.mtimeMs));
    const { tmpPath: _tmp, mtimeMs: _mtime, data: _data, ...fields } = copy;
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: FORMAT_VERSION,
      toolVersion: VERSION,
      createdAt,
      sourceRoot: source,
      chats: [],
      files: [],
      skipped: [],
      kind: 'file',
      single: { path, name, ...fields },
    };
    await writer.addBuffer(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest, null, 1)), mtime);
    await writer.finish();
    fsyncFile(partial);
    publish(partial, out);
    fsyncDir(dirname(out));
    finished = true;
    ctx.progress(1, 1, name);
    return {
      out,
      chats: 0,
      files: 1,
      archiveBytes: statSync(out).size,
      dataBytes: copy.size,
      damaged: isDamaged(copy.integrity) ? [{ path, integrity: copy.integrity }] : [],
      skipped: [],
      failed: [],
      notBackedUp: [],
      durationMs: Date.now() - started,
    };
  } catch (error) {
    await writer?.abort();
    throw error;
  } finally {
    removeTemp(tmpDir);
    if (!finished) removeTemp(partial);
  }
}
