/** True when a key press belongs to a text field (shortcuts must not steal it). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range'].includes(type);
  }
  return false;
}

/** Focuses the current screen's search box (`/` or Ctrl+F). */
export function focusScreenSearch(): boolean {
  const input = document.querySelector<HTMLInputElement>('main [data-search]');
  if (!input) return false;
  input.focus();
  input.select();
  return true;
}
