import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { OutputFile, PlaceArchives } from '../../../shared/contract/backup.ts';
import { AppError } from '../../../shared/errors.ts';
import { isInside } from '../../access/places.ts';
import { entryAt } from '../../fs/entry.ts';
import { ensureOwnDir } from '../../fs/own-file.ts';
import { createBackup } from '../../backup/create.ts';
import { backupSingleFile } from '../../backup/single.ts';
import { rebuildMetadata } from '../../backup/metadata.ts';
import { migrateUserHistory } from '../../backup/migrate.ts';
import { placeRecovered, recoverDb } from '../../recover/recover.ts';
import { restoreArchive, targetChatsDir } from '../../backup/restore.ts';
import { DEFAULT_LIMITS } from '../../backup/tar.ts';
import { verifyArchive } from '../../backup/verify.ts';
import { exportChats, exportFromSource } from '../../export/export.ts';
import { SqliteFileSource } from '../../sources/sqlite-source.ts';
import {
  CHAT_DIR_PATTERN,
  CONVERSATIONS_DB,
  METADATA_JSON,
  PROFILE_DB,
} from '../../adapters/per-chat-schema.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

// Where outputs go. The UI (desktop and browser mode) names an output file, and it is written into Chat
// Inspector's own folders under userDataDir: backups/, exports/, recovered/. They are not data roots (they
// never appear as places to browse, and nothing there is read as a chat); the only operations that read
// from them are verify/restore (archives) and `backup.readOutput` (download in browser mode). A full path is
// accepted too, but only where the allow-list permits writing (inside a root the person opened), and
// never inside a chats folder or a chat folder: outputs must not become strays in the data.

export type OutputKind = 'backups' | 'exports' | 'recovered';
const KIND_OF: Record<OutputKind, OutputFile['kind']> = {
  backups: 'backup',
  exports: 'export',
  recovered: 'recovered',
};

export function outputDir(ctx: HandlerContext, kind: OutputKind): string {
  const dir = join(ctx.userDataDir, kind);
  // A link in its place is set aside, never written through (main/fs/own-file.ts).
  ensureOwnDir(dir);
  return realpathSync(dir);
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function isBareName(name: string): boolean {
  return !/[\\/]/.test(name);
}

/** Refuses a path inside a chat folder or directly in a chats folder (where it would be a stray). */
function assertNotInChatData(path: string): void {
  const parent = dirname(path);
  if (parent.split(/[\\/]/).some((segment) => CHAT_DIR_PATTERN.test(segment))) {
    throw new AppError('forbidden_path', `${path}: outputs are never written inside a chat folder`);
  }
  try {
    if (readdirSync(parent).some((name) => CHAT_DIR_PATTERN.test(name))) {
      throw new AppError(
        'forbidden_path',
        `${path}: outputs are never written among the chat folders; choose another folder`,
      );
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
  }
}

/** The absolute path for an output: a bare name goes to Chat Inspector's own folder of that kind. */
export function resolveOutput(
  ctx: HandlerContext,
  out: string | undefined,
  kind: OutputKind,
  defaultName: string,
  extension: string,
): string {
  const name = out ?? defaultName;
  if (isBareName(name)) {
    if (!/^[\p{L}\p{N} _.,()+-]{1,200}$/u.test(name) || name.startsWith('.')) {
      throw new AppError(
        'invalid_input',
        `${name}: use letters, digits, spaces, dots and dashes in a file name`,
      );
    }
    const file = name.toLowerCase().endsWith(extension) ? name : `${name}${extension}`;
    return join(outputDir(ctx, kind), file);
  }
  const target = ctx.places.requireWritableTarget(name);
  // A path the person typed in full on the command line is written where they named it.
  if (!ctx.places.isNamedOutput(target)) assertNotInChatData(target);
  return target;
}

function isOwnOutput(ctx: HandlerContext, path: string): string | null {
  let real: string;
  try {
    real = realpathSync(resolve(path));
  } catch {
    return null;
  }
  for (const kind of ['backups', 'exports', 'recovered'] as const) {
    if (isInside(real, outputDir(ctx, kind))) return real;
  }
  return null;
}

/**
 * An archive to read: one in our backups folder, one uploaded in this run of browser mode (verify and
 * restore only: nothing else calls this), or a file the allow-list permits.
 */
function requireArchive(ctx: HandlerContext, path: string): string {
  return isOwnOutput(ctx, path) ?? uploadedArchive(ctx, path) ?? ctx.places.requireFile(path);
}

function uploadedArchive(ctx: HandlerContext, path: string): string | null {
  if (!ctx.uploadedArchives?.has(path)) return null;
  // The upload route keeps real paths of regular files it wrote; refuse anything else found there since.
  const entry = entryAt(path);
  if (entry.kind !== 'file')
    throw new AppError('not_found', `${path}: the uploaded archive is gone; upload it again`);
  return path;
}

const ARCHIVE_NAME = /\.(tar\.gz|tgz)$/i;
/** Archives listed per place at most (a folder of thousands is cut, and says so). */
const MAX_PLACE_ARCHIVES = 200;
/** Entries read per folder at most. */
const MAX_FOLDER_ENTRIES = 5000;

/**
 * Archives in the allowed places: a place that is an archive itself, else the top of a root and its
 * folders one level down (the bot's `backup_old_db/`, a `backups/` folder). Chat folders and the chats
 * folder are not walked; links, FIFOs and devices are never followed or opened (lstat only).
 */
function placeArchives(ctx: HandlerContext): PlaceArchives[] {
  const out: PlaceArchives[] = [];
  for (const place of ctx.places.list()) {
    const found: PlaceArchives = { place: place.path, label: place.label, archives: [], capped: false };
    const add = (path: string, name: string): boolean => {
      const entry = entryAt(path);
      if (entry.kind !== 'file' || !entry.stats || !ARCHIVE_NAME.test(name)) return true;
      if (found.archives.length >= MAX_PLACE_ARCHIVES) {
        found.capped = true;
        return false;
      }
      found.archives.push({
        path,
        name,
        sizeBytes: entry.stats.size,
        modifiedAt: entry.stats.mtime.toISOString(),
      });
      return true;
    };
    if (place.kind === 'file') {
      add(place.path, basename(place.path));
    } else {
      const top = listFolder(place.path);
      found.capped ||= top.capped;
      for (const name of top.names) {
        const path = join(place.path, name);
        const kind = entryAt(path).kind;
        if (kind === 'file') {
          if (!add(path, name)) break;
        } else if (kind === 'directory' && !CHAT_DIR_PATTERN.test(name) && name !== 'chats') {
          const inner = listFolder(path);
          found.capped ||= inner.capped;
          if (!inner.names.every((n) => add(join(path, n), `${name}/${n}`))) break;
        }
      }
    }
    found.archives.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
    out.push(found);
  }
  return out;
}

/**
 * The folders that may hold verified archives (`<archive>.verified.json`): our own backups folder, and for
 * each allowed root its top and its folders one level down (as placeArchives looks), chat folders aside.
 */
export function archiveFolders(ctx: HandlerContext): string[] {
  const dirs = [outputDir(ctx, 'backups')];
  for (const place of ctx.places.list()) {
    if (place.kind === 'file') continue;
    dirs.push(place.path);
    for (const name of listFolder(place.path).names) {
      const path = join(place.path, name);
      if (!CHAT_DIR_PATTERN.test(name) && name !== 'chats' && entryAt(path).kind === 'directory')
        dirs.push(path);
    }
  }
  return dirs;
}

function listFolder(dir: string): { names: string[]; capped: boolean } {
  try {
    const names = readdirSync(dir).sort();
    return { names: names.slice(0, MAX_FOLDER_ENTRIES), capped: names.length > MAX_FOLDER_ENTRIES };
  } catch {
    return { names: [], capped: false }; // unreadable: nothing to offer from it
  }
}

/**
 * The chat ids of a root's chat folders that hold something to back up: real folders (a link or a file
 * named chat_<id> is not one) with at least one of the chat's files (an empty folder has nothing to lose).
 */
function chatIdsOf(root: string): string[] {
  const dir = targetChatsDir(root);
  const holdsData = (folder: string) =>
    [PROFILE_DB, CONVERSATIONS_DB, METADATA_JSON].some(
      (name) => entryAt(join(folder, name)).kind !== 'missing',
    );
  return listFolder(dir)
    .names.map((name) => CHAT_DIR_PATTERN.exec(name))
    .filter(
      (m): m is RegExpExecArray =>
        m !== null && entryAt(join(dir, m[0])).kind === 'directory' && holdsData(join(dir, m[0])),
    )
    .map((m) => m[1]!);
}

function listOutputs(ctx: HandlerContext): OutputFile[] {
  const files: OutputFile[] = [];
  for (const kind of ['backups', 'exports', 'recovered'] as const) {
    const dir = outputDir(ctx, kind);
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || name.endsWith('.partial')) continue;
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isFile())
          files.push({
            path,
            name,
            kind: KIND_OF[kind],
            sizeBytes: st.size,
            modifiedAt: st.mtime.toISOString(),
          });
      } catch {
        // vanished meanwhile
      }
    }
  }
  return files.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
}

/**
 * Where a restore writes: an allowed root, or (for an archive of one SQLite file, known once it is read) a
 * file path: an allowed file, or a new file where the allow-list permits writing.
 */
function restoreTarget(ctx: HandlerContext, root: string): string {
  const kind = entryAt(resolve(root)).kind;
  if (kind === 'directory') return ctx.places.requireRoot(root);
  if (kind === 'missing') return ctx.places.requireWritableTarget(root);
  return ctx.places.requireFile(root);
}

/** The keys of `value` that have a value: an absent limit keeps its default. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const backupHandlers = {
  'backup.create': async ({ root, chatIds, out, level, check, waitSeconds }, ctx, job) => {
    const now = ctx.now();
    const lockWaitMs = waitSeconds === undefined ? undefined : Math.round(waitSeconds * 1000);
    // One SQLite file the person opened (user_history.db, a bot's DB) is backed up on its own.
    if (entryAt(resolve(root)).kind === 'file') {
      const file = ctx.places.requireFile(root);
      if (chatIds && chatIds.length > 0)
        throw new AppError('invalid_input', `${root} is one SQLite file: it has no chats to choose`);
      const target = resolveOutput(ctx, out, 'backups', `backup-${basename(file)}-${stamp(now)}`, '.tar.gz');
      const result = await backupSingleFile({ file, out: target, level, check, now, lockWaitMs }, job);
      return { ...result, file: resolve(root) };
    }
    const realRoot = ctx.places.requireRoot(root);
    const what = chatIds && chatIds.length === 1 ? `chat_${chatIds[0]}` : basename(realRoot) || 'root';
    const target = resolveOutput(ctx, out, 'backups', `backup-${what}-${stamp(now)}`, '.tar.gz');
    return createBackup(
      { root: realRoot, chatIds, out: target, pool: ctx.pool, level, check, now, lockWaitMs },
      job,
    );
  },
  'backup.verify': async ({ archive, root, limits }, ctx, job) => {
    const realRoot = root === undefined ? null : ctx.places.requireRoot(root);
    const result = await verifyArchive(
      { archive: requireArchive(ctx, archive), limits: { ...DEFAULT_LIMITS, ...definedOnly(limits ?? {}) } },
      job,
    );
    if (realRoot === null || !result.manifest) return result;
    const inArchive = new Set(result.files.map((f) => f.chatId));
    const rootChats = chatIdsOf(realRoot);
    const chatIds = rootChats.filter((id) => !inArchive.has(id));
    return {
      ...result,
      notInArchive: {
        root: realRoot,
        chatIds,
        rootChats: rootChats.length,
        inArchive: rootChats.length - chatIds.length,
      },
    };
  },
  'backup.restore': ({ archive, root, chatIds, dryRun, force, waitSeconds, limits }, ctx, job) =>
    restoreArchive(
      {
        archive: requireArchive(ctx, archive),
        root: restoreTarget(ctx, root),
        chatIds,
        dryRun,
        force,
        waitMs: waitSeconds === undefined ? undefined : Math.round(waitSeconds * 1000),
        limits: { ...DEFAULT_LIMITS, ...definedOnly(limits ?? {}) },
        now: ctx.now(),
        beforeChat: (dir) => ctx.write.releaseConnections(dir),
      },
      job,
    ),
  'recover.run': ({ path, out, intoPlace, waitSeconds }, ctx, job) => {
    const source = ctx.places.requireFile(path);
    const now = ctx.now();
    const parent = basename(dirname(source));
    const base = `${CHAT_DIR_PATTERN.test(parent) ? `${parent}-` : ''}${basename(source).replace(/\.[^.]+$/, '')}`;
    const target =
      out !== undefined || !intoPlace
        ? resolveOutput(ctx, out, 'recovered', `${base}-recovered-${stamp(now)}`, '.db')
        : undefined;
    if (intoPlace) ctx.write.releaseConnections(source);
    const waitMs = waitSeconds === undefined ? undefined : Math.round(waitSeconds * 1000);
    return recoverDb({ path: source, out: target, intoPlace, waitMs, now }, job);
  },
  'recover.place': async ({ path, recovered }, ctx) => {
    const source = ctx.places.requireFile(path);
    // Only a file recover wrote into Chat Inspector's own folder (or one the allow-list permits) is placed.
    const file = isOwnOutput(ctx, recovered) ?? ctx.places.requireFile(recovered);
    ctx.write.releaseConnections(source);
    return placeRecovered({ path: source, recovered: file, now: ctx.now() });
  },
  'export.run': ({ root, chatIds, format, out, redact, tree, overwrite }, ctx, job) => {
    const realRoot = ctx.places.requireRoot(root);
    const now = ctx.now();
    const what = chatIds.length === 1 ? `chat_${chatIds[0]}` : `${chatIds.length}-chats`;
    const target = resolveOutput(
      ctx,
      out,
      'exports',
      `${what}-${stamp(now)}${redact ? '-redacted' : ''}`,
      `.${format}`,
    );
    return exportChats({ root: realRoot, chatIds, format, out: target, redact, tree, overwrite, now }, job);
  },
  'export.file': async ({ path, conversationId, format, out, redact }, ctx, job) => {
    const real = ctx.places.requireFile(path);
    const now = ctx.now();
    // A masked export must not carry the conversation's id (often a phone number) in its file name.
    const what = redact ? 'conversation' : conversationId.replace(/[^\p{L}\p{N}_.-]+/gu, '_').slice(0, 60);
    const file = basename(real).replace(/\.[^.]+$/, '');
    const target = resolveOutput(
      ctx,
      out,
      'exports',
      `${file}-${what}-${stamp(now)}${redact ? '-redacted' : ''}`,
      `.${format}`,
    );
    const source = new SqliteFileSource(real);
    try {
      return await exportFromSource(source, { conversationId, format, out: target, redact, now }, job);
    } finally {
      await source.close();
    }
  },
  'metadata.rebuild': ({ root, chatId }, ctx) =>
    rebuildMetadata({ root: ctx.places.requireRoot(root), chatId, now: ctx.now() }),
  'migrate.run': ({ path, root, dryRun, force }, ctx, job) => {
    const realRoot = ctx.places.requireRoot(root);
    if (force && !dryRun) ctx.write.releaseConnections(targetChatsDir(realRoot));
    return migrateUserHistory(
      { path: ctx.places.requireFile(path), root: realRoot, dryRun, force, now: ctx.now() },
      job,
    );
  },
  'backup.outputs': (_input, ctx) => ({
    dirs: {
      backups: outputDir(ctx, 'backups'),
      exports: outputDir(ctx, 'exports'),
      recovered: outputDir(ctx, 'recovered'),
    },
    files: listOutputs(ctx),
  }),
  'backup.placeArchives': (_input, ctx) => ({ places: placeArchives(ctx) }),
  'backup.readOutput': ({ path, offset, length }, ctx) => {
    const real = isOwnOutput(ctx, path);
    if (!real)
      throw new AppError('forbidden_path', `${path}: only files Chat Inspector produced can be downloaded`);
    const size = statSync(real).size;
    const fd = openSync(real, 'r');
    try {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      const n = buf.length > 0 ? readSync(fd, buf, 0, buf.length, offset) : 0;
      return { data: buf.subarray(0, n).toString('base64'), size, eof: offset + n >= size };
    } finally {
      closeSync(fd);
    }
  },
} satisfies Partial<Handlers>;
