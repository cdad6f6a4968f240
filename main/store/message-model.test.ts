import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/domain.ts';
import { messageOfSource } from '../adapters/per-chat-messages.ts';
import { sourceMessageOf } from '../sources/sqlite-source.ts';

// The per-chat root speaks the one message model (SourceMessage); the app's seed-000 view of a message
// is rebuilt from it with nothing lost, so the thread shows what it showed before.

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

describe('seed-000 message ⇄ SourceMessage', () => {
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
        vocabulary: ['went'],
        confidence: 0.9,
        responseTime: 1.2,
        extra: { context: { topic: 'travel' } },
      },
    ],
    ['voice without a duration', { ...base, isVoice: true }],
    ['a duration without voice', { ...base, voiceDuration: 2 }],
    [
      'corrections kept as text',
      { ...base, corrections: 'not json', role: 'bot' as const, rawRole: 'sarah' },
    ],
  ])('%s: the same message back', (_name, message) => {
    const source = sourceMessageOf(message, '42');
    expect(source.id).toBe('7');
    expect(source.conversationId).toBe('42');
    expect(source.text).toBe(message.content);
    expect(messageOfSource(source)).toEqual(message);
  });
});
