import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Place } from '../../shared/contract/browse.ts';
import { AppError } from '../../shared/errors.ts';
import { loadOwnJson, writeOwnFile } from '../fs/own-file.ts';
import { redactSecrets } from '../../shared/secrets.ts';

const RECENT_FILE = 'recent.json';
const MAX_RECENT = 12;

/**
 * The allow-list of paths the UI may read: only what the person chose (dialog, drop, recent list, the
 * demo root, the command line). Every path-taking operation asks this object first; anything else is refused.
 * Paths are compared after resolving symbolic links, so a link cannot lead out of a chosen root.
 */
export class PlaceAccess {
  private readonly places = new Map<string, Place>();
  private currentPath: string | null = null;
  private readonly recentFile: string | null;
  private readonly namedOutputs = new Set<string>();

  constructor(options: { userDataDir?: string } = {}) {
    this.recentFile = options.userDataDir ? join(options.userDataDir, RECENT_FILE) : null;
    for (const place of this.readRecent()) {
      if (existsSync(place.path)) this.places.set(place.path, { ...place, source: 'recent' });
    }
  }

  /** Adds a place the person chose and makes it current. */
  add(path: string, source: Place['source']): Place {
    const real = realOrThrow(path);
    const kind: Place['kind'] = statSync(real).isDirectory() ? 'root' : 'file';
    const place: Place = { path: real, kind, label: basename(real) || real, source };
    this.places.delete(real);
    this.places.set(real, place);
    this.currentPath = real;
    if (source !== 'demo') this.writeRecent();
    return place;
  }

  select(path: string): Place {
    const place = this.places.get(realOrThrow(path));
    if (!place) throw forbidden(path);
    this.currentPath = place.path;
    return place;
  }

  get current(): Place | null {
    return this.currentPath ? (this.places.get(this.currentPath) ?? null) : null;
  }

  list(): Place[] {
    return [...this.places.values()].reverse();
  }

  /** The real path of an allowed data root. */
  requireRoot(path: string): string {
    const real = this.realOrRefuse(path);
    const place = this.places.get(real);
    if (!place || place.kind !== 'root') throw forbidden(path);
    return real;
  }

  /**
   * The real path of an allowed file: one chosen itself, or one inside a chosen root. Inside a root, a
   * path that reaches its file through a symbolic link is refused (links are never followed), even when
   * the link points back inside the root.
   */
  requireFile(path: string): string {
    const real = this.realOrRefuse(path);
    const place = this.places.get(real);
    if (place?.kind === 'file') return real;
    for (const candidate of this.places.values()) {
      if (candidate.kind === 'root' && isInside(real, candidate.path)) {
        if (real !== resolve(path)) throw linkRefused(path);
        return real;
      }
    }
    throw forbidden(path);
  }

  /** A path inside an allowed root where a new file may be written (export, recover output). */
  requireWritableTarget(path: string): string {
    const parent = this.realOrRefuse(dirname(resolve(path)));
    for (const candidate of this.places.values()) {
      if (candidate.kind === 'root' && (parent === candidate.path || isInside(parent, candidate.path))) {
        return join(parent, basename(path));
      }
    }
    throw forbidden(path);
  }

  /**
   * Marks an output path the person typed in full on the command line (`--out FILE`): written where they
   * named it, even beside chat folders, which an output chosen in the app never is. Its parent must be an
   * allowed place already (requireWritableTarget still decides).
   */
  nameOutput(path: string): void {
    const parent = dirname(resolve(path));
    if (existsSync(parent)) this.namedOutputs.add(join(realpathSync(parent), basename(path)));
  }

  /** True for a path nameOutput marked (as requireWritableTarget returns it). */
  isNamedOutput(path: string): boolean {
    return this.namedOutputs.has(path);
  }

  /**
   * The real path, or a refusal. A missing path inside an allowed root is `not_found` (that root is
   * visible anyway); anywhere else it is `forbidden_path`, like an existing one, so probing reveals nothing.
   */
  private realOrRefuse(path: string): string {
    try {
      return realpathSync(resolve(path));
    } catch {
      let ancestor = dirname(resolve(path));
      while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
      const realAncestor = realpathSync(ancestor);
      const visible = [...this.places.values()].some(
        (p) => p.kind === 'root' && (realAncestor === p.path || isInside(realAncestor, p.path)),
      );
      throw visible
        ? new AppError('not_found', `${redactSecrets(path)}: no such file or folder`)
        : forbidden(path);
    }
  }

  private readRecent(): Place[] {
    if (!this.recentFile) return [];
    // A FIFO, a link or a damaged file there is set aside with one line, never opened or followed.
    const parsed = loadOwnJson(this.recentFile);
    return Array.isArray(parsed) ? (parsed.filter(isPlace) as Place[]) : [];
  }

  private writeRecent(): void {
    if (!this.recentFile) return;
    const recent = this.list()
      .filter((p) => p.source !== 'demo')
      .slice(0, MAX_RECENT);
    writeOwnFile(this.recentFile, JSON.stringify(recent, null, 2));
  }
}

export function isInside(child: string, parent: string): boolean {
  const prefix = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(prefix);
}

function realOrThrow(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    throw new AppError('not_found', `${redactSecrets(path)}: no such file or folder`);
  }
}

function linkRefused(path: string): AppError {
  return new AppError(
    'forbidden_path',
    `${redactSecrets(path)}: is reached through a symbolic link; links are never followed, so nothing behind it is read or written`,
  );
}

function forbidden(path: string): AppError {
  return new AppError(
    'forbidden_path',
    `${redactSecrets(path)}: not a place you opened (open it first with the dialog or by dropping it)`,
  );
}

function isPlace(value: unknown): boolean {
  const v = value as Partial<Place> | null;
  return (
    !!v &&
    typeof v.path === 'string' &&
    (v.kind === 'root' || v.kind === 'file') &&
    typeof v.label === 'string'
  );
}
