// `node bench/recover.ts [--mb 50] [--kinds garbage_leaf,root_page] [--json]`: recovery of a generated
// ~50 MB conversations.db damaged each way main/fixtures/damage.ts knows, against the truth and against
// Debian's `sqlite3 .recover` (when the sqlite3 CLI is installed) on the same damaged files.
// Per kind: rows in the original, recovered, lost reported (and how it is known), lost actually, altered
// rows, and the time of each tool (and their ratio). Timings are for this machine; the test suite never
// asserts a time.

import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { dumpDb } from '../main/testing/backup-helpers.ts';
import {
  damageChat,
  DAMAGE_KINDS,
  generateDamageBase,
  type DamageBase,
  type DamageKind,
} from '../main/fixtures/damage.ts';
import { silentContext } from '../main/jobs/job.ts';
import { recoverDb } from '../main/recover/recover.ts';
import { BENCH_DIR, argValue, fmt, ratio } from './common.ts';

interface Counts {
  original: number;
  present: number;
  altered: number;
  lost: number;
}

function key(row: unknown[]): string {
  return JSON.stringify(row, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('hex') : v,
  );
}

/** Rows of `recovered` against `original`, all user tables together (rowid by rowid, byte for byte). */
function compareDbs(original: string, recovered: string | null): Counts {
  const a = dumpDb(original);
  const b = recovered && existsSync(recovered) ? safeDump(recovered) : {};
  const counts: Counts = { original: 0, present: 0, altered: 0, lost: 0 };
  for (const [table, rows] of Object.entries(a)) {
    if (table.startsWith('sqlite_')) continue;
    const byRowid = new Map(rows.map((r) => [String(r[0]), key(r)]));
    counts.original += rows.length;
    let present = 0;
    for (const r of b[table] ?? []) {
      if (byRowid.get(String(r[0])) === key(r)) present++;
      else counts.altered++;
    }
    counts.present += present;
    counts.lost += rows.length - present;
  }
  return counts;
}

function safeDump(path: string): Record<string, unknown[][]> {
  try {
    return dumpDb(path);
  } catch {
    return {};
  }
}

function baseFor(mb: number): DamageBase {
  const dir = join(BENCH_DIR, `recover-base-${mb}mb`);
  const marker = join(dir, 'base.json');
  if (existsSync(marker)) {
    return JSON.parse(readFileSync(marker, 'utf8')) as DamageBase;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Long lesson texts: ~1 KB a message, so ~53,000 messages make 50 MB.
  const messages = Math.round(mb * 1060);
  process.stderr.write(`generating a chat of ${messages} messages (~${mb} MB) into ${dir} …\n`);
  const base = generateDamageBase(dir, { seed: 50, messages, longTexts: true });
  writeFileSync(marker, JSON.stringify(base));
  return base;
}

function sqlite3Available(): boolean {
  return spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;
}

/** `sqlite3 damaged.db .recover | sqlite3 out.db` (or .dump) on a private copy (sqlite3 may write beside it). */
function sqlite3Recover(
  damaged: string,
  work: string,
  command: '.recover' | '.dump',
): { ms: number; out: string | null; error: string } {
  const copy = join(work, `sqlite3-input${command}.db`);
  copyFileSync(damaged, copy);
  if (existsSync(`${damaged}-wal`)) copyFileSync(`${damaged}-wal`, `${copy}-wal`);
  const out = join(work, `sqlite3-recovered${command}.db`);
  const started = performance.now();
  const dump = spawnSync('sqlite3', [copy, command], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const load = spawnSync('sqlite3', [out], { input: dump.stdout, encoding: 'buffer', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  const error =
    `${dump.stderr.toString().trim()} ${load.stderr.toString().trim()}`.trim().split('\n')[0] ?? '';
  return { ms, out: existsSync(out) ? out : null, error };
}

export interface RecoverBenchRow {
  kind: DamageKind;
  sizeMb: number;
  rowsOriginal: number;
  recovered: number;
  lostReported: string;
  lostActual: number;
  altered: number;
  ms: number;
  /** CPU time of the whole process (main thread and worker). */
  cpuMs: number;
  sqlite3Recover?: Baseline;
  sqlite3Dump?: Baseline;
}

interface Baseline {
  recovered: number;
  lostActual: number;
  altered: number;
  ms: number;
  error: string;
}

export async function runRecoverBench(options: {
  mb: number;
  kinds: DamageKind[];
}): Promise<RecoverBenchRow[]> {
  const base = baseFor(options.mb);
  const withSqlite3 = sqlite3Available();
  const rows: RecoverBenchRow[] = [];
  for (const kind of options.kinds) {
    const work = mkdtempSync(join(BENCH_DIR, `recover-${kind}-`));
    try {
      const d = damageChat(work, kind, { base });
      const out = join(work, 'recovered.db');
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = await recoverDb({ path: d.path, out }, silentContext());
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      const ours = compareDbs(d.original, out);
      const lostReported = result.tables
        .map((t) =>
          t.lost === null
            ? `${t.table}: unknown`
            : `${t.table}: ${t.lostBasis === 'upper_bound' ? '≤' : ''}${t.lost}`,
        )
        .join(', ');
      const row: RecoverBenchRow = {
        kind,
        sizeMb: Math.round(statSync(d.original).size / 1e5) / 10,
        rowsOriginal: ours.original,
        recovered: ours.present,
        lostReported: `${lostReported} (${[...new Set(result.tables.map((t) => t.lostBasis))].join('/')})`,
        lostActual: ours.lost,
        altered: ours.altered,
        ms,
        cpuMs,
      };
      if (withSqlite3) {
        for (const command of ['.recover', '.dump'] as const) {
          const s = sqlite3Recover(d.path, work, command);
          const theirs = compareDbs(d.original, s.out);
          const baseline = {
            recovered: theirs.present,
            lostActual: theirs.lost,
            altered: theirs.altered,
            ms: s.ms,
            error: s.error,
          };
          if (command === '.recover') row.sqlite3Recover = baseline;
          else row.sqlite3Dump = baseline;
        }
      }
      rows.push(row);
      process.stderr.write(`${kind}: ${fmt(ms)}\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mb = argValue('--mb', 50);
  const kindsArg = process.argv.includes('--kinds')
    ? process.argv[process.argv.indexOf('--kinds') + 1]
    : undefined;
  const kinds = (kindsArg ? kindsArg.split(',') : [...DAMAGE_KINDS]) as DamageKind[];
  const rows = await runRecoverBench({ mb, kinds });
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(
      '| kind | MB | rows in original | recovered | lost reported | lost actual | altered | time (cpu) | sqlite3 .recover rec/lost/altered | sqlite3 .dump rec/lost/altered, time |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const cell = (b: Baseline | undefined, withTime: boolean, ours: number): string =>
      b
        ? `${b.recovered} / ${b.lostActual} / ${b.altered}${withTime ? `, ${fmt(b.ms)} (${ratio(b.ms, ours)})` : ''}${b.error ? ` — ${b.error.slice(0, 40)}` : ''}`
        : 'no sqlite3';
    for (const r of rows) {
      console.log(
        `| ${r.kind} | ${r.sizeMb} | ${r.rowsOriginal} | ${r.recovered} | ${r.lostReported} | ${r.lostActual} | ${r.altered} | ${fmt(r.ms)} (${fmt(r.cpuMs)}) | ${cell(r.sqlite3Recover, false, r.ms)} | ${cell(r.sqlite3Dump, true, r.ms)} |`,
      );
    }
  }
}
