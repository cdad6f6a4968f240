import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatDetail } from '../../shared/domain.ts';
import { generateRoot } from '../fixtures/index.ts';
import { readMetadata } from '../store/metadata.ts';
import { backupRotate } from '../maintenance/rotate.ts';
import { WorkerPool } from '../workers/pool.ts';
import { indexVerifiedArchives, lastBackupOf } from './last-backup.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import { ctx, runCliSync } from '../testing/backup-helpers.ts';

// "When was this user last backed up?": the newest verified archive (the records `backup --out-dir`
// writes now name the chats they hold), else metadata.json's database_info.last_backup — saying which —
// in `show`, `show --json` and `alerts --backup-max-days`.

let dir: string;
let root: string;
let out: string;
let ids: string[];
const pool = new WorkerPool(0);
const QUIET = ['--inactive-days', '100000', '--slow-ms', '600000'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-last-backup-'));
  root = join(dir, 'root');
  generateRoot(root, { chats: 3, seed: 11 });
  ids = readdirSync(root)
    .filter((n) => n.startsWith('chat_'))
    .map((n) => n.slice(5))
    .sort();
  out = join(dir, 'archives');
  mkdirSync(out);
  // One nightly, verified archive of the whole root.
  await backupRotate({ root, outDir: out, keep: 5, pool }, ctx());
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

describe('last backup of a chat', () => {
  it("the verified archive's record names its chats; each chat's last backup is that archive", () => {
    const records = readdirSync(out).filter((n) => n.endsWith('.verified.json'));
    expect(records).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(out, records[0]!), 'utf8')) as { chats: string[] };
    expect([...record.chats].sort()).toEqual(ids);
    const index = indexVerifiedArchives([out]);
    for (const id of ids) {
      const last = lastBackupOf(index, id, join(root, `chat_${id}`));
      expect(last?.source).toBe('archive');
      expect(last?.archive).toBe(join(out, records[0]!.replace(/\.verified\.json$/, '')));
    }
  });

  it("without archives (or with only an old record that names no chat) it is metadata.json's last_backup", () => {
    const old = join(dir, 'old-archives');
    mkdirSync(old);
    const archive = join(old, 'backup-root-20250101T000000Z.tar.gz');
    writeFileSync(archive, 'x');
    writeFileSync(
      `${archive}.verified.json`,
      JSON.stringify({
        archive: 'backup-root-20250101T000000Z.tar.gz',
        sizeBytes: 1,
        sha256: '0'.repeat(64),
        verifiedAt: '2025-01-01T00:00:00Z',
        createdAt: '2025-01-01T00:00:00Z',
      }),
    );
    const index = indexVerifiedArchives([old]);
    expect(index.unknownChats).toEqual([archive]);
    const id = ids[0]!;
    const meta = readMetadata(join(root, `chat_${id}`));
    expect(meta.state).toBe('ok');
    const expected = (meta as { value: { database_info?: { last_backup?: string } } }).value.database_info
      ?.last_backup;
    const last = lastBackupOf(index, id, join(root, `chat_${id}`));
    expect(last?.source).toBe('metadata');
    expect(Date.parse(last!.at)).toBe(Date.parse(expected!));
  });

  it('show and show --json say it and where it comes from', () => {
    const id = ids[1]!;
    const json = JSON.parse(runCliSync(['show', root, id, '--backups', out, '--json']).stdout) as ChatDetail;
    expect(json.lastBackup?.source).toBe('archive');
    const text = runCliSync(['show', root, id, '--backups', out]);
    expect(text.stdout).toMatch(/Last backup \S+ \(verified archive .*backup-root-.*\.tar\.gz\)/);
    const bare = runCliSync(['show', root, id]);
    expect(bare.stdout).toMatch(/Last backup \S+ \(metadata\.json's last_backup\)/);
  });

  it('alerts: not backed up for more than --backup-max-days (default 2), by the source it says', () => {
    // The fixtures' metadata.json say they were backed up long ago (their clock is fixed in the past).
    const stale = runCliSync(['alerts', root, ...QUIET, '--json']);
    expect(stale.status).toBe(1);
    const alerts = JSON.parse(stale.stdout) as {
      alerts: { kind: string; chatId: string; message: string }[];
      thresholds: { backupMaxDays: number };
    };
    expect(alerts.thresholds.backupMaxDays).toBe(2);
    const notBacked = alerts.alerts.filter((a) => a.kind === 'not_backed_up');
    expect(notBacked.map((a) => a.chatId).sort()).toEqual(ids);
    expect(notBacked[0]!.message).toMatch(/according to metadata\.json's last_backup/);
    // The archive made just now covers every chat.
    const fresh = runCliSync(['alerts', root, ...QUIET, '--backups', out]);
    expect(fresh.status, fresh.stdout).toBe(0);
    expect(fresh.stdout).toMatch(/No alert in 3 chats/);
  });

  it("the app's chat.detail finds verified archives in an opened root's backups folder", async () => {
    const appRoot = join(dir, 'app-root');
    generateRoot(appRoot, { chats: 2, seed: 12 });
    const chatId = readdirSync(appRoot)
      .find((n) => n.startsWith('chat_'))!
      .slice(5);
    const api = createContext({
      userDataDir: join(dir, 'home'),
      now: () => new Date(),
      pool,
      rememberRecent: false,
      roots: [appRoot],
    });
    const before = (await invoke('chat.detail', { root: appRoot, chatId }, api)) as ChatDetail;
    expect(before.lastBackup?.source).toBe('metadata');
    mkdirSync(join(appRoot, 'backups'));
    await backupRotate({ root: appRoot, outDir: join(appRoot, 'backups'), keep: 3, pool }, ctx());
    const after = (await invoke('chat.detail', { root: appRoot, chatId }, api)) as ChatDetail;
    expect(after.lastBackup?.source).toBe('archive');
    expect(after.lastBackup?.archive).toMatch(/\/backups\/backup-app-root-\d{8}T\d{6}Z\.tar\.gz$/);
  });
});
