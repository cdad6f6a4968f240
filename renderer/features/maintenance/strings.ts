import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };
import { withManyForms } from '../../i18n/index.ts';

/** This feature's own i18next namespace (`useTranslation(MAINTENANCE_NS)`), kept beside its code. */
export const MAINTENANCE_NS = 'maintenance';

/** Adds the feature's strings once i18next is initialised (called when a component renders). */
export function ensureMaintenanceStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', MAINTENANCE_NS)) return;
  i18next.addResourceBundle('en', MAINTENANCE_NS, en, true, true);
  i18next.addResourceBundle('pt-BR', MAINTENANCE_NS, withManyForms(ptBR), true, true);
}
