import { resolve } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { describeKind, entryAt } from '../fs/entry.ts';
import { redactSecrets } from '../../shared/secrets.ts';
import type { OpenOptions, Source, SourceKind } from './types.ts';

// Each kind of Source registers once: how it recognises a locator and how it opens it. Opening detects the
// schema once (per open, not per request). Order matters: URL kinds first, then folders, then files.

const kinds: SourceKind[] = [];

export function registerSourceKind(kind: SourceKind): void {
  if (kinds.some((k) => k.name === kind.name)) return;
  kinds.push(kind);
}

export function registeredSourceKinds(): readonly SourceKind[] {
  return kinds;
}

/** The registered kind that takes this locator, if any (cheap: no connection made). */
export function kindOf(locator: string): SourceKind | undefined {
  return kinds.find((k) => k.accepts(locator));
}

/** A locator as it may be printed: URL passwords masked. */
export function displayLocator(locator: string): string {
  return redactSecrets(locator);
}

type SourceWrapper = (source: Source, options: OpenOptions) => Promise<Source>;
let wrapper: SourceWrapper | null = null;

/** One step after every open (main/mapping: frameworks recognised by shape, `--map`, remembered mappings). */
export function registerSourceWrapper(wrap: SourceWrapper): void {
  wrapper = wrap;
}

export async function openSource(locator: string, options: OpenOptions = {}): Promise<Source> {
  const kind = kindOf(locator);
  if (kind) {
    const source = await kind.open(locator, options);
    if (!wrapper) return source;
    try {
      return await wrapper(source, options);
    } catch (error) {
      await source.close();
      throw error;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(locator))
    throw new AppError(
      'invalid_input',
      `${displayLocator(locator)}: not a source Chat Inspector can open (use a folder, an SQLite file, a postgres:// or a mysql:// URL)`,
    );
  const entry = entryAt(resolve(locator));
  if (entry.kind === 'missing') throw new AppError('not_found', `${locator}: no such file or folder`);
  throw new AppError(
    'invalid_input',
    `${locator}: is ${describeKind(entry.kind)}, not a folder or a regular file; it was not opened`,
  );
}

/** Opens, runs, and always closes. */
export async function withSource<T>(
  locator: string,
  options: OpenOptions,
  use: (source: Source) => Promise<T>,
): Promise<T> {
  const source = await openSource(locator, options);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}
