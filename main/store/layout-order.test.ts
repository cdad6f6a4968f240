import { describe, expect, it } from 'vitest';
import { compareIds } from './layout.ts';

describe('chat ids in numeric order', () => {
  it('orders like BigInt does, negative ids and leading zeros included', () => {
    const ids = [
      '-1002291319937',
      '-1',
      '-0',
      '0',
      '007',
      '7',
      '10',
      '9',
      '-10',
      '-9',
      '18446744073709551615',
      '-99999999999999999999',
      '123456789012345678',
      '00000000000000000001',
    ];
    const big = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    const ours = [...ids].sort(compareIds);
    expect(ours.map((id) => BigInt(id))).toEqual(big.map((id) => BigInt(id)));
    for (const a of ids)
      for (const b of ids)
        expect(Math.sign(compareIds(a, b))).toBe(BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
  });
});
