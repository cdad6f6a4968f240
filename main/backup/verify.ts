// `verify`: every checksum and a quick_check of every DB inside an archive, without unpacking it into any
// data root. Entries are hashed as they stream out of gzip; a DB is checked in memory (or, when large, in a
// private temp file that is deleted right after). Restore runs the same scan before it touches anything.

import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { VerifyFile, VerifyResult } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { openImageReadonly, type ReadableDb } from '../sqlite/readable.ts';
import { CONVERSATIONS_DB, EXPECTED_TABLES, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { readTableColumns, schemaDifferences } from '../integrity/checks.ts';
import { holdPoint, privateTempDir } from '../fs/files.ts';
import { classifyArchivePath, isDamaged, manifestLimit, parseManifest, type Manifest } from './manifest.ts';
import { INLINE_MAX_BYTES } from './snapshot.ts';
import { errorMessage } from '../../shared/errors.ts';
import { openImmutable, quickCheck, rowCounts } from '../sqlite/file.ts';
import { DEFAULT_LIMITS, formatLimit, limitsForDisk, readTarGz, type TarLimits } from './tar.ts';

export interface ScannedEntry {
  path: string;
  chatId: string;
  name: string;
  size: number;
  sha256: string;
  /** quick_check of a DB ('ok' or what is wrong); null for metadata.json. */
  integrity: string | null;
  rowCounts: Record<string, number> | null;
  /** How a chat DB's tables and columns differ from the bot's (empty: same); null when not read. */
  schema: string[] | null;
}

export interface ArchiveScan {
  manifest: Manifest | null;
  entries: Map<string, ScannedEntry>;
  /** Archive-level problems: when any, nothing may be restored from it. */
  problems: string[];
  /** The scan stopped at a hostile entry (links, paths out of the layout, sizes beyond the limits). */
  hostile: boolean;
  /**
   * An operator's own archive (`tar -czf` of `data/chats/chat_<id>/`): no manifest.json, every entry a
   * regular file of the per-chat layout under one chats folder. `manifest` is then made from the content
   * itself (its checksums and row counts prove nothing but that the archive does not change between reads).
   */
  withoutManifest: boolean;
}

type DbCheck = { integrity: string; rowCounts: Record<string, number> | null; schema: string[] | null };

/** A DB that cannot be opened is its own finding: the open's error, no counts. */
function openAndCheck(open: () => ReadableDb, name: string): DbCheck {
  let db: ReadableDb;
  try {
    db = open();
  } catch (error) {
    return { integrity: errorMessage(error), rowCounts: null, schema: null };
  }
  return checkOpen(db, name);
}

/** Checks one DB's bytes in memory: quick_check and row counts. */
function checkDbBytes(data: Buffer, name: string): DbCheck {
  const patched = Buffer.from(data);
  if (patched.length > 19) {
    // An in-memory DB cannot be in WAL mode: the header of this private copy says "rollback".
    patched[18] = 1;
    patched[19] = 1;
  }
  return openAndCheck(() => openImageReadonly(patched), name);
}

function checkOpen(db: ReadableDb, name: string): DbCheck {
  try {
    const integrity = quickCheck(db);
    let counts: Record<string, number> | null = null;
    try {
      counts = rowCounts(db);
    } catch {
      counts = null;
    }
    // A chat's DB is compared with the bot's schema (what a manifest-less archive can still prove).
    let schema: string[] | null = null;
    if (name === PROFILE_DB || name === CONVERSATIONS_DB) {
      try {
        schema = schemaDifferences(readTableColumns(db, 'main'), EXPECTED_TABLES[name], {
          extraTables: true,
        });
      } catch {
        schema = null;
      }
    }
    return { integrity, rowCounts: counts, schema };
  } finally {
    db.close();
  }
}

function checkDbFile(path: string, name: string): DbCheck {
  return openAndCheck(() => openImmutable(path), name);
}

/**
 * Streams through an archive once: structure (hostile entries stop the scan), every file's sha256, DB checks,
 * and the manifest. `onProgress` gets the bytes read so far.
 */
export async function scanArchive(
  archivePath: string,
  limits: TarLimits,
  signal?: AbortSignal,
  onProgress?: (entries: number, current: string) => void,
): Promise<ArchiveScan> {
  const entries = new Map<string, ScannedEntry>();
  const problems: string[] = [];
  let manifestText: string | null = null;
  let hostile = false;
  /** The chats folders (prefixes) the archive's chat files are in: an operator's archive has exactly one. */
  const prefixes = new Set<string>();
  // The private folder for large DBs is made only when one comes, and tracked: a signal removes it too.
  let tmp: string | null = null;
  const tempDir = (): string => {
    if (tmp === null) {
      tmp = privateTempDir('verify');
      trackTemp(tmp);
    }
    return tmp;
  };
  let count = 0;
  try {
    await readTarGz(
      archivePath,
      limits,
      async (entry, read) => {
        const where = classifyArchivePath(entry.path);
        const key = entry.path.replace(/^\.\//, '').replace(/\/$/, '');
        if (where.kind === 'dir') {
          if (entry.type !== 'dir')
            throw new AppError('hostile_archive', `entry ${JSON.stringify(entry.path)} should be a folder`);
          return;
        }
        if (entry.type !== 'file')
          throw new AppError('hostile_archive', `entry ${JSON.stringify(entry.path)} should be a file`);
        if (where.kind === 'manifest') {
          if (manifestText !== null)
            throw new AppError('hostile_archive', 'the archive holds manifest.json twice: refused');
          // Read into memory and parsed: its size is capped (by the number of files it can describe).
          const limit = manifestLimit(count);
          if (entry.size > limit)
            throw new AppError(
              'hostile_archive',
              `manifest.json is ${formatLimit(entry.size)}, more than the ${formatLimit(limit)} a manifest of ${count} file(s) can need: refused`,
            );
          const parts: Buffer[] = [];
          for await (const chunk of read()) parts.push(chunk);
          manifestText = Buffer.concat(parts).toString('utf8');
          return;
        }
        if (entries.has(key))
          throw new AppError('hostile_archive', `the archive holds ${key} twice: refused`);
        onProgress?.(++count, key);
        const hash = createHash('sha256');
        let integrity: string | null = null;
        let counts: Record<string, number> | null = null;
        let schema: string[] | null = null;
        if (where.kind === 'file') prefixes.add(where.prefix);
        // A single-file archive's one entry is a DB whatever its name.
        const name: string = where.name;
        if (where.kind === 'file' && name === METADATA_JSON) {
          for await (const chunk of read()) hash.update(chunk);
        } else if (entry.size <= INLINE_MAX_BYTES) {
          const parts: Buffer[] = [];
          for await (const chunk of read()) {
            hash.update(chunk);
            parts.push(chunk);
          }
          ({ integrity, rowCounts: counts, schema } = checkDbBytes(Buffer.concat(parts, entry.size), name));
        } else {
          const file = join(tempDir(), `entry-${count}.db`);
          const fd = openSync(file, 'wx', 0o600);
          try {
            for await (const chunk of read()) {
              hash.update(chunk);
              writeSync(fd, chunk);
            }
          } finally {
            closeSync(fd);
          }
          try {
            await holdPoint('verify:large-entry');
            ({ integrity, rowCounts: counts, schema } = checkDbFile(file, name));
          } finally {
            removeTemp(file);
          }
        }
        entries.set(key, {
          path: key,
          chatId: where.kind === 'file' ? where.chatId : '',
          name,
          size: entry.size,
          sha256: hash.digest('hex'),
          integrity,
          rowCounts: counts,
          schema,
        });
      },
      signal,
    );
  } catch (error) {
    if (!(error instanceof AppError) || (error.code !== 'hostile_archive' && error.code !== 'invalid_input'))
      throw error;
    problems.push(error.message);
    hostile = error.code === 'hostile_archive';
    return { manifest: null, entries, problems, hostile, withoutManifest: false };
  } finally {
    if (tmp !== null) removeTemp(tmp);
  }
  if (manifestText === null) {
    // An operator's own archive: every entry was a regular file or folder of the per-chat layout (anything
    // else stopped the scan above), all under one chats folder.
    const singles = [...entries.values()].filter((e) => e.chatId === '');
    if (entries.size > 0 && prefixes.size === 1 && singles.length === 0)
      return { manifest: manifestFromContent(entries), entries, problems, hostile, withoutManifest: true };
    problems.push(
      prefixes.size > 1
        ? `the archive has no manifest.json and its chats are under more than one folder (${[...prefixes].map((p) => p || './').join(', ')}): refused`
        : 'the archive has no manifest.json: it is not a Chat Inspector backup (or it was cut short)',
    );
    return { manifest: null, entries, problems, hostile: true, withoutManifest: false };
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestText);
  } catch (error) {
    problems.push(errorMessage(error));
    return { manifest: null, entries, problems, hostile: true, withoutManifest: false };
  }
  // The manifest and the content must match exactly: no file missing, none extra, same sizes and hashes.
  const archived = archivedFiles(manifest);
  const listed = new Set(archived.map((f) => f.path));
  for (const f of archived) {
    const e = entries.get(f.path);
    if (!e) problems.push(`${f.path} is listed in the manifest but missing from the archive`);
    else if (e.size !== f.size) problems.push(`${f.path} is ${e.size} bytes, the manifest says ${f.size}`);
    else if (e.sha256 !== f.sha256)
      problems.push(`${f.path} does not match its sha256 in the manifest (changed or damaged)`);
  }
  for (const path of entries.keys()) {
    if (!listed.has(path)) problems.push(`${path} is in the archive but not in the manifest`);
  }
  const chats = new Set(manifest.chats);
  for (const f of manifest.files) {
    if (!chats.has(f.chatId))
      problems.push(`${f.path} belongs to chat ${f.chatId}, which the manifest does not list`);
  }
  if (chats.size !== manifest.chats.length) problems.push('manifest.json lists a chat twice');
  const withFiles = new Set(manifest.files.map((f) => f.chatId));
  for (const chatId of chats) {
    if (!withFiles.has(chatId))
      problems.push(`chat ${chatId} is listed in the manifest but has no file in the archive`);
  }
  if (problems.length > 0) hostile = true;
  return { manifest, entries, problems, hostile, withoutManifest: false };
}

/**
 * The manifest of an archive that has none, made from what was read: each entry under its own path, with
 * the sha256 and row counts just computed and its quick_check verdict as its integrity. It proves nothing
 * about the archive's origin; restore uses it to check that the second reading sees the same bytes.
 */
function manifestFromContent(entries: Map<string, ScannedEntry>): Manifest {
  const files = [...entries.values()].map((e) => ({
    path: e.path,
    chatId: e.chatId,
    name: e.name as Manifest['files'][number]['name'],
    size: e.size,
    sha256: e.sha256,
    copiedBy: 'file-copy' as const,
    rowCounts: e.rowCounts,
    integrity: e.integrity ?? 'ok',
    journalMode: null,
  }));
  return {
    format: 'chat-inspector-backup',
    formatVersion: 1,
    toolVersion: '',
    createdAt: '',
    sourceRoot: '',
    chats: [...new Set(files.map((f) => f.chatId))],
    files,
    skipped: [],
  };
}

/** A file the manifest lists: a chat's layout file, or the one DB of a single-file archive (chatId ''). */
export type ArchivedFile = Omit<Manifest['files'][number], 'name'> & { name: string };

/** Every file the manifest says the archive holds. */
export function archivedFiles(manifest: Manifest): ArchivedFile[] {
  if (manifest.kind === 'file' && manifest.single) return [{ ...manifest.single, chatId: '' }];
  return manifest.files;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a).sort();
  const other = Object.keys(b).sort();
  return keys.length === other.length && keys.every((k, i) => k === other[i] && a[k] === b[k]);
}

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([table]) => table !== 'sqlite_sequence')
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
}

/** One file of the archive judged against its manifest row. */
interface FileJudgement extends VerifyFile {
  /** Why the archive must not be restored because of this file (the manifest and the content disagree). */
  refusal: string | null;
}

function judgeFile(scan: ArchiveScan, f: ArchivedFile): FileJudgement {
  const e = scan.entries.get(f.path);
  const problems: string[] = [];
  let refusal: string | null = null;
  const checksumOk = !!e && e.size === f.size && e.sha256 === f.sha256;
  const integrity = e?.integrity ?? null;
  const damagedAtBackup = isDamaged(f.integrity);
  const isDb = f.name !== METADATA_JSON;
  if (!e) refusal = 'missing from the archive';
  else if (!checksumOk)
    refusal = 'checksum does not match the manifest: the archive was changed or damaged after it was made';
  else if (damagedAtBackup) {
    problems.push(
      `was already damaged when it was backed up (${f.integrity}); it is kept but never restored`,
    );
  } else if (isDb && integrity !== 'ok') {
    refusal = `fails quick_check (${integrity ?? 'not checked'}), yet the manifest says it was healthy when it was backed up`;
  } else if (isDb && (!f.rowCounts || !e.rowCounts)) {
    refusal = f.rowCounts
      ? 'its rows cannot be counted, yet the manifest has its row counts'
      : 'the manifest has no row counts for it, yet says it is a healthy DB';
  } else if (isDb && f.rowCounts && e.rowCounts && !sameCounts(f.rowCounts, e.rowCounts)) {
    refusal = `row counts differ from the manifest (archive: ${countsText(e.rowCounts)}; manifest: ${countsText(f.rowCounts)})`;
  }
  if (refusal) problems.unshift(refusal);
  return {
    path: f.path,
    chatId: f.chatId,
    name: f.name,
    size: e?.size ?? null,
    checksumOk,
    integrity,
    damagedAtBackup,
    problems,
    refusal,
  };
}

/**
 * The one verification of an archive, shared by `verify` and `restore`: structure and layout (the scan),
 * the manifest against the content (every file present, sizes, sha256, row counts), quick_check of every DB.
 * `refusals` non-empty: the archive must not be restored at all (verify exits 2, restore writes nothing).
 * `damaged`: files the manifest itself marks as damaged when backed up; kept, never restored (exit 1).
 */
export interface ArchiveVerdict {
  scan: ArchiveScan;
  files: VerifyFile[];
  refusals: string[];
  damaged: Map<string, string>;
}

/** A file of the archive with no manifest checksum to compare it with: judged by what it holds. */
function uncheckedFile(
  e: Pick<VerifyFile, 'path' | 'chatId' | 'name' | 'size' | 'integrity'>,
  damagedAtBackup: boolean,
  problems: string[],
): VerifyFile {
  const { path, chatId, name, size, integrity } = e;
  return { path, chatId, name, size, checksumOk: false, integrity, damagedAtBackup, problems };
}

/**
 * An operator's archive without a manifest: nothing to compare with, so each DB is judged on its own
 * (header and quick_check, rows countable, tables and columns against the bot's). A DB that fails is
 * never restored (like a file damaged when backed up); a schema that differs is said, not refused.
 */
function judgeWithoutManifest(scan: ArchiveScan): ArchiveVerdict {
  const damaged = new Map<string, string>();
  const files: VerifyFile[] = [];
  for (const e of scan.entries.values()) {
    const isDb = e.name !== METADATA_JSON;
    const problems: string[] = [];
    let damage: string | null = null;
    if (isDb && e.integrity !== 'ok')
      damage = `fails quick_check in the archive (${e.integrity ?? 'not checked'}); without a manifest it cannot be told when it was damaged, and it is never restored`;
    else if (isDb && e.rowCounts === null) damage = 'its rows cannot be counted; it is never restored';
    if (damage) {
      damaged.set(e.path, damage);
      problems.push(damage);
    }
    if (isDb && e.schema && e.schema.length > 0)
      problems.push(`its tables differ from the bot's (${e.schema.join('; ')})`);
    files.push(uncheckedFile(e, damage !== null, problems));
  }
  return { scan, files, refusals: [], damaged };
}

export function judgeArchive(scan: ArchiveScan): ArchiveVerdict {
  if (scan.withoutManifest && scan.manifest && scan.problems.length === 0) return judgeWithoutManifest(scan);
  const refusals = [...scan.problems];
  const damaged = new Map<string, string>();
  const files: VerifyFile[] = [];
  if (!scan.manifest) {
    if (refusals.length === 0) refusals.push('the archive has no usable manifest.json');
    for (const e of scan.entries.values()) {
      files.push(uncheckedFile(e, false, ['no usable manifest to check it against']));
    }
    return { scan, files, refusals, damaged };
  }
  for (const f of archivedFiles(scan.manifest)) {
    const { refusal, ...file } = judgeFile(scan, f);
    // Missing and changed files are already among the scan's problems (said once).
    if (refusal && file.checksumOk) refusals.push(`${f.path} ${refusal}`);
    if (file.damagedAtBackup && !refusal) damaged.set(f.path, file.problems[0]!);
    files.push(file);
  }
  return { scan, files, refusals, damaged };
}

/** Scans and judges an archive (the limits lowered to the free space of the temp folder and the target). */
export async function checkArchive(
  archivePath: string,
  limits: TarLimits,
  signal?: AbortSignal,
  onProgress?: (entries: number, current: string) => void,
  targetDir?: string,
): Promise<ArchiveVerdict> {
  const scan = await scanArchive(archivePath, limitsForDisk(limits, tmpdir(), targetDir), signal, onProgress);
  return judgeArchive(scan);
}

export interface VerifyOptions {
  archive: string;
  limits?: TarLimits;
}

export async function verifyArchive(options: VerifyOptions, ctx: JobContext<null>): Promise<VerifyResult> {
  const archive = resolve(options.archive);
  ctx.progress(0, null, null);
  const { scan, files, refusals, damaged } = await checkArchive(
    archive,
    options.limits ?? DEFAULT_LIMITS,
    ctx.signal,
    (n, current) => ctx.progress(n, null, current),
  );
  throwIfCancelled(ctx.signal);
  const m = scan.withoutManifest ? null : scan.manifest;
  return {
    archive,
    ok: refusals.length === 0 && damaged.size === 0,
    restorable: refusals.length === 0,
    withoutManifest:
      scan.withoutManifest && scan.manifest
        ? { chats: scan.manifest.chats.length, files: scan.manifest.files.length }
        : null,
    manifest: m
      ? {
          kind: m.kind ?? 'chats',
          createdAt: m.createdAt,
          toolVersion: m.toolVersion,
          sourceRoot: m.sourceRoot,
          chats: m.chats.length,
          files: archivedFiles(m).length,
        }
      : null,
    files,
    problems: refusals,
  };
}
