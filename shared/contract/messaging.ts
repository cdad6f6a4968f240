import { z } from 'zod';
import { query } from './define.ts';

// Seed 003's messaging sources (MySQL/MariaDB hot and warm tiers + the cold archive): what the generic
// sources.* operations do not carry — the conversation summary shown beside the thread.

export const ConversationSummaryOut = z.object({
  conversationId: z.string(),
  summary: z.string(),
  keyPoints: z.array(z.string()),
  sentiment: z.string().nullable(),
  tags: z.array(z.string()),
  messageCount: z.number().nullable(),
  /** Minutes. */
  duration: z.number().nullable(),
  createdAt: z.string().nullable(),
});
export type ConversationSummaryOut = z.infer<typeof ConversationSummaryOut>;

export const messagingOperations = {
  'messaging.summary': query(
    "A conversation's summary (summary, key points, sentiment, tags, message count, duration); null when it has none yet or the source keeps none.",
    z.object({
      id: z.string().min(1).max(64),
      tenant: z.string().max(64).optional(),
      conversationId: z.string().min(1).max(512),
    }),
    z.object({ summary: ConversationSummaryOut.nullable() }),
  ),
};
