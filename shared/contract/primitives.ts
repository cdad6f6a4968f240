import { z } from 'zod';

// The values every part of the contract (and main, and the renderer) checks the same way, declared once.

/**
 * A chat id as the bot names its folders (`chat_<id>`) and rows: a Telegram chat id, a whole number of at most
 * 20 digits, negative for groups. The source is for patterns that embed it (a folder name, an archive entry).
 */
export const CHAT_ID_SOURCE = '-?\\d{1,20}';
export const CHAT_ID_PATTERN = new RegExp(`^${CHAT_ID_SOURCE}$`);

export function isChatId(value: string): boolean {
  return CHAT_ID_PATTERN.test(value);
}

/** A chat id as every operation takes it (the CLI checks `--chat` with it too). */
export const ChatId = z.string().regex(CHAT_ID_PATTERN, 'a chat id is a number');

/** Longest path accepted (PATH_MAX on Linux): a longer one is refused before any file is touched. */
export const MAX_PATH_LENGTH = 4096;

/** A path the person chose or named (a data root, a DB file, an output folder). Main checks it against the allow-list. */
export const PathInput = z.string().min(1).max(MAX_PATH_LENGTH);

/** A server source's connection id (the connection's URL and password stay in main). */
export const SourceId = z.string().min(1).max(64);

/** A tenant of a multi-tenant server source (EvoSense, seed 003's companies). */
export const TenantId = z.string().max(64);

/** A conversation of a Source, as its `conversations` page named it (opaque: an id, a uuid, a session). */
export const ConversationId = z.string().min(1).max(512);

/** An opaque page cursor: what a page returned as `next`/`prev`, given back unchanged. */
export const Cursor = z.string().max(2000);

/** A page size: a whole number from 1 to `max`, `fallback` when left out. */
export function pageLimit(max: number, fallback: number) {
  return z.number().int().min(1).max(max).default(fallback);
}
