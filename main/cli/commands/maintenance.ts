import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { operations } from '../../../shared/contract/index.ts';
import type { AlertThresholds } from '../../../shared/contract/maintenance.ts';
import { ArchivePlan } from '../../../shared/contract/maintenance.ts';
import { AppError } from '../../../shared/errors.ts';
import { entryAt } from '../../fs/entry.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputOptions, cliOption, inputFrom } from '../input-options.ts';
import { runJob, runQuery } from '../invoke.ts';
import { CliExit, noteChatTrees } from '../output.ts';

function requireDir(path: string, what = 'data root'): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new AppError('not_found', `${path}: no such folder`);
  if (!statSync(full).isDirectory()) throw new AppError('invalid_input', `${path}: is a file, not a ${what}`);
  return full;
}

/** A number option: `name` must be a finite number in [min, max]. */
function numberOption(
  text: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max)
    throw new AppError('invalid_input', `${name} must be a number from ${min} to ${max}, not ${text}`);
  return value;
}

/** The plan a dry run printed (`archive-inactive --dry-run --json`), read from `path`. */
function readPlan(path: string): ArchivePlan {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch {
    throw new AppError('not_found', `${path}: no such file`);
  }
  try {
    const parsed = JSON.parse(text) as { plan?: unknown };
    return ArchivePlan.parse(parsed.plan ?? parsed);
  } catch {
    throw new AppError(
      'invalid_input',
      `${path}: not a plan (use the JSON of "archive-inactive --dry-run --json")`,
    );
  }
}

/** `archive-inactive --days N`: whole days without activity (the operation takes fractions; the CLI, days). */
const DaysOption = z.number().int().min(1);

export function registerMaintenanceCommands(program: Command): void {
  const vacuum = program
    .command('vacuum')
    .description(
      "compact DBs with many free pages, in place: a checked backup copy first (.bak-<time>), then VACUUM on the live file under SQLite's own locks (every row compared before and after); a DB another process has open is waited for (--wait), then refused; exit 0 ok, 1 some DBs refused, 2 failures",
    )
    .argument('<root>', 'data root');
  addInputOptions(vacuum, operations['maintenance.vacuum'].input, {
    chatIds: { flag: 'chat', placeholder: 'id', help: 'only these chats (repeatable)' },
    tree: {
      placeholder: 'tree',
      help: "only the chats' copies in this chat tree of the root (e.g. data/chats); without it, a chat's copy in the first tree holding it",
    },
    minFreePercent: { help: 'only DBs whose free pages are at least this share of the file' },
    dryRun: { help: 'list the DBs and the space to reclaim; write nothing' },
    waitSeconds: {
      flag: 'wait',
      placeholder: 'seconds',
      help: 'wait this long for the bot to let go of a DB before refusing it',
    },
  })
    .option('--json', 'print JSON for scripts')
    .action(async (rootArg: string, opts: { json?: boolean }) => {
      const root = requireDir(rootArg);
      const input = inputFrom(vacuum) as { tree?: string };
      const ctx = cliContext([root]);
      if (input.tree !== undefined)
        await runQuery(ctx, 'root.check', { root, tree: input.tree, chats: false });
      else
        noteChatTrees(
          root,
          'a chat in more than one is vacuumed in the first holding it (--tree for another), starting from',
        );
      const result = await runJob(ctx, 'maintenance.vacuum', { ...input, root }, { label: 'Vacuuming' });
      await printOutput('maintenance.vacuum', { result, events: [] }, opts.json === true);
      if (result.outcomes.some((o) => o.status === 'failed')) process.exitCode = 2;
      // A DB that could not even be measured was not vacuumed either: not a silent success.
      else if (result.outcomes.some((o) => o.status === 'refused') || result.unreadable.length > 0)
        process.exitCode = 1;
    });

  const archive = program
    .command('archive-inactive')
    .description(
      'archive chats inactive for more than N days into one verified archive (restore brings them back), then remove them from the root; --dry-run lists them',
    )
    .argument('<root>', 'data root')
    .addOption(
      cliOption(
        '--days <n>',
        'inactive for more than this many days (last activity from the DBs)',
        DaysOption,
        {
          required: true,
        },
      ),
    );
  addInputOptions(archive, operations['maintenance.archiveInactive'].input, {
    outDir: {
      flag: 'out',
      placeholder: 'dir',
      help: 'the folder for the archive (required unless --dry-run)',
    },
    dryRun: { help: 'list the chats, sizes and last activity; write nothing' },
  })
    .option('--plan <file>', "the dry run's --json output: only its chats, and only if unchanged since")
    .option('--json', "print JSON for scripts (a dry run's JSON is a plan for --plan)")
    .action(async (rootArg: string, opts: { days: string; plan?: string; json?: boolean }) => {
      const input = inputFrom(archive) as { outDir?: string; dryRun?: boolean };
      const root = requireDir(rootArg);
      const days = numberOption(opts.days, '--days', 0, 0.001, 100_000);
      if (!input.dryRun && !input.outDir)
        throw new AppError('invalid_input', 'give --out DIR for the archive (or --dry-run)');
      const outDir = input.outDir ? requireDir(input.outDir, 'folder for the archive') : undefined;
      const plan = opts.plan === undefined ? undefined : readPlan(opts.plan);
      const ctx = cliContext([root], { outputs: outDir === undefined ? [] : [outDir] });
      // A dry run writes nothing and names no folder (the operation's own default is never used here).
      const result = await runJob(
        ctx,
        'maintenance.archiveInactive',
        { root, days, outDir: input.dryRun ? undefined : outDir, dryRun: input.dryRun ?? false, plan },
        { label: 'Archiving' },
      );
      await printOutput('maintenance.archiveInactive', { result, events: [] }, opts.json === true);
    });

  const alerts = program
    .command('alerts')
    .description(
      'the monitoring alerts: DBs over a size, inactive users, integrity errors (quick check), slow chats (newest-page query time); read-only; exit 0 no alert, 1 warnings, 2 errors',
    )
    .argument('<root>', 'data root');
  addInputOptions(alerts, operations['maintenance.alerts'].input, {
    'thresholds.dbMaxMb': { help: 'a DB larger than this is a warning' },
    'thresholds.inactiveDays': { help: 'no activity for longer than this is a warning' },
    'thresholds.slowMs': { help: 'a newest-page query slower than this is a warning' },
    'thresholds.backupMaxDays': {
      help: 'not backed up for longer than this (or no backup known) is a warning',
    },
    backupDirs: {
      flag: 'backups',
      placeholder: 'dir',
      help: "folders of verified archives (backup --out-dir) that say when each chat was last backed up; without them, metadata.json's last_backup",
    },
  })
    .option('--json', 'print JSON for scripts')
    .action(async (rootArg: string, opts: { json?: boolean }) => {
      const root = requireDir(rootArg);
      const input = inputFrom(alerts) as { thresholds?: Partial<AlertThresholds>; backupDirs?: string[] };
      const backupDirs = (input.backupDirs ?? []).map((d) => requireDir(d, 'folder of archives'));
      const ctx = cliContext([root, ...backupDirs]);
      await runQuery(ctx, 'root.check', { root, shownAs: rootArg });
      const result = await runJob(
        ctx,
        'maintenance.alerts',
        { root, thresholds: input.thresholds, backupDirs },
        { label: 'Checking' },
      );
      await printOutput('maintenance.alerts', { result, events: [] }, opts.json === true);
      if (result.exitCode !== 0) throw new CliExit(result.exitCode);
    });
}

/** `backup ROOT --out-dir DIR [--keep N]`: called by the backup command when --out-dir is given. */
export async function runBackupRotation(
  rootArg: string,
  opts: { outDir: string; keep?: string; json?: boolean; out?: string; chat?: string[] },
): Promise<void> {
  if (opts.out !== undefined) throw new AppError('invalid_input', 'give either --out or --out-dir, not both');
  if (opts.chat !== undefined)
    throw new AppError('invalid_input', '--out-dir backs up the whole root: --chat does not apply');
  // A single SQLite file rotates like a root.
  const root = entryAt(resolve(rootArg)).kind === 'file' ? resolve(rootArg) : requireDir(rootArg);
  const outDir = requireDir(opts.outDir, 'folder for the archives');
  const keep = numberOption(opts.keep, '--keep', 7, 1, 10_000);
  if (!Number.isInteger(keep))
    throw new AppError('invalid_input', `--keep must be a whole number, not ${opts.keep}`);
  const ctx = cliContext([root], { outputs: [outDir] });
  const result = await runJob(
    ctx,
    'maintenance.backupRotate',
    { root, outDir, keep },
    { label: 'Backing up' },
  );
  await printOutput('maintenance.backupRotate', { result, events: [] }, opts.json === true);
  // Like backup: 1 the archive holds files already damaged in the source, 2 it failed or is incomplete.
  if (!result.verified || result.failed.length > 0) process.exitCode = 2;
  else if (result.damaged.length > 0) process.exitCode = 1;
}
