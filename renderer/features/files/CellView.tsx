import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Cell } from '../../../shared/domain.ts';
import { formatBytes, formatNumber } from '../../components/format.ts';

const looksJson = (s: string) => /^\s*[[{]/.test(s);

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
      const expandable = cell.truncated || json || cell.v.length > 80 || cell.v.includes('\n');
      return (
        <span className="cell-text">
          <span className={`cell-value${json ? ' mono' : ''}`} dir="auto">
            {cell.v.length > 200 ? `${cell.v.slice(0, 200)}…` : cell.v}
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
