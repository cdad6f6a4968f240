import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Cell } from '../../../shared/domain.ts';
import { formatBytes, formatNumber } from '../../components/format.ts';

const looksJson = (s: string) => /^\s*[[{]/.test(s);

/**
 * JSON text as a person reads it: `\u00e7` shown as ç (bots write JSON with ASCII escapes). Only the
 * escapes of printable characters are decoded, so the text stays what it was otherwise.
 */
export function decodeJsonEscapes(text: string): string {
  // `\\` is an escaped backslash, kept as it is, so `\\u00e7` (a literal backslash-u) is not decoded.
  return text.replace(/\\(\\|u[0-9a-fA-F]{4})/g, (escape, body: string) => {
    if (body === '\\') return escape;
    const unit = parseInt(body.slice(1), 16);
    return unit < 0x20 || unit === 0x22 || unit === 0x5c ? escape : String.fromCharCode(unit);
  });
}

/** Hex in groups of two bytes, like a hex dump line. */
function hexPreview(hex: string, maxBytes = 16): string {
  const bytes = hex.slice(0, maxBytes * 2).match(/../g) ?? [];
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(bytes.slice(i, i + 2).join(''));
  return groups.join(' ');
}

/** One typed table cell: null dimmed, numbers right-aligned, long text cut with Expand, blobs as hex + size. */
export const CellView = memo(function CellView({ cell, onExpand }: { cell: Cell; onExpand?: () => void }) {
  const { t } = useTranslation();
  switch (cell.t) {
    case 'null':
      return <span className="cell-null">NULL</span>;
    case 'int':
      return <span className="cell-num">{cell.v}</span>;
    case 'real':
      return <span className="cell-num">{String(cell.v)}</span>;
    case 'text': {
      const json = looksJson(cell.v);
      const shown = json ? decodeJsonEscapes(cell.v) : cell.v;
      const expandable = cell.truncated || json || cell.v.length > 80 || cell.v.includes('\n');
      return (
        <span className="cell-text">
          <span className={`cell-value${json ? ' mono' : ''}`} dir="auto">
            {shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}
          </span>
          {expandable && onExpand ? (
            <button
              type="button"
              className="cell-expand"
              onClick={onExpand}
              title={cell.truncated ? t('files.cutOf', { n: formatNumber(cell.length) }) : undefined}
            >
              {json ? '{ }' : t('files.expand')}
              {cell.truncated ? ` · ${formatNumber(cell.length)}` : ''}
            </button>
          ) : null}
        </span>
      );
    }
    case 'blob':
      return (
        <span className="cell-text">
          <span className="cell-blob mono">{hexPreview(cell.hex) || '∅'}</span>
          <span className="cell-size">{formatBytes(cell.length)}</span>
          {onExpand && cell.length > 0 ? (
            <button type="button" className="cell-expand" onClick={onExpand}>
              {t('files.hex')}
            </button>
          ) : null}
        </span>
      );
  }
});

export function cellIsNumeric(cell: Cell | undefined): boolean {
  return cell?.t === 'int' || cell?.t === 'real';
}
