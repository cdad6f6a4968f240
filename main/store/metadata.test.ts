import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRoot } from '../fixtures/index.ts';
import { MetadataSchema, surelyValid } from './metadata.ts';

const root = mkdtempSync(join(tmpdir(), 'ci-metadata-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
generateRoot(root, { chats: 5, messagesPerChat: 5, seed: 7 });
const written = readdirSync(root)
  .filter((name) => name.startsWith('chat_'))
  .map(
    (name) => JSON.parse(readFileSync(join(root, name, 'metadata.json'), 'utf8')) as Record<string, unknown>,
  );

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  '12',
  '-1002291319937',
  '12345678901234567890123',
  0,
  7,
  -3,
  2.5,
  2 ** 60,
  true,
  [],
  ['a', 'b'],
  ['a', 1],
  {},
  { a: 1 },
];
const FIELDS: string[][] = [
  ['chat_id'],
  ['last_update'],
  ['quick_stats'],
  ...['total_messages', 'total_sessions', 'current_level', 'study_streak', 'last_active'].map((f) => [
    'quick_stats',
    f,
  ]),
  ['quick_stats', 'favorite_topics'],
  ['quick_stats', 'improvement_areas'],
  ['cache'],
  ['database_info'],
  ...['profile_db_size', 'conversations_db_size', 'total_size', 'last_backup'].map((f) => [
    'database_info',
    f,
  ]),
];

function withValue(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  let at = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

describe('metadata.json: the hand check never accepts what the schema refuses', () => {
  it('accepts what the fixture generator writes (the fast path is the usual one)', () => {
    expect(written.length).toBe(5);
    for (const value of written) {
      expect(surelyValid(value)).toBe(true);
      expect(MetadataSchema.safeParse(value).success).toBe(true);
    }
  });

  it('agrees with zod on every odd value in every field, or leaves the answer to zod', () => {
    let refusedByBoth = 0;
    let cases = 0;
    for (const path of FIELDS) {
      for (const value of ODD_VALUES) {
        const candidate = withValue(written[0]!, path, value);
        const zodSays = MetadataSchema.safeParse(candidate).success;
        cases++;
        if (surelyValid(candidate)) expect({ path, value, zodSays }).toEqual({ path, value, zodSays: true });
        else if (!zodSays) refusedByBoth++;
      }
    }
    expect(cases).toBe(FIELDS.length * ODD_VALUES.length);
    // Not vacuous: many of the odd values are wrong types, and both see it.
    expect(refusedByBoth).toBeGreaterThan(100);
  });
});
