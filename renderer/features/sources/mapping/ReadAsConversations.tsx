import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppError } from '../../../../shared/errors.ts';
import { call } from '../../../api/index.ts';
import { navigate } from '../../../app/nav.ts';
import { ErrorState } from '../../../components/ui.tsx';
import { MAPPING_NS, ensureMappingStrings } from './strings.ts';

// On the Files screen, for an SQLite file with no conversations Chat Inspector knows by file kind: opens it
// as a Source, where LangChain and Rasa histories are recognised and any chat-like table can be mapped.

export function ReadAsConversations({ path }: { path: string }) {
  ensureMappingStrings();
  const { t } = useTranslation(MAPPING_NS);
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const open = async () => {
    setBusy(true);
    setError(null);
    try {
      const ref = await call('sources.openFile', { path });
      await client.invalidateQueries({ queryKey: ['sources.list'] });
      navigate('sources', { src: ref.id });
    } catch (e) {
      setError(e as AppError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        title={t('readAsConversationsHint')}
        disabled={busy}
        onClick={() => void open()}
        data-testid="read-as-conversations"
      >
        {t('readAsConversations')}
      </button>
      {error ? <ErrorState error={error} compact /> : null}
    </>
  );
}
