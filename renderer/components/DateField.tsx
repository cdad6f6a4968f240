import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatLocalDay, parseLocalDay } from './dates.ts';
import { uiLocale } from './format.ts';

/**
 * A day typed in the UI language's order (dd/mm/aaaa in pt-BR). `value` and `onChange` are ISO days
 * ('' for none); a day that does not exist is marked invalid and not passed on.
 */
export function DateField({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  onChange: (isoDay: string) => void;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const locale = uiLocale();
  // What is typed, for one value in one language: a value set from outside (or a language switch)
  // replaces it, shown in the current order.
  const shownFor = `${value}|${i18n.language}`;
  const [draft, setDraft] = useState({ for: shownFor, text: value ? formatLocalDay(value, locale) : '' });
  const text = draft.for === shownFor ? draft.text : value ? formatLocalDay(value, locale) : '';
  const setText = (next: string) => setDraft({ for: shownFor, text: next });
  const [invalid, setInvalid] = useState(false);

  const commit = () => {
    if (text.trim() === '') {
      setInvalid(false);
      if (value) onChange('');
      return;
    }
    const iso = parseLocalDay(text, locale);
    setInvalid(iso === null);
    if (iso !== null && iso !== value) onChange(iso);
  };

  return (
    <label className="date-field">
      <span>{label}</span>
      <input
        type="text"
        inputMode="numeric"
        className={invalid ? 'is-invalid' : undefined}
        placeholder={t('common.datePlaceholder')}
        aria-invalid={invalid}
        title={invalid ? t('common.dateInvalid') : undefined}
        data-testid={testId}
        size={10}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
      />
    </label>
  );
}
