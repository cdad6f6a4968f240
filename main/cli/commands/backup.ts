import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RecoverResult, RestoreResult, VerifyResult } from '../../../shared/contract/backup.ts';
import { AppError } from '../../../shared/errors.ts';
import { createBackup } from '../../backup/create.ts';
import { rebuildMetadata } from '../../backup/metadata.ts';
import { migrateUserHistory, formatMigrationSummary } from '../../backup/migrate.ts';
import { recoverDb } from '../../recover/recover.ts';
import { restoreArchive } from '../../backup/restore.ts';
import { DEFAULT_LIMITS, GiB, type TarLimits } from '../../backup/tar.ts';
import { verifyArchive } from '../../backup/verify.ts';
import { exportChats } from '../../export/export.ts';
import { WorkerPool, sharedPool } from '../../workers/pool.ts';
import { runBackupRotation } from './maintenance.ts';
import { CliExit, formatBytes, printJson, runCliJob, table } from '../output.ts';

function requireDir(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new AppError('not_found', `${path}: no such folder`);
  if (!statSync(full).isDirectory())
    throw new AppError('invalid_input', `${path}: is a file, not a data root`);
  return full;
}

function requireFile(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new AppError('not_found', `${path}: no such file`);
  if (!statSync(full).isFile()) throw new AppError('invalid_input', `${path}: is not a file`);
  return full;
}

function parseSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m) throw new AppError('invalid_input', `${what}: not a size (${text}); use e.g. 500M, 2G, 20G`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult = { b: 1, k: 1024, m: 1024 ** 2, g: GiB, t: 1024 * GiB }[unit] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

function limitsFrom(opts: { maxTotal?: string; maxFile?: string }): TarLimits {
  return {
    ...DEFAULT_LIMITS,
    maxTotalBytes: opts.maxTotal ? parseSize(opts.maxTotal, '--max-total') : DEFAULT_LIMITS.maxTotalBytes,
    maxFileBytes: opts.maxFile ? parseSize(opts.maxFile, '--max-file') : DEFAULT_LIMITS.maxFileBytes,
  };
}

function poolFrom(workers: string | undefined): WorkerPool {
  return workers === undefined ? sharedPool() : new WorkerPool(Number(workers));
}

function formatCounts(rows: { table: string; old: number | null; new: number | null }[]): string {
  return rows
    .map((r) => {
      const o = r.old === null ? '—' : String(r.old);
      const n = r.new === null ? '—' : String(r.new);
      return r.old === r.new ? `${r.table} ${n}` : `${r.table} ${o} → ${n}`;
    })
    .join(', ');
}

export function formatRestore(result: RestoreResult): string {
  const lines: string[] = [];
  for (const chat of result.chats) {
    lines.push(`chat ${chat.chatId}: ${chat.action}`);
    for (const f of chat.files) {
      const counts = f.rowCounts.length ? `  (${formatCounts(f.rowCounts)})` : '';
      const why = f.reason ? `  — ${f.reason}` : '';
      const bak = f.backup ? `  [old kept as ${f.backup}]` : '';
      lines.push(`  ${f.action.padEnd(9)} ${f.name}${counts}${why}${bak}`);
    }
  }
  const s = result.summary;
  const verb = result.dryRun ? 'Would restore' : 'Restored';
  lines.push(
    `${lines.length ? '\n' : ''}${verb} into ${result.root}: ${s.add} chat(s) added, ${s.replace} replaced, ${s.unchanged} unchanged, ${s.skip} skipped` +
      (result.dryRun ? ' (dry run: nothing was written)' : ''),
  );
  return lines.join('\n');
}

export function formatVerify(result: VerifyResult): string {
  const lines: string[] = [];
  for (const p of result.problems) lines.push(`problem: ${p}`);
  for (const f of result.files) for (const p of f.problems) lines.push(`${f.path}: ${p}`);
  const m = result.manifest;
  if (m)
    lines.push(
      `Archive of ${m.chats} chat(s), ${m.files} file(s), made ${m.createdAt} by chat-inspector ${m.toolVersion} from ${m.sourceRoot}`,
    );
  lines.push(
    result.ok
      ? `OK: every checksum matches and every DB passes quick_check (${result.archive})`
      : `PROBLEMS found in ${result.archive}`,
  );
  return lines.join('\n');
}

function lostCell(t: RecoverResult['tables'][number]): string {
  if (t.lost === null) return 'unknown';
  return t.lostBasis === 'upper_bound' ? `<= ${t.lost}` : String(t.lost);
}

/** The per-table account of a recovery, for people (the --json output carries the same facts). */
export function formatRecover(result: RecoverResult): string {
  const lines: string[] = [
    table(
      ['TABLE', 'RECOVERED', 'LOST_AND_FOUND', 'LOST', 'HOW LOST IS KNOWN'],
      result.tables.map((t) => [
        t.table,
        String(t.recovered),
        String(t.lostAndFound),
        lostCell(t),
        t.lostBasis === 'unknown' ? 'cannot be known' : `${t.lostBasis.replace('_', ' ')}: ${t.lostSource}`,
      ]),
    ),
  ];
  for (const t of result.tables) {
    if (t.note) lines.push(`${t.table}: ${t.note}`);
    for (const r of t.reasons) lines.push(`${t.table}: ${r.count} row(s) not kept: ${r.reason}`);
  }
  if (result.lostAndFound > 0)
    lines.push(
      `${result.lostAndFound} row(s) that fit no table are in the new file's ${result.lostAndFoundTable} table`,
    );
  for (const note of result.notes) lines.push(`note: ${note}`);
  const p = result.pages;
  if (p)
    lines.push(
      `Pages: ${p.total} (${p.tableLeaf} table leaf, ${p.tableInterior} interior, ${p.indexPages} index, ${p.overflow} overflow, ${p.freelist} free, ${p.orphan} reached by no tree, ${p.unreadable} unreadable, ${p.missing} missing)`,
    );
  lines.push(
    `\nMethod: ${result.method === 'pages' ? 'read page by page (the file fails quick_check)' : 'a clean copy (the file passes quick_check)'}; the new file passes quick_check: ${result.integrity}; ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  if (result.out) lines.push(`Recovered DB written to ${result.out}`);
  if (result.placedInto)
    lines.push(`Put in place at ${result.placedInto}; the damaged file was kept as ${result.backup}`);
  return lines.join('\n');
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      'back up one chat, a selection or the whole root into a .tar.gz with a manifest (safe while the bot writes); exit 0 ok, 1 some files were already damaged (kept as they are), 2 failed',
    )
    .argument('<root>', 'data root')
    .option('--out <file>', 'the archive to write (FILE.tar.gz; never overwritten)')
    .option(
      '--out-dir <dir>',
      'instead of --out: a timestamped archive into this folder, verified, keeping the newest --keep',
    )
    .option(
      '--keep <n>',
      'with --out-dir: how many verified archives to keep (default 7; the newest is never removed)',
    )
    .option('--chat <id...>', 'only these chats (repeatable)')
    .option(
      '--level <n>',
      'gzip level 1 (fast) to 9 (small); default 3 (tar -czf uses 6: ~10% smaller, ~2.4x slower)',
    )
    .option('--check', 'also run quick_check on every DB while backing up (slower; verify always does)')
    .option('--workers <n>', 'worker threads (0 = copy in this thread)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        rootArg: string,
        opts: {
          out?: string;
          outDir?: string;
          keep?: string;
          chat?: string[];
          level?: string;
          check?: boolean;
          workers?: string;
          json?: boolean;
        },
      ) => {
        if (opts.outDir !== undefined) return runBackupRotation(rootArg, { ...opts, outDir: opts.outDir });
        if (opts.out === undefined)
          throw new AppError('invalid_input', 'give --out FILE.tar.gz (or --out-dir DIR)');
        const out = opts.out;
        const root = requireDir(rootArg);
        const level = opts.level === undefined ? undefined : Number(opts.level);
        if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 9)) {
          throw new AppError('invalid_input', '--level must be 1 to 9');
        }
        const result = await runCliJob('Backing up', (ctx) =>
          createBackup(
            {
              root,
              chatIds: opts.chat,
              out: resolve(out),
              pool: poolFrom(opts.workers),
              level,
              check: opts.check,
            },
            ctx,
          ),
        );
        if (opts.json) printJson(result);
        else {
          console.log(
            `Backed up ${result.chats} chat(s), ${result.files} file(s), ${formatBytes(result.dataBytes)} into ${result.out} (${formatBytes(result.archiveBytes)}) in ${(result.durationMs / 1000).toFixed(1)} s`,
          );
          for (const d of result.damaged)
            console.log(`damaged: ${d.path}: ${d.integrity} (kept as it is; it will not be restored)`);
          for (const s of result.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
          for (const f of result.failed)
            console.log(`FAILED chat ${f.chatId}: ${f.reason} (not in the archive)`);
        }
        // 1: the archive is complete but holds files that were already damaged; 2: chats are missing from it.
        if (result.failed.length > 0) process.exitCode = 2;
        else if (result.damaged.length > 0) process.exitCode = 1;
      },
    );

  program
    .command('verify')
    .description(
      'check every checksum and run quick_check on every DB inside an archive; exit 0 ok, 2 problems',
    )
    .argument('<archive>', 'FILE.tar.gz made by "backup"')
    .option('--max-total <size>', 'refuse archives that expand beyond this (default 20G)')
    .option('--max-file <size>', 'refuse entries larger than this (default 2G)')
    .option('--json', 'print JSON for scripts')
    .action(async (archiveArg: string, opts: { json?: boolean; maxTotal?: string; maxFile?: string }) => {
      const archive = requireFile(archiveArg);
      const result = await runCliJob('Verifying', (ctx) =>
        verifyArchive({ archive, limits: limitsFrom(opts) }, ctx),
      );
      if (opts.json) printJson(result);
      else console.log(formatVerify(result));
      if (!result.ok) throw new CliExit(2);
    });

  program
    .command('restore')
    .description(
      'restore chats from an archive: verified first, atomic swaps, replaced files kept as .bak-<time>',
    )
    .argument('<archive>', 'FILE.tar.gz made by "backup"')
    .requiredOption('--into <root>', 'data root to restore into (an empty folder is fine)')
    .option('--chat <id...>', 'only these chats (repeatable)')
    .option(
      '--dry-run',
      'show what would be added, replaced (row counts old → new) or left alone; write nothing',
    )
    .option('--force', 'allow replacing existing files (they are kept as .bak-<time>)')
    .option('--wait <seconds>', 'how long to wait for the bot to let go of a DB before refusing (default 10)')
    .option('--max-total <size>', 'refuse archives that expand beyond this (default 20G)')
    .option('--max-file <size>', 'refuse entries larger than this (default 2G)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        archiveArg: string,
        opts: {
          into: string;
          chat?: string[];
          dryRun?: boolean;
          force?: boolean;
          wait?: string;
          json?: boolean;
          maxTotal?: string;
          maxFile?: string;
        },
      ) => {
        const archive = requireFile(archiveArg);
        const root = requireDir(opts.into);
        const result = await runCliJob('Restoring', (ctx) =>
          restoreArchive(
            {
              archive,
              root,
              chatIds: opts.chat,
              dryRun: opts.dryRun ?? false,
              force: opts.force ?? false,
              waitMs: opts.wait === undefined ? undefined : Number(opts.wait) * 1000,
              limits: limitsFrom(opts),
            },
            ctx,
          ),
        );
        if (opts.json) printJson(result);
        else console.log(formatRestore(result));
      },
    );

  program
    .command('recover')
    .description(
      'salvage every readable row of a damaged DB into a new file (page by page when SQLite cannot read it), with a per-table account of what was lost; the damaged file, its -wal and -shm are never modified',
    )
    .argument('<db>', 'the damaged SQLite file')
    .option('--out <file>', 'the new DB to write (must not exist)')
    .option('--into-place', 'then put the recovered DB in place of the damaged one (kept as .bak-<time>)')
    .option('--wait <seconds>', 'with --into-place: how long to wait for the bot to let go (default 10)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (dbArg: string, opts: { out?: string; intoPlace?: boolean; wait?: string; json?: boolean }) => {
        const path = requireFile(dbArg);
        if (!opts.out && !opts.intoPlace)
          throw new AppError('invalid_input', 'give --out NEW.db (and/or --into-place)');
        const result = await runCliJob('Recovering', (ctx) =>
          recoverDb(
            {
              path,
              out: opts.out ? resolve(opts.out) : undefined,
              intoPlace: opts.intoPlace ?? false,
              waitMs: opts.wait === undefined ? undefined : Number(opts.wait) * 1000,
            },
            ctx,
          ),
        );
        if (opts.json) return printJson(result);
        console.log(formatRecover(result));
      },
    );

  program
    .command('export')
    .description(
      'export chats as JSON, CSV or a printable HTML transcript (streamed); CSV is one file for messages and sessions, told apart by its "record" column (UTF-8 with BOM, RFC 4180)',
    )
    .argument('<root>', 'data root')
    .requiredOption('--chat <id...>', 'the chat(s) to export (repeatable)')
    .requiredOption('--format <format>', 'json, csv or html')
    .requiredOption('--out <file>', 'the file to write')
    .option('--redact', 'mask phone numbers, e-mail addresses and names')
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        rootArg: string,
        opts: {
          chat: string[];
          format: string;
          out: string;
          redact?: boolean;
          force?: boolean;
          json?: boolean;
        },
      ) => {
        const root = requireDir(rootArg);
        if (opts.format !== 'json' && opts.format !== 'csv' && opts.format !== 'html') {
          throw new AppError('invalid_input', '--format must be json, csv or html');
        }
        const result = await runCliJob('Exporting', (ctx) =>
          exportChats(
            {
              root,
              chatIds: opts.chat,
              format: opts.format as 'json',
              out: resolve(opts.out),
              redact: opts.redact ?? false,
              overwrite: opts.force ?? false,
            },
            ctx,
          ),
        );
        if (opts.json) return printJson(result);
        console.log(
          `Exported ${result.chats} chat(s), ${result.messages} messages, ${result.sessions} sessions as ${result.format.toUpperCase()}${result.redacted ? ' (redacted)' : ''} to ${result.out} (${formatBytes(result.bytes)})`,
        );
      },
    );

  program
    .command('metadata')
    .description(
      "rebuild a chat's metadata.json from its DBs (the old one is kept as metadata.json.bak-<time>)",
    )
    .argument('<root>', 'data root')
    .requiredOption('--chat <id>', 'the chat')
    .option('--rebuild', 'rebuild it (required: this command writes)')
    .option('--json', 'print JSON for scripts')
    .action((rootArg: string, opts: { chat: string; rebuild?: boolean; json?: boolean }) => {
      const root = requireDir(rootArg);
      if (!opts.rebuild)
        throw new AppError(
          'invalid_input',
          'add --rebuild to rebuild metadata.json (the old one is kept as a .bak)',
        );
      const result = rebuildMetadata({ root, chatId: opts.chat });
      if (opts.json) return printJson(result);
      console.log(
        `Rebuilt ${result.path} (it was ${result.previousState})${result.backup ? `; the old one is kept as ${result.backup}` : ''}`,
      );
    });

  program
    .command('migrate')
    .description('split a legacy user_history.db into the per-chat layout and verify every row arrived')
    .argument('<userHistory>', 'the unified legacy DB (user_history.db)')
    .requiredOption('--into <root>', 'data root to create the chats in')
    .option('--dry-run', 'show what would be created; write nothing')
    .option('--force', 'replace chats that already exist (kept as .bak-<time>)')
    .option('--portuguese', "print the summary in Portuguese, as the bot's own migration did")
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        sourceArg: string,
        opts: { into: string; dryRun?: boolean; force?: boolean; json?: boolean; portuguese?: boolean },
      ) => {
        const source = requireFile(sourceArg);
        const root = requireDir(opts.into);
        const result = await runCliJob('Migrating', (ctx) =>
          migrateUserHistory(
            { path: source, root, dryRun: opts.dryRun ?? false, force: opts.force ?? false },
            ctx,
          ),
        );
        if (opts.json) return printJson(result);
        console.log(formatMigrationSummary(result, opts.portuguese ? 'pt' : 'en'));
        if (result.applied && result.integrityPercent < 100) process.exitCode = 2;
      },
    );
}
