import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ExportFormat, operations } from '../../../shared/contract/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { describeKind, entryAt } from '../../fs/entry.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { formatMigrationSummary, skippedFiles } from '../format/backup.ts';
import { addInputOptions, cliOption, inputFrom } from '../input-options.ts';
import { PathOption, SizeOption, WorkersOption } from '../options.ts';
import { runJob, runQuery } from '../invoke.ts';
import { CliExit, printJson, noteChatTrees } from '../output.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';
import { MAP_HELP } from '../map-option.ts';
import { runBackupRotation } from './maintenance.ts';
import { exportSourceCommand, isServerLocator } from './sources.ts';

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

/** `--keep N`: how many verified archives `--out-dir` keeps. */
const KeepOption = z.number().int().min(1);

/** `--wait SECONDS`: how long a backup keeps trying a locked DB. */
const WaitOption = z.number().min(0).max(86_400).meta({ noun: 'a number of seconds' });

/**
 * `export --chat ID`: a database source's conversation ids are not chat numbers (EvoSense: a WhatsApp chat
 * id); a data root still checks its chat ids (export.run's input) when it exports.
 */
const ConversationOption = z
  .string()
  .trim()
  .min(1)
  .max(512)
  .meta({ expected: 'a conversation id (not empty)' });

const GiB = 1024 ** 3;

function parseSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m) throw new AppError('invalid_input', `${what}: not a size (${text}); use e.g. 500M, 2G, 20G`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult = { b: 1, k: 1024, m: 1024 ** 2, g: GiB, t: 1024 * GiB }[unit] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

interface ArchiveLimitOpts {
  maxTotal?: string;
  maxFile?: string;
  maxRatio?: string;
}

/** The refusal limits given on the command line; the operation keeps its defaults for the others. */
function limitsFrom(opts: ArchiveLimitOpts): {
  maxTotalBytes?: number;
  maxFileBytes?: number;
  maxRatio?: number;
} {
  const limits: { maxTotalBytes?: number; maxFileBytes?: number; maxRatio?: number } = {};
  if (opts.maxRatio !== undefined) {
    limits.maxRatio = Number(opts.maxRatio);
    if (!/^\d+$/.test(opts.maxRatio.trim()) || limits.maxRatio < 2)
      throw new AppError(
        'invalid_input',
        `--max-ratio must be a whole number of at least 2 (got ${opts.maxRatio})`,
      );
  }
  if (opts.maxTotal) limits.maxTotalBytes = parseSize(opts.maxTotal, '--max-total');
  if (opts.maxFile) limits.maxFileBytes = parseSize(opts.maxFile, '--max-file');
  return limits;
}

/** `--workers N` (checked by the option rules: a whole number from 0 to 64). */
function workersOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

function secondsOf(text: string, what: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || seconds > 3600)
    throw new AppError('invalid_input', `${what} must be a number of seconds, 0 to 3600 (got ${text})`);
  return seconds;
}

export function registerBackupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description(
      'back up one chat, a selection or the whole root into a .tar.gz with a manifest (safe while the bot writes); exit 0 ok, 1 some files were already damaged (kept as they are) or could not be backed up (not regular files, locked: listed), 2 failed',
    )
    .argument('<root>', "data root, or one SQLite file (user_history.db, a bot's DB)");
  addInputOptions(backup, operations['backup.create'].input, {
    out: { placeholder: 'file', help: 'the archive to write (FILE.tar.gz; never overwritten)' },
  })
    .addOption(
      cliOption(
        '--out-dir <dir>',
        'instead of --out: a timestamped archive into this folder, verified, keeping the newest --keep',
        PathOption,
      ),
    )
    .addOption(
      cliOption(
        '--keep <n>',
        'with --out-dir: how many verified archives to keep (default 7; the newest is never removed)',
        KeepOption,
      ),
    );
  addInputOptions(backup, operations['backup.create'].input, {
    chatIds: { flag: 'chat', placeholder: 'id', help: 'only these chats (repeatable)' },
    level: {
      help: 'gzip level 1 (fast) to 9 (small); default 3 (tar -czf uses 6: ~10% smaller, ~2.4x slower)',
    },
    check: { help: 'also run quick_check on every DB while backing up (slower; verify always does)' },
  })
    .addOption(cliOption('--workers <n>', 'worker threads (0 = copy in this thread)', WorkersOption))
    .addOption(
      cliOption(
        '--wait <seconds>',
        'how long to keep trying to read a DB another program keeps locked before leaving it out (default 30)',
        WaitOption,
      ),
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        rootArg: string,
        opts: { outDir?: string; keep?: string; wait?: string; workers?: string; json?: boolean },
      ) => {
        const input = inputFrom(backup) as {
          out?: string;
          chatIds?: string[];
          level?: number;
          check?: boolean;
        };
        if (opts.outDir !== undefined)
          return runBackupRotation(rootArg, {
            ...opts,
            outDir: opts.outDir,
            out: input.out,
            chat: input.chatIds,
          });
        if (input.out === undefined)
          throw new AppError('invalid_input', 'give --out FILE.tar.gz (or --out-dir DIR)');
        // One SQLite file (user_history.db, the clinic bot's DB) is backed up on its own: file/<name> inside.
        const single = entryAt(resolve(rootArg)).kind === 'file';
        if (single && input.chatIds !== undefined)
          throw new AppError('invalid_input', `${rootArg} is one SQLite file: --chat does not apply`);
        const root = single ? resolve(rootArg) : requireDir(rootArg);
        const out = resolve(input.out);
        const waitSeconds = opts.wait === undefined ? undefined : secondsOf(opts.wait, '--wait');
        const ctx = cliContext([root], { workers: workersOf(opts.workers), outputs: [out] });
        const result = await runJob(
          ctx,
          'backup.create',
          { ...input, root, out, waitSeconds },
          { label: 'Backing up' },
        );
        await printOutput('backup.create', { result, events: [] }, opts.json === true);
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
    .addOption(
      cliOption('--max-total <size>', 'refuse archives that expand beyond this (default 20G)', SizeOption),
    )
    .addOption(cliOption('--max-file <size>', 'refuse entries larger than this (default 2G)', SizeOption))
    .option('--max-ratio <n>', 'refuse archives that expand more than n:1 (default 200; gzip bombs ~1000:1)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        archiveArg: string,
        opts: { json?: boolean; maxTotal?: string; maxFile?: string; maxRatio?: string },
      ) => {
        const archive = requireFile(archiveArg);
        const result = await runJob(
          cliContext([archive]),
          'backup.verify',
          { archive, limits: limitsFrom(opts) },
          { label: 'Verifying' },
        );
        await printOutput('backup.verify', { result, events: [] }, opts.json === true);
        if (!result.restorable) throw new CliExit(2);
        if (!result.ok) process.exitCode = 1;
        // 3: nothing found wrong, but an archive without a manifest proves no checksum nor row count.
        else if (result.withoutManifest) process.exitCode = 3;
      },
    );

  const restore = program
    .command('restore')
    .description(
      'restore chats from an archive: verified first (refused, nothing written, when verify refuses it), atomic swaps, replaced files kept as .bak-<time>; exit 0 ok, 1 files damaged when backed up were left out, 2 refused',
    )
    .argument('<archive>', 'FILE.tar.gz made by "backup"');
  addInputOptions(restore, operations['backup.restore'].input, {
    root: {
      flag: 'into',
      placeholder: 'root',
      help: 'data root to restore into (an empty folder is fine); for an archive of one SQLite file, its path or folder',
    },
    chatIds: { flag: 'chat', placeholder: 'id', help: 'only these chats (repeatable)' },
    dryRun: {
      help: 'show what would be added, replaced (row counts old → new) or left alone; write nothing',
    },
    force: { help: 'allow replacing existing files (they are kept as .bak-<time>)' },
    waitSeconds: {
      flag: 'wait',
      placeholder: 'seconds',
      help: 'how long to wait for the bot to let go of a DB before refusing (default 10)',
    },
  })
    .addOption(
      cliOption('--max-total <size>', 'refuse archives that expand beyond this (default 20G)', SizeOption),
    )
    .addOption(cliOption('--max-file <size>', 'refuse entries larger than this (default 2G)', SizeOption))
    .option('--max-ratio <n>', 'refuse archives that expand more than n:1 (default 200; gzip bombs ~1000:1)')
    .option('--json', 'print JSON for scripts')
    .action(async (archiveArg: string, opts: ArchiveLimitOpts & { json?: boolean }) => {
      const input = inputFrom(restore) as {
        root: string;
        chatIds?: string[];
        dryRun?: boolean;
        force?: boolean;
        waitSeconds?: number;
      };
      const archive = requireFile(archiveArg);
      // A folder, or (for an archive of one SQLite file) the file's path: checked once the archive is read.
      const intoFolder = entryAt(resolve(input.root)).kind === 'directory';
      const root = intoFolder ? requireDir(input.root) : resolve(input.root);
      if (intoFolder)
        noteChatTrees(
          root,
          'a chat already there is restored in the tree holding it (the first, for a chat in more than one); a new chat goes into',
        );
      const limits = limitsFrom(opts);
      const ctx = cliContext(intoFolder ? [archive, root] : [archive], {
        outputs: intoFolder ? [] : [root],
      });
      const result = await runJob(
        ctx,
        'backup.restore',
        { ...input, archive, root, limits },
        { label: 'Restoring' },
      );
      await printOutput('backup.restore', { result, events: [] }, opts.json === true);
      if (skippedFiles(result) > 0) process.exitCode = 1;
    });

  const recover = program
    .command('recover')
    .description(
      'salvage every readable row of a damaged DB into a new file (page by page when SQLite cannot read it), with a per-table account of what was lost; the damaged file, its -wal and -shm are never modified',
    )
    .argument('<db>', 'the damaged SQLite file');
  addInputOptions(recover, operations['recover.run'].input, {
    out: { placeholder: 'file', help: 'the new DB to write (must not exist)' },
    intoPlace: {
      help: 'then put the recovered DB in place of the damaged one (kept as .bak-<time>)',
    },
    waitSeconds: {
      flag: 'wait',
      placeholder: 'seconds',
      help: 'with --into-place: how long to wait for the bot to let go (default 10)',
    },
  })
    .option('--json', 'print JSON for scripts')
    .action(async (dbArg: string, opts: { json?: boolean }) => {
      const input = inputFrom(recover) as { out?: string; intoPlace?: boolean; waitSeconds?: number };
      const path = requireFile(dbArg);
      if (!input.out && !input.intoPlace)
        throw new AppError('invalid_input', 'give --out NEW.db (and/or --into-place)');
      const out = input.out ? resolve(input.out) : undefined;
      const ctx = cliContext([path], { outputs: out === undefined ? [] : [out] });
      const result = await runJob(ctx, 'recover.run', { ...input, path, out }, { label: 'Recovering' });
      await printOutput('recover.run', { result, events: [] }, opts.json === true);
    });

  const exportCommand = program
    .command('export')
    .description(
      'export chats as JSON, CSV or a printable HTML transcript (streamed); CSV is one file for messages and sessions, told apart by its "record" column (UTF-8 with BOM, RFC 4180)',
    )
    .argument('<source>', `${ANY_SOURCE_HELP} (other than a data root: one --chat)`)
    .addOption(
      cliOption('--chat <id...>', 'the chat(s) to export (repeatable)', ConversationOption, {
        required: true,
      }),
    )
    .option('--tenant <id>', 'the tenant, for multi-tenant databases (EvoSense)');
  addInputOptions(exportCommand, operations['export.source'].input, {
    statementTimeoutMs: {
      flag: 'statement-timeout',
      placeholder: 'ms',
      help: 'server statement time limit in ms (default 5000)',
    },
  });
  exportCommand.option('--map <mapping>', MAP_HELP);
  addInputOptions(exportCommand, operations['export.source'].input, {
    archive: {
      placeholder: 'dir',
      help: "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    },
  });
  exportCommand
    .addOption(cliOption('--format <format>', 'json, csv or html', ExportFormat, { required: true }))
    .addOption(cliOption('--out <file>', 'the file to write', PathOption, { required: true }))
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
        command: Command,
      ) => {
        // Server URLs and single files are Sources (main/sources/export.ts); a data root keeps exportChats.
        if (isServerLocator(rootArg) || entryAt(resolve(rootArg)).kind === 'file') {
          if (opts.tree !== undefined)
            throw new AppError('invalid_input', '--tree applies to a data root (a folder of chat trees)');
          return exportSourceCommand(command, rootArg, opts);
        }
        if (opts.map !== undefined)
          throw new AppError(
            'invalid_input',
            '--map works on an SQLite file or a database URL, not on a data root (its chats are already conversations)',
          );
        const root = requireDir(rootArg);
        const out = resolve(opts.out);
        const ctx = cliContext([root], { outputs: [out] });
        if (opts.tree !== undefined)
          await runQuery(ctx, 'root.check', { root, tree: opts.tree, chats: false });
        if (opts.format !== 'json' && opts.format !== 'csv' && opts.format !== 'html') {
          throw new AppError('invalid_input', '--format must be json, csv or html');
        }
        const result = await runJob(
          ctx,
          'export.run',
          {
            root,
            chatIds: opts.chat,
            tree: opts.tree,
            format: opts.format,
            out,
            redact: opts.redact ?? false,
            overwrite: opts.force ?? false,
          },
          { label: 'Exporting' },
        );
        await printOutput('export.run', { result, events: [] }, opts.json === true);
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
