// `archive-inactive`: seed 000's cleanup_inactive_users, done so that nothing is ever lost.
//   1. last activity of every chat (main/store/activity.ts), read-only; chats inactive for more than N days
//      are the candidates. The dry run stops here and returns a plan (with each chat's file fingerprint);
//   2. with a plan, only its chats are taken, and only those whose files did not change since;
//   3. one archive in the backup format (so `restore` brings them back), written under a pending name (never
//      `*.tar.gz`) and verified; chats that could not be copied or hold an already damaged file stay in place;
//   4. right before moving, each chat is checked again: same fingerprint, not open in another process;
//   5. the chat folders are renamed into a trash folder beside the chats folder (same file system: atomic).
//      The archive must hold exactly the chats moved: when any stayed in place, it is rewritten without
//      them (a temp file, verified, renamed over the pending one). It is verified again, a mark naming it is
//      written into the trash, it gets its final name, and only then the trash is removed. Any failure
//      before the mark moves the folders back and deletes the pending archive. After a kill, the next run
//      finishes the job: a trash with the mark gives the archive its final name (if it was not yet) and is
//      removed; any other trash is moved back whole and its pending archive deleted. So no archive in
//      `--out` ever lists a chat that is still in the root, and every chat is in the root or in the archive.

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArchiveInactiveResult, ArchivePlan, InactiveChat } from '../../shared/contract/maintenance.ts';
import { AppError } from '../../shared/errors.ts';
import { CHAT_ID_SOURCE } from '../../shared/contract/primitives.ts';
import { createBackup } from '../backup/create.ts';
import {
  crashPoint,
  fsyncDir,
  fsyncFile,
  ownerMayBeWriting,
  partialName,
  removeQuietly,
  removeStalePartials,
  requireAbsent,
  unlinkIfExists,
} from '../fs/files.ts';
import { writeArchiveSubset } from '../backup/subset.ts';
import { verifyArchive } from '../backup/verify.ts';
import { namesIn } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import { listChats } from '../store/layout.ts';
import { CONVERSATIONS_DB, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import { inactiveDays } from '../store/activity.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { archiveIntact, chatFingerprint, collectChatFigures } from './figures.ts';
import { describeHolders, findHolders, type Holder } from './holders.ts';

export interface ArchiveInactiveOptions {
  root: string;
  days: number;
  /** Folder for the archive (must exist, outside the chats folder). */
  outDir: string;
  dryRun: boolean;
  plan?: ArchivePlan | undefined;
  pool: WorkerPool;
  now?: Date;
  /** Called before a chat folder is moved (the app closes its cached connections there). */
  beforeMove?: (dir: string) => void;
  /** Tests: runs after the archive is written, before it is verified. */
  afterArchiveWritten?: (archive: string) => void;
}

type Step = { step: string; detail: string | null };

export function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function isInsideOrSame(child: string, parent: string): boolean {
  const c = resolve(child);
  const p = resolve(parent);
  return c === p || c.startsWith(`${p}/`) || c.startsWith(`${p}\\`);
}

/** A folder on the same file system as the chats folder (renames must be atomic), not among the chats. */
function makeTrash(chatsDir: string, now: Date): string {
  const name = `.${basename(chatsDir)}.trash-${stamp(now)}-${process.pid}`;
  const beside = join(dirname(chatsDir), name);
  try {
    if (statSync(dirname(chatsDir)).dev === statSync(chatsDir).dev) {
      mkdirSync(beside);
      return beside;
    }
  } catch {
    // not writable beside: inside the chats folder (a hidden name, never read as a chat)
  }
  const inside = join(chatsDir, name);
  mkdirSync(inside);
  return inside;
}

/** The chat a path lies in: its `chat_<id>` segment. */
const CHAT_FOLDER_IN_PATH = new RegExp(`(?:^|[\\\\/])chat_(${CHAT_ID_SOURCE})(?:[\\\\/]|$)`);

/**
 * Written into the trash at its creation: where the archive is being written (its pending name) and the
 * name it gets once its chats are removed. A trash without VERIFIED_MARK: that archive is deleted.
 */
const PENDING_NOTE = '.archive-pending';
/**
 * Written into the trash once the archive holds exactly the trash's chats and passed its verification: its
 * chats may then go. It holds the same JSON as PENDING_NOTE (older versions wrote the archive's path only).
 */
const VERIFIED_MARK = '.archive-verified';

interface PendingArchive {
  /** Where it is written and verified (hidden, never `*.tar.gz`). */
  pending: string;
  /** Its name in `--out` once the chats it holds are removed. */
  archive: string;
}

function writeNote(path: string, note: PendingArchive): void {
  writeFileSync(path, `${JSON.stringify(note)}\n`, { flag: 'wx' });
  fsyncFile(path);
  fsyncDir(dirname(path));
}

/** The note in `path`; null when absent or not ours (an older version's mark holds a path only). */
function readNote(path: string): PendingArchive | null {
  try {
    const note = JSON.parse(readFileSync(path, 'utf8')) as Partial<PendingArchive>;
    return typeof note.pending === 'string' && typeof note.archive === 'string'
      ? { pending: note.pending, archive: note.archive }
      : null;
  } catch {
    return null;
  }
}

/** Deletes an archive that was never published (and what its writers may have left beside it). */
function discardPending(note: PendingArchive | null): void {
  if (!note) return;
  removeQuietly(note.pending);
  removeStalePartials(note.pending);
  removeQuietly(partialName(note.pending));
}

/** Gives the pending archive its final name (never over another file); false when it is not there. */
function publishPending(note: PendingArchive): boolean {
  if (existsSync(note.archive)) return true;
  if (!existsSync(note.pending)) return false;
  requireAbsent(note.archive, 'archive');
  renameSync(note.pending, note.archive);
  fsyncDir(dirname(note.archive));
  return true;
}

function trashPattern(chatsDir: string): RegExp {
  const name = basename(chatsDir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.trash-\\d{8}T\\d{6}Z-(\\d+)$`);
}

/** Trash folders an interrupted run left (its process is gone), beside or inside the chats folder. */
export function leftoverTrash(chatsDir: string): string[] {
  const pattern = trashPattern(chatsDir);
  const out: string[] = [];
  for (const dir of [dirname(chatsDir), chatsDir]) {
    for (const name of namesIn(dir)) {
      const m = pattern.exec(name);
      if (!m) continue;
      // Its run is gone: dead, or its pid now names a later process (a container's runs share pids).
      let mtimeMs: number;
      try {
        mtimeMs = lstatSync(join(dir, name)).mtimeMs;
      } catch {
        continue;
      }
      if (!ownerMayBeWriting(Number(m[1]), mtimeMs)) out.push(join(dir, name));
    }
  }
  return out;
}

/** Finishes what a killed run left: removes a verified trash, moves any other back. Returns what it did. */
export function finishInterrupted(chatsDir: string): string[] {
  const notes: string[] = [];
  for (const trash of leftoverTrash(chatsDir)) {
    const mark = join(trash, VERIFIED_MARK);
    const verified = existsSync(mark);
    // An older version's mark holds the archive's path only: that archive was already in place.
    const published = verified && (readNote(mark) === null || publishPending(readNote(mark)!));
    if (published) {
      removeQuietly(trash);
      notes.push(`finished removing chats an interrupted run had archived and verified (${trash})`);
    } else {
      discardPending(readNote(join(trash, PENDING_NOTE)));
      moveBack(trash, chatsDir);
      notes.push(
        existsSync(trash)
          ? `an interrupted run left ${trash}; chats whose name exists again in the root stay there`
          : `moved back the chats an interrupted run had set aside (${trash})`,
      );
    }
  }
  return notes;
}

/** Moves the trash's chats back (its archive was deleted first: it must not list chats that are live). */
function moveBack(trash: string, chatsDir: string): void {
  for (const name of readdirSync(trash)) {
    if (name === VERIFIED_MARK || name === PENDING_NOTE) continue;
    if (!existsSync(join(chatsDir, name))) renameSync(join(trash, name), join(chatsDir, name));
  }
  fsyncDir(chatsDir);
  unlinkIfExists(join(trash, VERIFIED_MARK));
  unlinkIfExists(join(trash, PENDING_NOTE));
  try {
    rmdirSync(trash);
  } catch {
    // not empty: a folder whose name came back meanwhile stays in the trash, reported by the error
  }
}

/**
 * Where `restore --into` puts the chats back in place. Restore writes into a root's existing chats folder,
 * or into ROOT/chats when the root holds no chat folder: once every chat was archived, a chats folder named
 * `chats` is found again from its parent.
 */
function restoreTarget(root: string, chatsDir: string): string {
  return basename(chatsDir) === 'chats' ? dirname(chatsDir) : root;
}

export async function archiveInactive(
  options: ArchiveInactiveOptions,
  ctx: JobContext<Step>,
): Promise<ArchiveInactiveResult> {
  const root = resolve(options.root);
  const now = options.now ?? new Date();
  const step = (name: string, detail: string | null = null): void => {
    ctx.emit({ step: name, detail });
    ctx.progress(0, null, detail ? `${name}: ${detail}` : name);
  };
  const listing = listChats(root);
  const { chatsDir } = listing;
  const notes = options.dryRun
    ? leftoverTrash(chatsDir).map((t) => `an interrupted run left ${t}: the next run finishes it`)
    : finishInterrupted(chatsDir);
  // Chats are moved out of (and, on failure, back into) one folder: a root with several chat trees is
  // archived in its current tree only, and says what it left.
  const current = listing.trees[0]!.tree;
  const chats = listing.chats.filter((c) => c.tree === current);
  for (const tree of listing.trees.slice(1))
    notes.push(
      `${tree.chats} chat(s) in ${tree.dir} were not considered: archive-inactive works on the current chat tree, ${chatsDir}`,
    );

  // 1. Candidates.
  step('reading last activity');
  const figures = await collectChatFigures(root, options.pool, ctx, {
    timeQuery: false,
    now,
    chats,
  });
  // The inactive rule of every screen (main/store/activity.ts), on the visit's last activity.
  const candidates: InactiveChat[] = figures.flatMap((f) => {
    const days = inactiveDays(f.lastActive, now.getTime(), options.days);
    return days === null
      ? []
      : [
          {
            chatId: f.chatId,
            dir: f.dir,
            sizeBytes: f.sizeBytes,
            lastActive: f.lastActive,
            inactiveDays: days,
            fingerprint: f.fingerprint,
          },
        ];
  });
  const plan: ArchivePlan = {
    root,
    days: options.days,
    createdAt: now.toISOString(),
    chats: candidates.map((c) => ({
      chatId: c.chatId,
      lastActive: c.lastActive,
      fingerprint: c.fingerprint,
    })),
  };
  const result: ArchiveInactiveResult = {
    root,
    dryRun: options.dryRun,
    days: options.days,
    candidates,
    archived: [],
    kept: [],
    archive: null,
    archiveBytes: null,
    freedBytes: 0,
    plan,
    notes,
    restoreInto: restoreTarget(root, chatsDir),
  };
  if (options.dryRun) return result;

  // 2. The plan's chats, unchanged since.
  let selected = candidates;
  if (options.plan) {
    if (resolve(options.plan.root) !== root)
      throw new AppError('invalid_input', `the plan is for ${options.plan.root}, not ${root}`);
    const now = new Map(candidates.map((c) => [c.chatId, c]));
    selected = [];
    for (const p of options.plan.chats) {
      const c = now.get(p.chatId);
      if (!c)
        result.kept.push({ chatId: p.chatId, reason: 'active since the dry run (or no longer in the root)' });
      else if (c.fingerprint !== p.fingerprint)
        result.kept.push({ chatId: p.chatId, reason: 'its files changed since the dry run' });
      else selected.push(c);
    }
    const planned = new Set(options.plan.chats.map((p) => p.chatId));
    for (const c of candidates)
      if (!planned.has(c.chatId)) result.kept.push({ chatId: c.chatId, reason: 'not in the dry run' });
  }
  // One scan of the open files for all chats (it reads every process's file table): per chat it would cost
  // as much each time.
  const openNow = (chats: readonly InactiveChat[]): Map<string, string> => {
    const byDb = new Map<string, string>();
    for (const c of chats) {
      byDb.set(join(c.dir, PROFILE_DB), c.chatId);
      byDb.set(join(c.dir, CONVERSATIONS_DB), c.chatId);
    }
    const holders = new Map<string, Holder[]>();
    for (const h of findHolders([...byDb.keys()]).holders) {
      const chatId = byDb.get(h.db);
      if (chatId) holders.set(chatId, [...(holders.get(chatId) ?? []), h]);
    }
    return new Map([...holders].map(([id, hs]) => [id, `open in ${describeHolders(hs)}`]));
  };
  const busyBefore = openNow(selected);
  selected = selected.filter((c) => {
    const busy = busyBefore.get(c.chatId);
    if (busy) result.kept.push({ chatId: c.chatId, reason: busy });
    return !busy;
  });
  if (selected.length === 0) return result;

  // 3. One archive, verified.
  const outDir = resolve(options.outDir);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory())
    throw new AppError('not_found', `${options.outDir}: no such folder for the archive`);
  if (isInsideOrSame(outDir, chatsDir))
    throw new AppError('invalid_input', `${options.outDir}: the archive cannot go inside the chats folder`);
  const name = `inactive-${basename(root) || 'root'}-${stamp(now)}`;
  let archive = join(outDir, `${name}.tar.gz`);
  const pendingOf = (a: string): string => join(outDir, `.${basename(a)}.pending`);
  for (let i = 1; existsSync(archive) || existsSync(pendingOf(archive)); i++)
    archive = join(outDir, `${name}-${i}.tar.gz`);
  const note: PendingArchive = { pending: pendingOf(archive), archive };
  // The trash comes first: it names the pending archive, so a kill at any later step is finished right.
  const trash = makeTrash(chatsDir, now);
  const moved: string[] = [];
  let marked = false;
  try {
    writeNote(join(trash, PENDING_NOTE), note);
    crashPoint('archive:trash');
    step('writing the archive', archive);
    const backup = await createBackup(
      { root, chatIds: selected.map((c) => c.chatId), out: note.pending, pool: options.pool, now },
      { signal: ctx.signal, progress: (d, t, c) => ctx.progress(d, t, c), emit: () => {} },
    );
    crashPoint('archive:written');
    options.afterArchiveWritten?.(note.pending);
    const failed = new Map(backup.failed.map((f) => [f.chatId, f.reason]));
    const damaged = new Set(backup.damaged.map((d) => d.path.split('/')[1]?.replace(/^chat_/, '') ?? ''));
    // A chat with a file that could not be backed up (not a regular file, locked) is not whole in the archive.
    const partlyBackedUp = new Set(
      backup.notBackedUp.map((n) => CHAT_FOLDER_IN_PATH.exec(n.path)?.[1] ?? ''),
    );
    step('verifying the archive', archive);
    const verdict = await verifyArchive(
      { archive: note.pending },
      { signal: ctx.signal, progress: () => {}, emit: () => {} },
    );
    if (!archiveIntact(verdict)) {
      const why = [
        ...verdict.problems,
        ...verdict.files.flatMap((f) => f.problems.map((p) => `${f.path}: ${p}`)),
      ];
      throw new AppError(
        'corrupt',
        `the archive ${archive} failed verification (${why.slice(0, 2).join('; ')}); no chat was removed`,
      );
    }
    const inArchive = new Set(verdict.files.filter((f) => f.checksumOk).map((f) => f.chatId));
    selected = selected.filter((c) => {
      let reason: string | null = null;
      if (failed.has(c.chatId)) reason = `could not be archived (${failed.get(c.chatId)})`;
      else if (damaged.has(c.chatId)) reason = 'holds a damaged file (kept in place; it would not restore)';
      else if (partlyBackedUp.has(c.chatId))
        reason = 'has a file that could not be backed up (kept in place)';
      else if (!inArchive.has(c.chatId)) reason = 'is not in the archive';
      if (reason) result.kept.push({ chatId: c.chatId, reason });
      return reason === null;
    });
    throwIfCancelled(ctx.signal);

    // 4 and 5. Checked again, moved to the trash, the archive made to hold exactly them and verified again.
    const busyNow = openNow(selected);
    for (const c of selected) {
      const busy = busyNow.get(c.chatId);
      if (busy || chatFingerprint(c.dir) !== c.fingerprint) {
        result.kept.push({
          chatId: c.chatId,
          reason: busy ?? 'its files changed while it was being archived',
        });
        continue;
      }
      options.beforeMove?.(c.dir);
      renameSync(c.dir, join(trash, basename(c.dir)));
      moved.push(c.chatId);
      crashPoint('archive:moved');
    }
    fsyncDir(chatsDir);
    if (moved.length === 0) throw new NothingMoved();
    const movedSet = new Set(moved);
    if (verdict.files.some((f) => !movedSet.has(f.chatId))) {
      step('rewriting the archive without the chats kept in place', archive);
      await rewriteWithout(note.pending, movedSet, selected, result.kept, ctx.signal);
      crashPoint('archive:rewritten');
    }
    step('verifying the archive again', archive);
    const again = await verifyArchive(
      { archive: note.pending },
      { signal: ctx.signal, progress: () => {}, emit: () => {} },
    );
    const againChats = new Set(again.files.map((f) => f.chatId));
    if (!archiveIntact(again) || againChats.size !== movedSet.size || moved.some((id) => !againChats.has(id)))
      throw new AppError(
        'corrupt',
        `the archive ${archive} failed its second verification; the chats were put back`,
      );
    writeNote(join(trash, VERIFIED_MARK), note);
    marked = true;
    crashPoint('archive:marked');
    publishPending(note);
    crashPoint('archive:published');
  } catch (error) {
    // Once marked, only giving the archive its name failed: once more, else everything goes back.
    if (marked && publishedOrNot(note)) {
      removeQuietly(trash);
      return finished(result, archive, moved, selected);
    }
    unlinkIfExists(join(trash, VERIFIED_MARK));
    discardPending(note);
    moveBack(trash, chatsDir);
    if (error instanceof NothingMoved) return result;
    throw error;
  }
  step('removing the archived chats', trash);
  removeQuietly(trash);
  crashPoint('archive:removed');
  return finished(result, archive, moved, selected);
}

function publishedOrNot(note: PendingArchive): boolean {
  try {
    return publishPending(note);
  } catch {
    return false;
  }
}

/** No chat could be moved (all changed or were opened meanwhile): no archive is left, nothing removed. */
class NothingMoved extends Error {}

function finished(
  result: ArchiveInactiveResult,
  archive: string,
  moved: readonly string[],
  selected: readonly InactiveChat[],
): ArchiveInactiveResult {
  const movedSet = new Set(moved);
  result.archive = archive;
  result.archiveBytes = statSync(archive).size;
  result.archived = [...moved];
  result.freedBytes = selected.filter((c) => movedSet.has(c.chatId)).reduce((s, c) => s + c.sizeBytes, 0);
  return result;
}

/**
 * Rewrites the pending archive with only the `moved` chats: into a temp file beside it, verified (intact,
 * exactly those chats), then renamed over it (atomic; a kill leaves the old or the new one, both pending).
 */
async function rewriteWithout(
  pending: string,
  moved: ReadonlySet<string>,
  selected: readonly InactiveChat[],
  kept: ArchiveInactiveResult['kept'],
  signal: AbortSignal,
): Promise<void> {
  const temp = partialName(pending);
  trackTemp(temp);
  try {
    const dirs = new Map(selected.map((c) => [c.chatId, c.dir]));
    const dropped = kept.map((k) => ({
      chatId: k.chatId,
      path: dirs.get(k.chatId) ?? k.chatId,
      reason: k.reason,
    }));
    const chats = await writeArchiveSubset(pending, temp, moved, dropped, signal);
    fsyncFile(temp);
    const verdict = await verifyArchive({ archive: temp }, { signal, progress: () => {}, emit: () => {} });
    if (!archiveIntact(verdict) || chats.length !== moved.size || chats.some((id) => !moved.has(id)))
      throw new AppError(
        'corrupt',
        `the archive rewritten without the chats kept in place failed verification`,
      );
    renameSync(temp, pending);
    fsyncDir(dirname(pending));
  } finally {
    removeTemp(temp);
  }
}
