import { readdirSync, rmdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { exportFromSource } from '../../export/export.ts';
import { writeDemoRoot } from '../../fixtures/demo-root.ts';
import { entryAt } from '../../fs/entry.ts';
import { pgDriver } from '../../pg/client.ts';
import { pgError } from '../../pg/errors.ts';
import { parsePgUrl } from '../../pg/url.ts';
import { kindOf, withSource } from '../../sources/registry.ts';
import { sourceSession } from '../../sources/session.ts';
import type { OpenOptions, Source } from '../../sources/types.ts';
import { chatTrees, requireChatFolders, treeNamed } from '../../store/layout.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';
import { resolveOutput } from './backup.ts';

// Reads of any source named by its locator, opened for one call and closed after it (contract:
// shared/contract/locator.ts). Nothing is remembered: no session entry, no recent list, no saved connection.

interface Located {
  locator: string;
  statementTimeoutMs?: number | undefined;
  mapping?: OpenOptions['mapping'];
  archive?: string | undefined;
}

/**
 * A server URL may be opened only when the session knows it (with this cold-archive folder, if one is
 * given): the command line registers its own; browser mode knows only those given when it started.
 */
function requireKnownServer(locator: string, archive: string | undefined): void {
  const known = sourceSession
    .snapshot()
    .some((entry) => entry.locator === locator && (archive === undefined || entry.archive === archive));
  if (!known)
    throw new AppError(
      'forbidden_path',
      'this server source was not given on the command line (nor connected in the app); it was not opened',
    );
}

/** A folder or file on the allow-list; a server URL the session knows; anything else is the opener's to refuse. */
function requireAllowed(ctx: HandlerContext, located: Located): void {
  const { locator } = located;
  if (kindOf(locator)?.server) return requireKnownServer(locator, located.archive);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(locator)) return; // not a source at all: openSource says so
  const { kind } = entryAt(resolve(locator));
  if (kind === 'directory') ctx.places.requireRoot(locator);
  else if (kind === 'file' || kind === 'missing') ctx.places.requireFile(locator);
  // Anything else (a FIFO, a link, a socket) no kind accepts: openSource refuses it without opening it.
}

/** Opens the located source for one call, runs `use`, and always closes it. */
function withLocated<T>(
  ctx: HandlerContext,
  located: Located,
  use: (source: Source) => Promise<T>,
): Promise<T> {
  requireAllowed(ctx, located);
  const options: OpenOptions = {
    mappingHome: ctx.userDataDir,
    ...(located.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: located.statementTimeoutMs }),
    ...(located.mapping === undefined ? {} : { mapping: located.mapping }),
    ...(located.archive === undefined ? {} : { archive: located.archive }),
  };
  return withSource(located.locator, options, use);
}

/** A multi-tenant source without a tenant: the error names the tenants to choose from. */
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

/** A new or empty folder, emptied of nothing (an existing empty folder is removed: the demo is renamed into place). */
function claimEmptyFolder(dir: string, shownAs: string): void {
  const { kind } = entryAt(dir);
  if (kind === 'missing') return;
  // lstat: a link to an empty folder is not an empty folder (it would be replaced, not followed).
  if (kind !== 'directory' || readdirSync(dir).length > 0)
    throw new AppError('conflict', `${shownAs}: already exists and is not empty; choose a new folder`);
  rmdirSync(dir);
}

export const locatorHandlers = {
  'locator.info': (input, ctx) =>
    withLocated(ctx, input, async (source) => {
      const info = await source.info();
      return info.tenantScoped ? { ...info, tenants: await source.tenants() } : info;
    }),
  'locator.conversations': ({ tenant, search, after, limit, ...located }, ctx) =>
    withLocated(ctx, located, async (source) => {
      await requireTenantChoice(source, tenant);
      const page = await source.conversations({ tenant, search, after, limit });
      return { ...page, summary: source.summary() };
    }),
  'locator.messages': ({ conversationId, tenant, before, after, at, limit, ...located }, ctx) => {
    if ([before, after, at].filter((v) => v !== undefined).length > 1)
      throw new AppError('invalid_input', 'give one of --before, --after and --at');
    return withLocated(ctx, located, async (source) => {
      await requireTenantChoice(source, tenant);
      return source.messages({ conversationId, tenant, limit, before, after, at });
    });
  },
  'locator.similar': ({ tenant, messageId, limit, ...located }, ctx) =>
    withLocated(ctx, located, async (source) => {
      const summary = source.summary();
      if (!source.similar || !summary.hasSimilar)
        throw new AppError(
          'invalid_input',
          `${summary.source}: similar messages need an EvoSense database with embeddings (pgvector)`,
        );
      return {
        source: summary.source,
        tenant,
        messageId,
        similar: await source.similar({ tenant, messageId, limit }),
      };
    }),
  'export.source': ({ conversationId, tenant, format, out, redact, overwrite, ...located }, ctx, job) =>
    withLocated(ctx, located, async (source) => {
      await requireTenantChoice(source, tenant);
      const target = resolveOutput(ctx, out, 'exports', 'conversation', `.${format}`);
      return exportFromSource(
        source,
        { conversationId, tenant, format, out: target, redact, overwrite, now: ctx.now() },
        job,
      );
    }),
  'root.check': ({ root, shownAs, tree, chats }, ctx) => {
    ctx.places.requireRoot(root);
    // Said with the path as it was given (not its real path), as each command has always said it.
    const full = resolve(root);
    if (chats) requireChatFolders(full, shownAs ?? root);
    if (tree !== undefined) treeNamed(full, tree);
    return { trees: chatTrees(full).map(({ tree: name, dir }) => ({ tree: name, dir })) };
  },
  'demo.root': async ({ dir }, ctx) => {
    const target = ctx.places.requireWritableTarget(dir);
    claimEmptyFolder(target, dir);
    await writeDemoRoot(target);
    return { root: target, chats: `${target}/chats`, legacy: `${target}/legacy` };
  },
  'demo.postgres': async ({ url }) => {
    requireKnownServer(url, undefined);
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
      // Loaded only here: the fixture generator is not part of every start.
      const { writeEvoSense } = await import('../../fixtures/evosense.ts');
      await client.query('BEGIN');
      const truth = await writeEvoSense(client, {
        messagesPerTenant: 400,
        chatsPerTenant: 15,
        bigChatMessages: 1500,
      });
      await client.query('COMMIT');
      return {
        source: target.display,
        kind: 'evosense' as const,
        tenants: truth.tenants.map((t) => ({ id: t.id, name: t.name, plan: t.plan, messages: t.messages })),
        messages: truth.messages.length,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw pgError(error, target, 5000);
    } finally {
      await client.end().catch(() => {});
    }
  },
  'demo.mysql': async ({ url, archive }, ctx) => {
    requireKnownServer(url, undefined);
    const folder = ctx.places.requireWritableTarget(archive);
    const { demoMessaging } = await import('../../fixtures/mysql-demo.ts');
    return demoMessaging(url, folder);
  },
} satisfies Partial<Handlers>;
