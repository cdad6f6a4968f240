import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import Database from './driver.ts';
import { openReadonly, withReadonly } from './open.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-open-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function makeDb(path: string, wal: boolean, rows = 3): void {
  const db = new Database(path);
  if (wal) db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < rows; i++) insert.run(`row ${i}`);
  db.close();
}

function snapshot(folder: string): Record<string, { size: number; mtimeMs: number; sha: string }> {
  const out: Record<string, { size: number; mtimeMs: number; sha: string }> = {};
  for (const name of readdirSync(folder).sort()) {
    const st = statSync(join(folder, name));
    out[name] = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha: readFileSync(join(folder, name)).toString('base64'),
    };
  }
  return out;
}

const count = (path: string): number =>
  withReadonly(path, (db) => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);

describe('openReadonly', () => {
  it('reads a rollback-journal DB and leaves the folder untouched', () => {
    const path = join(dir, 'a.db');
    makeDb(path, false);
    const before = snapshot(dir);
    expect(count(path)).toBe(3);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reads a cleanly closed WAL DB without creating -wal or -shm files', () => {
    const path = join(dir, 'w.db');
    makeDb(path, true);
    expect(readdirSync(dir)).toEqual(['w.db']);
    const before = snapshot(dir);
    const { db, mode } = openReadonly(path);
    expect(mode).toBe('immutable');
    expect(readdirSync(dir)).toEqual(['w.db']);
    db.close();
    expect(snapshot(dir)).toEqual(before);
  });

  it('reads rows that live only in the -wal of a running writer, without blocking it', () => {
    const path = join(dir, 'live.db');
    makeDb(path, true, 2);
    const writer = new Database(path);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare("INSERT INTO t (v) VALUES ('only in wal')").run();
    const dbBytes = readFileSync(path);
    const { db, mode } = openReadonly(path);
    expect(mode).toBe('shared');
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3);
    // The writer keeps writing while the reader holds its connection.
    writer.prepare("INSERT INTO t (v) VALUES ('later')").run();
    db.close();
    expect(readFileSync(path).equals(dbBytes)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['live.db', 'live.db-shm', 'live.db-wal']);
    writer.close();
  });

  it('reads a -wal that lost its -shm from a private snapshot, creating nothing beside it', () => {
    const live = join(dir, 'live');
    const copy = join(dir, 'copy');
    mkdirSync(live);
    mkdirSync(copy);
    const path = join(live, 'c.db');
    makeDb(path, true, 2);
    const writer = new Database(path);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare("INSERT INTO t (v) VALUES ('only in wal')").run();
    copyFileSync(path, join(copy, 'c.db'));
    copyFileSync(`${path}-wal`, join(copy, 'c.db-wal'));
    writer.close();
    const before = snapshot(copy);
    const { db, mode } = openReadonly(join(copy, 'c.db'));
    expect(mode).toBe('snapshot');
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3);
    db.close();
    expect(snapshot(copy)).toEqual(before);
  });

  it.each([
    ['empty_file', (p: string) => writeFileSync(p, '')],
    ['not_sqlite', (p: string) => writeFileSync(p, '<html>502 Bad Gateway</html>')],
    [
      'truncated',
      (p: string) => {
        makeDb(p, false, 500);
        truncateSync(p, statSync(p).size - 1000);
      },
    ],
  ])('names a %s file for what it is', (code, make) => {
    const path = join(dir, 'bad.db');
    make(path);
    const error = captureError(() => openReadonly(path));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
  });

  it('reports a missing file as not_found', () => {
    expect((captureError(() => openReadonly(join(dir, 'nope.db'))) as AppError).code).toBe('not_found');
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
