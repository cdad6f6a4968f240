import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };

/** The mapping panel's own i18next namespace, kept beside its code. */
export const MAPPING_NS = 'mapping';

export function ensureMappingStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', MAPPING_NS)) return;
  i18next.addResourceBundle('en', MAPPING_NS, en, true, true);
  i18next.addResourceBundle('pt-BR', MAPPING_NS, ptBR, true, true);
}
