import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobProgress } from '../../../shared/contract/index.ts';
import { isChatId } from '../../../shared/contract/primitives.ts';
import { toAppError } from '../../api/index.ts';
import { showToast } from '../../app/toasts.tsx';
import { formatNumber } from '../../components/format.ts';
import { ErrorState, ProgressBar } from '../../components/ui.tsx';
import { canDownload, downloadOutput } from './download.ts';
import type { JobSlotState } from './jobSlot.ts';
import { BACKUPS_NS } from './strings.ts';

/** Progress of a running job with its cancel button; the outcome (error, cancelled) when it ended badly. */
export function JobStatusView({
  state,
  label,
  onCancel,
  testId,
}: {
  state: JobSlotState<unknown>;
  label: (progress: JobProgress | null) => string;
  onCancel: () => void;
  testId?: string;
}) {
  const { t } = useTranslation(BACKUPS_NS);
  if (state.status === 'running') {
    const p = state.progress;
    return (
      <div className="job-status" data-testid={testId} style={{ display: 'grid', gap: 6, margin: '10px 0' }}>
        <div style={{ display: 'flex', alignItems: 'center', gap: 10 }}>
          <span className="muted" style={{ flex: 1 }}>
            {label(p)}
            {p?.total
              ? ` · ${t('working', { done: formatNumber(p.done), total: formatNumber(p.total) })}`
              : ''}
          </span>
          <button type="button" className="btn btn-small" onClick={onCancel}>
            {t('cancel')}
          </button>
        </div>
        <ProgressBar done={p?.done ?? 0} total={p?.total ?? null} label={label(p)} />
      </div>
    );
  }
  if (state.status === 'failed') return <ErrorState error={state.error} compact />;
  if (state.status === 'cancelled') return <p className="muted">{t('cancelled')}</p>;
  return null;
}

/** "Saved to …" and, in browser mode, a download button. */
export function OutputLine({ path, children }: { path: string; children?: ReactNode }) {
  const { t } = useTranslation(BACKUPS_NS);
  const [busy, setBusy] = useState(false);
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 10, flexWrap: 'wrap', marginTop: 6 }}>
      <span className="muted">
        {t('savedTo', { path: '' })}
        <span className="mono path">{path}</span>
      </span>
      {canDownload() ? (
        <button
          type="button"
          className="btn btn-small"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            downloadOutput(path)
              .catch((error: unknown) => showToast(toAppError(error).message, 'error'))
              .finally(() => setBusy(false));
          }}
        >
          {busy ? t('downloading') : t('download')}
        </button>
      ) : null}
      {children}
    </div>
  );
}

export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: ReactNode }) {
  return (
    <label style={{ display: 'grid', gap: 4, margin: '8px 0' }}>
      <span className="muted">{label}</span>
      {children}
      {hint ? (
        <span className="muted" style={{ fontSize: 12 }}>
          {hint}
        </span>
      ) : null}
    </label>
  );
}

/** Chat ids typed by a person: split on spaces/commas; the first invalid one is reported. */
export function parseChatIds(text: string): { ids: string[]; invalid: string | null } {
  const ids = text
    .split(/[\s,;]+/)
    .map((s) => s.trim().replace(/^chat_/, ''))
    .filter(Boolean);
  return { ids: [...new Set(ids)], invalid: ids.find((id) => !isChatId(id)) ?? null };
}

/** Paths to choose from instead of typing (browser mode has no file dialog), for an input's `list`. */
export function PathChoices({
  id,
  choices,
}: {
  id: string;
  choices: readonly { path: string; label: string }[];
}) {
  return (
    <datalist id={id}>
      {choices.map((c) => (
        <option key={c.path} value={c.path}>
          {c.label}
        </option>
      ))}
    </datalist>
  );
}

/** A labelled number input, kept as typed text (the caller reads it with a fallback). */
export function NumberField({
  label,
  value,
  onChange,
  min,
  max,
  disabled,
}: {
  label: string;
  value: string | number;
  onChange: (text: string) => void;
  min: number;
  max?: number;
  disabled?: boolean;
}) {
  return (
    <Field label={label}>
      <input
        type="number"
        style={{ maxWidth: 200 }}
        min={min}
        max={max}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
      />
    </Field>
  );
}

/** A labelled path typed or chosen from `choices`. */
export function PathField({
  label,
  value,
  onChange,
  disabled,
  listId,
  choices,
  testId,
}: {
  label: string;
  value: string;
  onChange: (path: string) => void;
  disabled: boolean;
  listId: string;
  choices: readonly { path: string; label: string }[];
  testId?: string;
}) {
  return (
    <Field label={label}>
      <input
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
        list={listId}
        data-testid={testId}
      />
      <PathChoices id={listId} choices={choices} />
    </Field>
  );
}
