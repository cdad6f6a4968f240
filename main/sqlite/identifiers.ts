/**
 * Table and column names read from a file are untrusted input. They are only ever used quoted,
 * and only when they name an object the file really has (checked by the caller against sqlite_schema).
 */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 512 || name.includes('\u0000')) {
    throw new Error(`unusable identifier: ${JSON.stringify(name.slice(0, 40))}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}
