import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_JSON, type ChatMetadataJson } from './schema.ts';

export type MetadataRead =
  { state: 'missing' } | { state: 'malformed'; message: string } | { state: 'ok'; value: ChatMetadataJson };

/** metadata.json is the bot's cache: read it, never trust it, never write it while browsing. */
export function readMetadata(dir: string): MetadataRead {
  let text: string;
  try {
    text = readFileSync(join(dir, METADATA_JSON), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'malformed', message: `cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return { state: 'malformed', message: 'is not a JSON object' };
    }
    return { state: 'ok', value: value as ChatMetadataJson };
  } catch (error) {
    return { state: 'malformed', message: `is not valid JSON (${(error as Error).message})` };
  }
}

export interface ActualFigures {
  messages: number;
  sessions: number;
  level: string | null;
}

/** Human sentences for each quick_stats figure that differs from what the DBs hold. */
export function metadataDifferences(meta: ChatMetadataJson, actual: ActualFigures): string[] {
  const stats = meta.quick_stats ?? {};
  const out: string[] = [];
  if (typeof stats.total_messages === 'number' && stats.total_messages !== actual.messages) {
    out.push(`metadata.json says ${stats.total_messages} messages, conversations.db has ${actual.messages}`);
  }
  if (typeof stats.total_sessions === 'number' && stats.total_sessions !== actual.sessions) {
    out.push(`metadata.json says ${stats.total_sessions} sessions, conversations.db has ${actual.sessions}`);
  }
  if (
    typeof stats.current_level === 'string' &&
    actual.level !== null &&
    stats.current_level !== actual.level
  ) {
    out.push(`metadata.json says level ${stats.current_level}, profile.db says ${actual.level}`);
  }
  return out;
}

/** Sizes as the bot writes them in metadata.json's database_info: "512B", "45KB", "10.4MB". */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)}MB`;
}
