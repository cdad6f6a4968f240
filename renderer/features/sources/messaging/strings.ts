import i18next from 'i18next';
import en from './i18n/en.json' with { type: 'json' };
import ptBR from './i18n/pt-BR.json' with { type: 'json' };
import { SOURCES_NS } from '../strings.ts';

/** The messaging (seed 003) parts of the Sources screen: their own namespace, beside their code. */
export const MESSAGING_NS = 'sources-messaging';

/**
 * Adds the strings once i18next is initialised. The metrics charts are drawn by the shared chart component,
 * which looks its titles up under `files.metrics*` in the default namespace, and the source kind is looked
 * up in the Sources namespace: those few keys are merged there (never overwriting).
 */
export function ensureMessagingStrings(): void {
  if (!i18next.isInitialized || i18next.hasResourceBundle('en', MESSAGING_NS)) return;
  for (const [lng, bundle] of [
    ['en', en],
    ['pt-BR', ptBR],
  ] as const) {
    i18next.addResourceBundle(lng, MESSAGING_NS, bundle, true, true);
    i18next.addResourceBundle(
      lng,
      'translation',
      {
        files: {
          metricsChart: bundle.metricsChart,
          metricsSeries: bundle.metricsSeries,
          metricsUnit: bundle.metricsUnit,
        },
      },
      true,
      false,
    );
    i18next.addResourceBundle(lng, SOURCES_NS, { kind: bundle.kind }, true, false);
  }
}
