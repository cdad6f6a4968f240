import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult, PlaceArchives, VerifyResult } from '../../../shared/contract/backup.ts';
import type { JobSnapshot } from '../../../shared/contract/jobs.ts';
import { generateRoot, type GeneratedRoot } from '../../fixtures/index.ts';
import { WorkerPool } from '../../workers/pool.ts';
import type { HandlerContext } from '../context.ts';
import { createContext } from '../create-context.ts';
import { invoke } from '../dispatch.ts';

// The archives a person can choose instead of typing a path (browser mode has no dialog): archives at the
// top of each allowed root and one folder down, never inside chat folders, never through a link.

let base: string;
let gen: GeneratedRoot;
let ctx: HandlerContext;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-place-archives-'));
  gen = generateRoot(join(base, 'root'), { chats: 2, seed: 5, broken: [], strays: false });
  const root = gen.root;
  writeFileSync(join(root, 'nightly.tar.gz'), 'not really gzip, listing only');
  mkdirSync(join(root, 'backups'));
  writeFileSync(join(root, 'backups', 'week-1.tgz'), 'x');
  writeFileSync(join(root, 'backups', 'notes.txt'), 'x');
  mkdirSync(join(root, 'backups', 'deeper'));
  writeFileSync(join(root, 'backups', 'deeper', 'too-deep.tar.gz'), 'x');
  const chatDir = gen.chats[0]!.dir;
  writeFileSync(join(chatDir, 'inside-chat.tar.gz'), 'x');
  mkdirSync(join(base, 'elsewhere'));
  writeFileSync(join(base, 'elsewhere', 'secret.tar.gz'), 'x');
  symlinkSync(join(base, 'elsewhere', 'secret.tar.gz'), join(root, 'linked.tar.gz'));
  symlinkSync(join(base, 'elsewhere'), join(root, 'linked-folder'));
  ctx = createContext({
    userDataDir: join(base, 'home'),
    pool: new WorkerPool(0),
    offload: null,
    rememberRecent: false,
    roots: [root],
  });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

async function runJob<T>(name: string, input: unknown): Promise<T> {
  const { jobId } = (await invoke(name, input, ctx)) as { jobId: string };
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId, cursor: 0 }, ctx)) as JobSnapshot;
    if (snapshot.state === 'done') return snapshot.result as T;
    if (snapshot.state !== 'running') throw new Error(JSON.stringify(snapshot.error));
    // jobs.poll answers at once: give the job's own work (timers, I/O) its turn.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('backup.placeArchives', () => {
  it('lists archives at the top of a root and one folder down, nothing in chat folders or behind links', async () => {
    const { places } = (await invoke('backup.placeArchives', {}, ctx)) as { places: PlaceArchives[] };
    expect(places).toHaveLength(1);
    expect(places[0]!.place).toBe(gen.root);
    expect(places[0]!.capped).toBe(false);
    expect(places[0]!.archives.map((a) => a.name).sort()).toEqual(['backups/week-1.tgz', 'nightly.tar.gz']);
    const nightly = places[0]!.archives.find((a) => a.name === 'nightly.tar.gz')!;
    expect(nightly.path).toBe(join(gen.root, 'nightly.tar.gz'));
    expect(nightly.sizeBytes).toBe('not really gzip, listing only'.length);
  });

  it('lists an archive opened as a place by itself', async () => {
    ctx.places.add(join(base, 'elsewhere', 'secret.tar.gz'), 'cli');
    const { places } = (await invoke('backup.placeArchives', {}, ctx)) as { places: PlaceArchives[] };
    const own = places.find((p) => p.place.endsWith('secret.tar.gz'))!;
    expect(own.archives.map((a) => a.name)).toEqual(['secret.tar.gz']);
  });
});

describe('backup.verify with a root', () => {
  it('names the chats of the root that hold data and are not in the archive', async () => {
    const [first, second] = gen.chats;
    const made = await runJob<BackupResult>('backup.create', { root: gen.root, chatIds: [first!.chatId] });
    // An empty chat folder has nothing to back up: it is not reported.
    mkdirSync(join(second!.dir, '..', 'chat_123456'));
    const plain = await runJob<VerifyResult>('backup.verify', { archive: made.out });
    expect(plain.ok).toBe(true);
    expect(plain.restorable).toBe(true);
    expect(plain.notInArchive).toBeUndefined();
    const compared = await runJob<VerifyResult>('backup.verify', { archive: made.out, root: gen.root });
    // Said as how much of the root it holds: 1 of its 2 chats (the empty folder holds no data).
    expect(compared.notInArchive).toEqual({
      root: gen.root,
      chatIds: [second!.chatId],
      rootChats: 2,
      inArchive: 1,
    });
    const whole = await runJob<BackupResult>('backup.create', { root: gen.root });
    const all = await runJob<VerifyResult>('backup.verify', { archive: whole.out, root: gen.root });
    expect(all.notInArchive).toEqual({ root: gen.root, chatIds: [], rootChats: 2, inArchive: 2 });
  });
});
