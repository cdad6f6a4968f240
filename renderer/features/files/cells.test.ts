import { describe, expect, it } from 'vitest';
import { decodeJsonEscapes } from './CellView.tsx';

describe('JSON cells as text', () => {
  it('shows \\u escapes of printable characters as the characters', () => {
    expect(decodeJsonEscapes('{"fruta":"ma\\u00e7\\u00e3","emoji":"\\ud83d\\ude00"}')).toBe(
      '{"fruta":"maçã","emoji":"😀"}',
    );
  });

  it('keeps escapes that must stay escaped and escaped backslashes', () => {
    expect(decodeJsonEscapes('"a\\u0022b\\u000a"')).toBe('"a\\u0022b\\u000a"');
    expect(decodeJsonEscapes('"C:\\\\u00e7"')).toBe('"C:\\\\u00e7"');
  });
});
