import type { SourceMessageOut } from './contract/sources.ts';

// The one message model (SourceMessageOut) keeps who said what when in its own fields; what a store knows
// beyond that rides in `extra` under these keys (written by main/sources/sqlite-source.ts sourceMessageOf
// for the seed-000 layout; other Sources put their own columns there). Read here, once, for every screen.

/** The keys of `extra` a thread shows as more than a line of "other columns". */
export const THREAD_FIELDS = [
  'sessionId',
  'voice',
  'voiceDuration',
  'originalContent',
  'corrections',
  'vocabulary',
  'hasErrors',
  'responseTime',
  'confidence',
  'model',
] as const;

export interface ThreadFields {
  /** The bot's session the message belongs to (the thread's separators), or null. */
  sessionId: string | null;
  isVoice: boolean;
  /** Seconds of a voice message, when the store recorded them. */
  voiceDuration: number | null;
  originalContent: string | null;
  /** Parsed JSON of the bot's grammar corrections (or its raw text). */
  corrections: unknown;
  vocabulary: unknown;
  /** The bot marked the user's message as having mistakes. */
  hasErrors: boolean;
  responseTime: number | null;
  /** 0..1, or a percentage as some stores keep it. */
  confidence: number | null;
  /** The model that wrote a bot message, when the store names it. */
  model: string | null;
}

const numberOr = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const textOr = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A message's thread fields from its `extra` (absent keys read as "not known"). */
export function threadFieldsOf(message: Pick<SourceMessageOut, 'extra'>): ThreadFields {
  const extra = message.extra ?? {};
  const voice = extra.voice;
  return {
    sessionId: textOr(extra.sessionId),
    isVoice: voice !== undefined && voice !== null && voice !== false,
    voiceDuration: typeof voice === 'number' ? voice : numberOr(extra.voiceDuration),
    originalContent: textOr(extra.originalContent),
    corrections: extra.corrections ?? null,
    vocabulary: extra.vocabulary ?? null,
    hasErrors: extra.hasErrors === true,
    responseTime: numberOr(extra.responseTime),
    confidence: numberOr(extra.confidence),
    model: textOr(extra.model),
  };
}
