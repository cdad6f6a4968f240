// manifest.json of a backup archive, and the only paths an archive may hold.

import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { CHAT_ID_PATTERN, CHAT_ID_SOURCE } from '../../shared/contract/primitives.ts';
import { CONVERSATIONS_DB, METADATA_JSON, PROFILE_DB } from '../adapters/per-chat-schema.ts';

export const MANIFEST_NAME = 'manifest.json';
export const ARCHIVE_FORMAT = 'chat-inspector-backup';
export const FORMAT_VERSION = 1;
/**
 * The manifest is read into memory and parsed, so its size is capped: 16 MB, plus 1 KB for each file entry
 * that came before it in the archive (a backup writes it last; one file takes ~350 bytes of it). So memory
 * stays bounded by the archive's real content, however large the manifest claims to be.
 */
export const MANIFEST_BASE_BYTES = 16 * 1024 * 1024;
export const MANIFEST_BYTES_PER_FILE = 1024;

export function manifestLimit(filesBefore: number): number {
  return MANIFEST_BASE_BYTES + filesBefore * MANIFEST_BYTES_PER_FILE;
}

export const LAYOUT_FILES = [PROFILE_DB, CONVERSATIONS_DB, METADATA_JSON] as const;
export type LayoutFile = (typeof LAYOUT_FILES)[number];

const ChatIdString = z.string().regex(CHAT_ID_PATTERN);

export const ManifestFile = z.object({
  path: z.string().max(200),
  chatId: ChatIdString,
  name: z.enum(LAYOUT_FILES),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** How it was copied: SQLite's online backup (consistent), or the raw bytes of a file SQLite cannot read. */
  copiedBy: z.enum(['online-backup', 'raw-copy', 'file-copy']),
  /** Rows per table of a DB (null for metadata.json and for unreadable DBs). */
  rowCounts: z.record(z.string(), z.number().int().min(0)).nullable(),
  /** `ok`, or what was already wrong with the file when it was backed up (it is kept, but never restored). */
  integrity: z.string(),
  /** 'wal' or 'delete' etc. for DBs, null for metadata.json. */
  journalMode: z.string().nullable(),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

/** A single-file archive holds its one DB under this folder: `file/<name>`. */
export const SINGLE_FILE_DIR = 'file';
/** The name of a single DB as archived: a plain file name, never hidden, never a path. */
export const SINGLE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** The one DB of an archive of a single SQLite file (`user_history.db`, the clinic bot's DB). */
export const ManifestSingle = ManifestFile.omit({ chatId: true, name: true }).extend({
  name: z.string().regex(SINGLE_FILE_NAME),
});
export type ManifestSingle = z.infer<typeof ManifestSingle>;

export const Manifest = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  toolVersion: z.string(),
  createdAt: z.string(),
  sourceRoot: z.string(),
  chats: z.array(ChatIdString),
  files: z.array(ManifestFile),
  /** Chats or files of the source that are not in the archive, and why. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  /** 'file': the archive holds one SQLite file (`single`), no chat; absent in archives of a data root. */
  kind: z.enum(['chats', 'file']).optional(),
  single: ManifestSingle.optional(),
});
export type Manifest = z.infer<typeof Manifest>;

/** 'ok' (quick_check passed) and 'unchecked' (counted fine, quick_check left to verify) are not damage. */
export function isDamaged(integrity: string): boolean {
  return integrity !== 'ok' && integrity !== 'unchecked';
}

export type LayoutPath =
  | { kind: 'manifest' }
  | { kind: 'dir'; chatId: string | null }
  /** `prefix`: the chats folder it is in ('chats/' in Chat Inspector's archives; see CHATS_PREFIX). */
  | { kind: 'file'; chatId: string; name: LayoutFile; prefix: string }
  | { kind: 'single'; name: string };

/**
 * The chats folders an archive's chat folders may sit in: Chat Inspector's own `chats/`, and what an
 * operator's `tar -czf backup.tar.gz data/chats/chat_<id>/` holds (seed 000): `data/chats/`,
 * `bot/data/chats/`, or bare `chat_<id>/` (tar run inside the chats folder).
 */
const CHATS_PREFIX = '(chats/|data/chats/|bot/data/chats/|)';
const FILE_RE = new RegExp(
  `^${CHATS_PREFIX}chat_(${CHAT_ID_SOURCE})/(profile\\.db|conversations\\.db|metadata\\.json)$`,
);
const DIR_RE = new RegExp(
  `^(?:${CHATS_PREFIX}chat_(${CHAT_ID_SOURCE})|chats|data|data/chats|bot|bot/data|bot/data/chats)/?$`,
);

/**
 * What an archive path means in the per-chat layout, or an AppError('hostile_archive') for anything else:
 * absolute paths, `..`, backslashes, control characters, other names.
 */
export function classifyArchivePath(raw: string): LayoutPath {
  const shown = JSON.stringify(raw.slice(0, 120));
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    throw new AppError('hostile_archive', `entry ${shown} has an absolute path: refused`);
  }
  const path = raw.startsWith('./') ? raw.slice(2) : raw;
  if (path.split('/').includes('..'))
    throw new AppError('hostile_archive', `entry ${shown} climbs out of the target with "..": refused`);
  if (path.includes('\\') || [...path].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new AppError('hostile_archive', `entry ${shown} has characters no backup path has: refused`);
  }
  if (path === MANIFEST_NAME) return { kind: 'manifest' };
  const file = FILE_RE.exec(path);
  if (file) return { kind: 'file', chatId: file[2]!, name: file[3] as LayoutFile, prefix: file[1]! };
  const dir = DIR_RE.exec(path);
  if (dir) return { kind: 'dir', chatId: dir[2] ?? null };
  if (path === SINGLE_FILE_DIR || path === `${SINGLE_FILE_DIR}/`) return { kind: 'dir', chatId: null };
  if (path.startsWith(`${SINGLE_FILE_DIR}/`)) {
    const name = path.slice(SINGLE_FILE_DIR.length + 1);
    if (SINGLE_FILE_NAME.test(name)) return { kind: 'single', name };
  }
  throw new AppError(
    'hostile_archive',
    `entry ${shown} is outside the per-chat layout (only manifest.json and chats/chat_<id>/profile.db, conversations.db, metadata.json; or file/<name> of an archived single DB): refused`,
  );
}

export function singleArchivePath(name: string): string {
  return `${SINGLE_FILE_DIR}/${name}`;
}

export function archivePathOf(chatId: string, name: LayoutFile): string {
  return `chats/chat_${chatId}/${name}`;
}

export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AppError(
      'hostile_archive',
      `manifest.json is not valid JSON (${(error as Error).message}): not a Chat Inspector backup`,
    );
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new AppError(
      'hostile_archive',
      `manifest.json is malformed (${issue?.message ?? 'invalid'}${where}): not a Chat Inspector backup`,
    );
  }
  const m = parsed.data;
  const seen = new Set<string>();
  for (const f of m.files) {
    if (f.path !== archivePathOf(f.chatId, f.name)) {
      throw new AppError(
        'hostile_archive',
        `manifest.json lists ${JSON.stringify(f.path)} for chat ${f.chatId}/${f.name}: malformed`,
      );
    }
    if (seen.has(f.path))
      throw new AppError('hostile_archive', `manifest.json lists ${f.path} twice: malformed`);
    seen.add(f.path);
  }
  const single = m.single;
  if (m.kind === 'file') {
    if (!single || m.chats.length > 0 || m.files.length > 0)
      throw new AppError(
        'hostile_archive',
        'manifest.json says it holds one SQLite file but lists chats, or no file: malformed',
      );
    if (single.path !== singleArchivePath(single.name))
      throw new AppError(
        'hostile_archive',
        `manifest.json lists ${JSON.stringify(single.path)} for the file ${single.name}: malformed`,
      );
  } else if (single) {
    throw new AppError(
      'hostile_archive',
      'manifest.json lists a single file in an archive of chats: malformed',
    );
  }
  return m;
}
