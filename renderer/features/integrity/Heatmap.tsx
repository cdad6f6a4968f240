import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatCheck } from '../../../shared/contract/integrity.ts';
import type { Health } from '../../../shared/domain.ts';
import { useTheme } from '../../app/theme.ts';
import { cellAt, cellOrigin, fade, layoutGrid, paintCells, pixel, stepIndex, type Rgb } from './heatmap.ts';
import { INTEGRITY_NS } from './strings.ts';

export interface HeatmapProps {
  results: readonly ChatCheck[];
  /** Changes whenever `results` changed (they are appended in place while a check streams). */
  version: number;
  /** Squares to draw: the chats of the root, checked or not yet. */
  total: number;
  /** Chats the filters leave out are drawn faded. */
  isVisible: (check: ChatCheck) => boolean;
  /** Changes whenever `isVisible` does. */
  filterKey: string;
  selectedIndex: number | null;
  onSelect: (index: number) => void;
  onOpen: (index: number) => void;
  label: string;
}

/** A CSS colour (variables, color-mix...) as RGB, read back from a 1×1 canvas. */
function resolveColor(probe: CanvasRenderingContext2D, css: string, fallback: Rgb): Rgb {
  if (!css.trim()) return fallback;
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = css.trim();
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0]!, d[1]!, d[2]!];
}

interface Palette {
  status: Record<Health, { on: number; off: number }>;
  pending: number;
  ring: string;
}

function readPalette(element: HTMLElement): Palette {
  const style = getComputedStyle(element);
  const probeCanvas = document.createElement('canvas');
  probeCanvas.width = probeCanvas.height = 1;
  const probe = probeCanvas.getContext('2d', { willReadFrequently: true })!;
  const read = (name: string, fallback: Rgb) => resolveColor(probe, style.getPropertyValue(name), fallback);
  const background = read('--surface', [255, 255, 255]);
  const make = (rgb: Rgb) => ({ on: pixel(rgb), off: pixel(fade(rgb, background, 0.78)) });
  return {
    status: {
      ok: make(read('--ok', [35, 131, 74])),
      warning: make(read('--warning', [154, 103, 0])),
      error: make(read('--error', [197, 48, 48])),
    },
    pending: pixel(read('--surface-3', [231, 234, 239])),
    ring: style.getPropertyValue('--text').trim() || '#1b2230',
  };
}

/**
 * The map of a check: one square per chat coloured by status, on one canvas. Hover names the chat,
 * click selects it, arrow keys move, Enter opens it. Stays fast at 100,000 chats.
 */
export function Heatmap(props: HeatmapProps) {
  const { results, version, total, isVisible, filterKey, selectedIndex, onSelect, onOpen, label } = props;
  const { t } = useTranslation(INTEGRITY_NS);
  const theme = useTheme();
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const count = Math.max(total, results.length);
  const layout = useMemo(() => layoutGrid(count, width), [count, width]);

  useLayoutEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    const measure = () => setWidth(Math.floor(wrap.clientWidth));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(wrap);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const dpr = Math.max(1, Math.round((window.devicePixelRatio || 1) * 2) / 2);
    const w = Math.round(layout.width * dpr);
    const h = Math.round(layout.height * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    canvas.style.width = `${layout.width}px`;
    canvas.style.height = `${layout.height}px`;
    if (w === 0 || h === 0) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const palette = readPalette(canvas);
    const image = ctx.createImageData(w, h);
    const pixels = new Uint32Array(image.data.buffer);
    paintCells(pixels, layout, dpr, count, (i) => {
      const r = results[i];
      if (!r) return palette.pending;
      const c = palette.status[r.status];
      return isVisible(r) ? c.on : c.off;
    });
    ctx.putImageData(image, 0, 0);
    if (selectedIndex !== null && selectedIndex < count) {
      const { x, y } = cellOrigin(layout, selectedIndex);
      const ring = Math.max(2, layout.cell / 6);
      ctx.strokeStyle = palette.ring;
      ctx.lineWidth = ring * dpr;
      ctx.strokeRect(
        (x - ring / 2) * dpr,
        (y - ring / 2) * dpr,
        (layout.cell - layout.gap + ring) * dpr,
        (layout.cell - layout.gap + ring) * dpr,
      );
    }
    // `version` and `filterKey` stand for the contents of `results` and `isVisible`.
  }, [layout, count, results, version, isVisible, filterKey, selectedIndex, theme]);

  const pointAt = (clientX: number, clientY: number) => {
    const canvas = canvasRef.current;
    if (!canvas) return null;
    const rect = canvas.getBoundingClientRect();
    return cellAt(layout, clientX - rect.left, clientY - rect.top, count);
  };

  const hovered = hover ? results[hover.index] : undefined;
  const counts = { ok: 0, warning: 0, error: 0 };
  for (const r of results) counts[r.status]++;

  return (
    <div className="integrity-map" ref={wrapRef}>
      <canvas
        ref={canvasRef}
        className="integrity-canvas"
        role="img"
        tabIndex={0}
        aria-label={`${label}. ${t('heatmapLabel', { total: count, ...counts })}`}
        data-testid="integrity-map"
        data-count={count}
        data-checked={results.length}
        data-cols={layout.cols}
        data-cell={layout.cell}
        data-selected-index={selectedIndex ?? ''}
        data-selected-status={selectedIndex !== null ? (results[selectedIndex]?.status ?? 'pending') : ''}
        onMouseMove={(e) => {
          const index = pointAt(e.clientX, e.clientY);
          const wrap = wrapRef.current?.getBoundingClientRect();
          if (index === null || !wrap) setHover(null);
          else setHover({ index, x: e.clientX - wrap.left, y: e.clientY - wrap.top });
        }}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const index = pointAt(e.clientX, e.clientY);
          if (index !== null && results[index]) onSelect(index);
        }}
        onDoubleClick={(e) => {
          const index = pointAt(e.clientX, e.clientY);
          if (index !== null && results[index]) onOpen(index);
        }}
        onKeyDown={(e) => {
          if (results.length === 0) return;
          if (e.key === 'Enter' && selectedIndex !== null) {
            e.preventDefault();
            onOpen(selectedIndex);
            return;
          }
          const from = selectedIndex ?? 0;
          const next = stepIndex(layout, from, e.key, results.length);
          if (next !== from || (selectedIndex === null && e.key.startsWith('Arrow'))) {
            e.preventDefault();
            onSelect(next);
          }
        }}
      />
      {hover ? (
        <div
          className="integrity-tip"
          role="tooltip"
          style={{ left: hover.x + 12, top: hover.y + 12 }}
          data-testid="integrity-tip"
        >
          {hovered ? (
            <>
              <span className={`dot dot-${hovered.status}`} aria-hidden="true" />
              <span className="mono">{hovered.chatId}</span>
              {hovered.findings.length > 0 ? (
                <span className="muted">{t('findingsCount', { count: hovered.findings.length })}</span>
              ) : null}
            </>
          ) : (
            <span className="muted">{t('pending')}</span>
          )}
        </div>
      ) : null}
    </div>
  );
}
