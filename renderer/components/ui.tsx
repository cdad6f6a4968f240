import { memo, useEffect, useId, useRef, type InputHTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Health } from '../../shared/domain.ts';
import type { AppError } from '../../shared/errors.ts';
import { formatNumber } from './format.ts';

export const HealthBadge = memo(function HealthBadge({ health }: { health: Health }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge-${health}`} data-health={health}>
      <span className="badge-dot" aria-hidden="true" />
      {t(`health.${health}`)}
    </span>
  );
});

export function SeverityBadge({ severity }: { severity: 'error' | 'warning' | 'info' }) {
  const { t } = useTranslation();
  const health = severity === 'info' ? 'info' : severity;
  return (
    <span className={`badge badge-${health}`}>
      <span className="badge-dot" aria-hidden="true" />
      {t(`severity.${severity}`)}
    </span>
  );
}

export function ProgressBar({
  done,
  total,
  label,
  indeterminate,
}: {
  done: number;
  total: number | null;
  label: string;
  indeterminate?: boolean;
}) {
  const pct = total && total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const unknown = indeterminate || !total;
  return (
    <div
      className={`progress${unknown ? ' progress-indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total ?? undefined}
      aria-valuenow={unknown ? undefined : done}
    >
      <div className="progress-fill" style={unknown ? undefined : { width: `${pct}%` }} />
    </div>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label} />;
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Empty({ title, children, icon }: { title: string; children?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="state state-empty">
      <div className="state-icon" aria-hidden="true">
        {icon ?? '∅'}
      </div>
      <div className="state-title">{title}</div>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

/** An error explained in one sentence, with its stable code for support tickets. */
export function ErrorState({
  error,
  title,
  onRetry,
  compact,
}: {
  error: AppError | Error | null | undefined;
  title?: string;
  onRetry?: () => void;
  compact?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const code = error && 'code' in error ? String(error.code) : null;
  // Messages from main are English sentences; other languages get the code's meaning first.
  const explained =
    code && i18n.language !== 'en' && i18n.exists(`errors.${code}`) ? t(`errors.${code}`) : null;
  return (
    <div className={`state state-error${compact ? ' state-compact' : ''}`} role="alert">
      <div className="state-icon" aria-hidden="true">
        !
      </div>
      <div className="state-title">{title ?? t('common.errorTitle')}</div>
      <div className="state-body">
        {explained ? <p className="error-explained">{explained}</p> : null}
        {error?.message && i18n.language !== 'en' ? (
          // main's English words, quoted as the program's output (not the UI's language) under the meaning.
          <p className="error-message">
            <samp lang="en">{error.message}</samp>
          </p>
        ) : (
          <p className="error-message">{error?.message ?? t('common.unknownError')}</p>
        )}
        {code ? <code className="error-code">{code}</code> : null}
      </div>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function Count({ n }: { n: number }) {
  return <>{formatNumber(n)}</>;
}

/** A modal dialog on the native <dialog> element (focus trap and Escape for free). */
export function Dialog({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { t } = useTranslation();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' dialog-wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button
          type="button"
          className="btn btn-ghost btn-icon"
          onClick={onClose}
          aria-label={t('common.close')}
        >
          ✕
        </button>
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

/** "Are you sure?" before an action that writes to a person's data: Cancel, or the named action. */
export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  cancelLabel,
  testId,
  onCancel,
  onConfirm,
}: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  testId?: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog title={title} onClose={onCancel}>
      <p>{body}</p>
      <div style={{ display: 'flex', gap: 8, justifyContent: 'flex-end' }}>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type="button" className="btn" data-testid={testId} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

export function Card({
  title,
  children,
  actions,
  className,
  testId,
}: {
  title?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`card${className ? ` ${className}` : ''}`} data-testid={testId}>
      {title || actions ? (
        <header className="card-head">
          {title ? <h3 className="card-title">{title}</h3> : <span />}
          {actions}
        </header>
      ) : null}
      <div className="card-body">{children}</div>
    </section>
  );
}

/**
 * A screen's row of tabs (WAI-ARIA tabs). With `idPrefix`, tab `x` is `<idPrefix>tab-x` and names the
 * panel `<idPrefix>panel-x` it controls; the screen gives its panel that id.
 */
export function Tabs<T extends string>({
  tabs,
  active,
  labelOf,
  onSelect,
  label,
  idPrefix,
}: {
  tabs: readonly T[];
  active: T;
  labelOf: (tab: T) => ReactNode;
  onSelect: (tab: T) => void;
  label?: string;
  idPrefix?: string;
}) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((id) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={idPrefix === undefined ? undefined : `${idPrefix}tab-${id}`}
          aria-selected={active === id}
          aria-controls={idPrefix === undefined ? undefined : `${idPrefix}panel-${id}`}
          className={`tab${active === id ? ' is-active' : ''}`}
          onClick={() => onSelect(id)}
        >
          {labelOf(id)}
        </button>
      ))}
    </div>
  );
}

/**
 * One choice of a few, as a row of segments: a WAI-ARIA radio group, or with `pressed` a group of toggle
 * buttons (a list's filters, where the chosen segment is pressed).
 */
export function SegmentedChoice<T extends string>({
  options,
  value,
  onChange,
  label,
  labelOf,
  disabled,
  dataName,
  pressed = false,
  isHidden,
  testId,
}: {
  options: readonly T[];
  value: T;
  onChange: (option: T) => void;
  label: string;
  labelOf: (option: T) => ReactNode;
  disabled?: boolean;
  /** Marks each segment `data-<dataName>="<option>"`, for tests that pick a segment by its value. */
  dataName?: string;
  pressed?: boolean;
  isHidden?: (option: T) => boolean;
  testId?: string;
}) {
  return (
    <div
      className="segmented"
      role={pressed ? 'group' : 'radiogroup'}
      aria-label={label}
      data-testid={testId}
    >
      {options.map((option) => (
        <button
          key={option}
          type="button"
          {...(pressed
            ? { 'aria-pressed': value === option }
            : { role: 'radio', 'aria-checked': value === option })}
          className={`segment${value === option ? ' is-active' : ''}`}
          onClick={() => onChange(option)}
          disabled={disabled}
          hidden={isHidden?.(option)}
          {...(dataName ? { [`data-${dataName}`]: option } : {})}
        >
          {labelOf(option)}
        </button>
      ))}
    </div>
  );
}

/** A form field written as a label line above its input; the input takes the remaining props. */
export function LabelledInput({
  id,
  label,
  className = 'input',
  onChange,
  ...input
}: {
  id: string;
  label: string;
  className?: string;
  onChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'className' | 'onChange'>) {
  return (
    <>
      <label className="muted" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={className}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        {...input}
      />
    </>
  );
}

export function KeyValue({ rows }: { rows: [ReactNode, ReactNode][] }) {
  return (
    <dl className="kv">
      {rows.map(([k, v], i) => (
        <div className="kv-row" key={i}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
