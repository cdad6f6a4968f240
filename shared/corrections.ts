import type { Message } from './domain.ts';

// How a message's grammar_corrections read, in one place: the thread and the HTML transcript show
// them the same way (original → corrected, with the rule), never as raw JSON when a shape is known.

export interface CorrectionView {
  original: string;
  corrected: string;
  rule: string | null;
}

/** grammar_corrections JSON in the shapes bots write: a list, {corrections:[...]}, or one object. */
export function correctionsOf(message: Pick<Message, 'corrections' | 'originalContent' | 'content'>): {
  items: CorrectionView[];
  raw: string | null;
} {
  const value = message.corrections;
  const items: CorrectionView[] = [];
  const take = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const original = o.original ?? o.wrong ?? o.error ?? o.from;
    const corrected = o.corrected ?? o.correction ?? o.right ?? o.to ?? o.suggestion;
    if (typeof original === 'string' || typeof corrected === 'string') {
      items.push({
        original: String(original ?? ''),
        corrected: String(corrected ?? ''),
        rule:
          typeof (o.rule ?? o.explanation ?? o.type) === 'string'
            ? String(o.rule ?? o.explanation ?? o.type)
            : null,
      });
    }
  };
  if (Array.isArray(value)) value.forEach(take);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.corrections)) o.corrections.forEach(take);
    else if (Array.isArray(o.errors)) o.errors.forEach(take);
    else take(o);
  }
  if (
    items.length === 0 &&
    message.originalContent &&
    message.content &&
    message.originalContent !== message.content
  ) {
    items.push({ original: message.originalContent, corrected: message.content, rule: null });
  }
  const raw =
    items.length === 0 && value !== null && value !== undefined
      ? typeof value === 'string'
        ? value
        : JSON.stringify(value)
      : null;
  return { items, raw };
}
