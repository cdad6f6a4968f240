import { passwordToSeal, unseal } from '../../sources/saved.ts';
import { sourceSession, type Probe } from '../../sources/session.ts';
import type { HandlerContext } from '../context.ts';
import { runStep } from '../steps.ts';
import type { Handlers } from '../types.ts';

/**
 * Where the saved connections' file is, and what the keychain (the app's, on this thread only) says: the
 * file itself is read and written in a worker (main/api/steps.ts), read again per request (small), so the
 * app, a second window and tests agree without a cache.
 */
function connectionsPlace(ctx: HandlerContext, sealed: string | null = null) {
  let available = false;
  try {
    available = ctx.keychain?.isEncryptionAvailable() ?? false;
  } catch {
    // a keychain that fails to answer cannot seal either
  }
  return {
    userDataDir: ctx.userDataDir,
    nowMs: ctx.now().getTime(),
    keychain: { available, sealed },
    rememberRecent: ctx.rememberRecent !== false,
  };
}

/** A server URL just opened goes to the recent list (without its password), except in browser mode. */
async function remember(ctx: HandlerContext, url: string): Promise<void> {
  if (ctx.rememberRecent !== false)
    await runStep(ctx, 'connections.remember', { place: connectionsPlace(ctx), url });
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
    await remember(ctx, url);
    return ref;
  },
  'sources.connections': (_input, ctx) => runStep(ctx, 'connections.view', connectionsPlace(ctx)),
  'sources.save': ({ url, name, password, rememberPassword }, ctx) => {
    // The password is sealed here, where the keychain is; the worker writes only its sealed bytes.
    const place = connectionsPlace(ctx);
    const plain = rememberPassword ? passwordToSeal({ url, password }) : undefined;
    const sealed =
      plain && place.keychain.available ? ctx.keychain!.encryptString(plain).toString('base64') : null;
    return runStep(ctx, 'connections.save', {
      place: connectionsPlace(ctx, sealed),
      save: { url, name, password, rememberPassword },
    });
  },
  'sources.connectSaved': async ({ savedId }, ctx) => {
    const entry = await runStep(ctx, 'connections.sealed', { place: connectionsPlace(ctx), savedId });
    const { url, password } = unseal(entry, ctx.keychain ?? null);
    const ref = await sourceSession.connect(url, password, undefined, probeInWorker(ctx));
    await remember(ctx, url);
    return ref;
  },
  'sources.forget': ({ saved, recent }, ctx) =>
    runStep(ctx, 'connections.forget', { place: connectionsPlace(ctx), saved, recent }),
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
