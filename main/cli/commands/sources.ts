import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { pgError } from '../../pg/errors.ts';
import { pgDriver } from '../../pg/client.ts';
import { MAP_HELP, parseMapOption } from '../../mapping/cli.ts';
import { isMysqlUrl } from '../../mysql/url.ts';
import { redactError } from '../../../shared/secrets.ts';
import { isPostgresUrl, parsePgUrl } from '../../pg/url.ts';
import { exportFromSource } from '../../export/export.ts';
import { sourceSession } from '../../sources/session.ts';
import { withSource, type OpenOptions, type Source, type SourceInfo } from '../../sources/index.ts';
import { formatBytes, printJson, runCliJob, table } from '../output.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';

// Commands that work on any Source: a root folder, an SQLite file, a postgres:// or mysql:// URL.
// `conversations`, `messages`, `similar` live here; `open`, `export` and `demo` hand URL (and folder)
// arguments to the functions exported below. Nothing printed ever holds a password.

const LIMIT_MAX = 1000;

function parseLimit(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > LIMIT_MAX)
    throw new AppError('invalid_input', `--limit must be a whole number from 1 to ${LIMIT_MAX}`);
  return Number(value);
}

function openOptions(opts: { statementTimeout?: string; map?: string; archive?: string }): OpenOptions {
  const extra: OpenOptions = {
    ...(opts.map === undefined ? {} : { mapping: parseMapOption(opts.map) }),
    ...(opts.archive === undefined ? {} : { archive: opts.archive }),
  };
  if (opts.statementTimeout === undefined) return extra;
  if (!/^\d+$/.test(opts.statementTimeout) || Number(opts.statementTimeout) < 1)
    throw new AppError('invalid_input', '--statement-timeout is a number of milliseconds (default 5000)');
  return { statementTimeoutMs: Number(opts.statementTimeout), ...extra };
}

/** Any error on its way out loses the passwords it might quote (a driver may echo a connection string). */
async function redacting<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw redactError(error);
  }
}

/** A multi-tenant source without --tenant: the error names the tenants to choose from. */
async function requireTenantChoice(source: Source, tenant: string | undefined): Promise<void> {
  if (!source.summary().tenantScoped || tenant) return;
  const tenants = await source.tenants();
  const shown = tenants
    .slice(0, 10)
    .map((t) => `${t.id} ${t.name} (${t.plan ?? '—'})`)
    .join('; ');
  throw new AppError(
    'invalid_input',
    `this database is multi-tenant: choose a tenant with --tenant ID (${tenants.length} tenants${shown ? `: ${shown}` : ''}${tenants.length > 10 ? '; …' : ''})`,
  );
}

const shortTime = (iso: string | null): string => iso?.slice(0, 19).replace('T', ' ') ?? '—';

function oneLine(text: string | null, width: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function printInfo(
  info: SourceInfo & { tenants?: { id: string; name: string; plan: string | null }[] },
): void {
  console.log(`Source    ${info.source}`);
  console.log(
    `Kind      ${info.kind} (${info.engine})${info.hasConversations ? ' — has conversations' : ''}`,
  );
  if (info.tenants?.length) {
    console.log(`\nTenants (${info.tenants.length})`);
    console.log(
      table(
        ['TENANT', 'NAME', 'PLAN'],
        info.tenants.map((t) => [t.id, t.name, t.plan ?? '—']),
      ),
    );
  }
  console.log('');
  if (info.tables.length === 0) return void console.log('No tables.');
  console.log(
    table(
      ['TABLE', 'TYPE', 'COLUMNS', 'ROWS'],
      info.tables.map((t) => [
        oneLine(t.name, 80),
        t.type,
        String(t.columns),
        t.rows === null ? '—' : `${t.rowsEstimated ? '~' : ''}${t.rows}`,
      ]),
    ),
  );
}

/** `open` for folders and server URLs (files keep their own detailed view in open.ts). */
export async function openSourceCommand(
  locator: string,
  opts: { json?: boolean; statementTimeout?: string; archive?: string },
): Promise<void> {
  await redacting(() =>
    withSource(locator, openOptions(opts), async (source) => {
      const info = await source.info();
      const tenants = info.tenantScoped ? await source.tenants() : undefined;
      const shown = tenants ? { ...info, tenants } : info;
      if (opts.json) return printJson(shown);
      printInfo(shown);
    }),
  );
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
  if (archive !== undefined && !all.some(isMysqlUrl))
    throw new AppError('invalid_input', '--archive goes with a mysql:// messaging source');
  sourceSession.restrictToRegistered();
  // The cold-archive folder goes with the MySQL sources (browser mode cannot name another folder).
  for (const url of all) sourceSession.register(url, isMysqlUrl(url) ? archive : undefined);
  return rootOrUrl !== undefined && isServerLocator(rootOrUrl) ? undefined : rootOrUrl;
}

/** True when `open`/`export` should go through a Source rather than their file/root paths. */
export function isServerLocator(locator: string): boolean {
  return isPostgresUrl(locator) || isMysqlUrl(locator);
}

export async function exportSourceCommand(
  locator: string,
  opts: {
    chat: string[];
    tenant?: string;
    format: string;
    out: string;
    redact?: boolean;
    force?: boolean;
    json?: boolean;
    statementTimeout?: string;
    map?: string;
    archive?: string;
  },
): Promise<void> {
  if (opts.format !== 'json' && opts.format !== 'csv' && opts.format !== 'html')
    throw new AppError('invalid_input', '--format must be json, csv or html');
  if (opts.chat.length !== 1)
    throw new AppError(
      'invalid_input',
      'a database source exports one conversation at a time: give one --chat ID',
    );
  const result = await redacting(() =>
    withSource(locator, openOptions(opts), async (source) => {
      await requireTenantChoice(source, opts.tenant);
      return runCliJob('Exporting', (ctx) =>
        exportFromSource(
          source,
          {
            conversationId: opts.chat[0]!,
            tenant: opts.tenant,
            format: opts.format as 'json',
            out: resolve(opts.out),
            redact: opts.redact ?? false,
            overwrite: opts.force ?? false,
          },
          ctx,
        ),
      );
    }),
  );
  if (opts.json) return printJson(result);
  console.log(
    `Exported ${result.messages} messages as ${result.format.toUpperCase()}${result.redacted ? ' (redacted)' : ''} to ${result.out} (${formatBytes(result.bytes)})`,
  );
}

/** `demo --postgres URL`: the EvoSense demo data in a given, empty database (the one command here that writes). */
export async function demoPostgres(url: string, opts: { json?: boolean }): Promise<void> {
  const target = parsePgUrl(url);
  const { pg } = await pgDriver();
  const client = new pg.Client({ connectionString: url, application_name: 'chat-inspector-demo' });
  try {
    await client.connect();
  } catch (error) {
    throw pgError(error, target, 5000);
  }
  try {
    const existing = await client.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'p')",
    );
    if (Number(existing.rows[0].n) > 0)
      throw new AppError(
        'conflict',
        `${target.display}: the database already has tables; the demo fills an empty database only (CREATE DATABASE a new one)`,
      );
    // Loaded only here: the fixture generator is not part of every CLI start.
    const { writeEvoSense } = await import('../../fixtures/evosense.ts');
    await client.query('BEGIN');
    const truth = await writeEvoSense(client, {
      messagesPerTenant: 400,
      chatsPerTenant: 15,
      bigChatMessages: 1500,
    });
    await client.query('COMMIT');
    const result = {
      source: target.display,
      kind: 'evosense',
      tenants: truth.tenants.map((t) => ({ id: t.id, name: t.name, plan: t.plan, messages: t.messages })),
      messages: truth.messages.length,
    };
    if (opts.json) return printJson(result);
    console.log(
      `EvoSense demo data written to ${target.display}: ${result.messages} messages in ${result.tenants.length} tenants`,
    );
    console.log(
      table(
        ['TENANT', 'NAME', 'PLAN', 'MESSAGES'],
        result.tenants.map((t) => [t.id, t.name, t.plan, String(t.messages)]),
      ),
    );
    console.log(`Try: chat-inspector conversations '${target.display}' --tenant ${result.tenants[0]!.id}`);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw pgError(error, target, 5000);
  } finally {
    await client.end().catch(() => {});
  }
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
  const { demoMessaging } = await import('../../fixtures/mysql-demo.ts');
  const result = await demoMessaging(url, resolve(archiveArg));
  if (opts.json) return printJson(result);
  console.log(
    `Messaging demo written to ${result.source}: ${result.messages.hot} hot, ${result.messages.warm} warm messages; ${result.messages.cold} cold in ${result.archive}`,
  );
  console.log(
    table(
      ['COMPANY', 'NAME', 'CONVERSATIONS', 'MESSAGES'],
      result.companies.map((c) => [c.id, c.name, String(c.conversations), String(c.messages)]),
    ),
  );
  console.log(
    `Try: chat-inspector conversations '${result.source}' --archive ${result.archive} --tenant ${result.companies[0]!.id}`,
  );
}

export function registerSourceCommands(program: Command): void {
  program
    .command('conversations')
    .description(
      'conversations of any source (data root folder, SQLite file, postgres:// or mysql:// URL), most recent first',
    )
    .argument('<source>', ANY_SOURCE_HELP)
    .option('--tenant <id>', 'the tenant (multi-tenant databases such as EvoSense)')
    .option(
      '--search <text>',
      'only conversations whose id/title or messages match (full-text on PostgreSQL)',
    )
    .option('--limit <n>', 'conversations per page (default 50)')
    .option('--after <cursor>', 'the page after this cursor (the "next" of the previous page)')
    .option('--statement-timeout <ms>', 'server statement time limit in ms (default 5000)')
    .option('--map <mapping>', MAP_HELP)
    .option(
      '--archive <dir>',
      "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        locator: string,
        opts: {
          archive?: string;
          tenant?: string;
          search?: string;
          limit?: string;
          after?: string;
          statementTimeout?: string;
          map?: string;
          json?: boolean;
        },
      ) => {
        const limit = parseLimit(opts.limit, 50);
        await redacting(() =>
          withSource(locator, openOptions(opts), async (source) => {
            await requireTenantChoice(source, opts.tenant);
            const page = await source.conversations({
              tenant: opts.tenant,
              search: opts.search,
              limit,
              after: opts.after,
            });
            const summary = source.summary();
            if (opts.json)
              return printJson({
                source: summary.source,
                kind: summary.kind,
                conversations: page.conversations.map((c) => ({
                  id: c.id,
                  title: c.title,
                  messages: c.messages,
                  lastActivity: c.lastActivity,
                })),
                next: page.next,
              });
            if (page.conversations.length === 0) console.log('No conversations.');
            else
              console.log(
                table(
                  ['ID', 'TITLE', 'MESSAGES', 'LAST ACTIVITY'],
                  page.conversations.map((c) => [
                    oneLine(c.id, 60),
                    oneLine(c.title, 40),
                    String(c.messages),
                    shortTime(c.lastActivity),
                  ]),
                ),
              );
            if (page.next) console.log(`\nmore: --after ${page.next}`);
          }),
        );
      },
    );

  program
    .command('messages')
    .description("a page of one conversation's messages in time order (the newest page; --before pages back)")
    .argument('<source>', ANY_SOURCE_HELP)
    .argument('<conversationId>', 'the conversation (as `conversations` lists it)')
    .option('--tenant <id>', 'the tenant (multi-tenant databases such as EvoSense)')
    .option('--limit <n>', 'messages per page (default 50)')
    .option('--before <cursor>', 'the page older than this cursor (the "next" of the previous page)')
    .option('--after <cursor>', 'the page newer than this cursor')
    .option('--at <time>', 'the page starting at this date or time (ISO 8601)')
    .option('--statement-timeout <ms>', 'server statement time limit in ms (default 5000)')
    .option('--map <mapping>', MAP_HELP)
    .option(
      '--archive <dir>',
      "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        locator: string,
        conversationId: string,
        opts: {
          archive?: string;
          tenant?: string;
          limit?: string;
          before?: string;
          after?: string;
          at?: string;
          statementTimeout?: string;
          map?: string;
          json?: boolean;
        },
      ) => {
        const limit = parseLimit(opts.limit, 50);
        if ([opts.before, opts.after, opts.at].filter((v) => v !== undefined).length > 1)
          throw new AppError('invalid_input', 'give one of --before, --after and --at');
        await redacting(() =>
          withSource(locator, openOptions(opts), async (source) => {
            await requireTenantChoice(source, opts.tenant);
            const page = await source.messages({
              conversationId,
              tenant: opts.tenant,
              limit,
              before: opts.before,
              after: opts.after,
              at: opts.at,
            });
            if (opts.json)
              return printJson({
                messages: page.messages.map((m) => ({
                  id: m.id,
                  timestamp: m.timestamp,
                  role: m.role,
                  text: m.text,
                  ...(m.extra?.intent !== undefined ? { intent: m.extra.intent } : {}),
                  ...(m.extra?.event !== undefined ? { event: m.extra.event } : {}),
                })),
                next: page.older,
              });
            for (const m of page.messages) {
              const a = m.analysis;
              const figures = a
                ? [
                    a.sentiment !== null && a.sentiment !== undefined
                      ? `sentiment ${a.sentiment.toFixed(2)}`
                      : null,
                    a.emotion ? a.emotion : null,
                    a.satisfaction !== null && a.satisfaction !== undefined
                      ? `satisfaction ${a.satisfaction}`
                      : null,
                    a.tone ? `tone ${a.tone}` : null,
                  ].filter(Boolean)
                : [];
              // Bot frameworks (main/mapping): Rasa's intent beside a user turn, its other events marked.
              if (typeof m.extra?.intent === 'string') figures.push(`intent ${m.extra.intent}`);
              if (m.extra?.folded === true) figures.push(`event ${String(m.extra.event)}`);
              console.log(
                `${shortTime(m.timestamp)}  ${m.role.padEnd(6)} #${m.id}  ${oneLine(m.text, 160)}${figures.length ? `  [${figures.join(', ')}]` : ''}`,
              );
            }
            if (page.messages.length === 0) console.log('No messages.');
            if (page.older) console.log(`\nolder: --before ${page.older}`);
            if (page.newer) console.log(`newer: --after ${page.newer}`);
          }),
        );
      },
    );

  program
    .command('similar')
    .description(
      "messages of a tenant ranked by embedding distance to one message's own embedding (pgvector, EvoSense)",
    )
    .argument('<source>', 'a postgres:// / postgresql:// URL of an EvoSense database')
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--message <id>', 'the message whose embedding is compared')
    .option('--limit <n>', 'how many (default 10)')
    .option('--statement-timeout <ms>', 'server statement time limit in ms (default 5000)')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        locator: string,
        opts: { tenant: string; message: string; limit?: string; statementTimeout?: string; json?: boolean },
      ) => {
        const limit = parseLimit(opts.limit, 10);
        await redacting(() =>
          withSource(locator, openOptions(opts), async (source) => {
            if (!source.similar || !source.summary().hasSimilar)
              throw new AppError(
                'invalid_input',
                `${source.summary().source}: similar messages need an EvoSense database with embeddings (pgvector)`,
              );
            const similar = await source.similar({ tenant: opts.tenant, messageId: opts.message, limit });
            if (opts.json)
              return printJson({
                source: source.summary().source,
                tenant: opts.tenant,
                messageId: opts.message,
                similar,
              });
            if (similar.length === 0)
              return void console.log('No other message of this tenant has an embedding.');
            console.log(
              table(
                ['DISTANCE', 'MESSAGE', 'CONVERSATION', 'TIME', 'TEXT'],
                similar.map((s) => [
                  s.distance.toFixed(4),
                  s.messageId,
                  oneLine(s.conversationId, 40),
                  shortTime(s.timestamp),
                  oneLine(s.text, 80),
                ]),
              ),
            );
          }),
        );
      },
    );
}
