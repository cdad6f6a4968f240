import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What keepYoungGenerationSmall is for, measured in a fresh Node process: while objects that survive pile
// up (as a listing of a big root does), the young generation stays at its first size instead of growing
// to tens of MB. If a Node release stopped reading the flag at run time, this would fail.

const MODULE = join(import.meta.dirname, 'memory.ts');

function newSpaceMb(keepSmall: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    ${keepSmall ? `(await import(${JSON.stringify(MODULE)})).keepYoungGenerationSmall();` : ''}
    const kept = [];
    for (let i = 0; i < 400_000; i++) kept.push({ id: String(i), dir: '/root/chat_' + i });
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(space.space_size / 1048576, kept.length);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  return Number(child.stdout.split(' ')[0]);
}

describe('keepYoungGenerationSmall', () => {
  it('keeps the young generation at its first size while surviving objects pile up', () => {
    const grown = newSpaceMb(false);
    const kept = newSpaceMb(true);
    expect(grown).toBeGreaterThanOrEqual(32);
    expect(kept).toBeLessThanOrEqual(16);
  });
});
