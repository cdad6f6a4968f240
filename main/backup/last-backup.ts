// When was a chat last backed up? The newest verified archive Chat Inspector knows of (the
// `<archive>.verified.json` records `backup --out-dir` writes beside its archives, in the folders given),
// else the bot's own `database_info.last_backup` in metadata.json — and the answer says which.

import { namesIn } from '../fs/entry.ts';
import { join, resolve } from 'node:path';
import { metadataLastBackup, readMetadata } from '../store/metadata.ts';
import { daysBetween } from '../sources/time.ts';
import { RECORD_SUFFIX, readRecord } from '../maintenance/rotate.ts';

export interface LastBackup {
  /** When the archive was made (or what metadata.json says). */
  at: string;
  /** 'archive': a verified archive holds the chat; 'metadata': only metadata.json's last_backup says so. */
  source: 'archive' | 'metadata';
  /** The verified archive (source 'archive'). */
  archive: string | null;
}

export interface VerifiedArchiveIndex {
  /** Per chat, its newest verified archive. */
  byChat: Map<string, { at: string; archive: string }>;
  /** Verified archives whose record does not say which chats they hold (written by an older version). */
  unknownChats: string[];
}

/** Reads every verified record in `dirs` once (a folder that cannot be read is passed over). */
export function indexVerifiedArchives(dirs: readonly string[]): VerifiedArchiveIndex {
  const byChat = new Map<string, { at: string; archive: string }>();
  const unknownChats: string[] = [];
  for (const dir of new Set(dirs.map((d) => resolve(d)))) {
    for (const name of namesIn(dir)) {
      if (!name.endsWith(RECORD_SUFFIX)) continue;
      const archive = join(dir, name.slice(0, -RECORD_SUFFIX.length));
      const record = readRecord(archive);
      if (!record) continue;
      if (!record.chats) {
        unknownChats.push(archive);
        continue;
      }
      for (const chatId of record.chats) {
        const known = byChat.get(chatId);
        if (!known || record.createdAt > known.at) byChat.set(chatId, { at: record.createdAt, archive });
      }
    }
  }
  return { byChat, unknownChats: unknownChats.sort() };
}

/** The chat's last backup: its newest verified archive, else metadata.json's last_backup, else null. */
export function lastBackupOf(
  index: VerifiedArchiveIndex,
  chatId: string,
  chatDir: string,
): LastBackup | null {
  if (index.byChat.has(chatId)) return lastBackupFrom(index, chatId, null);
  return lastBackupFrom(index, chatId, metadataLastBackup(readMetadata(chatDir)));
}

/**
 * The same answer from metadata.json's last_backup read earlier (`metadataLastBackup`, kept in the fleet
 * index by the chat's visit): the chat list's column is this, so it says what `show` and `alerts` say.
 */
export function lastBackupFrom(
  index: VerifiedArchiveIndex,
  chatId: string,
  metadataAt: string | null,
): LastBackup | null {
  const archived = index.byChat.get(chatId);
  if (archived) return { at: archived.at, source: 'archive', archive: archived.archive };
  return metadataAt ? { at: metadataAt, source: 'metadata', archive: null } : null;
}

const DAY_MS = 86_400_000;

/** Not backed up for more than `maxDays` whole days at `now`, or never as far as anything says. */
export function notBackedUpFor(last: LastBackup | null, maxDays: number, now: Date): boolean {
  return last === null || Math.floor(daysBetween(last.at, now)) > maxDays;
}

/**
 * The newest backup time that is still "not backed up for `maxDays`" (notBackedUpFor's rule as an instant,
 * for SQL): a backup at or before it is over `maxDays` whole days old.
 */
export function notBackedUpCutoff(maxDays: number, now: Date): Date {
  return new Date(now.getTime() - (maxDays + 1) * DAY_MS);
}
