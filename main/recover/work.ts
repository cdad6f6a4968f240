// The part of `recover` that reads and writes SQLite pages. Through the contract it runs in a worker of the
// pool (recover.run), so the main thread stays responsive; a cancel is seen at its next progress report,
// or the pool terminates the worker and removes the temporary files the job tracked.
//
// Fast path: a private copy of the damaged file (and its -wal) passes quick_check through a read-only
// open → VACUUM INTO the new file. Otherwise the page path: salvage.ts reads every page, writer.ts writes.

import { closeSync, copyFileSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecoverTable } from '../../shared/contract/backup.ts';
import { quickCheck, quickCheckFile } from '../sqlite/file.ts';
import { openReadonly } from '../sqlite/open.ts';
import { openPrivateReadonly } from '../sqlite/readable.ts';
import { openForWrite } from '../sqlite/write.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { readWal } from './wal.ts';
import { readFileHeader } from './format.ts';
import { salvage, type RowCountHint, type SalvageResult } from './salvage.ts';
import { writeSalvage } from './writer.ts';

export interface RecoverWorkInput {
  source: string;
  /** A private folder (made and removed by the caller) for the copy the fast path reads. */
  work: string;
  /** Where the new DB is built (made and removed/renamed by the caller). */
  building: string;
  hints: RowCountHint[];
}

export interface RecoverWorkResult {
  method: 'vacuum-into' | 'pages';
  tables: RecoverTable[];
  lostAndFound: number;
  lostAndFoundTable: string | null;
  pages: SalvageResult['census'] | null;
  wal: { committedFrames: number; ignoredFrames: number; stoppedBecause: string } | null;
  sourceCheck: string;
  integrity: string;
  notes: string[];
  /** The header's page-size field when the page size was inferred from the pages instead (else null). */
  pageSizeInferredFrom: number | null;
}

/** Writes the page size the pages have into the private copy's header (1 stands for 65536). */
function patchPageSize(copy: string, pageSize: number): void {
  const field = Buffer.alloc(2);
  field.writeUInt16BE(pageSize === 65536 ? 1 : pageSize);
  const fd = openSync(copy, 'r+');
  try {
    writeSync(fd, field, 0, 2, 16);
  } finally {
    closeSync(fd);
  }
}

export type Progress = (done: number, total: number | null, what: string) => void;

function tryFastPath(copy: string, building: string): { check: string; ok: boolean } {
  let check: string;
  // quick_check through a read-only open of the private copy (its -wal read as SQLite would).
  try {
    const { db } = openReadonly(copy, { probe: false });
    try {
      check = quickCheck(db);
    } finally {
      db.close();
    }
  } catch (error) {
    return { check: (error as Error).message, ok: false };
  }
  if (check !== 'ok') return { check, ok: false };
  // VACUUM INTO writes only `building`; it needs a connection that may run it (the copy is ours).
  const db = openForWrite(copy, { fileMustExist: true });
  try {
    db.prepare('VACUUM INTO ?').run(building);
    return { check, ok: quickCheckFile(building) === 'ok' };
  } catch (error) {
    return { check: (error as Error).message, ok: false };
  } finally {
    db.close();
  }
}

function countRows(path: string): RecoverTable[] {
  const db = openPrivateReadonly(path);
  try {
    const names = db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
      )
      .pluck()
      .all() as string[];
    return names.map((table) => ({
      table,
      recovered: Number(
        db
          .prepare(`SELECT count(*) FROM ${quoteIdent(table)}`)
          .pluck()
          .get(),
      ),
      lostAndFound: 0,
      lost: 0,
      lostBasis: 'exact' as const,
      lostSource: 'quick_check',
      reasons: [],
      note: null,
    }));
  } finally {
    db.close();
  }
}

export function recoverWork(input: RecoverWorkInput, progress: Progress): RecoverWorkResult {
  const walPath = `${input.source}-wal`;
  // Read once: the bytes everything below works from (the damaged file is never opened for writing).
  const file = readFileSync(input.source);
  const walBytes = existsSync(walPath) ? readFileSync(walPath) : null;
  const header = readFileHeader(file);
  const walReading = walBytes && header ? readWal(walBytes, header.pageSize) : null;
  const wal = walReading
    ? {
        committedFrames: walReading.committedFrames,
        ignoredFrames: walReading.ignoredFrames,
        stoppedBecause: walReading.stoppedBecause,
      }
    : null;
  const walNotes =
    walReading && walReading.ignoredFrames > 0
      ? [
          `${walReading.ignoredFrames} frame(s) at the end of the -wal were ignored: ${walReading.stoppedBecause}`,
        ]
      : [];

  progress(0, null, 'checking the file');
  const copy = join(input.work, 'damaged.db');
  copyFileSync(input.source, copy);
  if (walBytes) copyFileSync(walPath, `${copy}-wal`);
  // Only the header's page-size field is wrong: with the size the pages have, SQLite reads the whole file.
  const pageSizeInferredFrom = header?.pageSizeInferredFrom ?? null;
  if (header && pageSizeInferredFrom !== null) patchPageSize(copy, header.pageSize);
  const fast = tryFastPath(copy, input.building);
  if (fast.ok) {
    return {
      method: 'vacuum-into',
      tables: countRows(input.building),
      lostAndFound: 0,
      lostAndFoundTable: null,
      pages: null,
      wal,
      sourceCheck: 'ok',
      integrity: 'ok',
      notes: [
        ...(header?.problems ?? []),
        'every page was readable: the new file holds all the data',
        ...walNotes,
      ],
      pageSizeInferredFrom,
    };
  }
  // The fast path may have left a partial file: the page path starts from nothing.
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(input.building + suffix, { force: true });
  const result = salvage(file, {
    wal: walBytes,
    hints: input.hints,
    progress: (done, total, what) => progress(done, total, what),
  });
  progress(0, null, 'writing the new file');
  const written = writeSalvage(input.building, result, (done, total) =>
    progress(done, total, 'writing rows'),
  );
  const tables: RecoverTable[] = result.tables.map((t) => {
    const refused = written.refused.get(t.def.name) ?? 0;
    const a = t.account;
    return {
      table: a.table,
      recovered: a.recovered - refused,
      lostAndFound: a.lostAndFound + refused,
      lost: a.lost,
      lostBasis: a.lostBasis,
      lostSource: a.lostSource,
      reasons: a.reasons,
      note: refused
        ? `${a.note ? `${a.note}; ` : ''}${refused} row(s) broke a constraint and are in lost_and_found`
        : a.note,
    };
  });
  return {
    method: 'pages',
    tables,
    lostAndFound: written.lostAndFoundRows,
    lostAndFoundTable: written.lostAndFoundTable,
    pages: result.census,
    wal,
    sourceCheck: fast.check,
    integrity: quickCheckFile(input.building),
    notes: [...result.notes, ...written.notes],
    pageSizeInferredFrom,
  };
}
