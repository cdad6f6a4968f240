import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AlertThresholds } from '../../../shared/contract/maintenance.ts';
import { ArchivePlan } from '../../../shared/contract/maintenance.ts';
import { AppError } from '../../../shared/errors.ts';
import { archiveInactive } from '../../maintenance/archive.ts';
import { backupRotate } from '../../maintenance/rotate.ts';
import { isSingleFileSource } from '../../backup/single.ts';
import { requireChatFolders, treeNamed } from '../../store/layout.ts';
import { sharedPool } from '../../workers/pool.ts';
import { operations } from '../../../shared/contract/index.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputOptions, inputFrom } from '../input-options.ts';
import { runJob } from '../invoke.ts';
import { CliExit, formatBytes, printJson, runCliJob, table, noteChatTrees } from '../output.ts';

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

function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '—';
}

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
      if (input.tree !== undefined) treeNamed(root, input.tree);
      else
        noteChatTrees(
          root,
          'a chat in more than one is vacuumed in the first holding it (--tree for another), starting from',
        );
      const ctx = cliContext([root]);
      const result = await runJob(ctx, 'maintenance.vacuum', { ...input, root }, { label: 'Vacuuming' });
      await printOutput('maintenance.vacuum', { result, events: [] }, opts.json === true);
      if (result.outcomes.some((o) => o.status === 'failed')) process.exitCode = 2;
      // A DB that could not even be measured was not vacuumed either: not a silent success.
      else if (result.outcomes.some((o) => o.status === 'refused') || result.unreadable.length > 0)
        process.exitCode = 1;
    });

  program
    .command('archive-inactive')
    .description(
      'archive chats inactive for more than N days into one verified archive (restore brings them back), then remove them from the root; --dry-run lists them',
    )
    .argument('<root>', 'data root')
    .requiredOption('--days <n>', 'inactive for more than this many days (last activity from the DBs)')
    .option('--out <dir>', 'the folder for the archive (required unless --dry-run)')
    .option('--dry-run', 'list the chats, sizes and last activity; write nothing')
    .option('--plan <file>', "the dry run's --json output: only its chats, and only if unchanged since")
    .option('--json', "print JSON for scripts (a dry run's JSON is a plan for --plan)")
    .action(
      async (
        rootArg: string,
        opts: { days: string; out?: string; dryRun?: boolean; plan?: string; json?: boolean },
      ) => {
        const root = requireDir(rootArg);
        const days = numberOption(opts.days, '--days', 0, 0.001, 100_000);
        if (!opts.dryRun && !opts.out)
          throw new AppError('invalid_input', 'give --out DIR for the archive (or --dry-run)');
        const outDir = opts.out ? requireDir(opts.out, 'folder for the archive') : '';
        let plan: ArchivePlan | undefined;
        if (opts.plan) {
          let text: string;
          try {
            text = readFileSync(resolve(opts.plan), 'utf8');
          } catch {
            throw new AppError('not_found', `${opts.plan}: no such file`);
          }
          try {
            const parsed = JSON.parse(text) as { plan?: unknown };
            plan = ArchivePlan.parse(parsed.plan ?? parsed);
          } catch {
            throw new AppError(
              'invalid_input',
              `${opts.plan}: not a plan (use the JSON of "archive-inactive --dry-run --json")`,
            );
          }
        }
        const result = await runCliJob('Archiving', (ctx) =>
          archiveInactive(
            { root, days, outDir, dryRun: opts.dryRun ?? false, plan, pool: sharedPool() },
            ctx,
          ),
        );
        if (opts.json) return printJson(result);
        if (result.candidates.length > 0)
          console.log(
            table(
              ['CHAT', 'SIZE', 'LAST ACTIVE', 'DAYS'],
              result.candidates.map((c) => [
                c.chatId,
                formatBytes(c.sizeBytes),
                day(c.lastActive),
                String(c.inactiveDays ?? '—'),
              ]),
            ),
          );
        for (const n of result.notes) console.log(`note: ${n}`);
        for (const k of result.kept) console.log(`kept chat ${k.chatId}: ${k.reason}`);
        if (result.dryRun)
          console.log(
            `${result.candidates.length} chat(s) inactive for more than ${result.days} days, ${formatBytes(result.candidates.reduce((s, c) => s + c.sizeBytes, 0))} (dry run: nothing was written)`,
          );
        else
          console.log(
            result.archive
              ? `Archived ${result.archived.length} chat(s) into ${result.archive} (${formatBytes(result.archiveBytes ?? 0)}, verified twice) and removed them from the root (${formatBytes(result.freedBytes)}); bring them back with: chat-inspector restore ${result.archive} --into ${result.restoreInto}`
              : 'Nothing to archive.',
          );
      },
    );

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
      requireChatFolders(root, rootArg);
      const input = inputFrom(alerts) as { thresholds?: Partial<AlertThresholds>; backupDirs?: string[] };
      const backupDirs = (input.backupDirs ?? []).map((d) => requireDir(d, 'folder of archives'));
      const ctx = cliContext([root, ...backupDirs]);
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
  const root = isSingleFileSource(rootArg) ? resolve(rootArg) : requireDir(rootArg);
  const outDir = requireDir(opts.outDir, 'folder for the archives');
  const keep = numberOption(opts.keep, '--keep', 7, 1, 10_000);
  if (!Number.isInteger(keep))
    throw new AppError('invalid_input', `--keep must be a whole number, not ${opts.keep}`);
  const result = await runCliJob('Backing up', (ctx) =>
    backupRotate({ root, outDir, keep, pool: sharedPool() }, ctx),
  );
  if (opts.json) printJson(result);
  else {
    console.log(
      result.verified
        ? `Backed up ${result.chats} chat(s) into ${result.archive} (${formatBytes(result.archiveBytes)}), verified`
        : `FAILED verification: ${result.archive} (no older archive was removed)`,
    );
    for (const f of result.failed)
      console.log(`FAILED chat ${f.chatId}: ${f.reason} (not in the archive; no older archive was removed)`);
    for (const r of result.removed) console.log(`removed old archive ${r.path}`);
    console.log(`Keeping ${result.kept.length} verified archive(s) in ${result.outDir}`);
    for (const u of result.unverified) console.log(`not verified (left alone): ${u}`);
  }
  for (const d of result.damaged)
    if (!opts.json)
      console.log(`damaged: ${d.path}: ${d.integrity} (kept as it is; it will not be restored)`);
  // Like backup: 1 the archive holds files already damaged in the source, 2 it failed or is incomplete.
  if (!result.verified || result.failed.length > 0) process.exitCode = 2;
  else if (result.damaged.length > 0) process.exitCode = 1;
}
