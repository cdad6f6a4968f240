import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMapping, MappingGuessOut, OutputOf } from '../../../../shared/contract/index.ts';
import type { AppError } from '../../../../shared/errors.ts';
import { call, useOp } from '../../../api/index.ts';
import { patchParams } from '../../../app/nav.ts';
import { formatDateTime } from '../../../components/format.ts';
import { Card, ErrorState, Loading } from '../../../components/ui.tsx';
import { MAPPING_NS, ensureMappingStrings } from './strings.ts';

// The mapping panel of a source with tables but no recognised conversations: the guess pre-filled, every
// field correctable (a column, and for JSON columns a path inside it), a preview of the first messages,
// and Save — which remembers the mapping in Chat Inspector's own folder and opens the conversations.

type Field = 'conversation' | 'time' | 'role' | 'text' | 'id';
const FIELDS: Field[] = ['conversation', 'time', 'role', 'text', 'id'];
const OPTIONAL = new Set<Field>(['time', 'role', 'id']);
type Table = MappingGuessOut['tables'][number];

/** `col.path` → [column, path] against the table's real columns (a column whose name has dots wins). */
export function splitField(table: Table | undefined, value: string | null | undefined): [string, string] {
  if (!value || !table) return ['', ''];
  if (table.columns.some((c) => c.name === value)) return [value, ''];
  const parts = value.split('.');
  for (let cut = parts.length - 1; cut >= 1; cut--) {
    const column = parts.slice(0, cut).join('.');
    if (table.columns.some((c) => c.name === column)) return [column, parts.slice(cut).join('.')];
  }
  return [value, ''];
}

function initialDraft(guess: MappingGuessOut): ChatMapping {
  const base = guess.saved ?? guess.guess;
  if (base) return { ...base };
  const table = guess.tables[0];
  return { table: table?.name ?? '', conversation: '', text: '', time: null, role: null, id: null };
}

export function MappingPanel({ id }: { id: string }) {
  ensureMappingStrings();
  const { t } = useTranslation(MAPPING_NS);
  const guess = useOp('sources.mapping.guess', { id });
  if (guess.isPending) return <Loading />;
  if (guess.isError) return <ErrorState error={guess.error} onRetry={() => void guess.refetch()} />;
  return (
    <div className="scroll-pane pad" data-testid="mapping-panel">
      <h2>{t('title')}</h2>
      <p className="muted">{t('intro')}</p>
      {!guess.data.guess && !guess.data.saved ? <p data-testid="mapping-no-guess">{t('noGuess')}</p> : null}
      {guess.data.saved ? <p className="muted">{t('savedNote')}</p> : null}
      <MappingForm id={id} guess={guess.data} />
    </div>
  );
}

function MappingForm({ id, guess }: { id: string; guess: MappingGuessOut }) {
  const { t } = useTranslation(MAPPING_NS);
  const client = useQueryClient();
  const [draft, setDraft] = useState<ChatMapping>(() => initialDraft(guess));
  const [preview, setPreview] = useState<OutputOf<'sources.mapping.preview'> | null>(null);
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const table = guess.tables.find((x) => x.name === draft.table);

  const setField = (field: Field, column: string, path: string) => {
    const value = column === '' ? null : path.trim() ? `${column}.${path.trim()}` : column;
    setDraft((d) => ({ ...d, [field]: value ?? (OPTIONAL.has(field) ? null : '') }));
    setPreview(null);
  };
  const complete = draft.table !== '' && draft.conversation !== '' && draft.text !== '';
  const cleaned = (): ChatMapping => ({
    table: draft.table,
    conversation: draft.conversation,
    text: draft.text,
    time: draft.time || null,
    role: draft.role || null,
    id: draft.id || null,
  });

  const run = async (what: 'preview' | 'save', mapping: ChatMapping | null) => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'preview') setPreview(await call('sources.mapping.preview', { id, mapping: mapping! }));
      else {
        await call('sources.mapping.save', { id, mapping });
        // The source was reopened with (or without) the mapping: everything read of it is stale.
        await client.invalidateQueries({
          predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith('sources.'),
        });
        patchParams({ view: mapping ? 'conversations' : 'mapping', conv: undefined });
      }
    } catch (e) {
      setError(e as AppError);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <div
        style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '8px 12px', maxWidth: 760 }}
      >
        <label htmlFor="mapping-table">{t('field.table')}</label>
        <select
          id="mapping-table"
          className="input"
          data-testid="mapping-table"
          value={draft.table}
          onChange={(e) => {
            setDraft({ table: e.target.value, conversation: '', text: '', time: null, role: null, id: null });
            setPreview(null);
          }}
        >
          {guess.tables.map((x) => (
            <option key={x.name} value={x.name}>
              {x.name}
            </option>
          ))}
        </select>
        {FIELDS.map((field) => (
          <FieldRow
            key={`${draft.table}:${field}`}
            field={field}
            table={table}
            value={draft[field] ?? null}
            onChange={(column, path) => setField(field, column, path)}
          />
        ))}
      </div>
      <div style={{ display: 'flex', gap: 8, marginTop: 12, flexWrap: 'wrap' }}>
        <button
          type="button"
          className="btn"
          disabled={!complete || busy !== null}
          onClick={() => void run('preview', cleaned())}
          data-testid="mapping-preview"
        >
          {busy === 'preview' ? t('previewing') : t('preview')}
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!complete || busy !== null}
          onClick={() => void run('save', cleaned())}
          data-testid="mapping-save"
        >
          {busy === 'save' ? t('saving') : t('save')}
        </button>
        {guess.saved ? (
          <button
            type="button"
            className="btn"
            disabled={busy !== null}
            onClick={() => void run('save', null)}
          >
            {t('forget')}
          </button>
        ) : null}
      </div>
      {error ? <ErrorState error={error} compact /> : null}
      {preview ? (
        <Card
          title={
            preview.conversationId ? t('previewTitle', { id: preview.conversationId }) : t('previewEmpty')
          }
          testId="mapping-preview-card"
        >
          <ol style={{ listStyle: 'none', padding: 0, display: 'grid', gap: 6 }}>
            {preview.messages.map((m) => (
              <li key={m.id} className={`bubble bubble-${m.role}`} style={{ padding: '4px 8px' }}>
                <div className="muted" style={{ fontSize: 12 }}>
                  {m.rawRole ?? m.role} → {m.role} · {formatDateTime(m.timestamp)}
                </div>
                <div style={{ whiteSpace: 'pre-wrap' }}>{m.text}</div>
              </li>
            ))}
          </ol>
        </Card>
      ) : null}
    </>
  );
}

function FieldRow({
  field,
  table,
  value,
  onChange,
}: {
  field: Field;
  table: Table | undefined;
  value: string | null;
  onChange: (column: string, path: string) => void;
}) {
  const { t } = useTranslation(MAPPING_NS);
  const [column, path] = splitField(table, value);
  const meta = table?.columns.find((c) => c.name === column);
  const canHavePath =
    field !== 'id' && meta && (meta.typeClass === 'json' || meta.jsonPaths.length > 0 || path);
  const listId = `mapping-paths-${field}`;
  return (
    <>
      <label htmlFor={`mapping-${field}`} title={t(`hint.${field}`)}>
        {t(`field.${field}`)}
      </label>
      <div style={{ display: 'flex', gap: 6, alignItems: 'center', flexWrap: 'wrap' }}>
        <select
          id={`mapping-${field}`}
          className="input"
          data-testid={`mapping-${field}`}
          value={column}
          onChange={(e) => onChange(e.target.value, '')}
        >
          {OPTIONAL.has(field) || column === '' ? (
            <option value="">{field === 'id' ? t('auto') : t('none')}</option>
          ) : null}
          {table?.columns.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.type || '?'})
            </option>
          ))}
        </select>
        {canHavePath ? (
          <>
            <input
              className="input mono"
              aria-label={`${t(`field.${field}`)}: ${t('jsonPath')}`}
              data-testid={`mapping-${field}-path`}
              placeholder={t('jsonPathHint')}
              list={listId}
              value={path}
              onChange={(e) => onChange(column, e.target.value)}
              spellCheck={false}
            />
            <datalist id={listId}>
              {meta.jsonPaths.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
          </>
        ) : null}
        <span className="muted" style={{ fontSize: 12 }}>
          {t(`hint.${field}`)}
        </span>
      </div>
    </>
  );
}
