import { sourceSession } from '../../sources/session.ts';
import type { Handlers } from '../types.ts';

// Server sources in the app (contract: shared/contract/sources.ts). Every read goes through the Source
// model; PostgreSQL work is async socket I/O, so the main process never blocks on the server.

export const sourceHandlers = {
  'sources.list': () => ({ sources: sourceSession.list(), canConnect: sourceSession.canConnect }),
  'sources.connect': ({ url, password, archive }) => sourceSession.connect(url, password, archive),
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
