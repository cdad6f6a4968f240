import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_KINDS } from '../fixtures/index.ts';
import { readHeader } from '../sqlite/header.ts';
import { listChats } from '../store/layout.ts';
import { DEMO_DIR_NAME, ensureDemoRoot } from './demo.ts';

let home: string;
let demo: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ci-demo-'));
  // Two callers at once (window and server starting together) share one generation.
  const [a, b] = await Promise.all([ensureDemoRoot(home), ensureDemoRoot(home)]);
  expect(a).toBe(b);
  demo = a;
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('ensureDemoRoot', () => {
  it('writes the demo under the user data folder, with nothing else left behind', () => {
    expect(demo).toBe(join(home, DEMO_DIR_NAME));
    expect(readdirSync(home)).toEqual([DEMO_DIR_NAME]);
    expect(readdirSync(demo).sort()).toEqual(['chats', 'legacy']);
  });

  it('holds 60 healthy chats, one of each damaged kind, and stray entries', () => {
    const { chatsDir, chats, skipped } = listChats(demo);
    expect(chatsDir).toBe(join(demo, 'chats'));
    // (the empty chat folder is one of the damaged kinds: a chat like the others)
    expect(chats.length).toBe(60 + BROKEN_KINDS.length);
    expect(skipped.length).toBeGreaterThan(0);
  });

  it('has the legacy databases inside the same root', () => {
    for (const name of ['user_history.db', 'duiliocode.db', 'clinic.db']) {
      const header = readHeader(join(demo, 'legacy', name));
      expect(header.ok, name).toBe(true);
    }
  });

  it('is written once: later calls return it untouched', async () => {
    const before = statSync(join(demo, 'legacy', 'clinic.db')).mtimeMs;
    expect(await ensureDemoRoot(home)).toBe(demo);
    expect(statSync(join(demo, 'legacy', 'clinic.db')).mtimeMs).toBe(before);
    expect(readdirSync(home)).toEqual([DEMO_DIR_NAME]);
  });
});
