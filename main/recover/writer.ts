// Writes what the page reader salvaged into a new DB: the original schema (CREATE statements from
// sqlite_schema: tables first, then the rows with their original rowids, then indexes, triggers and views),
// the AUTOINCREMENT counters never lower than the damaged file's, and a `lost_and_found` table (the same
// columns as sqlite3's .recover: rootpgno, pgno, nfield, id, c0, c1, ...) when some rows fit no table.

import { quoteIdent } from '../sqlite/identifiers.ts';
import { openForWrite, type WritableDb } from '../sqlite/write.ts';
import type { Value } from './format.ts';
import type { SalvageResult, SalvagedTable } from './salvage.ts';

export interface WriteOutcome {
  /** Rows a table refused (UNIQUE/CHECK), moved to lost_and_found: table → count. */
  refused: Map<string, number>;
  lostAndFoundTable: string | null;
  lostAndFoundRows: number;
  notes: string[];
}

function rowidName(table: SalvagedTable): string {
  const names = new Set(table.def.columns.map((c) => c.name.toLowerCase()));
  for (const candidate of ['rowid', '_rowid_', 'oid']) if (!names.has(candidate)) return candidate;
  const alias = table.def.columns.find((c) => c.rowidAlias);
  return alias ? quoteIdent(alias.name) : 'rowid';
}

export function writeSalvage(
  path: string,
  result: SalvageResult,
  progress: (done: number, total: number) => void,
): WriteOutcome {
  const db: WritableDb = openForWrite(path);
  const notes: string[] = [];
  const refused = new Map<string, number>();
  const lostRows: { rootpgno: number | null; pgno: number; rowid: bigint; values: Value[] }[] =
    result.lostAndFound.map((r) => ({
      rootpgno: r.rootpgno,
      pgno: r.pgno,
      rowid: r.rowid,
      values: r.values,
    }));
  let lostAndFoundTable: string | null = null;
  try {
    db.pragma(`page_size = ${result.header.pageSize}`);
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.exec('BEGIN');
    const tables = result.schema.filter((e) => e.type === 'table' && e.sql && !e.name.startsWith('sqlite_'));
    const created = new Set<string>();
    for (const e of tables) {
      try {
        db.exec(e.sql!);
        // The statement must have made the table its entry names (a damaged entry may name another).
        if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(e.name))
          created.add(e.name);
        else
          notes.push(
            `table ${e.name}: its CREATE statement makes another table; its rows are in lost_and_found`,
          );
      } catch (error) {
        notes.push(
          `table ${e.name} could not be created (${(error as Error).message}); its rows are in lost_and_found`,
        );
      }
    }
    const totalRows = result.tables.reduce((n, t) => n + t.rows.length, 0);
    let written = 0;
    for (const table of result.tables) {
      if (!created.has(table.def.name)) {
        // No table to put them in: kept aside, never dropped.
        refused.set(table.def.name, table.rows.length);
        for (const row of table.rows)
          lostRows.push({ rootpgno: table.entry.rootpage, pgno: 0, rowid: row.rowid, values: row.values });
        continue;
      }
      const insertable = table.def.stored
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => !c.rowidAlias && !c.generated);
      const statements = new Map<number, { run(...params: unknown[]): unknown }>();
      const statementFor = (fields: number) => {
        let stmt = statements.get(fields);
        if (!stmt) {
          const cols = insertable.filter(({ i }) => i < fields);
          const names = [rowidName(table), ...cols.map(({ c }) => quoteIdent(c.name))];
          stmt = db.prepare(
            `INSERT INTO ${quoteIdent(table.def.name)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
          );
          statements.set(fields, stmt);
        }
        return stmt;
      };
      for (const row of table.rows) {
        const args: Value[] = [row.rowid];
        for (const { i } of insertable) if (i < row.values.length) args.push(row.values[i]!);
        try {
          // A failed INSERT undoes only itself (ABORT): the transaction goes on.
          statementFor(row.values.length).run(...args);
        } catch (error) {
          const code = (error as { code?: string }).code ?? '';
          // A constraint, or columns the new table does not have (its statement disagrees with the record).
          if (!code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_ERROR') throw error;
          refused.set(table.def.name, (refused.get(table.def.name) ?? 0) + 1);
          lostRows.push({ rootpgno: table.entry.rootpage, pgno: 0, rowid: row.rowid, values: row.values });
        }
        if (++written % 2000 === 0) progress(written, totalRows);
      }
    }
    // AUTOINCREMENT counters: never lower than the damaged file's, so new ids never reuse lost ones.
    for (const [name, seq] of result.sequences) {
      try {
        const updated = db
          .prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?')
          .run(seq, name);
        if (updated.changes === 0)
          db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(name, seq);
      } catch {
        // no AUTOINCREMENT table was created, so there is no sqlite_sequence
      }
    }
    if (lostRows.length > 0) {
      const names = new Set(result.schema.map((e) => e.name.toLowerCase()));
      let name = 'lost_and_found';
      for (let i = 0; names.has(name.toLowerCase()); i++) name = `lost_and_found_${i}`;
      const width = Math.max(...lostRows.map((r) => r.values.length));
      const cols = Array.from({ length: width }, (_, i) => `c${i}`);
      db.exec(
        `CREATE TABLE ${quoteIdent(name)} (rootpgno INTEGER, pgno INTEGER, nfield INTEGER, id INTEGER${cols.map((c) => `, ${c}`).join('')})`,
      );
      const insert = db.prepare(
        `INSERT INTO ${quoteIdent(name)} VALUES (?, ?, ?, ?${cols.map(() => ', ?').join('')})`,
      );
      for (const r of lostRows) {
        const values = cols.map((_, i) => (i < r.values.length ? r.values[i]! : null));
        insert.run(r.rootpgno, r.pgno, r.values.length, r.rowid, ...values);
      }
      lostAndFoundTable = name;
    }
    for (const e of result.schema) {
      if ((e.type === 'index' || e.type === 'trigger' || e.type === 'view') && e.sql) {
        try {
          db.exec(e.sql);
        } catch (error) {
          notes.push(`${e.type} ${e.name} could not be recreated (${(error as Error).message})`);
        }
      }
    }
    if (result.header.userVersion !== 0) db.pragma(`user_version = ${result.header.userVersion}`);
    if (result.header.applicationId !== 0) db.pragma(`application_id = ${result.header.applicationId}`);
    db.exec('COMMIT');
    db.pragma(result.header.wal ? 'journal_mode = WAL' : 'journal_mode = DELETE');
  } finally {
    db.close();
  }
  return { refused, lostAndFoundTable, lostAndFoundRows: lostRows.length, notes };
}
