// Geometry and painting of the integrity map: one square per chat, drawn into a single <canvas> as
// pixels (100,000 chats are 100,000 squares, not 100,000 DOM nodes). Pure functions, tested on their own.

export interface GridLayout {
  /** Squares per row and rows. */
  cols: number;
  rows: number;
  /** Side of one square including its gap, in CSS pixels. */
  cell: number;
  /** Space between squares, in CSS pixels. */
  gap: number;
  /** Size of the drawing, in CSS pixels. */
  width: number;
  height: number;
}

const EMPTY_LAYOUT: GridLayout = { cols: 0, rows: 0, cell: 0, gap: 0, width: 0, height: 0 };
export const MIN_CELL = 2;
export const MAX_CELL = 22;

/**
 * Squares as large as fit `count` chats into `width` × about `targetHeight` pixels: a few chats get big
 * squares, 100,000 get 2-pixel ones (the drawing then grows taller than the target and scrolls).
 */
export function layoutGrid(count: number, width: number, targetHeight = 300): GridLayout {
  if (count <= 0 || width < MIN_CELL) return EMPTY_LAYOUT;
  const ideal = Math.floor(Math.sqrt((width * targetHeight) / count));
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, ideal));
  const cols = Math.max(1, Math.min(count, Math.floor(width / cell)));
  const rows = Math.ceil(count / cols);
  const gap = cell >= 12 ? 2 : cell >= 5 ? 1 : 0;
  return { cols, rows, cell, gap, width: cols * cell, height: rows * cell };
}

/** The index of the square under a point of the drawing (CSS pixels), or null between or past squares. */
export function cellAt(layout: GridLayout, x: number, y: number, count: number): number | null {
  if (layout.cell === 0 || x < 0 || y < 0 || x >= layout.width || y >= layout.height) return null;
  const col = Math.floor(x / layout.cell);
  const row = Math.floor(y / layout.cell);
  const index = row * layout.cols + col;
  return index < count ? index : null;
}

/** The top-left corner of a square, in CSS pixels. */
export function cellOrigin(layout: GridLayout, index: number): { x: number; y: number } {
  return { x: (index % layout.cols) * layout.cell, y: Math.floor(index / layout.cols) * layout.cell };
}

/** Moves a keyboard selection on the grid; stays inside [0, count). */
export function stepIndex(layout: GridLayout, index: number, key: string, count: number): number {
  const last = count - 1;
  switch (key) {
    case 'ArrowRight':
      return Math.min(last, index + 1);
    case 'ArrowLeft':
      return Math.max(0, index - 1);
    case 'ArrowDown':
      return index + layout.cols <= last ? index + layout.cols : index;
    case 'ArrowUp':
      return index - layout.cols >= 0 ? index - layout.cols : index;
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return index;
  }
}

export type Rgb = readonly [number, number, number];

/** A colour as the 32-bit pixel of an RGBA ImageData on a little-endian machine (every supported one). */
export function pixel([r, g, b]: Rgb, alpha = 255): number {
  return ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** `color` faded towards `background` (0 = unchanged, 1 = background). */
export function fade(color: Rgb, background: Rgb, amount: number): Rgb {
  const mix = (a: number, b: number) => Math.round(a + (b - a) * amount);
  return [mix(color[0], background[0]), mix(color[1], background[1]), mix(color[2], background[2])];
}

/**
 * Paints `count` squares into an RGBA pixel buffer of `layout` scaled by `dpr`; `colorOf(i)` gives each
 * square's pixel value. Returns the buffer's width and height in device pixels.
 */
export function paintCells(
  pixels: Uint32Array,
  layout: GridLayout,
  dpr: number,
  count: number,
  colorOf: (index: number) => number,
): void {
  const stride = Math.round(layout.width * dpr);
  const height = Math.round(layout.height * dpr);
  const side = Math.max(1, Math.round((layout.cell - layout.gap) * dpr));
  for (let i = 0; i < count; i++) {
    const x0 = Math.round((i % layout.cols) * layout.cell * dpr);
    const y0 = Math.round(Math.floor(i / layout.cols) * layout.cell * dpr);
    const color = colorOf(i);
    const yEnd = Math.min(height, y0 + side);
    const w = Math.min(side, stride - x0);
    for (let y = y0; y < yEnd; y++) {
      const start = y * stride + x0;
      pixels.fill(color, start, start + w);
    }
  }
}
