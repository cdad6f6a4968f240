import type { InputHTMLAttributes } from 'react';
import { SearchIcon } from './icons.tsx';

/**
 * A search box with its icon and a label said to screen readers only; `data-search` lets the "/" key
 * find it. The remaining props go to the input (keys, focus, aria for a results list).
 */
export function SearchField({
  label,
  placeholder = label,
  onChange,
  ...input
}: {
  label: string;
  placeholder?: string;
  onChange: (text: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'placeholder' | 'onChange'>) {
  return (
    <label className="search-field">
      <span className="visually-hidden">{label}</span>
      <span className="search-icon" aria-hidden="true">
        <SearchIcon size={14} />
      </span>
      <input
        type="search"
        data-search
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        {...input}
      />
    </label>
  );
}
