import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };
import { withManyForms } from '../../i18n/index.ts';

/** The fleet dashboard's own i18next namespace (`useTranslation(FLEET_NS)`), kept beside its code. */
export const FLEET_NS = 'fleetDash';

/** Adds the feature's strings once i18next is initialised (called when a component renders). */
export function ensureFleetStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', FLEET_NS)) return;
  i18next.addResourceBundle('en', FLEET_NS, en, true, true);
  i18next.addResourceBundle('pt-BR', FLEET_NS, withManyForms(ptBR), true, true);
}
