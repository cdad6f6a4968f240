import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isOwnDir, keepOnlyOwnDir } from '../fs/own-file.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { generateClinic, generateDuilioCode, generateUserHistory } from '../fixtures/index.ts';
import {
  writeBrokenChats,
  writeHealthyChats,
  writeRootStrays,
  type GenerateRootOptions,
} from '../fixtures/root.ts';

/** Where the demo lives inside Chat Inspector's own folder. */
export const DEMO_DIR_NAME = 'demo-root';
/** The same demo on every machine (the dates follow the day it was written). */
const DEMO_SEED = 20240611;
const DEMO_CHATS = 60;
/** Chats written between two turns of the event loop, where a Ctrl-C or SIGTERM gets handled. */
const CHATS_PER_STEP = 5;

/** Lets signal handlers run (they remove the tracked temp folder) between two pieces of synchronous work. */
const turn = (): Promise<void> => new Promise((done) => setImmediate(done));

/**
 * Writes a complete demo data root into `target`, which must not exist yet:
 *
 *   target/chats/chat_<id>/...   ~60 healthy chats, one of each damaged kind, and a few stray entries
 *   target/legacy/user_history.db, duiliocode.db, clinic.db   legacy files to open inside the same root
 *
 * Everything is written into a tracked temporary folder beside `target` and renamed into place at the end,
 * so a failure, a Ctrl-C or a SIGTERM never leaves half a demo behind.
 */
export async function writeDemoRoot(target: string, options: { now?: Date } = {}): Promise<string> {
  const now = options.now ?? new Date();
  const parent = join(target, '..');
  mkdirSync(parent, { recursive: true });
  // Tracked before it exists, so a signal arriving the moment it is created still removes it.
  const tmp = join(parent, `.demo-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const untrack = trackTemp(tmp);
  mkdirSync(tmp);
  try {
    // generateRoot's chats, strays and broken kinds, written in steps (the same bytes).
    const chats = join(tmp, 'chats');
    const rootOptions: GenerateRootOptions = {
      chats: DEMO_CHATS,
      broken: 'all',
      strays: true,
      seed: DEMO_SEED,
      now,
    };
    for (let from = 0; from < DEMO_CHATS; from += CHATS_PER_STEP) {
      writeHealthyChats(chats, rootOptions, from, Math.min(DEMO_CHATS, from + CHATS_PER_STEP));
      await turn();
    }
    writeBrokenChats(chats, rootOptions);
    await turn();
    writeRootStrays(chats, rootOptions);
    const legacy = join(tmp, 'legacy');
    mkdirSync(legacy, { recursive: true });
    generateUserHistory(join(legacy, 'user_history.db'), { users: 8, seed: DEMO_SEED, now });
    await turn();
    generateDuilioCode(join(legacy, 'duiliocode.db'), { users: 4, seed: DEMO_SEED, now });
    await turn();
    generateClinic(join(legacy, 'clinic.db'), { conversations: 40, seed: DEMO_SEED, now });
    renameSync(tmp, target);
    untrack();
  } catch (error) {
    removeTemp(tmp);
    // Another process finished the same demo first: use theirs.
    if (isOwnDir(target)) return target;
    throw error;
  }
  return target;
}

const pending = new Map<string, Promise<string>>();

/** The demo data root under `userDataDir`, written on first use. */
export function ensureDemoRoot(userDataDir: string, options: { now?: Date } = {}): Promise<string> {
  const target = join(userDataDir, DEMO_DIR_NAME);
  // Added to the allow-list as it is: a link there (to any folder) is set aside, never browsed.
  try {
    if (keepOnlyOwnDir(target)) return Promise.resolve(target);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  let running = pending.get(target);
  if (!running) {
    running = writeDemoRoot(target, options).finally(() => pending.delete(target));
    pending.set(target, running);
  }
  return running;
}
