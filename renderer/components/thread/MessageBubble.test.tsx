import i18next from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceMessageOut } from '../../../shared/contract/sources.ts';
import en from '../../i18n/en.json' with { type: 'json' };
import { MessageBubble } from './MessageBubble.tsx';

// A bubble shows the one message model (what chat.messages and file.messages send): the text, and what the
// store knows beyond it from `extra` — voice, corrections, vocabulary, the error marker, confidence, model.

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en } },
    lng: 'en',
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
  });
});

const message = (over: Partial<SourceMessageOut>): SourceMessageOut => ({
  id: '12',
  conversationId: '694383532',
  timestamp: '2026-11-01T10:00:00.000Z',
  role: 'user',
  rawRole: 'user',
  text: 'I went home',
  analysis: null,
  extra: null,
  ...over,
});

const html = (m: SourceMessageOut) => renderToStaticMarkup(<MessageBubble message={m} />);

describe('message bubble', () => {
  it('shows a voice message with its duration, its corrections and its vocabulary', () => {
    const out = html(
      message({
        extra: {
          voice: 75,
          originalContent: 'I goed home',
          corrections: [{ original: 'goed', corrected: 'went', rule: 'past tense' }],
          vocabulary: [{ word: 'went', meaning: 'past of go' }],
          hasErrors: true,
        },
      }),
    );
    expect(out).toContain('data-msg-id="12"');
    expect(out).toContain('title="Voice message"');
    expect(out).toContain('1:15');
    expect(out).toContain('<del dir="auto">goed</del>');
    expect(out).toContain('<ins dir="auto">went</ins>');
    expect(out).toContain('past tense');
    expect(out).toMatch(/went.*= past of go/);
    // The corrections say what was wrong: the bare marker is not repeated.
    expect(out).not.toContain('marked with errors');
  });

  it('marks a message with errors and no corrections, and shows no voice badge without voice', () => {
    const out = html(message({ extra: { hasErrors: true, voiceDuration: 3 } }));
    expect(out).toContain('marked with errors');
    expect(out).not.toContain('Voice message');
  });

  it("shows a bot's confidence, response time and model, and a message without text as such", () => {
    const out = html(
      message({
        role: 'bot',
        rawRole: 'sarah',
        text: null,
        extra: { confidence: 0.87, responseTime: 1.5, model: 'qwen2.5-coder:14b' },
      }),
    );
    expect(out).toContain('data-role="bot"');
    expect(out).toContain('sarah');
    expect(out).toContain('87');
    expect(out).toContain('qwen2.5-coder:14b');
    expect(out).toContain(en.thread.noText);
  });
});
