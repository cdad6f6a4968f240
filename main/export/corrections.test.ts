import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/domain.ts';
import { htmlWriter } from './formats.ts';

const message = (corrections: unknown): Message => ({
  id: 1,
  sessionId: null,
  role: 'bot',
  rawRole: 'sarah',
  content: 'Good try!',
  originalContent: null,
  isVoice: false,
  voiceDuration: null,
  hasErrors: true,
  corrections,
  vocabulary: null,
  confidence: null,
  responseTime: null,
  timestamp: '2026-01-02T10:00:00Z',
  extra: null,
});

const render = (m: Message) =>
  htmlWriter({ exportedAt: '2026-01-02T10:00:00Z', redacted: false, title: 't' }).message(
    { chatId: '1', profile: null, preferences: null, progress: [], messages: 1, sessions: 0 },
    m,
    0,
    null,
    false,
  );

describe('HTML transcript corrections', () => {
  it('renders the shapes the thread understands as original → corrected, never raw JSON', () => {
    for (const shape of [
      { corrections: [{ wrong: 'I has', right: 'I have', explanation: 'subject-verb' }] },
      [{ original: 'I has', corrected: 'I have', rule: 'subject-verb' }],
      { errors: [{ error: 'I has', correction: 'I have', type: 'subject-verb' }] },
    ]) {
      const html = render(message(shape));
      expect(html).toContain('<del>I has</del> → <ins>I have</ins>');
      expect(html).toContain('subject-verb');
      expect(html).not.toContain('{');
    }
  });

  it('escapes what it shows', () => {
    const html = render(message([{ original: '<b>x</b>', corrected: 'y' }]));
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});
