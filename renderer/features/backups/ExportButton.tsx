import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportFormat } from '../../../shared/contract/backup.ts';
import { queryClient } from '../../api/index.ts';
import { formatBytes, formatNumber } from '../../components/format.ts';
import { Dialog, SegmentedChoice } from '../../components/ui.tsx';
import { useJobSlot } from './jobSlot.ts';
import { Field, JobStatusView, OutputLine } from './parts.tsx';
import { BACKUPS_NS, ensureBackupsStrings } from './strings.ts';

const FORMATS: ExportFormat[] = ['html', 'json', 'csv'];

/** What is exported: a chat of a root, or one conversation of a single SQLite file (Files screen). */
type ExportTarget =
  | { kind: 'chat'; root: string; chatId: string }
  | { kind: 'file'; path: string; conversationId: string; title: string };

/** "Export…" for the chat screen: one chat as JSON, CSV or printable HTML, optionally redacted. */
export function ExportButton({ root, chatId }: { root: string; chatId: string }) {
  return <ExportOpener target={{ kind: 'chat', root, chatId }} />;
}

/** "Export…" for a conversation of a legacy or foreign file (a clinic bot's, DuilioCode's...). */
export function FileExportButton({
  path,
  conversationId,
  title,
}: {
  path: string;
  conversationId: string;
  title: string;
}) {
  return <ExportOpener target={{ kind: 'file', path, conversationId, title }} />;
}

function ExportOpener({ target }: { target: ExportTarget }) {
  ensureBackupsStrings();
  const { t } = useTranslation(BACKUPS_NS);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => setOpen(true)}
        data-testid="export-button"
      >
        {t('export.button')}
      </button>
      {open ? <ExportDialog target={target} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function ExportDialog({ target, onClose }: { target: ExportTarget; onClose: () => void }) {
  const { t } = useTranslation(BACKUPS_NS);
  const chatJob = useJobSlot(
    target.kind === 'chat' ? `export:${target.root}:${target.chatId}` : 'export:none',
    'export.run',
  );
  const fileJob = useJobSlot(
    target.kind === 'file' ? `export-file:${target.path}:${target.conversationId}` : 'export-file:none',
    'export.file',
  );
  const job = target.kind === 'chat' ? chatJob : fileJob;
  const [format, setFormat] = useState<ExportFormat>('html');
  // An export is made to leave the building (a transcript for a colleague, a client, a lawyer): masking
  // is on unless the person turns it off.
  const [redact, setRedact] = useState(true);
  const [name, setName] = useState('');
  const running = job.state.status === 'running';
  const result = job.state.result;
  return (
    <Dialog
      title={
        target.kind === 'chat'
          ? t('export.title', { chatId: target.chatId })
          : t('export.titleConversation', { title: target.title })
      }
      onClose={onClose}
    >
      <div data-testid="export-dialog">
        <div style={{ display: 'grid', gap: 4, margin: '8px 0' }}>
          <span className="muted">{t('export.format')}</span>
          <SegmentedChoice
            options={FORMATS}
            value={format}
            onChange={setFormat}
            label={t('export.format')}
            labelOf={(f) => t(`export.${f}`)}
            disabled={running}
          />
        </div>
        {format === 'csv' ? <p className="muted">{t('export.csvNote')}</p> : null}
        <label style={{ display: 'flex', gap: 6, alignItems: 'center', margin: '8px 0' }}>
          <input
            type="checkbox"
            checked={redact}
            onChange={(e) => setRedact(e.target.checked)}
            disabled={running}
            data-testid="export-redact"
          />
          {t('export.redact')}
        </label>
        <Field label={t('fileName')}>
          <input
            type="text"
            value={name}
            placeholder={target.kind === 'chat' ? `chat_${target.chatId}-….${format}` : `….${format}`}
            onChange={(e) => setName(e.target.value)}
            disabled={running}
          />
        </Field>
        <button
          type="button"
          className="btn"
          disabled={running}
          data-testid="export-start"
          onClick={() => {
            const out = name.trim() || undefined;
            const started =
              target.kind === 'chat'
                ? chatJob.start({ root: target.root, chatIds: [target.chatId], format, redact, out })
                : fileJob.start({
                    path: target.path,
                    conversationId: target.conversationId,
                    format,
                    redact,
                    out,
                  });
            void started.then(() => queryClient.invalidateQueries({ queryKey: ['backup.outputs'] }));
          }}
        >
          {t('export.start')}
        </button>
        <JobStatusView
          state={job.state}
          label={(p) =>
            t('export.running', { done: formatNumber(p?.done ?? 0), total: formatNumber(p?.total ?? 0) })
          }
          onCancel={job.cancel}
        />
        {result ? (
          <div data-testid="export-result" style={{ marginTop: 10 }}>
            <p>
              {t('export.done', {
                messages: formatNumber(result.messages),
                sessions: formatNumber(result.sessions),
                size: formatBytes(result.bytes),
              })}
            </p>
            <OutputLine path={result.out} />
          </div>
        ) : null}
      </div>
    </Dialog>
  );
}
