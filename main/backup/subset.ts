// A copy of a backup archive that holds only some of its chats: their entries byte for byte, and a manifest
// that lists only them (the others go to its `skipped`, with why). `archive-inactive` uses it so that its
// archive holds exactly the chats it removed, when some chat had to stay in place after the archive was
// written.

import { AppError } from '../../shared/errors.ts';
import { throwIfCancelled } from '../jobs/job.ts';
import { DEFAULT_GZIP_LEVEL } from './create.ts';
import { MANIFEST_NAME, classifyArchivePath, manifestLimit, parseManifest } from './manifest.ts';
import { DEFAULT_LIMITS, TarGzWriter, readTarGz } from './tar.ts';

export interface DroppedChat {
  chatId: string;
  /** The chat's folder in the source root (for the manifest's `skipped`). */
  path: string;
  reason: string;
}

/**
 * Writes `dest` (a new file; the caller names, verifies and renames it) with the entries of `source` whose
 * chat is in `keep`, then its manifest without the other chats (those of `dropped` that the source held are
 * listed in its `skipped`, with why). Returns the chats the copy holds.
 */
export async function writeArchiveSubset(
  source: string,
  dest: string,
  keep: ReadonlySet<string>,
  dropped: readonly DroppedChat[],
  signal?: AbortSignal,
): Promise<string[]> {
  const writer = new TarGzWriter(dest, DEFAULT_GZIP_LEVEL);
  let manifestText: string | null = null;
  let files = 0;
  try {
    await readTarGz(
      source,
      DEFAULT_LIMITS,
      async (entry, read) => {
        if (signal) throwIfCancelled(signal);
        const where = classifyArchivePath(entry.path);
        if (where.kind === 'manifest') {
          if (entry.size > manifestLimit(files))
            throw new AppError('corrupt', `${source}: its manifest.json is larger than any backup writes`);
          const parts: Buffer[] = [];
          for await (const chunk of read()) parts.push(chunk);
          manifestText = Buffer.concat(parts).toString('utf8');
          return;
        }
        // Only chat archives are subset; a single-file store's entry has no chat to keep or drop.
        if (where.kind === 'single')
          throw new AppError('corrupt', `${source} holds a single SQLite file, not chats`);
        if (where.chatId !== null && !keep.has(where.chatId)) return;
        if (where.kind === 'dir') return writer.addDir(entry.path, entry.mtime);
        files++;
        await writer.addStream(entry.path, read(), entry.size, entry.mtime, `${source}: ${entry.path}`);
      },
      signal,
    );
    if (manifestText === null) throw new AppError('corrupt', `${source} has no manifest.json`);
    const manifest = parseManifest(manifestText);
    const out = {
      ...manifest,
      chats: manifest.chats.filter((id) => keep.has(id)),
      files: manifest.files.filter((f) => keep.has(f.chatId)),
      skipped: [
        ...manifest.skipped,
        ...dropped
          .filter((d) => manifest.chats.includes(d.chatId) && !keep.has(d.chatId))
          .map((d) => ({ path: d.path, reason: `not in this archive: ${d.reason}` })),
      ],
    };
    await writer.addBuffer(
      MANIFEST_NAME,
      Buffer.from(JSON.stringify(out, null, 1)),
      new Date(manifest.createdAt),
    );
    await writer.finish();
    return out.chats;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
