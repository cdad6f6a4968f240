import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { entryAt } from '../fs/entry.ts';
import { readOwnFile, setAside, writeOwnFile } from '../fs/own-file.ts';
import { redactSecrets } from '../../shared/secrets.ts';
import { registeredSourceKinds } from './registry.ts';

// Saved server connections and the recent list of server sources, in Chat Inspector's own folder
// (CHAT_INSPECTOR_HOME / the app's userData: main/config/paths.ts), in `connections.json`.
//
// The URL is always stored without its password. A password is kept only sealed by the OS keychain — in the
// desktop app Electron's safeStorage (main/app/main.ts passes it as the Encryptor) — and only its sealed bytes
// are written. Where there is no keychain (browser mode, the CLI, a Linux session without a keyring) saving a
// password is refused; the connection itself is still saved, and the password comes from PGPASSWORD,
// ~/.pgpass or the form. A file that cannot be read as ours is reported and not trusted: nothing in it is
// used, and the next save moves it aside (kept for the person to look at) rather than merging with it.
// That includes a FIFO, a link or a huge file there: only `lstat`ed, never opened (main/fs/own-file.ts).

/** What seals a password: Electron's safeStorage in the app; tests pass a fake one. */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** Electron's safeStorage as it is (Linux adds which backend it picked). */
export interface SafeStorageLike extends Encryptor {
  getSelectedStorageBackend?: () => string;
}

/**
 * safeStorage as the keychain, except where it is not one: on Linux without a keyring (gnome-libsecret,
 * kwallet) Electron falls back to 'basic_text', a key written in its own source code — no better than clear
 * text, so passwords are then not saved.
 */
export function keychainFrom(storage: SafeStorageLike): Encryptor {
  return {
    isEncryptionAvailable: () =>
      storage.isEncryptionAvailable() && (storage.getSelectedStorageBackend?.() ?? 'os') !== 'basic_text',
    encryptString: (text) => storage.encryptString(text),
    decryptString: (sealed) => storage.decryptString(sealed),
  };
}

export const CONNECTIONS_FILE = 'connections.json';
const MAX_RECENT = 10;
const FILE_VERSION = 1;
/** A few hundred connections are tens of KB: anything near this is not a file Chat Inspector wrote. */
const MAX_FILE_BYTES = 1024 * 1024;

export interface SavedConnection {
  id: string;
  name: string;
  /** The URL without its password (a password in it is never stored). */
  url: string;
  /** Sealed by the keychain, base64. */
  sealedPassword: string | null;
  savedAt: string;
}

export interface RecentSource {
  id: string;
  url: string;
  usedAt: string;
}

/** What the renderer sees: no password, not even sealed. */
export interface SavedConnectionView {
  id: string;
  name: string;
  label: string;
  hasPassword: boolean;
  savedAt: string;
}

export interface ConnectionsView {
  saved: SavedConnectionView[];
  recent: { id: string; label: string; usedAt: string }[];
  /** False where no OS keychain can seal a password (browser mode, CLI, no keyring). */
  canSavePasswords: boolean;
  /** Set when connections.json could not be trusted (it is then ignored). */
  problem: string | null;
}

interface FileContent {
  version: number;
  saved: SavedConnection[];
  recent: RecentSource[];
}

const NO_KEYCHAIN =
  'there is no OS keychain here (browser mode, the command line, or no keyring in this session), so the password cannot be saved; save the connection without it and give the password when connecting (or in PGPASSWORD / ~/.pgpass)';

/**
 * A server URL split into what may be stored (no password) and its password. Secret-looking query
 * parameters (password=, sslkey=…) are refused rather than stored.
 */
export function splitServerUrl(input: string): { url: string; password: string | null } {
  const text = input.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || !registeredSourceKinds().some((k) => k.accepts(text)))
    throw new AppError(
      'invalid_input',
      `${redactSecrets(text).slice(0, 200)}: not a server URL Chat Inspector can open (postgres:// or postgresql://)`,
    );
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new AppError('invalid_input', `${redactSecrets(text).slice(0, 200)}: not a valid URL`);
  }
  for (const key of parsed.searchParams.keys()) {
    if (/pass|secret|token|sslkey/i.test(key))
      throw new AppError(
        'invalid_input',
        `the URL carries a secret in its "${key}" parameter: remove it and give the password in the password field`,
      );
  }
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  parsed.password = '';
  return { url: parsed.href, password };
}

function recentId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 12);
}

function isSaved(value: unknown): value is SavedConnection {
  const v = value as Partial<SavedConnection> | null;
  return (
    !!v &&
    typeof v.id === 'string' &&
    /^[0-9a-f]{12}$/.test(v.id) &&
    typeof v.name === 'string' &&
    typeof v.url === 'string' &&
    (v.sealedPassword === null || typeof v.sealedPassword === 'string') &&
    typeof v.savedAt === 'string'
  );
}

function isRecent(value: unknown): value is RecentSource {
  const v = value as Partial<RecentSource> | null;
  return !!v && typeof v.id === 'string' && typeof v.url === 'string' && typeof v.usedAt === 'string';
}

/** A stored URL must still be one without a password: a file edited to hold one is not trusted. */
function holdsClearPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.password !== '' || [...parsed.searchParams.keys()].some((k) => /pass|secret|token/i.test(k))
    );
  } catch {
    return true;
  }
}

export type SealedConnection = Pick<SavedConnection, 'url' | 'name' | 'sealedPassword'>;

const keychainWorks = (encryptor: Encryptor | null): boolean => {
  try {
    return encryptor?.isEncryptionAvailable() ?? false;
  } catch {
    return false;
  }
};

/** The keychain's half of `unlock`: the password unsealed (the app keeps its keychain on its main thread). */
export function unseal(
  entry: SealedConnection,
  encryptor: Encryptor | null,
): { url: string; password: string | undefined } {
  if (entry.sealedPassword === null) return { url: entry.url, password: undefined };
  if (!keychainWorks(encryptor))
    throw new AppError(
      'invalid_input',
      "the saved password is sealed by the desktop app's OS keychain, which is not available here; connect with the password instead",
    );
  try {
    return {
      url: entry.url,
      password: encryptor!.decryptString(Buffer.from(entry.sealedPassword, 'base64')),
    };
  } catch {
    throw new AppError(
      'corrupt',
      `the saved password of "${entry.name}" could not be unsealed by the OS keychain (another user or machine?); forget it and save it again`,
    );
  }
}

/**
 * A keychain's answers given in advance (where the file is written, in a worker, the keychain is not):
 * whether it works, and the password it sealed on the main thread. It unseals nothing.
 */
export function keychainAnswers(answers: { available: boolean; sealed: string | null }): Encryptor {
  return {
    isEncryptionAvailable: () => answers.available,
    encryptString: () => {
      if (answers.sealed === null) throw new AppError('internal', 'no password was sealed for this save');
      return Buffer.from(answers.sealed, 'base64');
    },
    decryptString: () => {
      throw new AppError('internal', 'passwords are unsealed where the keychain is (unseal)');
    },
  };
}

/** The password `save` would seal: given apart, else the one in the URL (plain URL parsing, no file). */
export function passwordToSeal(input: { url: string; password?: string | undefined }): string | undefined {
  return input.password || splitServerUrl(input.url).password || undefined;
}

export class SavedConnections {
  private readonly file: string;
  private readonly encryptor: Encryptor | null;
  private readonly now: () => Date;

  constructor(userDataDir: string, encryptor: Encryptor | null, now: () => Date = () => new Date()) {
    this.file = join(userDataDir, CONNECTIONS_FILE);
    this.encryptor = encryptor;
    this.now = now;
  }

  get canSavePasswords(): boolean {
    return keychainWorks(this.encryptor);
  }

  /** The file's content, or the reason it is not trusted (then nothing of it is used). */
  private load(): { content: FileContent; problem: string | null } {
    const empty: FileContent = { version: FILE_VERSION, saved: [], recent: [] };
    const untrusted = (why: string) => ({
      content: empty,
      problem: `${this.file} ${why}; it was not used (saving a connection moves it aside and starts a new one)`,
    });
    const read = readOwnFile(this.file, MAX_FILE_BYTES);
    if (read.kind === 'absent') return { content: empty, problem: null };
    if (read.kind === 'unusable') return untrusted(read.reason);
    let parsed: unknown;
    try {
      parsed = JSON.parse(read.bytes.toString('utf8'));
    } catch {
      return untrusted('is damaged (not valid JSON)');
    }
    const value = parsed as Partial<FileContent> | null;
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return untrusted('is damaged (not a connections file)');
    if (value.version !== FILE_VERSION)
      return untrusted(`was written by another version (format ${String(value.version)})`);
    if (!Array.isArray(value.saved) || !value.saved.every(isSaved))
      return untrusted('is damaged (a saved connection is malformed)');
    if (!Array.isArray(value.recent) || !value.recent.every(isRecent))
      return untrusted('is damaged (a recent entry is malformed)');
    if ([...value.saved, ...value.recent].some((c) => holdsClearPassword(c.url)))
      return untrusted('holds a password in clear text, which Chat Inspector never writes');
    return { content: { version: FILE_VERSION, saved: value.saved, recent: value.recent }, problem: null };
  }

  private store(content: FileContent, problem: string | null): void {
    if (problem !== null && entryAt(this.file).kind !== 'missing') {
      // Not ours to merge with or to overwrite: kept beside, for the person to look at (a link is moved
      // itself, never followed).
      if (!setAside(this.file, 'could not be trusted', this.now()).ok)
        throw new AppError('conflict', `${problem}; it could not be moved aside, so nothing was saved`);
    }
    writeOwnFile(this.file, `${JSON.stringify(content, null, 2)}\n`);
  }

  view(): ConnectionsView {
    const { content, problem } = this.load();
    return {
      saved: content.saved.map((c) => ({
        id: c.id,
        name: c.name,
        label: c.url,
        hasPassword: c.sealedPassword !== null,
        savedAt: c.savedAt,
      })),
      recent: content.recent.map((r) => ({ id: r.id, label: r.url, usedAt: r.usedAt })),
      canSavePasswords: this.canSavePasswords,
      problem,
    };
  }

  /**
   * Saves a connection (a new one, or the same URL again: replaced). The password — given apart or in the
   * URL — is kept only when `rememberPassword` is set, and only sealed by the keychain; without a keychain
   * that is refused and nothing is saved.
   */
  save(input: {
    url: string;
    name?: string | undefined;
    password?: string | undefined;
    rememberPassword: boolean;
  }): SavedConnectionView {
    const split = splitServerUrl(input.url);
    const password = input.password || split.password;
    let sealedPassword: string | null = null;
    if (input.rememberPassword && password) {
      if (!this.canSavePasswords) throw new AppError('invalid_input', NO_KEYCHAIN);
      sealedPassword = this.encryptor!.encryptString(password).toString('base64');
    }
    const { content, problem } = this.load();
    const name = input.name?.trim() || split.url;
    const existing = content.saved.find((c) => c.url === split.url);
    const entry: SavedConnection = {
      id: existing?.id ?? randomBytes(6).toString('hex'),
      name,
      url: split.url,
      sealedPassword,
      savedAt: this.now().toISOString(),
    };
    const saved = [entry, ...content.saved.filter((c) => c.id !== entry.id)];
    this.store({ ...content, saved }, problem);
    return {
      id: entry.id,
      name,
      label: entry.url,
      hasPassword: sealedPassword !== null,
      savedAt: entry.savedAt,
    };
  }

  /** The URL and (unsealed) password of a saved connection, to connect with; never sent to the renderer. */
  unlock(id: string): { url: string; password: string | undefined } {
    return unseal(this.sealed(id), this.encryptor);
  }

  /** A saved connection as stored (its password still sealed): the file's half of `unlock`. */
  sealed(id: string): SealedConnection {
    const { content, problem } = this.load();
    if (problem !== null) throw new AppError('corrupt', problem);
    const entry = content.saved.find((c) => c.id === id);
    if (!entry) throw new AppError('not_found', 'that saved connection is not there any more');
    return { url: entry.url, name: entry.name, sealedPassword: entry.sealedPassword };
  }

  /** Puts a server source that was just opened at the top of the recent list (its URL without password). */
  remember(url: string): void {
    let stored: string;
    try {
      stored = splitServerUrl(url).url;
    } catch {
      return; // not a URL we would list (e.g. secret query parameters): not remembered
    }
    const { content, problem } = this.load();
    if (problem !== null) return; // an untrusted file is left alone until the person saves on purpose
    const entry: RecentSource = { id: recentId(stored), url: stored, usedAt: this.now().toISOString() };
    const recent = [entry, ...content.recent.filter((r) => r.url !== stored)].slice(0, MAX_RECENT);
    this.store({ ...content, recent }, null);
  }

  /** Removes a saved connection (with its sealed password) or a recent entry; true when one was removed. */
  forget(target: { saved?: string | undefined; recent?: string | undefined }): boolean {
    const { content, problem } = this.load();
    if (problem !== null) throw new AppError('corrupt', problem);
    const saved = content.saved.filter((c) => c.id !== target.saved);
    const recent = content.recent.filter((r) => r.id !== target.recent);
    if (saved.length === content.saved.length && recent.length === content.recent.length) return false;
    this.store({ ...content, saved, recent }, null);
    return true;
  }
}
