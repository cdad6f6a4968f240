// Values read with safe integers on (INTEGER as bigint, BLOB as bytes) turned into what JSON can carry.

/** A value as text (an id, a name): integers exact, SQL NULL as null. */
export function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'bigint' ? value.toString() : String(value);
}

/**
 * A cell of an arbitrary row as JSON can carry it: an integer as a number while it is exact (its digits
 * beyond 2^53), a blob as its size only, anything else as it is.
 */
export function jsonSafeValue(value: unknown): unknown {
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}
