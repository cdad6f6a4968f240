import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetOverview, FleetPage } from '../../shared/contract/fleet.ts';
import type { JobSnapshot } from '../../shared/contract/index.ts';
import type { ChatDetail } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import { archiveFolders } from '../api/handlers/backup.ts';
import { indexVerifiedArchives, lastBackupOf } from '../backup/last-backup.ts';
import { ctx as jobCtx, runCliSync } from '../testing/backup-helpers.ts';
import { generateRoot } from '../fixtures/index.ts';
import { backupRotate } from '../maintenance/rotate.ts';
import { WorkerPool } from '../workers/pool.ts';

// The chat list's last backup and its "not backed up for N days" filter, through fleet.page: the same value
// `show --json` gives (lastBackupOf: the newest verified archive, else metadata.json's last_backup).

const DAY = 86_400_000;
/** The app's clock in this test: a whole second and a half, so the cutoffs below have milliseconds. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 500);

let dir: string;
let root: string;
let api: HandlerContext;
const pool = new WorkerPool(0);
/** Each chat's case, by id. */
const chats: Record<string, string> = {};

function chatIds(path: string): string[] {
  return readdirSync(path)
    .filter((n) => n.startsWith('chat_'))
    .map((n) => n.slice(5))
    .sort();
}

/** Chats generated in a root of their own, backed up there into `outDir` at `at`, then moved into `root`. */
async function archivedChats(name: string, seed: number, outDir: string, at: Date): Promise<string[]> {
  const other = join(dir, name);
  generateRoot(other, { chats: 2, seed });
  mkdirSync(outDir, { recursive: true });
  await backupRotate({ root: other, outDir, keep: 3, pool, now: at }, jobCtx());
  const ids = chatIds(other);
  for (const id of ids) renameSync(join(other, `chat_${id}`), join(root, `chat_${id}`));
  return ids;
}

function setMetadataLastBackup(chatId: string, value: string | undefined): void {
  const path = join(root, `chat_${chatId}`, 'metadata.json');
  const meta = JSON.parse(readFileSync(path, 'utf8')) as { database_info?: Record<string, unknown> };
  meta.database_info = { ...meta.database_info, last_backup: value };
  if (value === undefined) delete meta.database_info.last_backup;
  writeFileSync(path, JSON.stringify(meta));
}

async function runJob(name: string, input: unknown, context: HandlerContext): Promise<unknown> {
  const { jobId } = (await invoke(name, input, context)) as { jobId: string };
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId, cursor: 0 }, context)) as JobSnapshot;
    if (snapshot.state === 'done') return snapshot.result;
    if (snapshot.state !== 'running')
      throw snapshot.error ? AppError.from(snapshot.error) : new Error(snapshot.state);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function contextAt(now: Date): HandlerContext {
  return createContext({
    userDataDir: join(dir, 'home'),
    now: () => now,
    pool,
    rememberRecent: false,
    roots: [root],
  });
}

/** `--backups` with the folders the app looks in that exist (the CLI refuses a missing one). */
function backupsArgs(): string[] {
  return ['--backups', ...archiveFolders(api).filter((d) => existsSync(d))];
}

async function page(filter: object, context = api): Promise<FleetPage> {
  return (await invoke('fleet.page', { root, filter, limit: 1000 }, context)) as FleetPage;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-last-backup-list-'));
  root = join(dir, 'root');
  generateRoot(root, { chats: 5, seed: 31 });
  const own = chatIds(root);
  // A verified archive made an hour ago, in the root's backups folder (a folder the app looks in).
  for (const id of await archivedChats(
    'recent',
    32,
    join(root, 'backups'),
    new Date(NOW.getTime() - 3_600_000),
  ))
    chats[id] = 'recent archive';
  // One made ten days ago, in another folder of the root; one of its chats says in metadata.json it was
  // backed up an hour ago, but the archive is what counts (lastBackupOf's rule).
  const old = await archivedChats('old', 33, join(root, 'old-backups'), new Date(NOW.getTime() - 10 * DAY));
  for (const id of old) chats[id] = 'old archive';
  setMetadataLastBackup(old[0]!, new Date(NOW.getTime() - 3_600_000).toISOString());
  // Only metadata.json: an hour ago; exactly three days ago (over 2 whole days); a millisecond less; none;
  // the fixture's (long ago, "YYYY-MM-DD HH:MM:SS").
  const [hour, threeDays, justUnder, none, fixture] = own as [string, string, string, string, string];
  setMetadataLastBackup(hour, new Date(NOW.getTime() - 3_600_000).toISOString());
  setMetadataLastBackup(threeDays, new Date(NOW.getTime() - 3 * DAY).toISOString());
  setMetadataLastBackup(justUnder, new Date(NOW.getTime() - 3 * DAY + 1).toISOString());
  setMetadataLastBackup(none, undefined);
  Object.assign(chats, {
    [hour]: 'metadata, an hour ago',
    [threeDays]: 'metadata, 3 days ago',
    [justUnder]: 'metadata, 1 ms under 3 days',
    [none]: 'none',
    [fixture]: 'metadata, long ago',
  });
  expect(Object.keys(chats)).toHaveLength(9);
  api = contextAt(NOW);
  await runJob('fleet.refresh', { root }, api);
}, 120_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

describe("the chat list's last backup", () => {
  it('each row carries what show --json and lastBackupOf say for the chat', async () => {
    const rows = (await page({})).rows;
    expect(rows.map((r) => r.chatId).sort()).toEqual(Object.keys(chats).sort());
    const archives = indexVerifiedArchives(archiveFolders(api));
    const backupDirs = backupsArgs();
    for (const row of rows) {
      const expected = lastBackupOf(archives, row.chatId, join(root, `chat_${row.chatId}`));
      expect(row.lastBackup, chats[row.chatId]).toEqual(expected);
      // show --json for one chat of each source (a CLI run each).
      if (!['recent archive', 'metadata, an hour ago', 'none'].includes(chats[row.chatId]!)) continue;
      const shown = JSON.parse(
        runCliSync(['show', root, row.chatId, ...backupDirs, '--json']).stdout,
      ) as ChatDetail;
      expect(row.lastBackup, chats[row.chatId]).toEqual(shown.lastBackup);
    }
    const source = Object.fromEntries(rows.map((r) => [chats[r.chatId], r.lastBackup?.source ?? null]));
    expect(source).toMatchObject({
      'recent archive': 'archive',
      'old archive': 'archive',
      'metadata, an hour ago': 'metadata',
      none: null,
    });
  });

  it('"not backed up for 2 days" holds exactly the chats over 2 whole days old or with none known', async () => {
    const filtered = await page({ notBackedUpDays: 2 });
    expect(filtered.rows.map((r) => chats[r.chatId]).sort()).toEqual([
      'metadata, 3 days ago',
      'metadata, long ago',
      'none',
      'old archive',
      'old archive',
    ]);
    expect(filtered.total).toBe(5);
    // The overview's counts follow the same filter.
    const overview = (await invoke(
      'fleet.overview',
      { root, filter: { notBackedUpDays: 2 } },
      api,
    )) as FleetOverview;
    expect(Object.values(overview.counts).reduce((a, b) => a + b, 0)).toBe(5);
    // Other days: over 0 days takes the 1 ms-under-3-days one too; over 20 days only the long-ago and none.
    expect((await page({ notBackedUpDays: 0 })).rows.map((r) => chats[r.chatId]).sort()).toEqual([
      'metadata, 1 ms under 3 days',
      'metadata, 3 days ago',
      'metadata, long ago',
      'none',
      'old archive',
      'old archive',
    ]);
    expect((await page({ notBackedUpDays: 20 })).rows.map((r) => chats[r.chatId]).sort()).toEqual([
      'metadata, long ago',
      'none',
    ]);
  });

  it('agrees with alerts --backup-max-days on the same folders and clock', async () => {
    const backupDirs = backupsArgs();
    const run = runCliSync([
      'alerts',
      root,
      '--inactive-days',
      '100000',
      '--slow-ms',
      '600000',
      '--backup-max-days',
      '2',
      ...backupDirs,
      '--json',
    ]);
    const alerted = (JSON.parse(run.stdout) as { alerts: { kind: string; chatId: string }[] }).alerts
      .filter((a) => a.kind === 'not_backed_up')
      .map((a) => a.chatId)
      .sort();
    // alerts' clock is the real one, past NOW (the 1 ms-under-3-days chat is over by then): the list
    // asked at a time after the run says the same.
    const after = contextAt(new Date());
    expect(alerted.map((id) => chats[id])).toContain('metadata, 1 ms under 3 days');
    expect((await page({ notBackedUpDays: 2 }, after)).rows.map((r) => r.chatId).sort()).toEqual(alerted);
  });

  it('a FIFO or a link named like a record is passed over, never waited on (fleet.page runs on the main thread)', async () => {
    const backups = join(root, 'backups');
    const fifo = join(backups, 'backup-fifo-20260101T000000Z.tar.gz');
    writeFileSync(fifo, 'x');
    expect(spawnSync('mkfifo', [`${fifo}.verified.json`]).status).toBe(0);
    const link = join(backups, 'backup-link-20260101T000000Z.tar.gz');
    writeFileSync(link, 'x');
    const real = join(dir, 'elsewhere.verified.json');
    writeFileSync(
      real,
      JSON.stringify({
        archive: 'backup-link-20260101T000000Z.tar.gz',
        sizeBytes: 1,
        chats: Object.keys(chats),
        createdAt: NOW.toISOString(),
      }),
    );
    symlinkSync(real, `${link}.verified.json`);
    const filtered = await page({ notBackedUpDays: 2 });
    expect(filtered.total).toBe(5);
    for (const path of [fifo, link]) {
      rmSync(`${path}.verified.json`);
      rmSync(path);
    }
  });

  it('a verified archive made after the index was built counts at once, with no chat file changed', async () => {
    const later = contextAt(new Date(NOW.getTime() + 30 * DAY));
    // A month on, every backup is old: all nine chats.
    expect((await page({ notBackedUpDays: 2 }, later)).total).toBe(9);
    await backupRotate(
      { root, outDir: join(root, 'backups'), keep: 3, pool, now: new Date(NOW.getTime() + 30 * DAY - DAY) },
      jobCtx(),
    );
    const after = await page({ notBackedUpDays: 2 }, later);
    expect(after.total).toBe(0);
    const all = await page({}, later);
    expect(all.rows.every((r) => r.lastBackup?.source === 'archive')).toBe(true);
  });
});
