import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };
import { withManyForms } from '../../i18n/index.ts';

/** This feature's own i18next namespace (`useTranslation(BACKUPS_NS)`), kept beside its code. */
export const BACKUPS_NS = 'backups';

/** Adds the feature's strings once i18next is initialised (called when a component renders). */
export function ensureBackupsStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', BACKUPS_NS)) return;
  i18next.addResourceBundle('en', BACKUPS_NS, en, true, true);
  i18next.addResourceBundle('pt-BR', BACKUPS_NS, withManyForms(ptBR), true, true);
}
