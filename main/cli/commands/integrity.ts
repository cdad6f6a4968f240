import type { Command } from 'commander';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { operations } from '../../../shared/contract/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { entryAt } from '../../fs/entry.ts';
import { removeTemp, trackTemp } from '../../fs/temp.ts';
import { exitCodeOf, reportToHtml } from '../../../shared/integrity-report.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputOptions, cliOption, inputFrom } from '../input-options.ts';
import { runJob, runQuery } from '../invoke.ts';
import { PathOption, WorkersOption } from '../options.ts';

interface CheckOpts {
  json?: boolean;
  html?: string;
  workers?: string;
}

/**
 * Writes `path` through a tracked temp file renamed over it: whatever sits at `path` (a FIFO, a link) is
 * replaced, never written through or blocked on, and a failure or Ctrl-C leaves no half report.
 */
function writeReplacing(path: string, text: string): void {
  if (entryAt(path).kind === 'directory') throw new AppError('invalid_input', `${path}: is a folder`);
  const partial = `${path}.${process.pid}.partial`;
  const untrack = trackTemp(partial);
  try {
    writeFileSync(partial, text, { encoding: 'utf8', flag: 'wx' });
    renameSync(partial, path);
    untrack();
  } catch (error) {
    removeTemp(partial);
    throw error;
  }
}

/** What the person named: a data root (folder) or one DB file. */
function targetKind(path: string): 'root' | 'file' {
  try {
    return statSync(path).isDirectory() ? 'root' : 'file';
  } catch {
    throw new AppError('not_found', `${path}: no such folder or file`);
  }
}

export function registerIntegrityCommands(program: Command): void {
  const input = operations['integrity.check'].input;
  const command = program
    .command('check')
    .description('integrity findings per chat (or for one DB file); exit 0 all ok, 1 warnings, 2 errors')
    .argument('<target>', 'data root (the folder holding chat_<id> folders), or a single SQLite file');
  addInputOptions(command, input, {
    chatIds: { flag: 'chat', placeholder: 'id', help: 'only these chats (repeatable)' },
    tree: {
      placeholder: 'tree',
      help: 'only the copies in this chat tree of the root (e.g. data/chats); without it, a chat in two trees is checked in both',
    },
    full: { help: 'also run integrity_check, foreign_key_check and look for orphan rows (slower)' },
  })
    .option('--json', 'print JSON for scripts')
    .addOption(cliOption('--html <file>', 'also write the report as a self-contained HTML page', PathOption))
    .addOption(cliOption('--workers <n>', 'worker threads (0 = check in this thread)', WorkersOption))
    .action(async (targetArg: string, opts: CheckOpts) => {
      const target = resolve(targetArg);
      const kind = targetKind(target);
      const { chatIds, tree, full } = inputFrom(command) as {
        chatIds?: string[];
        tree?: string;
        full?: boolean;
      };
      if (kind === 'file' && chatIds && chatIds.length > 0) {
        throw new AppError('invalid_input', '--chat applies to a data root, not to a single file');
      }
      if (kind === 'file' && tree !== undefined)
        throw new AppError('invalid_input', '--tree applies to a data root, not to a single file');
      const ctx = cliContext([target], {
        workers: opts.workers === undefined ? undefined : Number(opts.workers),
      });
      // Said before the progress line starts, as a mistyped option is.
      if (kind === 'root') await runQuery(ctx, 'root.check', { root: target, shownAs: targetArg, tree });
      const label = full === true ? 'Checking (full)' : 'Checking';
      const result =
        kind === 'root'
          ? await runJob(
              ctx,
              'integrity.check',
              { root: target, full, chatIds, tree, otherCopies: true },
              { label },
            )
          : await runJob(ctx, 'integrity.checkFile', { path: target, full }, { label });
      if (opts.html) writeReplacing(resolve(opts.html), reportToHtml(result));
      await printOutput(
        kind === 'root' ? 'integrity.check' : 'integrity.checkFile',
        { result, events: [] },
        opts.json === true,
      );
      process.exitCode = exitCodeOf(result);
    });
}
