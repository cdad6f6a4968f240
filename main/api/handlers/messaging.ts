import { MysqlSource } from '../../mysql/source.ts';
import { sourceSession } from '../../sources/session.ts';
import type { Handlers } from '../types.ts';

// Seed 003's messaging sources (contract: shared/contract/messaging.ts): the summary beside a thread.

export const messagingHandlers = {
  'messaging.summary': async ({ id, tenant, conversationId }) => {
    const source = await sourceSession.open(id);
    if (!(source instanceof MysqlSource) || source.kind !== 'messaging') return { summary: null };
    return { summary: await source.conversationSummary(conversationId, { tenant }) };
  },
} satisfies Partial<Handlers>;
