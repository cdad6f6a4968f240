import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { withManyForms } from './index.ts';

describe('plural forms', () => {
  it("a Portuguese count of a million finds its text (the 'many' form), not a raw key", async () => {
    const resources = { n: { messages_one: '{{count}} mensagem', messages_other: '{{count}} mensagens' } };
    const plain = i18next.createInstance();
    await plain.init({ lng: 'pt-BR', resources: { 'pt-BR': { translation: resources } } });
    expect(plain.t('n.messages', { count: 1_000_000 })).toBe('n.messages');
    const filled = i18next.createInstance();
    await filled.init({ lng: 'pt-BR', resources: { 'pt-BR': { translation: withManyForms(resources) } } });
    expect(filled.t('n.messages', { count: 1_000_000 })).toBe('1000000 mensagens');
    expect(filled.t('n.messages', { count: 1 })).toBe('1 mensagem');
  });
});
