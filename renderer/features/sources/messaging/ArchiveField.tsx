import { useTranslation } from 'react-i18next';
import { LabelledInput } from '../../../components/ui.tsx';
import { MESSAGING_NS, ensureMessagingStrings } from './strings.ts';

/** The connection form's optional cold-archive folder (a MySQL messaging database's .jsonl.gz files). */
export function ArchiveField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  ensureMessagingStrings();
  const { t } = useTranslation(MESSAGING_NS);
  return (
    <LabelledInput
      id="source-archive"
      label={t('archive.label')}
      className="input mono"
      value={value}
      placeholder={t('archive.hint')}
      onChange={onChange}
      spellCheck={false}
      data-testid="source-archive"
    />
  );
}

/** The URL field's label once MySQL URLs are accepted too. */
export function useServerUrlLabel(): string {
  ensureMessagingStrings();
  const { t } = useTranslation(MESSAGING_NS);
  return t('urlLabel');
}
