import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import { displayLocator, kindOf, openSource } from './registry.ts';
import type { OpenOptions, Source } from './types.ts';

// The server sources of this process (desktop app or browser mode), by id. The URL — with its password —
// stays here in memory and is never sent back to the renderer; the renderer sees an id and a masked label.
// Browser mode is restricted: it reaches only the sources given on its command line (`serve URL`).

interface Entry {
  id: string;
  locator: string;
  label: string;
  kind: string | null;
  source: Promise<Source> | null;
  /** How it is opened (a mapping chosen in the app: main/mapping). */
  options?: OpenOptions;
  /** A MySQL messaging database's cold-archive folder. */
  archive?: string | undefined;
}

/**
 * One source of the session as a worker thread needs it to open the same Source (main/api/offload.ts): its
 * id, locator and plain options. Functions (statement hooks) stay behind: a worker runs statements itself.
 */
export interface SessionEntrySnapshot {
  id: string;
  locator: string;
  label: string;
  kind: string | null;
  archive?: string | undefined;
  options: Pick<OpenOptions, 'mapping' | 'mappingHome' | 'statementTimeoutMs'>;
}

const plainOptions = (options: OpenOptions | undefined): SessionEntrySnapshot['options'] => ({
  ...(options?.mapping ? { mapping: options.mapping } : {}),
  ...(options?.mappingHome !== undefined ? { mappingHome: options.mappingHome } : {}),
  ...(options?.statementTimeoutMs !== undefined ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
});

/**
 * Opens one source as the session would, somewhere: the app's handlers pass a probe that opens it in a
 * worker thread (main/api/steps.ts), so the main process never touches the file or the server; without
 * one (the CLI, tests) it is opened on this thread. What comes back is all the registry keeps.
 */
export type Probe = (entry: SessionEntrySnapshot) => Promise<{ kind: string | null }>;

const sameOpen = (entry: Entry, next: SessionEntrySnapshot): boolean =>
  entry.locator === next.locator &&
  entry.archive === next.archive &&
  JSON.stringify(plainOptions(entry.options)) === JSON.stringify(next.options);

export class SourceSession {
  private readonly entries = new Map<string, Entry>();
  /** Set by `serve URL`: then only preregistered sources may be used. */
  private restricted = false;

  restrictToRegistered(): void {
    this.restricted = true;
  }

  get canConnect(): boolean {
    return !this.restricted;
  }

  /** A source the command line named (browser mode). */
  register(locator: string, archive?: string): Entry {
    return this.add(locator, { archive });
  }

  private add(locator: string, how: { label?: string; archive?: string | undefined } = {}): Entry {
    const { label, archive } = how;
    const existing = [...this.entries.values()].find((e) => e.locator === locator && e.archive === archive);
    if (existing) return existing;
    const display = () => kindOf(locator)?.server?.display(locator) ?? displayLocator(locator);
    const entry: Entry = {
      id: randomBytes(6).toString('hex'),
      locator,
      label: label ?? (archive ? `${display()} + ${archive}` : display()),
      kind: null,
      source: null,
      archive,
    };
    this.entries.set(entry.id, entry);
    return entry;
  }

  async connect(
    url: string,
    password?: string,
    archiveFolder?: string,
    probe?: Probe,
  ): Promise<{ id: string; label: string; kind: string | null }> {
    const server = kindOf(url)?.server;
    if (!server)
      throw new AppError('invalid_input', 'a server source is a postgres:// or mysql:// (mariadb://) URL');
    const archive = archiveFolder?.trim() ? archiveFolder.trim() : undefined;
    if (archive && !server.takesArchive)
      throw new AppError('invalid_input', 'a cold-archive folder goes with a mysql:// messaging database');
    let locator = url.trim();
    if (password) {
      const parsed = new URL(locator);
      parsed.password = encodeURIComponent(password);
      locator = parsed.href;
    }
    const known = [...this.entries.values()].find((e) => e.locator === locator && e.archive === archive);
    if (!known && this.restricted)
      throw new AppError(
        'forbidden_path',
        'browser mode reaches only the sources given on its command line (chat-inspector serve URL)',
      );
    const entry = known ?? this.add(locator, { archive });
    try {
      await this.probe(entry, probe);
    } catch (error) {
      if (!known) this.entries.delete(entry.id);
      throw error;
    }
    return { id: entry.id, label: entry.label, kind: entry.kind };
  }

  /** Opens an entry with `probe` (elsewhere; it keeps the kind) or on this thread. */
  private async probe(entry: Entry, probe: Probe | undefined): Promise<void> {
    if (!probe) {
      await this.open(entry.id);
      return;
    }
    const { kind } = await probe(this.snapshotOf(entry));
    entry.kind = kind;
  }

  /**
   * An SQLite file the person already opened (the caller checked it against the allow-list) as a Source,
   * so its conversations — LangChain, Rasa, or through a mapping — show in the Sources view.
   */
  async openFile(
    path: string,
    options: OpenOptions = {},
    probe?: Probe,
  ): Promise<{ id: string; label: string; kind: string | null }> {
    const entry = this.add(path, { label: path });
    entry.options = { ...options, ...entry.options };
    try {
      await this.probe(entry, probe);
    } catch (error) {
      this.entries.delete(entry.id);
      throw error;
    }
    return { id: entry.id, label: entry.label, kind: entry.kind };
  }

  /** Opens an id again with other options (a mapping chosen in the app); the old connection is closed. */
  async reopen(id: string, options: OpenOptions): Promise<Source> {
    const entry = this.entries.get(id);
    if (!entry) throw new AppError('not_found', 'that source is not open in this session; connect again');
    const old = entry.source;
    entry.source = null;
    entry.options = { ...entry.options, ...options };
    if (old) await old.then((s) => s.close()).catch(() => {});
    return this.open(id);
  }

  /**
   * Records options a worker opened an id with (a mapping saved there: main/api/steps.ts) and the kind it
   * found; a Source this thread had open is closed, to be opened again with them.
   */
  async update(id: string, options: OpenOptions, kind: string | null): Promise<void> {
    const entry = this.require(id);
    const old = entry.source;
    entry.source = null;
    entry.options = { ...entry.options, ...options };
    entry.kind = kind;
    if (old) await old.then((s) => s.close()).catch(() => {});
  }

  /** One source of the session as plain data (see snapshot). */
  snapshotEntry(id: string): SessionEntrySnapshot {
    return this.snapshotOf(this.require(id));
  }

  private require(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new AppError('not_found', 'that source is not open in this session; connect again');
    return entry;
  }

  private snapshotOf(e: Entry): SessionEntrySnapshot {
    return {
      id: e.id,
      locator: e.locator,
      label: e.label,
      kind: e.kind,
      archive: e.archive,
      options: plainOptions(e.options),
    };
  }

  list(): { id: string; label: string; kind: string | null }[] {
    return [...this.entries.values()].map((e) => ({ id: e.id, label: e.label, kind: e.kind }));
  }

  /** The open Source of an id (opened once, reopened after a failure). */
  async open(id: string): Promise<Source> {
    const entry = this.entries.get(id);
    if (!entry) throw new AppError('not_found', 'that source is not open in this session; connect again');
    if (!entry.source) {
      const options: OpenOptions = { ...entry.options, ...(entry.archive ? { archive: entry.archive } : {}) };
      entry.source = openSource(entry.locator, options).then((source) => {
        entry.kind = source.summary().kind;
        return source;
      });
      entry.source.catch(() => {
        entry.source = null;
      });
    }
    return entry.source;
  }

  /** The session's sources as plain data, for the worker threads that read them (main/api/offload.ts). */
  snapshot(): SessionEntrySnapshot[] {
    return [...this.entries.values()].map((e) => this.snapshotOf(e));
  }

  /**
   * A worker's session follows the main process's registry: the same ids, each Source opened in this
   * thread on first use and kept while its locator and options stay the same (a new mapping reopens it).
   */
  adopt(snapshot: readonly SessionEntrySnapshot[]): void {
    this.adoptEntries(snapshot, true);
  }

  /** One source of the main process's registry, the others kept (a worker opening it: main/api/steps.ts). */
  adoptOne(entry: SessionEntrySnapshot): void {
    this.adoptEntries([entry], false);
  }

  private adoptEntries(snapshot: readonly SessionEntrySnapshot[], whole: boolean): void {
    const next = new Map(snapshot.map((s) => [s.id, s]));
    for (const [id, entry] of this.entries) {
      const wanted = next.get(id);
      if (wanted ? sameOpen(entry, wanted) : !whole) continue;
      this.entries.delete(id);
      void entry.source?.then((s) => s.close()).catch(() => {});
    }
    for (const wanted of snapshot) {
      if (this.entries.has(wanted.id)) continue;
      this.entries.set(wanted.id, {
        id: wanted.id,
        locator: wanted.locator,
        label: wanted.label,
        kind: wanted.kind,
        source: null,
        archive: wanted.archive,
        options: wanted.options,
      });
    }
  }

  async closeAll(): Promise<void> {
    for (const entry of this.entries.values()) {
      const source = entry.source;
      entry.source = null;
      if (source) await source.then((s) => s.close()).catch(() => {});
    }
  }
}

export const sourceSession = new SourceSession();
