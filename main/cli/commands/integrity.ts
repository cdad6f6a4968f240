import type { Command } from 'commander';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChatCheck, IntegrityReport } from '../../../shared/contract/integrity.ts';
import { AppError } from '../../../shared/errors.ts';
import { isChatId } from '../../../shared/contract/primitives.ts';
import { entryAt } from '../../fs/entry.ts';
import { removeTemp, trackTemp } from '../../fs/temp.ts';
import { reportToHtml } from '../../../shared/integrity-report.ts';
import { checkFile, checkRoot, exitCodeOf } from '../../integrity/run.ts';
import { requireChatFolders, treeNamed } from '../../store/layout.ts';
import { WorkerPool, sharedPool } from '../../workers/pool.ts';
import { printJson, runCliJob } from '../output.ts';

interface CheckOpts {
  chat?: string[];
  tree?: string;
  full?: boolean;
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

/** A root with more than one chat tree: how many of the results are a chat's copy in another tree. */
function copiesNote(report: IntegrityReport): string {
  const ids = new Set(report.chats.map((c) => c.chatId));
  const copies = report.chats.length - ids.size;
  return copies > 0 ? ` (of them ${copies} another tree's copy of a chat, checked too)` : '';
}

/** One line per finding, grouped by chat; the summary line last, where a terminal leaves it in view. */
export function formatHumanReport(report: IntegrityReport): string {
  const lines: string[] = [];
  const single = report.fileKind !== undefined;
  for (const chat of report.chats) {
    if (chat.findings.length === 0) continue;
    lines.push(
      `${single ? 'file' : 'chat'} ${chat.chatId}${chat.tree !== undefined ? ` (${chat.tree})` : ''}  ${chat.status}`,
    );
    for (const f of chat.findings) {
      lines.push(`  ${f.severity.padEnd(7)}  ${f.code.padEnd(18)}  ${f.file.padEnd(16)}  ${f.message}`);
    }
  }
  for (const s of report.skipped) lines.push(`skipped ${s.path}: ${s.reason}`);
  if (lines.length > 0) lines.push('');
  const { ok, warning, error } = report.summary;
  const what = single
    ? `${report.root}${report.fileKind ? ` (${report.fileKind})` : ''}`
    : `${report.chats.length} chats in ${report.root}${copiesNote(report)}`;
  lines.push(`Checked ${what} (${report.mode}): ${ok} ok, ${warning} warning, ${error} error`);
  return lines.join('\n');
}

export function registerIntegrityCommands(program: Command): void {
  program
    .command('check')
    .description('integrity findings per chat (or for one DB file); exit 0 all ok, 1 warnings, 2 errors')
    .argument('<target>', 'data root (the folder holding chat_<id> folders), or a single SQLite file')
    .option('--chat <id...>', 'only these chats (repeatable)')
    .option(
      '--tree <tree>',
      'only the copies in this chat tree of the root (e.g. data/chats); without it, a chat in two trees is checked in both',
    )
    .option('--full', 'also run integrity_check, foreign_key_check and look for orphan rows (slower)')
    .option('--json', 'print JSON for scripts')
    .option('--html <file>', 'also write the report as a self-contained HTML page')
    .option('--workers <n>', 'worker threads (0 = check in this thread)')
    .action(async (targetArg: string, opts: CheckOpts) => {
      const target = resolve(targetArg);
      const kind = targetKind(target);
      if (kind === 'root') requireChatFolders(target, targetArg);
      if (kind === 'file' && opts.chat && opts.chat.length > 0) {
        throw new AppError('invalid_input', '--chat applies to a data root, not to a single file');
      }
      if (kind === 'file' && opts.tree !== undefined)
        throw new AppError('invalid_input', '--tree applies to a data root, not to a single file');
      if (kind === 'root' && opts.tree !== undefined) treeNamed(target, opts.tree);
      for (const id of opts.chat ?? []) {
        if (!isChatId(id)) throw new AppError('invalid_input', `not a chat id: ${id}`);
      }
      const workers = opts.workers === undefined ? undefined : Number(opts.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64)) {
        throw new AppError(
          'invalid_input',
          `--workers must be a whole number from 0 to 64, not ${opts.workers}`,
        );
      }
      const pool = workers === undefined ? sharedPool() : new WorkerPool(workers);
      const full = opts.full === true;
      const report = await runCliJob<ChatCheck, IntegrityReport>(
        full ? 'Checking (full)' : 'Checking',
        (ctx) =>
          kind === 'root'
            ? checkRoot(target, ctx, { pool, full, chatIds: opts.chat, otherCopies: true, tree: opts.tree })
            : checkFile(target, ctx, { pool, full }),
      );
      if (opts.html) writeReplacing(resolve(opts.html), reportToHtml(report));
      if (opts.json) printJson(report);
      else console.log(formatHumanReport(report));
      process.exitCode = exitCodeOf(report);
    });
}
