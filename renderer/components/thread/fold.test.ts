import { describe, expect, it } from 'vitest';
import { FOLD_CHARS, FOLD_LINES, foldAt } from './fold.ts';

describe('folding long messages', () => {
  it('shows short messages whole', () => {
    expect(foldAt('hello')).toBeNull();
    expect(foldAt('x'.repeat(FOLD_CHARS))).toBeNull();
    expect(foldAt('line\n'.repeat(FOLD_LINES - 1))).toBeNull();
  });
  it('cuts at the character limit', () => {
    expect(foldAt('x'.repeat(1_000_000))).toBe(FOLD_CHARS);
  });
  it('cuts at the line limit when lines come first', () => {
    const text = 'ab\n'.repeat(500);
    const cut = foldAt(text)!;
    expect(text.slice(0, cut).split('\n')).toHaveLength(FOLD_LINES);
  });
});
