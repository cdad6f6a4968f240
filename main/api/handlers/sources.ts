import { SavedConnections } from '../../sources/saved.ts';
import { sourceSession, type Probe } from '../../sources/session.ts';
import { runStep } from '../steps.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

/** The settings file is read per request (small): the app, a second window and tests agree without a cache. */
const connections = (ctx: HandlerContext) =>
  new SavedConnections(ctx.userDataDir, ctx.keychain ?? null, ctx.now);

/** Saved connections and (outside browser mode) the recent server URLs. */
function view(ctx: HandlerContext, store: SavedConnections) {
  const shown = store.view();
  return ctx.rememberRecent === false ? { ...shown, recent: [] } : shown;
}

/** A server URL just opened goes to the recent list (without its password), except in browser mode. */
function remember(ctx: HandlerContext, url: string): void {
  if (ctx.rememberRecent !== false) connections(ctx).remember(url);
}

/** Opens a source of the session in a worker of the pool; the registry keeps its kind (main/api/steps.ts). */
export const probeInWorker =
  (ctx: HandlerContext): Probe =>
  (entry) =>
    runStep(ctx, 'sources.open', entry, {
      describe: `opening ${entry.label} (sources): it did not answer and the request was stopped; other requests go on`,
    });

// Server sources in the app (contract: shared/contract/sources.ts). Every read goes through the Source
// model, in a worker of the pool: the main process keeps the registry and never connects itself.

export const sourceHandlers = {
  'sources.list': () => ({ sources: sourceSession.list(), canConnect: sourceSession.canConnect }),
  'sources.connect': async ({ url, password, archive }, ctx) => {
    const ref = await sourceSession.connect(url, password, archive, probeInWorker(ctx));
    remember(ctx, url);
    return ref;
  },
  'sources.connections': (_input, ctx) => view(ctx, connections(ctx)),
  'sources.save': ({ url, name, password, rememberPassword }, ctx) => {
    const store = connections(ctx);
    store.save({ url, name, password, rememberPassword });
    return view(ctx, store);
  },
  'sources.connectSaved': async ({ savedId }, ctx) => {
    const store = connections(ctx);
    const { url, password } = store.unlock(savedId);
    const ref = await sourceSession.connect(url, password, undefined, probeInWorker(ctx));
    remember(ctx, url);
    return ref;
  },
  'sources.forget': ({ saved, recent }, ctx) => {
    const store = connections(ctx);
    store.forget({ saved, recent });
    return view(ctx, store);
  },
  'sources.info': async ({ id }) => {
    const source = await sourceSession.open(id);
    const info = await source.info();
    return { ...info, tenants: await source.tenants() };
  },
  'sources.conversations': async ({ id, tenant, search, after, limit }) =>
    (await sourceSession.open(id)).conversations({ tenant, search, after, limit }),
  'sources.messages': async ({ id, conversationId, tenant, before, after, at, limit }) =>
    (await sourceSession.open(id)).messages({ conversationId, tenant, before, after, at, limit }),
  'sources.metrics': async ({ id, tenant }) => (await sourceSession.open(id)).metrics({ tenant }),
  'sources.similar': async ({ id, tenant, messageId, limit }) => {
    const source = await sourceSession.open(id);
    if (!source.similar) return { similar: [] };
    return { similar: await source.similar({ tenant, messageId, limit }) };
  },
} satisfies Partial<Handlers>;
