import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeKind, entryAt, kindOf, NO_FOLLOW_READ_FLAGS, type EntryKind } from '../fs/entry.ts';
import type { MetadataMismatch } from '../../shared/domain.ts';
import { CHAT_ID_PATTERN, isChatId } from '../../shared/contract/primitives.ts';
import { METADATA_JSON, type ChatMetadataJson } from '../adapters/per-chat-schema.ts';
import { toIso } from '../sources/time.ts';

export type MetadataRead =
  | { state: 'missing' }
  /** `notAFile`: a FIFO, link, folder... in its place, never opened (the finding is `not_a_file`). */
  | { state: 'malformed'; message: string; notAFile?: EntryKind }
  | { state: 'ok'; value: ChatMetadataJson };

/** The bot writes a few KB; anything far larger is not its metadata.json and is not read into memory. */
export const METADATA_MAX_BYTES = 1024 * 1024;

const optionalText = z.string().nullish();
const optionalCount = z.number().int().min(0).nullish();

/**
 * The fields the app reads, with the types the bot writes (seed 000). Unknown fields are kept (the bot
 * adds some); a known field of another type makes the file malformed, since its figures cannot be trusted.
 */
export const MetadataSchema = z.looseObject({
  chat_id: z
    .union([
      z.number().refine(Number.isInteger, 'expected a whole number'),
      z.string().regex(CHAT_ID_PATTERN),
    ])
    .optional(),
  last_update: optionalText,
  quick_stats: z
    .looseObject({
      total_messages: optionalCount,
      total_sessions: optionalCount,
      current_level: optionalText,
      study_streak: optionalCount,
      last_active: optionalText,
      favorite_topics: z.array(z.string()).nullish(),
      improvement_areas: z.array(z.string()).nullish(),
    })
    .nullish(),
  cache: z.record(z.string(), z.unknown()).nullish(),
  database_info: z
    .looseObject({
      profile_db_size: optionalText,
      conversations_db_size: optionalText,
      total_size: optionalText,
      last_backup: optionalText,
    })
    .nullish(),
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
const isCount = (v: unknown): boolean =>
  v === undefined || v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
const isTextList = (v: unknown): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.every((item) => typeof item === 'string'));

/**
 * True only for a value MetadataSchema accepts, checked by hand: the scan reads one metadata.json per chat,
 * and zod's parse cost a third of that. It may say false for a value zod accepts (zod then decides and
 * words the problems); it never says true for one zod refuses (metadata.test.ts holds it to that).
 */
export function surelyValid(value: Record<string, unknown>): boolean {
  const id = value.chat_id;
  if (
    id !== undefined &&
    !(typeof id === 'number' && Number.isInteger(id)) &&
    !(typeof id === 'string' && isChatId(id))
  )
    return false;
  if (!isText(value.last_update)) return false;
  const stats = value.quick_stats;
  if (stats !== undefined && stats !== null) {
    if (!isRecord(stats)) return false;
    if (!isCount(stats.total_messages) || !isCount(stats.total_sessions) || !isCount(stats.study_streak))
      return false;
    if (!isText(stats.current_level) || !isText(stats.last_active)) return false;
    if (!isTextList(stats.favorite_topics) || !isTextList(stats.improvement_areas)) return false;
  }
  const cache = value.cache;
  if (cache !== undefined && cache !== null && !isRecord(cache)) return false;
  const info = value.database_info;
  if (info !== undefined && info !== null) {
    if (!isRecord(info)) return false;
    if (
      !isText(info.profile_db_size) ||
      !isText(info.conversations_db_size) ||
      !isText(info.total_size) ||
      !isText(info.last_backup)
    )
      return false;
  }
  return true;
}

/** "quick_stats.total_messages: expected number, got string" for the first few problems zod found. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');
}

/** Reads at most METADATA_MAX_BYTES + 1 bytes from a regular file opened without following links. */
function readSmallRegularFile(path: string): { text: string } | { kind: EntryKind } | { tooLarge: true } {
  const fd = openSync(path, NO_FOLLOW_READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: kindOf(stats) };
    if (stats.size > METADATA_MAX_BYTES) return { tooLarge: true };
    // A byte more than fstat's size: at the size limit, a file that grew since reads as too large.
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, METADATA_MAX_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      length += read;
      // All that fstat promised has come (asking for a byte more): no second call just to read 0 bytes.
      if (read === 0 || length === stats.size) break;
    }
    if (length > METADATA_MAX_BYTES) return { tooLarge: true };
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    closeSync(fd);
  }
}

/**
 * metadata.json is the bot's cache: read it, never trust it, never write it while browsing. Anything but
 * a regular file in its place (a FIFO, a link, a folder...) is `not_a_file` and never opened; a file whose
 * known fields have the wrong types is malformed.
 */
export function readMetadata(dir: string, known?: EntryKind): MetadataRead {
  const path = join(dir, METADATA_JSON);
  // `known`: what the caller's own lstat of the path found a moment ago (the fleet visit has one).
  const kind = known ?? entryAt(path).kind;
  if (kind === 'missing') return { state: 'missing' };
  if (kind !== 'file') return notAFile(kind);
  let read: ReturnType<typeof readSmallRegularFile>;
  try {
    read = readSmallRegularFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    if (code === 'ELOOP') return notAFile('symlink');
    return { state: 'malformed', message: `cannot be read (${code ?? String(error)})` };
  }
  if ('kind' in read) return notAFile(read.kind);
  if ('tooLarge' in read) {
    return {
      state: 'malformed',
      message: `is larger than ${METADATA_MAX_BYTES / 1024} KB, so it was not read`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(read.text) as unknown;
  } catch (error) {
    return { state: 'malformed', message: `is not valid JSON (${(error as Error).message})` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { state: 'malformed', message: 'is not a JSON object' };
  }
  if (surelyValid(value as Record<string, unknown>)) return { state: 'ok', value: value as ChatMetadataJson };
  const parsed = MetadataSchema.safeParse(value);
  if (!parsed.success) {
    return { state: 'malformed', message: `has fields of the wrong type (${describeIssues(parsed.error)})` };
  }
  return { state: 'ok', value: value as ChatMetadataJson };
}

function notAFile(kind: EntryKind): MetadataRead {
  return {
    state: 'malformed',
    notAFile: kind,
    message: `is ${describeKind(kind)}, not a regular file; it was not opened`,
  };
}

/** `database_info.last_backup` as an ISO time (null: missing, unreadable or not a time). */
export function metadataLastBackup(meta: MetadataRead): string | null {
  return meta.state === 'ok' ? toIso(meta.value.database_info?.last_backup) : null;
}

/** What the DBs hold; figures that could not be read are left out (and not compared). */
export interface ActualFigures {
  /** The chat the folder belongs to (chat_<id>): metadata.json of another chat is a mismatch. */
  chatId?: string | null;
  messages?: number;
  sessions?: number;
  level: string | null;
}

/** True when metadata.json's chat_id names the chat `chatId` (ids beyond 2^53 compare as JSON reads them). */
function sameChat(metaChatId: number | string, chatId: string): boolean {
  return typeof metaChatId === 'string' ? metaChatId === chatId : metaChatId === Number(chatId);
}

/** Each quick_stats figure (and the chat id) that differs from what the DBs hold, structured for the UI. */
export function metadataMismatches(meta: ChatMetadataJson, actual: ActualFigures): MetadataMismatch[] {
  const stats = meta.quick_stats ?? {};
  const out: MetadataMismatch[] = [];
  const metaChatId = meta.chat_id as number | string | undefined;
  if (actual.chatId && metaChatId !== undefined && !sameChat(metaChatId, actual.chatId)) {
    out.push({ field: 'chat_id', metadata: String(metaChatId), actual: actual.chatId });
  }
  if (
    typeof stats.total_messages === 'number' &&
    actual.messages !== undefined &&
    stats.total_messages !== actual.messages
  ) {
    out.push({ field: 'total_messages', metadata: stats.total_messages, actual: actual.messages });
  }
  if (
    typeof stats.total_sessions === 'number' &&
    actual.sessions !== undefined &&
    stats.total_sessions !== actual.sessions
  ) {
    out.push({ field: 'total_sessions', metadata: stats.total_sessions, actual: actual.sessions });
  }
  if (
    typeof stats.current_level === 'string' &&
    actual.level !== null &&
    stats.current_level !== actual.level
  ) {
    out.push({ field: 'current_level', metadata: stats.current_level, actual: actual.level });
  }
  return out;
}

/** One mismatch as the English sentence the CLI prints. */
export function describeMismatch(m: MetadataMismatch): string {
  switch (m.field) {
    case 'chat_id':
      return `metadata.json belongs to chat ${m.metadata}, not to chat ${m.actual}`;
    case 'total_messages':
      return `metadata.json says ${m.metadata} messages, conversations.db has ${m.actual}`;
    case 'total_sessions':
      return `metadata.json says ${m.metadata} sessions, conversations.db has ${m.actual}`;
    case 'current_level':
      return `metadata.json says level ${m.metadata}, profile.db says ${m.actual}`;
  }
}

/**
 * A metadata_mismatch finding's params: for each field that differs, `<field>` (metadata.json's value) and
 * `<field>_actual` (the DBs'), flat as findings' params are; `fields` lists them in order.
 */
export function mismatchParams(mismatches: readonly MetadataMismatch[]): Record<string, string | number> {
  const params: Record<string, string | number> = {
    file: METADATA_JSON,
    fields: mismatches.map((m) => m.field).join(','),
  };
  for (const m of mismatches) {
    params[m.field] = m.metadata;
    params[`${m.field}_actual`] = m.actual;
  }
  return params;
}

/** Sizes as the bot writes them in metadata.json's database_info: "512B", "45KB", "10.4MB". */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)}MB`;
}
