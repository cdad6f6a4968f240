import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { entryAt, notAFileMessage } from '../../fs/entry.ts';
import { describeFile, formatCount } from '../../adapters/index.ts';
import { withReadonly } from '../../sqlite/open.ts';
import { isServerLocator, openSourceCommand } from './sources.ts';
import { formatBytes, printJson, table } from '../output.ts';
import { frameworkOf } from '../../mapping/hint.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';

const KIND_LABEL: Record<string, string> = {
  'per-chat': "one chat's file (per-chat layout)",
  user_history: 'unified legacy user_history.db (English-teacher bot)',
  duiliocode: 'DuilioCode assistant database',
  clinic: 'WhatsApp clinic bot database (SQLite fallback)',
  generic: 'SQLite database (no known chatbot schema)',
};

/**
 * A file path given on the command line: refuses what is missing, a folder, or anything else that is not
 * a regular file (a FIFO would hang the open, a link is never followed) before SQLite sees it.
 */
function requireFilePath(path: string): string {
  const full = resolve(path);
  const { kind } = entryAt(full);
  if (kind === 'missing') throw new AppError('not_found', `${path}: no such file`);
  if (kind === 'directory')
    throw new AppError(
      'invalid_input',
      `${path}: is a folder, not a database file (use "scan" for a data root)`,
    );
  if (kind !== 'file') throw new AppError('not_a_file', notAFileMessage(path, kind));
  return full;
}

export function registerOpenCommands(program: Command): void {
  program
    .command('open')
    .description(
      'any source (a data root folder, an SQLite file, a postgres:// or mysql:// URL): detected kind (per-chat, user_history, duiliocode, clinic, generic...), tables, row counts',
    )
    .argument('<source>', ANY_SOURCE_HELP)
    .option('--statement-timeout <ms>', 'server statement time limit in ms (default 5000)')
    .option(
      '--archive <dir>',
      "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (fileArg: string, opts: { json?: boolean; statementTimeout?: string; archive?: string }) => {
        // Server URLs and data roots are Sources (main/sources); a file keeps its detailed view below.
        if (isServerLocator(fileArg) || entryAt(resolve(fileArg)).kind === 'directory')
          return openSourceCommand(fileArg, opts);
        const path = requireFilePath(fileArg);
        const info = withReadonly(path, (db) => describeFile(db, path));
        // A generic file may hold a bot framework's history (main/mapping): said, with how to read it.
        const framework = info.kind === 'generic' ? await frameworkOf(path) : null;
        if (opts.json) return printJson(framework ? { ...info, framework } : info);
        console.log(`File      ${info.path}`);
        console.log(
          `Kind      ${info.kind} — ${KIND_LABEL[info.kind] ?? info.kind}${info.hasConversations ? ' (has conversations)' : ''}`,
        );
        if (framework)
          console.log(
            `Holds     a ${framework.kind === 'langchain' ? 'LangChain chat history' : 'Rasa tracker store'} (table ${framework.table}): chat-inspector conversations ${/\s/.test(fileArg) ? JSON.stringify(fileArg) : fileArg}`,
          );
        console.log(
          `Size      ${formatBytes(info.sizeBytes)}  journal ${info.journalMode}  page size ${info.pageSize}`,
        );
        console.log('');
        if (info.tables.length === 0) {
          console.log('No tables.');
          return;
        }
        console.log(
          table(
            ['TABLE', 'TYPE', 'COLUMNS', 'ROWS'],
            info.tables.map((t) => [
              printable(t.name),
              t.type,
              String(t.columns.length),
              formatCount(t.rowCount, t.rowCountCapped),
            ]),
          ),
        );
      },
    );
}

/** Table names come from the file: control characters are shown escaped, never sent to the terminal. */
function printable(name: string): string {
  let out = '';
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
