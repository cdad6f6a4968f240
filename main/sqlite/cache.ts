import { existsSync, statSync } from 'node:fs';
import { openReadonly, type OpenMode, type ReadableDb } from './open.ts';

interface Entry {
  db: ReadableDb;
  mode: OpenMode;
  mtimeMs: number;
  size: number;
  ino: number;
  lastUsed: number;
}

/**
 * A small LRU of read-only connections for browsing (paging a chat opens its DB once, not per page).
 * Bounded, so a root of 100,000 chats never holds more than `max` files open; idle ones close on a timer.
 * A connection opened `immutable` is reopened when the file changes or a -wal appears (the bot woke up);
 * any connection is reopened when its file was replaced (a restore or migrate swapped it: a new inode).
 * Each worker thread has its own cache (main/api/dispatch.ts runs reads in workers).
 */
export class ReadonlyCache {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;

  private readonly max: number;
  private readonly idleMs: number;

  constructor(max = 16, idleMs = 60_000) {
    this.max = max;
    this.idleMs = idleMs;
  }

  get(path: string): ReadableDb {
    const entry = this.entries.get(path);
    if (entry && this.isFresh(path, entry)) {
      entry.lastUsed = Date.now();
      this.entries.delete(path);
      this.entries.set(path, entry);
      return entry.db;
    }
    if (entry) this.drop(path);
    const { db, mode } = openReadonly(path);
    const st = statSync(path);
    this.entries.set(path, {
      db,
      mode,
      mtimeMs: st.mtimeMs,
      size: st.size,
      ino: st.ino,
      lastUsed: Date.now(),
    });
    while (this.entries.size > this.max) this.drop(this.entries.keys().next().value as string);
    this.armTimer();
    return db;
  }

  /** Closes every connection under a folder (before a restore replaces its files). */
  closeUnder(prefix: string): void {
    for (const path of [...this.entries.keys()]) if (path.startsWith(prefix)) this.drop(path);
  }

  closeAll(): void {
    for (const path of [...this.entries.keys()]) this.drop(path);
  }

  get openCount(): number {
    return this.entries.size;
  }

  private isFresh(path: string, entry: Entry): boolean {
    try {
      const st = statSync(path);
      if (st.ino !== entry.ino) return false;
      if (entry.mode !== 'immutable') return true;
      return st.mtimeMs === entry.mtimeMs && st.size === entry.size && !existsSync(`${path}-wal`);
    } catch {
      return false;
    }
  }

  private drop(path: string): void {
    const entry = this.entries.get(path);
    this.entries.delete(path);
    try {
      entry?.db.close();
    } catch {
      // already closed
    }
  }

  private armTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        const cutoff = Date.now() - this.idleMs;
        for (const [path, entry] of this.entries) if (entry.lastUsed < cutoff) this.drop(path);
        if (this.entries.size === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = null;
        }
      },
      Math.min(this.idleMs, 30_000),
    );
    this.timer.unref();
  }
}

/** The process's browsing connections. */
export const readonlyCache = new ReadonlyCache();
