import { describe, expect, it } from 'vitest';
import {
  MAX_CELL,
  MIN_CELL,
  cellAt,
  cellOrigin,
  fade,
  layoutGrid,
  paintCells,
  pixel,
  stepIndex,
} from './heatmap.ts';

describe('integrity map geometry', () => {
  it('gives a few chats big squares and 100,000 chats small ones, always inside the width', () => {
    const few = layoutGrid(38, 1000);
    expect(few.cell).toBe(MAX_CELL);
    expect(few.cols * few.rows).toBeGreaterThanOrEqual(38);
    const many = layoutGrid(100_000, 1000);
    expect(many.cell).toBe(MIN_CELL);
    expect(many.width).toBeLessThanOrEqual(1000);
    expect(many.cols * many.rows).toBeGreaterThanOrEqual(100_000);
    expect(many.rows).toBe(Math.ceil(100_000 / many.cols));
    const mid = layoutGrid(5_000, 1000, 300);
    expect(mid.cell).toBeGreaterThan(MIN_CELL);
    expect(mid.height).toBeLessThanOrEqual(300 + mid.cell);
    expect(layoutGrid(0, 1000).cols).toBe(0);
    expect(layoutGrid(10, 0).cols).toBe(0);
  });

  it('maps points to squares and back, and nothing outside them', () => {
    const layout = layoutGrid(1234, 640);
    for (const index of [0, 1, layout.cols - 1, layout.cols, 777, 1233]) {
      const { x, y } = cellOrigin(layout, index);
      expect(cellAt(layout, x + layout.cell / 2, y + layout.cell / 2, 1234)).toBe(index);
    }
    expect(cellAt(layout, -1, 0, 1234)).toBeNull();
    expect(cellAt(layout, layout.width, 0, 1234)).toBeNull();
    // Past the last chat on the last row.
    const last = cellOrigin(layout, 1233);
    if (last.x + layout.cell < layout.width)
      expect(cellAt(layout, last.x + layout.cell + 1, last.y + 1, 1234)).toBeNull();
  });

  it('moves a keyboard selection without leaving the grid', () => {
    const layout = layoutGrid(50, 100);
    expect(stepIndex(layout, 0, 'ArrowLeft', 50)).toBe(0);
    expect(stepIndex(layout, 0, 'ArrowRight', 50)).toBe(1);
    expect(stepIndex(layout, 0, 'ArrowDown', 50)).toBe(layout.cols);
    expect(stepIndex(layout, 49, 'ArrowDown', 50)).toBe(49);
    expect(stepIndex(layout, 49, 'ArrowRight', 50)).toBe(49);
    expect(stepIndex(layout, 3, 'ArrowUp', 50)).toBe(3);
    expect(stepIndex(layout, 7, 'End', 50)).toBe(49);
    expect(stepIndex(layout, 7, 'Home', 50)).toBe(0);
  });

  it('paints each square in its colour and leaves the gaps empty', () => {
    const layout = layoutGrid(6, 40, 20); // 6 squares, gaps of 1 or 2 px
    const dpr = 2;
    const width = layout.width * dpr;
    const pixels = new Uint32Array(width * layout.height * dpr);
    const red = pixel([255, 0, 0]);
    const green = pixel([0, 255, 0]);
    paintCells(pixels, layout, dpr, 6, (i) => (i === 4 ? red : green));
    const at = (x: number, y: number) => pixels[Math.floor(y * dpr) * width + Math.floor(x * dpr)];
    const o4 = cellOrigin(layout, 4);
    expect(at(o4.x + 1, o4.y + 1)).toBe(red);
    const o0 = cellOrigin(layout, 0);
    expect(at(o0.x + 1, o0.y + 1)).toBe(green);
    if (layout.gap > 0) expect(at(o0.x + layout.cell - 0.5, o0.y + 1)).toBe(0);
  });

  it('encodes colours as RGBA pixels and fades them towards the background', () => {
    expect(pixel([1, 2, 3])).toBe(((255 << 24) | (3 << 16) | (2 << 8) | 1) >>> 0);
    expect(fade([200, 0, 0], [255, 255, 255], 0)).toEqual([200, 0, 0]);
    expect(fade([200, 0, 0], [255, 255, 255], 1)).toEqual([255, 255, 255]);
  });

  it('paints 100,000 squares into a buffer of the expected size', () => {
    const layout = layoutGrid(100_000, 1200);
    const pixels = new Uint32Array(layout.width * layout.height);
    let calls = 0;
    paintCells(pixels, layout, 1, 100_000, () => {
      calls++;
      return 1;
    });
    expect(calls).toBe(100_000);
    // Every square is painted: the count of painted pixels is squares × side².
    const side = layout.cell - layout.gap;
    expect(pixels.reduce((n, p) => n + (p ? 1 : 0), 0)).toBe(100_000 * side * side);
  });
});
