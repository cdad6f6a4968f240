import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from '../sqlite/driver.ts';
import { CONVERSATIONS_SCHEMA, PROFILE_SCHEMA } from '../adapters/per-chat-schema.ts';
import { quickCheckFile } from '../sqlite/file.ts';
import { damageChat } from '../fixtures/damage.ts';
import { Rng } from '../fixtures/random.ts';
import { generateChat } from '../fixtures/index.ts';
import { decodeRecord, localPayload, readFileHeader, readVarint } from './format.ts';
import { salvage } from './salvage.ts';
import { parseCreateTable } from './schema.ts';
import { readWal } from './wal.ts';
import { writeSalvage } from './writer.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-format-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function statements(schema: string): string[] {
  return schema
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

describe('the file-format reader', () => {
  it('reads varints of every length, including the 9-byte form', () => {
    expect(readVarint(Buffer.from([0x05]), 0, 1)).toEqual({ value: 5n, next: 1 });
    expect(readVarint(Buffer.from([0x81, 0x00]), 0, 2)).toEqual({ value: 128n, next: 2 });
    expect(readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0, 9)).toEqual({
      value: -1n,
      next: 9,
    });
    // A varint that runs past the end of what may be read is refused, never read beyond.
    expect(readVarint(Buffer.from([0x81, 0x81]), 0, 2)).toBeNull();
  });

  it('computes the local payload as the file format says (X = U-35, M, K)', () => {
    expect(localPayload(4061, 4096, false)).toBe(4061);
    const m = Math.floor(((4096 - 12) * 32) / 255) - 23;
    const k = m + ((5000 - m) % (4096 - 4));
    expect(localPayload(5000, 4096, false)).toBe(k <= 4061 ? k : m);
  });

  it('decodes records strictly: lengths must match, reserved serial types and bad UTF-8 are refused', () => {
    // header: size 3, types: 1 (int8), 15 (text of 1 byte)
    expect(decodeRecord(Buffer.from([3, 1, 15, 7, 0x41]), 'utf8')).toEqual({
      values: [7n, 'A'],
      serialTypes: [1, 15],
    });
    expect(decodeRecord(Buffer.from([3, 1, 15, 7]), 'utf8')).toMatch(/length/);
    expect(decodeRecord(Buffer.from([2, 10]), 'utf8')).toMatch(/reserved/);
    expect(decodeRecord(Buffer.from([2, 15, 0xff]), 'utf8')).toMatch(/not valid/);
    expect(decodeRecord(Buffer.from([9]), 'utf8')).toMatch(/out of bounds/);
  });

  it('parses the seed schema: columns, affinities, NOT NULL, the INTEGER PRIMARY KEY alias', () => {
    const [messages] = statements(CONVERSATIONS_SCHEMA);
    const def = parseCreateTable('messages', messages!)!;
    expect(def.columns).toHaveLength(15);
    expect(def.autoincrement).toBe(true);
    expect(def.columns[0]).toMatchObject({ name: 'id', affinity: 'INTEGER', rowidAlias: true });
    expect(def.columns.find((c) => c.name === 'is_voice')!.affinity).toBe('NUMERIC');
    expect(def.columns.find((c) => c.name === 'timestamp')!.affinity).toBe('NUMERIC');
    expect(def.columns.find((c) => c.name === 'voice_duration')!.affinity).toBe('REAL');
    expect(def.columns.find((c) => c.name === 'content')!.affinity).toBe('TEXT');
    const [profile] = statements(PROFILE_SCHEMA);
    expect(parseCreateTable('user_profile', profile!)!.columns[0]).toMatchObject({ rowidAlias: true });
    const odd = parseCreateTable(
      't',
      'CREATE TABLE "t" ([a b] INTEGER NOT NULL, "c,d" VARCHAR(10, 2) DEFAULT \'x,y\', e, PRIMARY KEY("a b"))',
    )!;
    expect(odd.columns.map((c) => [c.name, c.affinity, c.notNull, c.rowidAlias])).toEqual([
      ['a b', 'INTEGER', true, true],
      ['c,d', 'TEXT', false, false],
      ['e', 'BLOB', false, false],
    ]);
    expect(parseCreateTable('w', 'CREATE TABLE w (k TEXT PRIMARY KEY, v) WITHOUT ROWID')!.withoutRowid).toBe(
      true,
    );
    expect(parseCreateTable('v', 'CREATE VIRTUAL TABLE v USING fts5(x)')).toBeNull();
  });

  it('counts rows whose values break the declared type or NOT NULL as lost, with the reason, and never emits them', () => {
    const path = join(dir, 'types.db');
    const db = new Database(path);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (n, s) VALUES (?, ?)');
    insert.run(1, 'fine');
    insert.run('not a number', 'text in an INTEGER column');
    insert.run(2, Buffer.from([0xde, 0xad]));
    db.close();
    const result = salvage(readFileSync(path));
    const t = result.tables.find((x) => x.def.name === 't')!;
    expect(t.rows.map((r) => r.rowid)).toEqual([1n]);
    expect(t.account).toMatchObject({ recovered: 1, lost: 2, lostBasis: 'exact', lostSource: 'tree' });
    expect(t.account.reasons.map((r) => r.reason).sort()).toEqual([
      'a blob in TEXT column s',
      'text in INTEGER column n',
    ]);
  });

  it('applies committed WAL frames only, with checksums, and reports a torn last frame', () => {
    const path = join(dir, 'wal.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    db.prepare('INSERT INTO t (v) VALUES (?)').run('committed');
    const file = readFileSync(path);
    const wal = readFileSync(`${path}-wal`);
    db.close();
    const pageSize = file.readUInt16BE(16);
    const whole = readWal(wal, pageSize)!;
    expect(whole.committedFrames).toBeGreaterThan(0);
    expect(whole.ignoredFrames).toBe(0);
    const torn = readWal(wal.subarray(0, wal.length - 100), pageSize)!;
    expect(torn.ignoredFrames).toBeGreaterThan(0);
    expect(torn.stoppedBecause).toMatch(/torn/);
    const flipped = Buffer.from(wal);
    flipped[wal.length - 1]! ^= 0xff;
    expect(readWal(flipped, pageSize)!.stoppedBecause).toMatch(/checksum/);
    const rows = salvage(file, { wal }).tables.find((t) => t.def.name === 't')!.rows;
    expect(rows.map((r) => r.values[1])).toEqual(['committed']);
  });

  it("reads the page size from the pages when the header's is invalid or wrong, and salvages every row", () => {
    for (const pageSize of [1024, 4096, 65536]) {
      const chat = generateChat(join(dir, `size-${pageSize}`), '4242', { messages: 400, seed: 5 });
      const path = join(chat.dir, 'conversations.db');
      const db = new Database(path);
      db.pragma('journal_mode = DELETE');
      db.pragma(`page_size = ${pageSize}`);
      db.exec('VACUUM');
      const counts = {
        messages: db.prepare('SELECT count(*) FROM messages').pluck().get(),
        conversation_sessions: db.prepare('SELECT count(*) FROM conversation_sessions').pluck().get(),
      };
      db.close();
      const pristine = readFileSync(path);
      expect(pristine.readUInt16BE(16)).toBe(pageSize === 65536 ? 1 : pageSize);
      for (const bad of [0, 3, 1000, pageSize === 1024 ? 4096 : 1024]) {
        const file = Buffer.from(pristine);
        file.writeUInt16BE(bad, 16);
        const header = readFileHeader(file)!;
        expect(header.pageSize, `${pageSize} as ${bad}`).toBe(pageSize);
        expect(header.pageSizeInferredFrom, `${pageSize} as ${bad}`).toBe(bad);
        const result = salvage(file);
        for (const [table, count] of Object.entries(counts)) {
          const t = result.tables.find((x) => x.def.name === table)!;
          expect(t.account, `${pageSize} as ${bad}: ${table}`).toMatchObject({
            recovered: count,
            lost: 0,
            lostBasis: 'exact',
          });
        }
      }
      // The header's own size, when it is right, is used without a note.
      expect(readFileHeader(pristine)!.pageSizeInferredFrom).toBeNull();
    }
  });

  it('never throws, hangs or writes an invalid file, whatever bytes are flipped (fuzz, 40 seeds)', () => {
    const root = join(dir, 'fuzz');
    const d = damageChat(root, 'zeroed_leaf', { seed: 21, messages: 300 });
    const pristine = readFileSync(d.original);
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(seed);
      const file = Buffer.from(pristine);
      // Bytes flipped anywhere past the first 100 (the header stays: without it nothing is an SQLite file).
      const flips = rng.int(1, 200);
      for (let i = 0; i < flips; i++) file[rng.int(100, file.length - 1)] = rng.int(0, 255);
      const result = salvage(file);
      const out = join(dir, `fuzz-${seed}.db`);
      writeSalvage(out, result, () => {});
      expect(quickCheckFile(out), `seed ${seed}`).toBe('ok');
      for (const t of result.tables) {
        const a = t.account;
        if (a.lostBasis !== 'unknown') expect(a.lost!, `seed ${seed} ${a.table}`).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
