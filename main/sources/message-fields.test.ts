import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/domain.ts';
import { threadFieldsOf } from '../../shared/message-fields.ts';
import { sourceMessageOf } from './sqlite-source.ts';

// What a SQLite kind knows beyond who said what when rides in the one message model's `extra`; the screens
// read it back with threadFieldsOf. Writer and reader must agree on every key, or a bubble loses its voice
// badge, corrections or session separator without any error.

const base: Message = {
  id: 7,
  sessionId: null,
  role: 'user',
  rawRole: 'user',
  content: 'I goed home',
  originalContent: null,
  isVoice: false,
  voiceDuration: null,
  hasErrors: false,
  corrections: null,
  vocabulary: null,
  confidence: null,
  responseTime: null,
  timestamp: '2026-11-01T10:00:00Z',
  extra: null,
};

describe('the thread fields of a SQLite kind’s message', () => {
  it.each([
    ['bare', base],
    [
      'every field',
      {
        ...base,
        sessionId: 's1',
        originalContent: 'I goed home',
        content: 'I went home',
        isVoice: true,
        voiceDuration: 3.5,
        hasErrors: true,
        corrections: [{ original: 'goed', corrected: 'went', rule: 'past' }],
        vocabulary: [{ word: 'went', meaning: 'past of go' }],
        confidence: 0.9,
        responseTime: 1.2,
        extra: { model: 'qwen2.5', context: { topic: 'travel' } },
      },
    ],
    ['voice without a duration', { ...base, isVoice: true }],
    ['a duration without voice', { ...base, voiceDuration: 2 }],
    ['corrections kept as text', { ...base, corrections: 'not json', role: 'bot' as const }],
  ])('%s: read back as written', (_name, message) => {
    const fields = threadFieldsOf(sourceMessageOf(message, '42'));
    expect(fields).toEqual({
      sessionId: message.sessionId,
      isVoice: message.isVoice,
      voiceDuration: message.voiceDuration,
      originalContent: message.originalContent,
      corrections: message.corrections,
      vocabulary: message.vocabulary,
      hasErrors: message.hasErrors,
      responseTime: message.responseTime,
      confidence: message.confidence,
      model: typeof message.extra?.model === 'string' ? message.extra.model : null,
    });
  });

  it('reads a message with no extra, or extras of other types, as nothing known', () => {
    const none = { extra: null };
    const odd = { extra: { sessionId: 3, voice: false, hasErrors: 'yes', confidence: '0.5', model: 1 } };
    for (const message of [none, odd])
      expect(threadFieldsOf(message)).toMatchObject({
        sessionId: null,
        isVoice: false,
        voiceDuration: null,
        hasErrors: false,
        confidence: null,
        model: null,
      });
  });
});
