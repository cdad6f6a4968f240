import type { ConversationRef } from '../../shared/domain.ts';

export interface ConversationList {
  conversations: ConversationRef[];
  /** True when the list was cut at the limit or counts were taken over the newest rows only. */
  capped: boolean;
}

export interface PageInput {
  before?: number | undefined;
  after?: number | undefined;
  /** ISO date or datetime: the page starting at the first message on or after it. */
  at?: string | undefined;
  limit: number;
}
