import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecoverResult, RestoreResult } from '../../../shared/contract/backup.ts';
import { AppError } from '../../../shared/errors.ts';
import { createBackup } from '../../backup/create.ts';
import { formatMigrationSummary } from '../../backup/migrate.ts';
import { recoverDb } from '../../recover/recover.ts';
import { restoreArchive } from '../../backup/restore.ts';
import { backupSingleFile, isSingleFileSource } from '../../backup/single.ts';
import { DEFAULT_LIMITS, GiB, type TarLimits } from '../../backup/tar.ts';
import { exportChats } from '../../export/export.ts';
import { describeKind, entryAt } from '../../fs/entry.ts';
import { treeNamed, treeRank } from '../../store/layout.ts';
import { WorkerPool, sharedPool } from '../../workers/pool.ts';
import { runBackupRotation } from './maintenance.ts';
import { CliExit, formatBytes, printJson, runCliJob, table, noteChatTrees } from '../output.ts';
import { MAP_HELP } from '../../mapping/cli.ts';
import { exportSourceCommand, isServerLocator } from './sources.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';
import { operations } from '../../../shared/contract/index.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputOptions, inputFrom } from '../input-options.ts';
import { runJob, runQuery } from '../invoke.ts';

function requireDir(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new AppError('not_found', `${path}: no such folder`);
  // Say what it is: a FIFO is not "a file" (a regular SQLite file goes the single-file way).
  if (!statSync(full).isDirectory())
    throw new AppError('invalid_input', `${path}: is ${describeKind(entryAt(full).kind)}, not a data root`);
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

function limitsFrom(opts: { maxTotal?: string; maxFile?: string; maxRatio?: string }): TarLimits {
  let maxRatio = DEFAULT_LIMITS.maxRatio;
  if (opts.maxRatio !== undefined) {
    maxRatio = Number(opts.maxRatio);
    if (!/^\d+$/.test(opts.maxRatio.trim()) || maxRatio < 2)
      throw new AppError(
        'invalid_input',
        `--max-ratio must be a whole number of at least 2 (got ${opts.maxRatio})`,
      );
  }
  return {
    ...DEFAULT_LIMITS,
    maxRatio,
    maxTotalBytes: opts.maxTotal ? parseSize(opts.maxTotal, '--max-total') : DEFAULT_LIMITS.maxTotalBytes,
    maxFileBytes: opts.maxFile ? parseSize(opts.maxFile, '--max-file') : DEFAULT_LIMITS.maxFileBytes,
  };
}

function poolFrom(workers: string | undefined): WorkerPool {
  if (workers === undefined) return sharedPool();
  if (!/^\d{1,3}$/.test(workers.trim()))
    throw new AppError(
      'invalid_input',
      `--workers must be a whole number 0 to 999 (got ${JSON.stringify(workers)})`,
    );
  return new WorkerPool(Number(workers));
}

function secondsToMs(text: string, what: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || seconds > 3600)
    throw new AppError('invalid_input', `${what} must be a number of seconds, 0 to 3600 (got ${text})`);
  return Math.round(seconds * 1000);
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
  if (result.file !== undefined) {
    const f = result.chats[0]?.files[0];
    const counts = f?.rowCounts.length ? `  (${formatCounts(f.rowCounts)})` : '';
    const bak = f?.backup ? `  [old kept as ${f.backup}]` : '';
    const why = f?.reason ? `  — ${f.reason}` : '';
    return `${result.dryRun ? 'Would restore' : 'Restored'} ${result.file}: ${f?.action ?? '?'}${counts}${why}${bak}${result.dryRun ? ' (dry run: nothing was written)' : ''}`;
  }
  for (const chat of result.chats) {
    lines.push(`chat ${chat.chatId}: ${chat.action}${chat.tree !== undefined ? ` (in ${chat.tree})` : ''}`);
    for (const f of chat.files) {
      const counts = f.rowCounts.length ? `  (${formatCounts(f.rowCounts)})` : '';
      const why = f.reason ? `  — ${f.reason}` : '';
      const bak = f.backup ? `  [old kept as ${f.backup}]` : '';
      lines.push(`  ${f.action.padEnd(9)} ${f.name}${counts}${why}${bak}`);
    }
  }
  const s = result.summary;
  const verb = result.dryRun ? 'Would restore' : 'Restored';
  const filesSkipped = skippedFiles(result);
  lines.push(
    `${lines.length ? '\n' : ''}${verb} into ${restoredInto(result)}: ${s.add} chat(s) added, ${s.replace} replaced, ${s.unchanged} unchanged, ${s.skip} skipped` +
      (filesSkipped > 0 ? `; ${filesSkipped} file(s) left out (damaged when backed up)` : '') +
      (result.dryRun ? ' (dry run: nothing was written)' : ''),
  );
  if (result.withoutManifest)
    lines.push(
      'manifest: absent — checksums and row counts cannot be proven; every DB checked (header, quick_check, schema)',
    );
  return lines.join('\n');
}

/**
 * Where the chats went: the chats folder, or for a root with more than one chat tree whose chats went into
 * more than the current one, the root and how many chats each tree received.
 */
function restoredInto(result: RestoreResult): string {
  const perTree = new Map<string, number>();
  for (const chat of result.chats)
    if (chat.tree !== undefined) perTree.set(chat.tree, (perTree.get(chat.tree) ?? 0) + 1);
  if (
    perTree.size === 0 ||
    (perTree.size === 1 && join(result.root, [...perTree.keys()][0]!) === result.chatsDir)
  )
    return result.chatsDir;
  return `${result.root} (${[...perTree]
    .sort(([a], [b]) => treeRank(a) - treeRank(b))
    .map(([tree, n]) => `${n} chat(s) in ${tree}`)
    .join(', ')})`;
}

function skippedFiles(result: RestoreResult): number {
  return result.chats.reduce((n, c) => n + c.files.filter((f) => f.action === 'skip').length, 0);
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
      'back up one chat, a selection or the whole root into a .tar.gz with a manifest (safe while the bot writes); exit 0 ok, 1 some files were already damaged (kept as they are) or could not be backed up (not regular files, locked: listed), 2 failed',
    )
    .argument('<root>', "data root, or one SQLite file (user_history.db, a bot's DB)")
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
    .option(
      '--wait <seconds>',
      'how long to keep trying to read a DB another program keeps locked before leaving it out (default 30)',
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        rootArg: string,
        opts: {
          out?: string;
          outDir?: string;
          keep?: string;
          wait?: string;
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
        // One SQLite file (user_history.db, the clinic bot's DB) is backed up on its own: file/<name> inside.
        const single = isSingleFileSource(rootArg);
        if (single && opts.chat !== undefined)
          throw new AppError('invalid_input', `${rootArg} is one SQLite file: --chat does not apply`);
        const root = single ? resolve(rootArg) : requireDir(rootArg);
        const level = opts.level === undefined ? undefined : Number(opts.level);
        if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 9)) {
          throw new AppError('invalid_input', '--level must be 1 to 9');
        }
        const lockWaitMs = opts.wait === undefined ? undefined : secondsToMs(opts.wait, '--wait');
        const result = await runCliJob('Backing up', (ctx) =>
          single
            ? backupSingleFile({ file: root, out: resolve(out), level, check: opts.check, lockWaitMs }, ctx)
            : createBackup(
                {
                  root,
                  chatIds: opts.chat,
                  out: resolve(out),
                  pool: poolFrom(opts.workers),
                  level,
                  check: opts.check,
                  lockWaitMs,
                },
                ctx,
              ),
        );
        if (opts.json) printJson(result);
        else {
          console.log(
            single
              ? `Backed up ${root} (${formatBytes(result.dataBytes)}) into ${result.out} (${formatBytes(result.archiveBytes)}) in ${(result.durationMs / 1000).toFixed(1)} s`
              : `Backed up ${result.chats} chat(s), ${result.files} file(s), ${formatBytes(result.dataBytes)} into ${result.out} (${formatBytes(result.archiveBytes)}) in ${(result.durationMs / 1000).toFixed(1)} s`,
          );
          for (const d of result.damaged)
            console.log(`damaged: ${d.path}: ${d.integrity} (kept as it is; it will not be restored)`);
          for (const s of result.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
          for (const n of result.notBackedUp) process.stderr.write(`NOT BACKED UP ${n.path}: ${n.reason}\n`);
          for (const f of result.failed)
            process.stderr.write(`FAILED chat ${f.chatId}: ${f.reason} (not in the archive)\n`);
        }
        // 1: the archive holds what is healthy, but files were already damaged or could not be backed up;
        // 2: whole chats are missing from it.
        if (result.failed.length > 0) process.exitCode = 2;
        else if (result.damaged.length > 0 || result.notBackedUp.length > 0) process.exitCode = 1;
      },
    );

  program
    .command('verify')
    .description(
      "check every checksum, row count and quick_check of every DB inside an archive; exit 0 ok, 1 it holds files already damaged when backed up (restore leaves them out), 2 refused (restore would refuse it too), 3 an archive without a manifest (an operator's own tar of data/chats/chat_<id>/) whose DBs all pass their checks but whose checksums and row counts cannot be proven",
    )
    .argument('<archive>', 'FILE.tar.gz made by "backup"')
    .option('--max-total <size>', 'refuse archives that expand beyond this (default 20G)')
    .option('--max-file <size>', 'refuse entries larger than this (default 2G)')
    .option('--max-ratio <n>', 'refuse archives that expand more than n:1 (default 200; gzip bombs ~1000:1)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        archiveArg: string,
        opts: { json?: boolean; maxTotal?: string; maxFile?: string; maxRatio?: string },
      ) => {
        const archive = requireFile(archiveArg);
        const { maxTotalBytes, maxFileBytes, maxRatio } = limitsFrom(opts);
        const result = await runJob(
          cliContext([archive]),
          'backup.verify',
          { archive, limits: { maxTotalBytes, maxFileBytes, maxRatio } },
          { label: 'Verifying' },
        );
        await printOutput('backup.verify', { result, events: [] }, opts.json === true);
        if (!result.restorable) throw new CliExit(2);
        if (!result.ok) process.exitCode = 1;
        // 3: nothing found wrong, but an archive without a manifest proves no checksum nor row count.
        else if (result.withoutManifest) process.exitCode = 3;
      },
    );

  program
    .command('restore')
    .description(
      'restore chats from an archive: verified first (refused, nothing written, when verify refuses it), atomic swaps, replaced files kept as .bak-<time>; exit 0 ok, 1 files damaged when backed up were left out, 2 refused',
    )
    .argument('<archive>', 'FILE.tar.gz made by "backup"')
    .requiredOption(
      '--into <root>',
      'data root to restore into (an empty folder is fine); for an archive of one SQLite file, its path or folder',
    )
    .option('--chat <id...>', 'only these chats (repeatable)')
    .option(
      '--dry-run',
      'show what would be added, replaced (row counts old → new) or left alone; write nothing',
    )
    .option('--force', 'allow replacing existing files (they are kept as .bak-<time>)')
    .option('--wait <seconds>', 'how long to wait for the bot to let go of a DB before refusing (default 10)')
    .option('--max-total <size>', 'refuse archives that expand beyond this (default 20G)')
    .option('--max-file <size>', 'refuse entries larger than this (default 2G)')
    .option('--max-ratio <n>', 'refuse archives that expand more than n:1 (default 200; gzip bombs ~1000:1)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        archiveArg: string,
        opts: {
          into: string;
          maxRatio?: string;
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
        // A folder, or (for an archive of one SQLite file) the file's path: checked once the archive is read.
        const intoFolder = entryAt(resolve(opts.into)).kind === 'directory';
        const root = intoFolder ? requireDir(opts.into) : resolve(opts.into);
        if (intoFolder)
          noteChatTrees(
            root,
            'a chat already there is restored in the tree holding it (the first, for a chat in more than one); a new chat goes into',
          );
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
        if (skippedFiles(result) > 0) process.exitCode = 1;
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
    .argument('<source>', `${ANY_SOURCE_HELP} (other than a data root: one --chat)`)
    .requiredOption('--chat <id...>', 'the chat(s) to export (repeatable)')
    .option('--tenant <id>', 'the tenant, for multi-tenant databases (EvoSense)')
    .option('--statement-timeout <ms>', 'server statement time limit in ms (default 5000)')
    .option('--map <mapping>', MAP_HELP)
    .option(
      '--archive <dir>',
      "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    )
    .requiredOption('--format <format>', 'json, csv or html')
    .requiredOption('--out <file>', 'the file to write')
    .option(
      '--tree <tree>',
      "a data root's chat tree to export the chats' copies from (e.g. data/chats); without it, a chat's copy in the first tree holding it",
    )
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
          tenant?: string;
          statementTimeout?: string;
          map?: string;
          archive?: string;
          tree?: string;
        },
      ) => {
        // Server URLs and single files are Sources (main/sources/export.ts); a data root keeps exportChats.
        if (isServerLocator(rootArg) || entryAt(resolve(rootArg)).kind === 'file') {
          if (opts.tree !== undefined)
            throw new AppError('invalid_input', '--tree applies to a data root (a folder of chat trees)');
          return exportSourceCommand(rootArg, opts);
        }
        if (opts.map !== undefined)
          throw new AppError(
            'invalid_input',
            '--map works on an SQLite file or a database URL, not on a data root (its chats are already conversations)',
          );
        const root = requireDir(rootArg);
        if (opts.tree !== undefined) treeNamed(root, opts.tree);
        if (opts.format !== 'json' && opts.format !== 'csv' && opts.format !== 'html') {
          throw new AppError('invalid_input', '--format must be json, csv or html');
        }
        const result = await runCliJob('Exporting', (ctx) =>
          exportChats(
            {
              root,
              chatIds: opts.chat,
              tree: opts.tree,
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

  const metadata = program
    .command('metadata')
    .description(
      "rebuild a chat's metadata.json from its DBs (the old one is kept as metadata.json.bak-<time>)",
    )
    .argument('<root>', 'data root');
  addInputOptions(metadata, operations['metadata.rebuild'].input, {
    chatId: { flag: 'chat', placeholder: 'id', help: 'the chat' },
  })
    .option('--rebuild', 'rebuild it (required: this command writes)')
    .option('--json', 'print JSON for scripts')
    .action(async (rootArg: string, opts: { rebuild?: boolean; json?: boolean }) => {
      const root = requireDir(rootArg);
      if (!opts.rebuild)
        throw new AppError(
          'invalid_input',
          'add --rebuild to rebuild metadata.json (the old one is kept as a .bak)',
        );
      noteChatTrees(root, 'a chat in more than one is rebuilt in the first holding it, starting from');
      const { chatId } = inputFrom(metadata) as { chatId: string };
      const result = await runQuery(cliContext([root]), 'metadata.rebuild', { root, chatId });
      await printOutput('metadata.rebuild', result, opts.json === true);
    });

  const migrate = program
    .command('migrate')
    .description('split a legacy user_history.db into the per-chat layout and verify every row arrived')
    .argument('<userHistory>', 'the unified legacy DB (user_history.db)');
  addInputOptions(migrate, operations['migrate.run'].input, {
    root: { flag: 'into', placeholder: 'root', help: 'data root to create the chats in' },
    dryRun: { help: 'show what would be created; write nothing' },
    force: { help: 'replace chats that already exist (kept as .bak-<time>)' },
  })
    .option('--portuguese', "print the summary in Portuguese, as the bot's own migration did")
    .option('--json', 'print JSON for scripts')
    .action(async (sourceArg: string, opts: { json?: boolean; portuguese?: boolean }) => {
      const source = requireFile(sourceArg);
      const input = inputFrom(migrate) as { root: string; dryRun?: boolean; force?: boolean };
      const root = requireDir(input.root);
      noteChatTrees(root, 'migrate writes chat folders into');
      const result = await runJob(
        cliContext([source, root]),
        'migrate.run',
        { ...input, path: source, root },
        { label: 'Migrating' },
      );
      if (opts.json) return printJson(result);
      console.log(formatMigrationSummary(result, opts.portuguese ? 'pt' : 'en'));
      if (result.applied && result.integrityPercent < 100) process.exitCode = 2;
    });
}
