// `restore`: chats from an archive into a root, safely.
//
// 1. The whole archive is verified first, by the very check `verify` runs (verify.ts checkArchive: structure,
//    manifest against content, every checksum and row count, quick_check of every DB): whatever verify
//    refuses, restore refuses before anything is written, --force or not.
// 2. A plan per chat and file: add, replace (with row counts old → new), unchanged (same bytes) or skip
//    (damaged when backed up). `dryRun` stops here. Replacing needs `force`.
// 3. Before anything is written, every DB to replace is checked not to be in use by the bot.
// 4. The archive is read a second time; each file is written to a temporary name beside its target, its
//    sha256 is checked again against the manifest (the archive cannot change between the passes unnoticed),
//    fsynced and quick_checked. A new chat is assembled in a hidden folder beside the others and renamed into
//    place whole; files of an existing chat are swapped one by one (swap.ts: old file kept as .bak-<time>).
// A crash at any moment leaves each file either old or new. Every target passes the one path guard
// (main/fs/entry.ts): nothing is written through a symbolic link or outside the root, and a target that is
// not a regular file (a folder, a FIFO) is refused, all before the first write.

import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type {
  RestoreAction,
  RestoreChatPlan,
  RestoreFilePlan,
  RestoreResult,
  RowCountDiff,
} from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { entryAt, describeKind, guardInsideRoot } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { withReadonly } from '../sqlite/open.ts';
import { chatTrees, resolveChatsDir, treeHolding, type ChatTree } from '../store/layout.ts';
import { CHAT_DIR_PATTERN, METADATA_JSON } from '../adapters/per-chat-schema.ts';
import {
  chownLike,
  crashPoint,
  fsyncDir,
  holdPoint,
  removeStaleTemps,
  sizeOrNull,
  tempBeside,
} from '../fs/files.ts';
import { LAYOUT_FILES, classifyArchivePath, type ManifestFile, type ManifestSingle } from './manifest.ts';
import { hashFile } from '../fs/files.ts';
import { quickCheckFile, rowCounts } from '../sqlite/file.ts';
import { assertNotInUse, swapInto } from './swap.ts';
import { DEFAULT_LIMITS, readTarGz, type TarLimits } from './tar.ts';
import { checkArchive } from './verify.ts';

export interface RestoreOptions {
  archive: string;
  root: string;
  chatIds?: readonly string[] | undefined;
  dryRun?: boolean;
  force?: boolean;
  limits?: TarLimits;
  /** How long to wait for the bot to let go of a DB before refusing (ms). */
  waitMs?: number;
  now?: Date;
  /** Called before a chat's files are replaced (the app closes its cached connections there). */
  beforeChat?: (chatDir: string) => void;
}

/** The chats folders a root may have (as resolveChatsDir looks for them), nearest first. */
const CHATS_LAYOUTS = [['chats'], ['data', 'chats'], ['bot', 'data', 'chats']];

/**
 * Where chat folders go in `root`: the folder the person gave, unless it already has a chats layout
 * (resolveChatsDir: `chats/`, `data/chats/` or `bot/data/chats/` holding chat folders, or such a folder
 * still empty and no chat folder in the root itself). An empty folder gets the chat folders directly.
 */
export function targetChatsDir(root: string): string {
  const resolved = resolveChatsDir(root);
  if (resolved !== root) return resolved;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('not_found', `${root}: no such folder`);
    throw error;
  }
  if (names.some((name) => CHAT_DIR_PATTERN.test(name))) return root;
  for (const parts of CHATS_LAYOUTS) {
    const candidate = join(root, ...parts);
    if (entryAt(candidate).kind === 'directory') return candidate;
  }
  return root;
}

/**
 * The path guard for one target of a restore, before anything is written: inside the root, no link on the
 * way, and (when it exists) of the kind expected. A DB's -wal/-shm/-journal must be regular files too.
 */
function guardTarget(root: string, target: string, kind: 'file' | 'directory'): void {
  guardInsideRoot(root, target);
  const paths = kind === 'file' ? [target, `${target}-wal`, `${target}-shm`, `${target}-journal`] : [target];
  for (const path of paths) {
    const entry = entryAt(path);
    if (entry.kind === 'missing' || entry.kind === kind) continue;
    if (entry.kind === 'symlink') guardInsideRoot(root, path);
    throw new AppError(
      'forbidden_path',
      `${path}: is ${describeKind(entry.kind)}, not a ${kind === 'file' ? 'regular file' : 'folder'}; nothing was written`,
    );
  }
}

function targetCounts(path: string): Record<string, number> | null {
  try {
    return withReadonly(path, (db) => rowCounts(db));
  } catch {
    return null;
  }
}

/**
 * sha256 of what the target holds now, comparable with the archive's: the file's bytes, or for a DB whose
 * newest rows are in its -wal, the DB image SQLite reads (serialized, as the backup made it).
 */
function currentSha256(target: string, isDb: boolean): string | null {
  if (!isDb || (sizeOrNull(`${target}-wal`) ?? 0) === 0) return hashFile(target).sha256;
  try {
    return withReadonly(target, (db) => createHash('sha256').update(db.serialize()).digest('hex'));
  } catch {
    return null;
  }
}

function diffCounts(
  oldCounts: Record<string, number> | null,
  newCounts: Record<string, number> | null,
): RowCountDiff[] {
  const tables = new Set([...Object.keys(oldCounts ?? {}), ...Object.keys(newCounts ?? {})]);
  return [...tables]
    .filter((t) => t !== 'sqlite_sequence')
    .sort()
    .map((table) => ({ table, old: oldCounts?.[table] ?? null, new: newCounts?.[table] ?? null }));
}

interface PlannedFile extends RestoreFilePlan {
  manifest: ManifestFile;
  target: string;
}

interface PlannedChat {
  chatId: string;
  dir: string;
  /** The chat tree it goes into, when the root has more than one. */
  tree?: string;
  action: RestoreAction;
  files: PlannedFile[];
}

function summarize(chats: { action: RestoreAction }[]): RestoreResult['summary'] {
  const summary = { add: 0, replace: 0, unchanged: 0, skip: 0 };
  for (const c of chats) summary[c.action]++;
  return summary;
}

function publicPlan(chat: PlannedChat): RestoreChatPlan {
  return {
    chatId: chat.chatId,
    ...(chat.tree !== undefined ? { tree: chat.tree } : {}),
    action: chat.action,
    files: chat.files.map((f) => ({
      name: f.name,
      action: f.action,
      reason: f.reason,
      rowCounts: f.rowCounts,
      backup: f.backup,
    })),
  };
}

function planChat(
  root: string,
  chatId: string,
  chatsDir: string,
  files: ManifestFile[],
  damaged: Map<string, string>,
): PlannedChat {
  const dir = join(chatsDir, `chat_${chatId}`);
  guardTarget(root, dir, 'directory');
  const dirExists = existsSync(dir);
  const planned: PlannedFile[] = [];
  for (const m of [...files].sort((a, b) => LAYOUT_FILES.indexOf(a.name) - LAYOUT_FILES.indexOf(b.name))) {
    const target = join(dir, m.name);
    guardTarget(root, target, 'file');
    const isDb = m.name !== METADATA_JSON;
    const base = { name: m.name, manifest: m, target, backup: null };
    const problem = damaged.get(m.path);
    if (problem) {
      planned.push({ ...base, action: 'skip', reason: problem, rowCounts: diffCounts(null, m.rowCounts) });
      continue;
    }
    if (!dirExists || !existsSync(target)) {
      planned.push({
        ...base,
        action: 'add',
        reason: null,
        rowCounts: isDb ? diffCounts(null, m.rowCounts) : [],
      });
      continue;
    }
    const same = currentSha256(target, isDb) === m.sha256;
    const oldCounts = isDb ? targetCounts(target) : null;
    planned.push({
      ...base,
      action: same ? 'unchanged' : 'replace',
      reason: same
        ? 'identical to the archive'
        : isDb && oldCounts === null
          ? 'the current file cannot be read (damaged?)'
          : null,
      rowCounts: isDb ? diffCounts(oldCounts, m.rowCounts) : [],
    });
  }
  let action: RestoreAction;
  if (planned.every((f) => f.action === 'skip')) action = 'skip';
  else if (!dirExists) action = 'add';
  else if (planned.some((f) => f.action === 'add' || f.action === 'replace')) action = 'replace';
  else action = 'unchanged';
  return { chatId, dir, action, files: planned };
}

function writeStaged(path: string, chunks: AsyncIterable<Buffer>): Promise<string> {
  return (async () => {
    const hash = createHash('sha256');
    const fd = openSync(path, 'wx', 0o644);
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        writeSync(fd, chunk);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return hash.digest('hex');
  })();
}

export async function restoreArchive(
  options: RestoreOptions,
  ctx: JobContext<RestoreChatPlan>,
): Promise<RestoreResult> {
  const archive = resolve(options.archive);
  const root = resolve(options.root);
  const rootIsDir = existsSync(root) && statSync(root).isDirectory();
  // A path that is not a folder can only be where an archived single SQLite file goes (known once verified).
  const mayBeFileTarget =
    !rootIsDir &&
    entryAt(dirname(root)).kind === 'directory' &&
    ['missing', 'file'].includes(entryAt(root).kind);
  if (!rootIsDir && !mayBeFileTarget) throw new AppError('not_found', `${options.root}: no such folder`);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const waitMs = options.waitMs ?? 10_000;
  const now = options.now ?? new Date();

  // 1. Verify everything before touching anything: the same verdict as `verify`.
  ctx.progress(0, null, 'verifying the archive');
  const { scan, refusals, damaged } = await checkArchive(
    archive,
    limits,
    ctx.signal,
    (n, current) => ctx.progress(n, null, `verifying ${current}`),
    rootIsDir ? root : dirname(root),
  );
  if (refusals.length > 0 || !scan.manifest) {
    const first = refusals.slice(0, 3).join('; ');
    const more = refusals.length > 3 ? ` (and ${refusals.length - 3} more)` : '';
    throw new AppError('hostile_archive', `${archive} was refused, nothing was written: ${first}${more}`);
  }
  const manifest = scan.manifest;
  if (manifest.kind === 'file' && manifest.single)
    return restoreSingleFile(archive, root, manifest.single, damaged, options, limits, ctx);
  if (!rootIsDir) throw new AppError('not_found', `${options.root}: no such folder`);
  if (options.chatIds && options.chatIds.length > 0 && manifest.chats.length === 0)
    throw new AppError('invalid_input', `${archive} holds no chat`);

  // 2. Plan.
  const inArchive = new Set(manifest.chats);
  const wanted =
    options.chatIds && options.chatIds.length > 0 ? [...new Set(options.chatIds)] : manifest.chats;
  for (const id of wanted) {
    if (!inArchive.has(id)) throw new AppError('not_found', `chat ${id} is not in ${archive}`);
  }
  const chatsDir = targetChatsDir(root);
  guardTarget(root, chatsDir, 'directory');
  // A root with more than one chat tree (seed 000's bot folder): a chat already there goes back into the
  // tree it lives in (the first holding it, as a plain id means), never as a second copy in the current
  // tree; a new chat goes into the current tree. One tree: every chat into chatsDir, no look-up.
  const trees = chatTrees(root);
  const treeOf = (chatId: string): ChatTree | null =>
    trees.length > 1 ? (treeHolding(root, chatId, trees) ?? trees[0]!) : null;
  const filesByChat = new Map<string, ManifestFile[]>();
  for (const f of manifest.files) {
    const list = filesByChat.get(f.chatId) ?? [];
    list.push(f);
    filesByChat.set(f.chatId, list);
  }
  const plans: PlannedChat[] = [];
  for (const [i, chatId] of wanted.entries()) {
    throwIfCancelled(ctx.signal);
    const tree = treeOf(chatId);
    const plan = planChat(root, chatId, tree?.dir ?? chatsDir, filesByChat.get(chatId) ?? [], damaged);
    plans.push(tree ? { ...plan, tree: tree.tree } : plan);
    ctx.progress(i + 1, wanted.length, `planning chat ${chatId}`);
  }
  const result = (applied: boolean): RestoreResult => ({
    archive,
    root,
    chatsDir,
    ...(scan.withoutManifest ? { withoutManifest: true } : {}),
    dryRun: options.dryRun ?? false,
    applied,
    chats: plans.map(publicPlan),
    summary: summarize(plans),
  });
  if (options.dryRun) return result(false);

  const replacing = plans.filter((c) => c.files.some((f) => f.action === 'replace'));
  if (replacing.length > 0 && !options.force) {
    const ids = replacing
      .slice(0, 5)
      .map((c) => c.chatId)
      .join(', ');
    throw new AppError(
      'conflict',
      `restoring would replace files of ${replacing.length} existing chat(s) (${ids}${replacing.length > 5 ? ', ...' : ''}): ` +
        'check the dry run, then run again with --force (replaced files are kept as .bak-<time>)',
    );
  }

  // 3. Nobody may be writing what will be replaced.
  for (const chat of replacing) {
    options.beforeChat?.(chat.dir);
    for (const f of chat.files) {
      if (f.action === 'replace' && f.name !== METADATA_JSON)
        assertNotInUse(f.target, { label: `chat ${chat.chatId}`, waitMs });
    }
  }

  // 4. Second pass: stage, check, swap.
  const work = new Map<string, PlannedChat>();
  for (const chat of plans)
    if (chat.action === 'add' || chat.action === 'replace') work.set(chat.chatId, chat);
  const wantedPaths = new Map<string, { chat: PlannedChat; file: PlannedFile }>();
  for (const chat of work.values()) {
    for (const file of chat.files)
      if (file.action === 'add' || file.action === 'replace')
        wantedPaths.set(file.manifest.path, { chat, file });
  }
  // Leftovers of a restore that crashed (their process is gone: files, and hidden folders of new chats it
  // was assembling) go first, even when this run has nothing to write.
  removeStaleTemps(chatsDir);
  if (wantedPaths.size === 0) return result(true);
  mkdirSync(chatsDir, { recursive: true });
  for (const chat of work.values()) if (chat.action === 'replace') removeStaleTemps(chat.dir);
  const staged = new Map<string, Map<string, string>>();
  const newChatDirs = new Map<string, string>();
  // Staged files and hidden new-chat folders: tracked, so a signal removes them; the finally removes the rest.
  const cleanup = new Map<string, () => void>();
  const stage = (path: string): void => {
    cleanup.set(path, trackTemp(path));
  };
  const committed = new Set<string>();
  let done = 0;

  const commitChat = (chat: PlannedChat): void => {
    const files = staged.get(chat.chatId)!;
    if (chat.action === 'add') {
      // A new chat: its hidden folder already holds every file; one rename makes it appear whole.
      const tmpDir = newChatDirs.get(chat.chatId)!;
      chownLike([tmpDir, ...files.values()], chatsDir);
      fsyncDir(tmpDir);
      crashPoint('restore:new-chat-staged');
      if (entryAt(chat.dir).kind !== 'missing')
        throw new AppError('conflict', `${chat.dir} appeared while it was being restored`);
      renameSync(tmpDir, chat.dir);
      cleanup.get(tmpDir)?.();
      cleanup.delete(tmpDir);
      crashPoint('restore:new-chat-renamed');
      fsyncDir(chatsDir);
    } else {
      for (const file of chat.files) {
        const stagedPath = files.get(file.name);
        if (!stagedPath) continue;
        // Checked again right before the swap: a link put there since the plan is refused too.
        guardTarget(root, file.target, 'file');
        const { backup } = swapInto(file.target, stagedPath, {
          label: `chat ${chat.chatId}`,
          waitMs,
          now,
          sqlite: file.name !== METADATA_JSON,
        });
        file.backup = backup;
        cleanup.get(stagedPath)?.();
        cleanup.delete(stagedPath);
      }
    }
    staged.delete(chat.chatId);
    committed.add(chat.chatId);
    ctx.emit(publicPlan(chat));
    ctx.progress(++done, work.size, `chat ${chat.chatId}`);
  };

  try {
    await readTarGz(
      archive,
      limits,
      async (entry, read) => {
        throwIfCancelled(ctx.signal);
        const where = classifyArchivePath(entry.path);
        if (where.kind !== 'file') return;
        const key = entry.path.replace(/^\.\//, '');
        const hit = wantedPaths.get(key);
        if (!hit) return;
        const { chat, file } = hit;
        let stagedPath: string;
        if (chat.action === 'add') {
          let tmpDir = newChatDirs.get(chat.chatId);
          if (!tmpDir) {
            tmpDir = tempBeside(chat.dir, 'restore');
            stage(tmpDir);
            mkdirSync(tmpDir, { mode: 0o755 });
            newChatDirs.set(chat.chatId, tmpDir);
          }
          stagedPath = join(tmpDir, file.name);
        } else {
          stagedPath = tempBeside(file.target, 'restore');
          stage(stagedPath);
        }
        crashPoint('restore:staging');
        const sha256 = await writeStaged(stagedPath, read());
        if (sha256 !== file.manifest.sha256) {
          throw new AppError(
            'hostile_archive',
            `${key} changed since the archive was verified; restore stopped (files already restored are complete)`,
          );
        }
        if (file.name !== METADATA_JSON) {
          const verdict = quickCheckFile(stagedPath);
          if (verdict !== 'ok')
            throw new AppError(
              'corrupt',
              `${key} fails quick_check after it was written (${verdict}); restore stopped`,
            );
        }
        crashPoint('restore:staged');
        await holdPoint('restore:staged');
        const chatStaged = staged.get(chat.chatId) ?? new Map<string, string>();
        chatStaged.set(file.name, stagedPath);
        staged.set(chat.chatId, chatStaged);
        const expected = chat.files.filter((f) => f.action === 'add' || f.action === 'replace').length;
        if (chatStaged.size === expected) commitChat(chat);
      },
      ctx.signal,
    );
    for (const chat of work.values()) {
      if (!committed.has(chat.chatId))
        throw new AppError(
          'internal',
          `chat ${chat.chatId} was not complete in the archive's second reading`,
        );
    }
  } finally {
    for (const path of cleanup.keys()) removeTemp(path);
  }
  return result(true);
}

/**
 * Restores the one SQLite file of a single-file archive (already verified by the caller) to `into`: that
 * path, or the archived name inside it when it is a folder. The same rules as a chat's file: a dry run
 * plans only; replacing needs `force`, is refused while the bot holds the file (after `waitMs`), and keeps
 * the old file as `.bak-<time>` (swap.ts); the new bytes are staged beside the target, checked against the
 * manifest's sha256, fsynced and quick_checked before one rename puts them in place.
 */
async function restoreSingleFile(
  archive: string,
  into: string,
  single: ManifestSingle,
  damaged: Map<string, string>,
  options: RestoreOptions,
  limits: TarLimits,
  ctx: JobContext<RestoreChatPlan>,
): Promise<RestoreResult> {
  const target = entryAt(into).kind === 'directory' ? join(into, single.name) : into;
  const folder = dirname(target);
  const waitMs = options.waitMs ?? 10_000;
  guardTarget(folder, target, 'file');
  const problem = damaged.get(single.path);
  if (problem) throw new AppError('corrupt', `${single.path} ${problem}; nothing was written`);
  const exists = existsSync(target);
  const same = exists && currentSha256(target, true) === single.sha256;
  const oldCounts = exists ? targetCounts(target) : null;
  const action: RestoreAction = !exists ? 'add' : same ? 'unchanged' : 'replace';
  const plan: RestoreFilePlan = {
    name: basename(target),
    action,
    reason: same
      ? 'identical to the archive'
      : exists && oldCounts === null
        ? 'the current file cannot be read (damaged?)'
        : null,
    rowCounts: diffCounts(oldCounts, single.rowCounts),
    backup: null,
  };
  const result = (applied: boolean): RestoreResult => ({
    archive,
    root: folder,
    chatsDir: folder,
    dryRun: options.dryRun ?? false,
    applied,
    chats: [{ chatId: '', action, files: [plan] }],
    file: target,
    summary: summarize([{ action }]),
  });
  if (options.dryRun) return result(false);
  if (action === 'replace' && !options.force)
    throw new AppError(
      'conflict',
      `restoring would replace ${target}: check the dry run, then run again with --force (the replaced file is kept as .bak-<time>)`,
    );
  if (action === 'replace') {
    options.beforeChat?.(folder);
    assertNotInUse(target, { label: target, waitMs });
  }
  removeStaleTemps(folder);
  if (action === 'unchanged') return result(true);
  const staged = tempBeside(target, 'restore');
  const untrack = trackTemp(staged);
  let written = false;
  try {
    await readTarGz(
      archive,
      limits,
      async (entry, read) => {
        throwIfCancelled(ctx.signal);
        const where = classifyArchivePath(entry.path);
        if (where.kind !== 'single' || where.name !== single.name) return;
        crashPoint('restore:staging');
        const sha256 = await writeStaged(staged, read());
        if (sha256 !== single.sha256)
          throw new AppError(
            'hostile_archive',
            `${single.path} changed since the archive was verified; nothing was written`,
          );
        const verdict = quickCheckFile(staged);
        if (verdict !== 'ok')
          throw new AppError('corrupt', `${single.path} fails quick_check after it was written (${verdict})`);
        crashPoint('restore:staged');
        await holdPoint('restore:staged');
        if (action === 'add') {
          chownLike([staged], folder);
          if (entryAt(target).kind !== 'missing')
            throw new AppError(
              'conflict',
              `${target} appeared while it was being restored; nothing was written`,
            );
          renameSync(staged, target);
          untrack();
          fsyncDir(folder);
        } else {
          // Checked again right before the swap: a link put there since the plan is refused too.
          guardTarget(folder, target, 'file');
          plan.backup = swapInto(target, staged, {
            label: target,
            waitMs,
            now: options.now ?? new Date(),
            sqlite: true,
          }).backup;
          untrack();
        }
        written = true;
        ctx.emit({ chatId: '', action, files: [plan] });
        ctx.progress(1, 1, single.name);
      },
      ctx.signal,
    );
    if (!written) throw new AppError('internal', `${single.path} was not in the archive's second reading`);
  } finally {
    if (!written) removeTemp(staged);
  }
  return result(true);
}
