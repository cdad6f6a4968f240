import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateClinic, generateDuilioCode, generateRoot, generateUserHistory } from '../fixtures/index.ts';

/** Where the demo lives inside Chat Inspector's own folder. */
export const DEMO_DIR_NAME = 'demo-root';
/** The same demo on every machine (the dates follow the day it was written). */
const DEMO_SEED = 20240611;

/**
 * Writes a complete demo data root into `target`, which must not exist yet:
 *
 *   target/chats/chat_<id>/...   ~60 healthy chats, one of each damaged kind, and a few stray entries
 *   target/legacy/user_history.db, duiliocode.db, clinic.db   legacy files to open inside the same root
 *
 * Everything is written into a temporary folder beside `target` and renamed into place at the end, so a
 * crash or a Ctrl-C never leaves half a demo behind.
 */
export async function writeDemoRoot(target: string, options: { now?: Date } = {}): Promise<string> {
  const now = options.now ?? new Date();
  const parent = join(target, '..');
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, '.demo-tmp-'));
  try {
    generateRoot(join(tmp, 'chats'), { chats: 60, broken: 'all', strays: true, seed: DEMO_SEED, now });
    const legacy = join(tmp, 'legacy');
    mkdirSync(legacy, { recursive: true });
    generateUserHistory(join(legacy, 'user_history.db'), { users: 8, seed: DEMO_SEED, now });
    generateDuilioCode(join(legacy, 'duiliocode.db'), { users: 4, seed: DEMO_SEED, now });
    generateClinic(join(legacy, 'clinic.db'), { conversations: 40, seed: DEMO_SEED, now });
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    // Another process finished the same demo first: use theirs.
    if (existsSync(target)) return target;
    throw error;
  }
  return target;
}

const pending = new Map<string, Promise<string>>();

/** The demo data root under `userDataDir`, written on first use. */
export function ensureDemoRoot(userDataDir: string, options: { now?: Date } = {}): Promise<string> {
  const target = join(userDataDir, DEMO_DIR_NAME);
  if (existsSync(target)) return Promise.resolve(target);
  let running = pending.get(target);
  if (!running) {
    running = writeDemoRoot(target, options).finally(() => pending.delete(target));
    pending.set(target, running);
  }
  return running;
}
