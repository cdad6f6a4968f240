import type { Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { isChatId } from '../../../shared/contract/primitives.ts';
import type { ChatSummary } from '../../../shared/domain.ts';
import { describeKind, entryAt, kindOf } from '../../fs/entry.ts';
import { withScan, writeScanJson } from '../scan.ts';
import { printScanTable } from '../format/fleet.ts';
import { writeStdout } from '../output.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { runQuery } from '../invoke.ts';
import { cliOption } from '../input-options.ts';
import { PathOption, WorkersOption } from '../options.ts';
import { demoMysql, demoPostgres } from './sources.ts';

/** The data root as the person gave it (a root that is itself a link is taken: it is what they named). */
function requireDir(path: string): string {
  if (path.trim() === '') throw new AppError('invalid_input', 'the data root must not be empty');
  const full = resolve(path);
  const stats = statSync(full, { throwIfNoEntry: false });
  if (!stats) throw new AppError('not_found', `${path}: no such folder`);
  if (!stats.isDirectory())
    throw new AppError(
      'invalid_input',
      `${path}: is ${stats.isFile() ? 'a file' : describeKind(kindOf(stats))}, not a data root (use "open" for a single DB)`,
    );
  return full;
}

export function registerReadCommands(program: Command): void {
  program
    .command('scan')
    .description('list chats: id, name, level, messages, sessions, last active, size, health')
    .argument('<root>', 'data root (the folder holding chat_<id> folders, or the bot folder)')
    .option('--json', 'print JSON for scripts')
    .addOption(cliOption('--workers <n>', 'worker threads (0 = read in this thread)', WorkersOption))
    .option('--no-index', "read every chat, without reading or writing Chat Inspector's fleet index")
    .action(async (rootArg: string, opts: { json?: boolean; workers?: string; index?: boolean }) => {
      const root = requireDir(rootArg);
      const ctx = cliContext([root], {
        workers: opts.workers === undefined ? undefined : Number(opts.workers),
      });
      await runQuery(ctx, 'root.check', { root, shownAs: rootArg });
      await withScan(root, ctx, opts.index !== false, async (scan) => {
        if (opts.json) return writeScanJson(scan, writeStdout);
        const chats: ChatSummary[] = [];
        for await (const chat of scan.chats) chats.push(chat);
        printScanTable({ root: scan.root, chats, skipped: scan.skipped }, scan.incomplete);
      });
    });

  program
    .command('show')
    .description('one chat: profile, preferences, progress, sessions, message counts')
    .argument('<root>', 'data root')
    .argument('<chatId>', 'chat id (the number in chat_<id>)')
    .option(
      '--tree <tree>',
      "the chat tree to read the chat from (e.g. data/chats), when the chat is in more than one; default: the current tree's copy",
    )
    .option(
      '--backups <dir...>',
      "folders of verified archives (backup --out-dir) for its last backup; else metadata.json's last_backup",
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        rootArg: string,
        chatId: string,
        opts: { json?: boolean; tree?: string; backups?: string[] },
      ) => {
        const root = requireDir(rootArg);
        // Said as the command line has always said it, before the contract's own wording.
        if (!isChatId(chatId)) throw new AppError('invalid_input', `not a chat id: ${chatId}`);
        // Only the folders named are looked in for its last backup (none: metadata.json's last_backup).
        const backups = (opts.backups ?? []).map((d) => requireDir(d));
        const ctx = cliContext([root, ...backups]);
        const detail = await runQuery(ctx, 'chat.detail', { root, chatId, tree: opts.tree, backups });
        await printOutput('chat.detail', detail, opts.json === true);
      },
    );

  program
    .command('demo')
    .description('write a realistic demo data root (the one the app opens by default)')
    .argument('[dir]', 'a new or empty folder')
    .option('--postgres <url>', 'instead: fill this empty PostgreSQL database with EvoSense demo data')
    .option('--mysql <url>', 'instead: fill this empty MySQL/MariaDB database with seed-003 messaging data')
    .addOption(
      cliOption(
        '--archive <dir>',
        'with --mysql: the new cold-archive folder to write (.jsonl.gz per company and month)',
        PathOption,
      ),
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        dirArg: string | undefined,
        opts: { json?: boolean; postgres?: string; mysql?: string; archive?: string },
      ) => {
        if (opts.mysql !== undefined) {
          if (dirArg !== undefined || opts.postgres !== undefined)
            throw new AppError('invalid_input', 'give one of a folder, --postgres URL or --mysql URL');
          return demoMysql(opts.mysql, opts.archive, opts);
        }
        if (opts.postgres !== undefined) {
          if (dirArg !== undefined)
            throw new AppError('invalid_input', 'give a folder or --postgres URL, not both');
          return demoPostgres(opts.postgres, opts);
        }
        if (dirArg === undefined)
          throw new AppError('invalid_input', 'give a new or empty folder (or --postgres URL)');
        const dir = resolve(dirArg);
        const { kind } = entryAt(dir);
        // lstat: a link to an empty folder is not an empty folder (it would be replaced, not followed).
        if (kind !== 'missing' && (kind !== 'directory' || readdirSync(dir).length > 0))
          throw new AppError('conflict', `${dirArg}: already exists and is not empty; choose a new folder`);
        // Written beside it and renamed into place (demo.root), so a half demo never exists.
        const written = await runQuery(cliContext([], { outputs: [dir] }), 'demo.root', { dir });
        await printOutput('demo.root', written, opts.json === true);
        if (opts.json) return;
        console.log(`Try: chat-inspector scan ${dirArg}`);
      },
    );
}
