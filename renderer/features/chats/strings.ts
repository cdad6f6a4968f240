import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };
import { withManyForms } from '../../i18n/index.ts';

/** The chat list's own i18next namespace (`useTranslation(CHATS_NS)`), kept beside its code. */
export const CHATS_NS = 'chatsList';

/** Adds the feature's strings once i18next is initialised (called when a component renders). */
export function ensureChatsStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', CHATS_NS)) return;
  i18next.addResourceBundle('en', CHATS_NS, en, true, true);
  i18next.addResourceBundle('pt-BR', CHATS_NS, withManyForms(ptBR), true, true);
}
