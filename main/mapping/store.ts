import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ChatMapping } from '../../shared/contract/mapping.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';

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
  const path = storePath(home);
  if (!existsSync(path)) return { version: 1, mappings: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { mappings?: Record<string, unknown> };
    const mappings: Record<string, ChatMapping> = {};
    for (const [key, value] of Object.entries(parsed.mappings ?? {})) {
      const checked = ChatMapping.safeParse(value);
      if (checked.success) mappings[key] = checked.data;
    }
    return { version: 1, mappings };
  } catch {
    // A damaged settings file costs the remembered mappings, never the open.
    return { version: 1, mappings: {} };
  }
}

export function savedMapping(locator: string, home: string = defaultUserDataDir()): ChatMapping | null {
  return readStore(home).mappings[mappingKey(locator)] ?? null;
}

/** Remembers (or, with null, forgets) a source's mapping: written whole to a temp file, then renamed. */
export function saveMapping(
  locator: string,
  mapping: ChatMapping | null,
  home: string = defaultUserDataDir(),
): void {
  const store = readStore(home);
  const key = mappingKey(locator);
  if (mapping) store.mappings[key] = mapping;
  else delete store.mappings[key];
  const path = storePath(home);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const untrack = trackTemp(tmp);
  try {
    writeFileSync(tmp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
    untrack();
  } catch (error) {
    removeTemp(tmp);
    throw error;
  }
}
