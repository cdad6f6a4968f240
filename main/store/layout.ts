import { opendirSync, type Dir } from 'node:fs';
import { join, sep } from 'node:path';
import type { SkippedEntry } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { describeKind, entryAt, guardInsideRoot } from '../fs/entry.ts';
import { CHAT_DIR_PATTERN } from './schema.ts';

export interface ChatLocation {
  chatId: string;
  dir: string;
}

/**
 * Where the chat folders are: the root itself, or its `chats/`, `data/chats/` or `bot/data/chats/`
 * (people point at the bot's project folder as often as at the chats folder). A candidate reached through
 * a symbolic link is not taken (links are never followed).
 */
export function resolveChatsDir(root: string): string {
  for (const candidate of [
    join(root, 'chats'),
    join(root, 'data', 'chats'),
    join(root, 'bot', 'data', 'chats'),
  ]) {
    if (isRealFolderInside(root, candidate) && hasChatFolder(candidate)) return candidate;
  }
  return root;
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

/** Every chat folder of a root, in a stable order, and every other entry with why it was skipped. */
export function listChats(root: string): {
  chatsDir: string;
  chats: ChatLocation[];
  skipped: SkippedEntry[];
} {
  const chatsDir = resolveChatsDir(root);
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
  const skipped: SkippedEntry[] = [];
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const path = `${chatsDir}${sep}${entry.name}`;
      const match = CHAT_DIR_PATTERN.exec(entry.name);
      if (entry.isSymbolicLink()) {
        skipped.push({ path, reason: 'symbolic link: not followed' });
      } else if (!entry.isDirectory()) {
        const kind = entry.isFile() ? 'a file' : describeKind(entryAt(path).kind);
        skipped.push({ path, reason: `not a chat folder (${kind})` });
      } else if (!match) {
        skipped.push({ path, reason: 'folder name is not chat_<number>' });
      } else {
        chats.push({ chatId: match[1]!, dir: path });
      }
    }
  } finally {
    dir.closeSync();
  }
  chats.sort((a, b) => compareIds(a.chatId, b.chatId));
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { chatsDir, chats, skipped };
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

/**
 * The folder of one chat, checked to exist, through the one path guard: a chat folder that is a symbolic
 * link (or reached through one) is refused by every per-chat operation, as the scan skips it.
 */
export function chatDir(root: string, chatId: string): string {
  if (!/^-?\d{1,20}$/.test(chatId)) throw new AppError('invalid_input', `not a chat id: ${chatId}`);
  const dir = guardInsideRoot(root, join(resolveChatsDir(root), `chat_${chatId}`));
  const { kind } = entryAt(dir);
  if (kind === 'missing') throw new AppError('not_found', `chat ${chatId} is not in ${root}`);
  if (kind !== 'directory') {
    throw new AppError(
      'not_a_file',
      `${dir}: is ${describeKind(kind)}, not a chat folder; it was not opened`,
    );
  }
  return dir;
}
