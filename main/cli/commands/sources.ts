import type { Command } from 'commander';
import { resolve } from 'node:path';
import { operations, type InputOf } from '../../../shared/contract/index.ts';
import { AppError } from '../../../shared/errors.ts';
import {
  isServerLocator,
  registerSourceUrl,
  restrictSourcesToRegistered,
  serverTakesArchive,
} from '../../api/host.ts';
import type { HandlerContext } from '../../api/context.ts';
import { entryAt } from '../../fs/entry.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputOptions, inputFrom } from '../input-options.ts';
import { runJob, runQuery } from '../invoke.ts';
import { MAP_HELP, parseMapOption } from '../map-option.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';

// Commands that work on any Source: a root folder, an SQLite file, a postgres:// or mysql:// URL, each run
// through a `locator.*` operation that opens the source for the one call. `conversations`, `messages`,
// `similar` live here; `open`, `export`, `demo` and `serve` hand their URL (and folder) arguments to the
// functions exported below. Nothing printed ever holds a password.

export { isServerLocator };

/** The options every command on a locator shares (besides those derived from its operation's input). */
export interface LocatorOptions {
  map?: string;
  archive?: string;
  json?: boolean;
}

/** Adds `--statement-timeout` and `--archive` (from the operation's input) and `--map` (parsed here). */
function addOpenOptions(command: Command, name: 'locator.conversations' | 'locator.messages'): Command {
  addInputOptions(command, operations[name].input, {
    statementTimeoutMs: {
      flag: 'statement-timeout',
      placeholder: 'ms',
      help: 'server statement time limit in ms (default 5000)',
    },
  });
  command.option('--map <mapping>', MAP_HELP);
  return addInputOptions(command, operations[name].input, {
    archive: {
      placeholder: 'dir',
      help: "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    },
  });
}

/**
 * The context of one command on a source: a folder or file named on the command line is its allow-list; a
 * server URL joins this process's session (memory only: the CLI writes no recent list and no saved
 * connection). `outputs` are the files the command writes (see cliContext).
 */
export function locatorContext(
  locator: string,
  archive: string | undefined,
  outputs: readonly string[] = [],
): HandlerContext {
  if (isServerLocator(locator)) {
    registerSourceUrl(locator, archive);
    return cliContext([], { outputs });
  }
  const { kind } = entryAt(resolve(locator));
  if (kind === 'missing' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(locator))
    throw new AppError('not_found', `${locator}: no such file or folder`);
  return cliContext(kind === 'file' || kind === 'directory' ? [locator] : [], { outputs });
}

type LocatorRead = 'locator.info' | 'locator.conversations' | 'locator.messages' | 'locator.similar';

/**
 * A locator operation's input from the command line: the options derived from it, the locator, and `--map`
 * parsed (the contract checks the whole at invocation).
 */
export function openFields<K extends LocatorRead>(
  _name: K,
  command: Command,
  locator: string,
  opts: LocatorOptions,
): InputOf<K> {
  return {
    ...inputFrom(command),
    locator,
    ...(opts.map === undefined ? {} : { mapping: parseMapOption(opts.map) }),
  } as InputOf<K>;
}

/** `open` for folders and server URLs (files keep their own detailed view, file.open). */
export async function openSourceCommand(
  command: Command,
  locator: string,
  opts: LocatorOptions,
): Promise<void> {
  const input = openFields('locator.info', command, locator, opts);
  const info = await runQuery(locatorContext(locator, opts.archive), 'locator.info', input);
  await printOutput('locator.info', info, opts.json === true);
}

/**
 * `serve [ROOT|URL] [--source URL...]`: browser mode reaches only the server sources named on its command
 * line. Returns the data root argument that is left (a URL given as ROOT is a source, not a root).
 */
export function allowServeSources(
  rootOrUrl: string | undefined,
  urls: string[] = [],
  archive?: string,
): string | undefined {
  const all = [...urls];
  if (rootOrUrl !== undefined && isServerLocator(rootOrUrl)) all.push(rootOrUrl);
  for (const url of all) {
    if (!isServerLocator(url))
      throw new AppError('invalid_input', '--source takes a postgres:// or mysql:// URL');
  }
  if (archive !== undefined && !all.some(serverTakesArchive))
    throw new AppError('invalid_input', '--archive goes with a mysql:// messaging source');
  restrictSourcesToRegistered();
  // The cold-archive folder goes with the MySQL sources (browser mode cannot name another folder).
  for (const url of all) registerSourceUrl(url, serverTakesArchive(url) ? archive : undefined);
  return rootOrUrl !== undefined && isServerLocator(rootOrUrl) ? undefined : rootOrUrl;
}

/** `export SOURCE --chat ID` for an SQLite file or a database URL: one conversation, streamed. */
export async function exportSourceCommand(
  command: Command,
  locator: string,
  opts: LocatorOptions & {
    chat: string[];
    tenant?: string;
    format: string;
    out: string;
    redact?: boolean;
    force?: boolean;
  },
): Promise<void> {
  if (opts.chat.length !== 1)
    throw new AppError(
      'invalid_input',
      'a database source exports one conversation at a time: give one --chat ID',
    );
  const out = resolve(opts.out);
  const result = await runJob(
    locatorContext(locator, opts.archive, [out]),
    'export.source',
    {
      ...openFields('locator.info', command, locator, opts),
      conversationId: opts.chat[0]!,
      tenant: opts.tenant,
      format: opts.format as 'json',
      out,
      redact: opts.redact ?? false,
      overwrite: opts.force ?? false,
    },
    { label: 'Exporting' },
  );
  await printOutput('export.source', { result, events: [] }, opts.json === true);
}

/** `demo --postgres URL`: the EvoSense demo data in a given, empty database (the one command here that writes). */
export async function demoPostgres(url: string, opts: { json?: boolean }): Promise<void> {
  registerSourceUrl(url);
  const result = await runQuery(cliContext([]), 'demo.postgres', { url });
  await printOutput('demo.postgres', result, opts.json === true);
}

/**
 * `demo --mysql URL --archive DIR`: seed 003's messaging demo (hot and warm tables, summaries) in a given,
 * empty MySQL/MariaDB database, and its cold archive in a new or empty folder (written beside it and renamed
 * into place, so a half archive never exists). The one MySQL command that writes.
 */
export async function demoMysql(
  url: string,
  archiveArg: string | undefined,
  opts: { json?: boolean },
): Promise<void> {
  if (archiveArg === undefined)
    throw new AppError(
      'invalid_input',
      'give the cold-archive folder to write as well: --archive DIR (new or empty)',
    );
  const archive = resolve(archiveArg);
  registerSourceUrl(url);
  const result = await runQuery(cliContext([], { outputs: [archive] }), 'demo.mysql', { url, archive });
  await printOutput('demo.mysql', result, opts.json === true);
}

export function registerSourceCommands(program: Command): void {
  const conversations = program
    .command('conversations')
    .description(
      'conversations of any source (data root folder, SQLite file, postgres:// or mysql:// URL), most recent first',
    )
    .argument('<source>', ANY_SOURCE_HELP);
  addInputOptions(conversations, operations['locator.conversations'].input, {
    tenant: { placeholder: 'id', help: 'the tenant (multi-tenant databases such as EvoSense)' },
    search: {
      placeholder: 'text',
      help: 'only conversations whose id/title or messages match (full-text on PostgreSQL)',
    },
    limit: { help: 'conversations per page' },
    after: {
      placeholder: 'cursor',
      help: 'the page after this cursor (the "next" of the previous page)',
    },
  });
  addOpenOptions(conversations, 'locator.conversations')
    .option('--json', 'print JSON for scripts')
    .action(async (locator: string, opts: LocatorOptions, command: Command) => {
      const page = await runQuery(
        locatorContext(locator, opts.archive),
        'locator.conversations',
        openFields('locator.conversations', command, locator, opts),
      );
      await printOutput('locator.conversations', page, opts.json === true);
    });

  const messages = program
    .command('messages')
    .description("a page of one conversation's messages in time order (the newest page; --before pages back)")
    .argument('<source>', ANY_SOURCE_HELP)
    .argument('<conversationId>', 'the conversation (as `conversations` lists it)');
  addInputOptions(messages, operations['locator.messages'].input, {
    tenant: { placeholder: 'id', help: 'the tenant (multi-tenant databases such as EvoSense)' },
    limit: { help: 'messages per page' },
    before: {
      placeholder: 'cursor',
      help: 'the page older than this cursor (the "next" of the previous page)',
    },
    after: { placeholder: 'cursor', help: 'the page newer than this cursor' },
    at: { placeholder: 'time', help: 'the page starting at this date or time (ISO 8601)' },
  });
  addOpenOptions(messages, 'locator.messages')
    .option('--json', 'print JSON for scripts')
    .action(async (locator: string, conversationId: string, opts: LocatorOptions, command: Command) => {
      const page = await runQuery(locatorContext(locator, opts.archive), 'locator.messages', {
        ...openFields('locator.messages', command, locator, opts),
        conversationId,
      });
      await printOutput('locator.messages', page, opts.json === true);
    });

  const similar = program
    .command('similar')
    .description(
      "messages of a tenant ranked by embedding distance to one message's own embedding (pgvector, EvoSense)",
    )
    .argument('<source>', 'a postgres:// / postgresql:// URL of an EvoSense database');
  addInputOptions(similar, operations['locator.similar'].input, {
    tenant: { placeholder: 'id', help: 'the tenant' },
    messageId: { flag: 'message', placeholder: 'id', help: 'the message whose embedding is compared' },
    limit: { help: 'how many' },
    statementTimeoutMs: {
      flag: 'statement-timeout',
      placeholder: 'ms',
      help: 'server statement time limit in ms (default 5000)',
    },
  });
  similar
    .option('--json', 'print JSON for scripts')
    .action(async (locator: string, opts: LocatorOptions, command: Command) => {
      const found = await runQuery(
        locatorContext(locator, undefined),
        'locator.similar',
        openFields('locator.similar', command, locator, {}),
      );
      await printOutput('locator.similar', found, opts.json === true);
    });
}
