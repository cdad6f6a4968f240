import { opendirSync, type Dir } from 'node:fs';
import { join, sep } from 'node:path';
import type { SkippedEntry } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { isChatId } from '../../shared/contract/primitives.ts';
import { CHAT_TREES, ROOT_TREE, treeRank } from '../../shared/chat-layout.ts';
import { describeKind, entryAt, guardInsideRoot } from '../fs/entry.ts';
import { CHAT_DIR_PATTERN } from '../adapters/per-chat-schema.ts';

/** Where a chat's files are: its folder and the chat tree holding it. */
export interface ChatCopy {
  /** The chat tree, as a path relative to the root (`bot/data/chats`, `data/chats`, `chats`, `.`). */
  tree: string;
  dir: string;
}

export interface ChatLocation extends ChatCopy {
  chatId: string;
  /**
   * The same chat id in the root's other chat trees (absent in the usual single-tree root). The copy in
   * the current tree (the first of CHAT_TREES holding it) is the chat; these are listed beside it.
   */
  copies?: ChatCopy[];
}

export interface ChatTree {
  tree: string;
  dir: string;
}

// The tree names and their order are shared with the transports (shared/chat-layout.ts).
export { CHAT_TREES, ROOT_TREE, treeRank };

/**
 * Every chat tree of a root, the current one first: each of CHAT_TREES that is a real folder holding a
 * chat folder, and the root itself when it holds one; the root alone when none does (people point at the
 * bot's project folder as often as at the chats folder). A tree reached through a symbolic link is not
 * taken (links are never followed).
 */
export function chatTrees(root: string): ChatTree[] {
  const trees: ChatTree[] = [];
  for (const tree of CHAT_TREES) {
    const dir = join(root, ...tree.split('/'));
    if (isRealFolderInside(root, dir) && hasChatFolder(dir)) trees.push({ tree, dir });
  }
  if (trees.length === 0 || hasChatFolder(root)) trees.push({ tree: ROOT_TREE, dir: root });
  return trees;
}

/** The current chat tree's folder (where the bot reads its chats now, and where writes go). */
export function resolveChatsDir(root: string): string {
  return chatTrees(root)[0]!.dir;
}

function isRealFolderInside(root: string, candidate: string): boolean {
  try {
    guardInsideRoot(root, candidate);
  } catch {
    return false;
  }
  return entryAt(candidate).kind === 'directory';
}

function hasChatFolder(dir: string): boolean {
  let listing: Dir;
  try {
    listing = opendirSync(dir);
  } catch {
    return false;
  }
  try {
    for (let entry = listing.readSync(); entry !== null; entry = listing.readSync())
      if (CHAT_DIR_PATTERN.test(entry.name)) return true;
    return false;
  } catch {
    return false;
  } finally {
    listing.closeSync();
  }
}

/**
 * Refuses a folder that holds no chat_<id> folder (itself, or its chats/, data/chats/ or bot/data/chats/):
 * a command of the CLI pointed at the wrong folder says so, rather than "0 chats" with exit 0. It stops at
 * the first chat folder, so a large root costs one directory entry or so.
 */
export function requireChatFolders(root: string, shownAs: string = root): void {
  if (!hasChatFolder(resolveChatsDir(root)))
    throw new AppError(
      'invalid_input',
      `${shownAs}: holds no chat_<id> folder; expected a data root (the folder holding chat_<id> folders, or the bot folder)`,
    );
}

/** A chat tree's listing: how many chat folders it holds (its copies of shared ids included). */
export interface TreeListing extends ChatTree {
  chats: number;
}

/**
 * Every chat of a root, in a stable order, and every other entry with why it was skipped. Every chat
 * tree is listed (see chatTrees): a chat id found in two trees is one chat, located in the current tree,
 * with its other copies in `copies`; nothing of a tree is dropped.
 */
export function listChats(root: string): {
  /** The current tree's folder. */
  chatsDir: string;
  trees: TreeListing[];
  chats: ChatLocation[];
  skipped: SkippedEntry[];
} {
  const trees = chatTrees(root);
  // The root listed as a tree beside others: the folders leading to those are not skipped entries.
  const leading = new Set(trees.map((t) => t.tree.split('/')[0]!));
  const skipped: SkippedEntry[] = [];
  const listed = trees.map((t) => listTree(root, t, t.tree === ROOT_TREE ? leading : null, skipped));
  let chats = listed[0]!;
  if (listed.length > 1) {
    // Several trees (rare): merged by id, the first tree's copy being the chat.
    const byId = new Map<string, ChatLocation>();
    for (const tree of listed)
      for (const chat of tree) {
        const first = byId.get(chat.chatId);
        if (!first) byId.set(chat.chatId, chat);
        else (first.copies ??= []).push({ tree: chat.tree, dir: chat.dir });
      }
    chats = [...byId.values()];
  }
  chats.sort((a, b) => compareIds(a.chatId, b.chatId));
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return {
    chatsDir: trees[0]!.dir,
    trees: trees.map((t, i) => ({ ...t, chats: listed[i]!.length })),
    chats,
    skipped,
  };
}

function listTree(
  root: string,
  { tree, dir: chatsDir }: ChatTree,
  notSkipped: ReadonlySet<string> | null,
  skipped: SkippedEntry[],
): ChatLocation[] {
  // One entry at a time (opendir), not an array of 100,000 Dirents: listing a big root costs the list.
  let dir: Dir;
  try {
    dir = opendirSync(chatsDir, { bufferSize: 256 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('not_found', `${root}: no such folder`);
    if (code === 'ENOTDIR')
      throw new AppError('invalid_input', `${root}: is a file, not a data root (use "open" for a single DB)`);
    throw new AppError('internal', `${root}: cannot list the folder (${code ?? String(error)})`);
  }
  const chats: ChatLocation[] = [];
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const path = `${chatsDir}${sep}${entry.name}`;
      const match = CHAT_DIR_PATTERN.exec(entry.name);
      if (entry.isSymbolicLink()) {
        skipped.push({ path, code: 'link', reason: 'symbolic link: not followed' });
      } else if (!entry.isDirectory()) {
        const kind = entry.isFile() ? 'a file' : describeKind(entryAt(path).kind);
        skipped.push({
          path,
          code: entry.name.startsWith('.') ? 'hidden' : 'not_a_folder',
          reason: `not a chat folder (${kind})`,
        });
      } else if (!match) {
        if (!notSkipped?.has(entry.name))
          skipped.push({
            path,
            code: entry.name.startsWith('.') ? 'hidden' : 'bad_name',
            reason: 'folder name is not chat_<number>',
          });
      } else {
        chats.push({ chatId: match[1]!, dir: path, tree });
      }
    }
  } finally {
    dir.closeSync();
  }
  return chats;
}

/** Numeric order of two chat ids (`-?\d{1,20}`), without BigInt: sorting 100,000 made 3 million of them. */
export function compareIds(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  const x = (negA ? a.slice(1) : a).replace(/^0+(?=\d)/, '');
  const y = (negB ? b.slice(1) : b).replace(/^0+(?=\d)/, '');
  const zero = (v: string) => v === '0';
  if (negA !== negB && !(zero(x) && zero(y))) return negA ? -1 : 1;
  const magnitude = x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
  return (negA && negB ? -Math.sign(magnitude) : Math.sign(magnitude)) || 0;
}

/** The tree named by a person (`--tree data/chats`), as one of the root's trees, or a clear error. */
export function treeNamed(root: string, name: string): ChatTree {
  const wanted = name.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '') || ROOT_TREE;
  const trees = chatTrees(root);
  const found = trees.find((t) => t.tree === wanted);
  if (!found)
    throw new AppError(
      'invalid_input',
      `${name}: not a chat tree of ${root} (its trees: ${trees.map((t) => t.tree).join(', ')})`,
    );
  return found;
}

/**
 * The folder of one chat, checked to exist, through the one path guard: a chat folder that is a symbolic
 * link (or reached through one) is refused by every per-chat operation, as the scan skips it. Without a
 * tree, the chat's copy in the first tree holding it (the current tree wins, see CHAT_TREES).
 */
export function chatDir(root: string, chatId: string, tree?: string): string {
  return chatCopy(root, chatId, tree).dir;
}

/** chatDir, with the tree the folder was found in. */
export function chatCopy(root: string, chatId: string, tree?: string): ChatCopy {
  if (!isChatId(chatId)) throw new AppError('invalid_input', `not a chat id: ${chatId}`);
  const trees = tree === undefined ? chatTrees(root) : [treeNamed(root, tree)];
  const { tree: at, dir, kind } = firstEntry(root, chatId, trees);
  if (kind === 'missing')
    throw new AppError('not_found', `chat ${chatId} is not in ${tree ? join(root, tree) : root}`);
  if (kind !== 'directory') {
    throw new AppError(
      'not_a_file',
      `${dir}: is ${describeKind(kind)}, not a chat folder; it was not opened`,
    );
  }
  return { tree: at, dir };
}

/**
 * The chat's entry in the first of `trees` where its name is taken (of any kind: the caller refuses what is
 * not a folder), through the one path guard; `missing` in the last tree when no tree has it.
 */
function firstEntry(
  root: string,
  chatId: string,
  trees: readonly ChatTree[],
): ChatCopy & { kind: ReturnType<typeof entryAt>['kind'] } {
  let at = trees[0]!;
  let dir = guardInsideRoot(root, join(at.dir, `chat_${chatId}`));
  let { kind } = entryAt(dir);
  for (let i = 1; kind === 'missing' && i < trees.length; i++) {
    at = trees[i]!;
    dir = guardInsideRoot(root, join(at.dir, `chat_${chatId}`));
    kind = entryAt(dir).kind;
  }
  return { tree: at.tree, dir, kind };
}

/**
 * The tree a chat of `trees` lives in by the plain-id rule (the first holding its name), or null when none
 * does: where a write to an existing chat goes (restore), a new chat going into the current tree.
 */
export function treeHolding(root: string, chatId: string, trees: readonly ChatTree[]): ChatTree | null {
  const found = firstEntry(root, chatId, trees);
  return found.kind === 'missing' ? null : trees.find((t) => t.tree === found.tree)!;
}
