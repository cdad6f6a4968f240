/**
 * JSON objects and arrays stored as text (extra_data, grammar_corrections, request_data...), shown
 * pretty-printed. The text is re-indented token by token, never through JSON.parse → stringify, so
 * numbers keep their exact spelling (a 19-digit id or 0.10 is not rewritten).
 * Returns null when the text is not a JSON object or array.
 */
export function prettyJson(text: string, indent = '  '): string | null {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return null;
  try {
    JSON.parse(trimmed);
  } catch {
    return null;
  }
  const out: string[] = [];
  let level = 0;
  const newline = (): void => {
    out.push('\n', indent.repeat(level));
  };
  for (let i = 0; i < trimmed.length; i++) {
    const ch = trimmed[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < trimmed.length && trimmed[j] !== '"') j += trimmed[j] === '\\' ? 2 : 1;
      out.push(trimmed.slice(i, j + 1));
      i = j;
    } else if (ch === '{' || ch === '[') {
      let k = i + 1;
      while (k < trimmed.length && /\s/.test(trimmed[k]!)) k++;
      const close = ch === '{' ? '}' : ']';
      if (trimmed[k] === close) {
        out.push(ch, close);
        i = k;
      } else {
        out.push(ch);
        level++;
        newline();
      }
    } else if (ch === '}' || ch === ']') {
      level--;
      newline();
      out.push(ch);
    } else if (ch === ',') {
      out.push(',');
      newline();
    } else if (ch === ':') {
      out.push(': ');
    } else if (!/\s/.test(ch)) {
      out.push(ch);
    }
  }
  return out.join('');
}

/** Parses JSON-looking text for a message's `extra` (objects and arrays only); anything else is kept as is. */
export function parseJsonish(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return value;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return value;
  }
}

/**
 * A column's value as a message's `extra` keeps it: big integers as text, blobs as their size, long text
 * cut; undefined for no value (NULL).
 */
export function extraValue(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (typeof value === 'string' && value.length > 2000) return `${value.slice(0, 2000)}…`;
  return value;
}
