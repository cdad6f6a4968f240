import { join } from 'node:path';
import { ChatMapping } from '../../shared/contract/mapping.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { loadOwnJson, writeOwnFile } from '../fs/own-file.ts';

// Mappings remembered per source, in Chat Inspector's own folder (CHAT_INSPECTOR_HOME), never in the data.
// Keyed by the source's display locator: a file's path, or a server URL with its password masked — so a
// password is never written here, and the same database reached with another password keeps its mapping.

export const MAPPINGS_FILE = 'mappings.json';

interface StoreFile {
  version: 1;
  mappings: Record<string, ChatMapping>;
}

/** The display locator without even the mask: with a password, from ~/.pgpass, or none, one key. */
export function mappingKey(locator: string): string {
  return locator.replace(/^([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):\*\*\*@/i, '$1@');
}

function storePath(home: string): string {
  return join(home, MAPPINGS_FILE);
}

function readStore(home: string): StoreFile {
  // A FIFO, a link, a huge or damaged file: set aside with one line (it costs the remembered mappings,
  // never the open).
  const parsed = loadOwnJson(storePath(home)) as { mappings?: unknown } | null;
  const mappings: Record<string, ChatMapping> = {};
  const stored = parsed?.mappings;
  if (stored && typeof stored === 'object' && !Array.isArray(stored)) {
    for (const [key, value] of Object.entries(stored)) {
      const checked = ChatMapping.safeParse(value);
      if (checked.success) mappings[key] = checked.data;
    }
  }
  return { version: 1, mappings };
}

export function savedMapping(locator: string, home: string = defaultUserDataDir()): ChatMapping | null {
  return readStore(home).mappings[mappingKey(locator)] ?? null;
}

/** Remembers (or, with null, forgets) a source's mapping: written whole to a fresh temp file, then renamed. */
export function saveMapping(
  locator: string,
  mapping: ChatMapping | null,
  home: string = defaultUserDataDir(),
): void {
  const store = readStore(home);
  const key = mappingKey(locator);
  if (mapping) store.mappings[key] = mapping;
  else delete store.mappings[key];
  writeOwnFile(storePath(home), `${JSON.stringify(store, null, 2)}\n`);
}
