import i18next from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../../i18n/en.json' with { type: 'json' };
import ptBR from '../../i18n/pt-BR.json' with { type: 'json' };
import { ListHealthBadge } from '../chats/ListHealthBadge.tsx';

// A chat whose DB another program holds (the `locked` finding) shows as locked, with what it means, in the
// list row and the chat header (both use ListHealthBadge): not as an error, not as OK.

const LOCKED = {
  file: 'conversations.db',
  message: 'conversations.db could not be read: database is locked.',
};

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'pt-BR': { translation: ptBR } },
    lng: 'en',
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
  });
});

const html = (health: 'ok' | 'warning' | 'error' | 'unchecked', locked?: typeof LOCKED) =>
  renderToStaticMarkup(<ListHealthBadge health={health} locked={locked} />);

describe('locked chat badge', () => {
  it('says Locked with the file and what to do, in place of Warning or Not checked', async () => {
    await i18next.changeLanguage('en');
    for (const health of ['warning', 'unchecked', 'ok'] as const) {
      const out = html(health, LOCKED);
      expect(out).toContain('data-health="locked"');
      expect(out).toContain('>Locked<');
      expect(out).toContain('Another program (usually the bot) is writing conversations.db');
      // main's own English detail is not shown: the finding is worded from its code.
      expect(out).toContain('conversations.db could not be read: another program holds a lock on it');
      expect(out).not.toMatch(/>(Warning|Error|OK)</);
    }
  });

  it('lets a real error elsewhere in the chat show as the error it is', async () => {
    await i18next.changeLanguage('en');
    expect(html('error', LOCKED)).toContain('data-health="error"');
    expect(html('warning')).toContain('data-health="warning"');
  });

  it('speaks pt-BR', async () => {
    await i18next.changeLanguage('pt-BR');
    const out = html('warning', LOCKED);
    expect(out).toContain('>Bloqueado<');
    expect(out).toContain('está gravando conversations.db');
    expect(out).toContain('outro programa mantém uma trava nele');
    expect(out).not.toContain('database is locked');
  });
});
