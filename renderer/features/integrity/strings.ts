import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };
import { withManyForms } from '../../i18n/index.ts';

/** This feature's own i18next namespace (`useTranslation(INTEGRITY_NS)`), kept beside its code. */
export const INTEGRITY_NS = 'integrity';

/**
 * Adds the feature's strings to the app's i18next instance once it is initialised. Called when the screen
 * renders (initI18n has run by then); cheap and idempotent.
 */
export function ensureIntegrityStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', INTEGRITY_NS)) return;
  i18next.addResourceBundle('en', INTEGRITY_NS, en, true, true);
  i18next.addResourceBundle('pt-BR', INTEGRITY_NS, withManyForms(ptBR), true, true);
}
