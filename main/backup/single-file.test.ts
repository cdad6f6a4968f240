import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { loadRowsOf, startBotWriter, stopBotWriter } from '../testing/bot-writer-client.ts';
import { parseManifest } from './manifest.ts';
import { backupSingleFile } from './single.ts';
import { quickCheckFile } from '../sqlite/file.ts';
import {
  ctx,
  dumpDb,
  editManifest,
  rowCountsOfFile,
  runCliSync,
  treeSnapshot,
} from '../testing/backup-helpers.ts';
import { verifyArchive } from './verify.ts';

// A single SQLite file that is not a chat root (seed 000's user_history.db, the clinic bot's DB of seed
// 001, seed 004's DB) backs up, verifies, restores and rotates like a root: `file/<name>` and a manifest of
// kind 'file'. The backup is consistent while a real writer process commits rows (bot-writer.ts).

let dir: string;
let db: string;
const CHAT = '9300001';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-single-'));
  const gen = join(dir, 'gen');
  generateChat(gen, CHAT, { messages: 400, seed: 7 });
  mkdirSync(join(dir, 'bot'));
  db = join(dir, 'bot', 'user_history.db');
  renameSync(join(gen, `chat_${CHAT}`, 'conversations.db'), db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function extract(archive: string): string {
  const out = mkdtempSync(join(dir, 'x-'));
  tar.x({ file: archive, cwd: out, sync: true });
  return out;
}

describe('backup of one SQLite file while its bot writes', () => {
  it('is consistent: quick_check, row counts as in the manifest, every row committed before it present', async () => {
    const writer = await startBotWriter(db, CHAT, 200, 'wal', 'off');
    const problems: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        // A row committed (by another connection) right before the backup starts must be in it.
        const marker = `marker-${i}`;
        const own = new Database(db, { timeout: 5000 });
        own
          .prepare(
            "INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (?, 'marker', 'user', ?, datetime('now'))",
          )
          .run(Number(CHAT), marker);
        own.close();
        const out = join(dir, `single-${i}.tar.gz`);
        const result = await backupSingleFile({ file: db, out }, ctx());
        expect(result.files).toBe(1);
        expect(result.damaged).toEqual([]);
        const verify = await verifyArchive({ archive: out }, ctx());
        if (!verify.ok) problems.push(`#${i} verify: ${verify.problems.join('; ')}`);
        expect(verify.manifest?.kind).toBe('file');
        const x = extract(out);
        expect(readdirSync(x).sort()).toEqual(['file', 'manifest.json']);
        const copy = join(x, 'file', 'user_history.db');
        expect(quickCheckFile(copy)).toBe('ok');
        const manifest = parseManifest(readFileSync(join(x, 'manifest.json'), 'utf8'));
        expect(manifest.single?.rowCounts).toEqual(rowCountsOfFile(copy));
        const rows = loadRowsOf(copy);
        if (!rows.every((n, k) => n === k)) problems.push(`#${i}: not a prefix of the writer's rows`);
        const markers = new Database(copy, { readonly: true })
          .prepare("SELECT content FROM messages WHERE session_id = 'marker' ORDER BY id")
          .pluck()
          .all();
        expect(markers).toEqual(Array.from({ length: i + 1 }, (_, k) => `marker-${k}`));
        rmSync(x, { recursive: true, force: true });
      }
    } finally {
      const report = await stopBotWriter(writer);
      expect(report.errors, report.messages.join('; ')).toBe(0);
      expect(report.written).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
  }, 300_000);
});

describe('backup, verify and restore of one SQLite file through the CLI', () => {
  let archive: string;
  beforeAll(() => {
    archive = join(dir, 'cli.tar.gz');
    const b = runCliSync(['backup', db, '--out', archive]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toContain(`Backed up ${db}`);
  });

  it('verify says it holds one SQLite file and passes', () => {
    const v = runCliSync(['verify', archive]);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain('Archive of one SQLite file (user_history.db)');
    const json = JSON.parse(runCliSync(['verify', archive, '--json']).stdout) as {
      manifest: { kind: string; files: number };
      files: { path: string; integrity: string }[];
    };
    expect(json.manifest).toMatchObject({ kind: 'file', files: 1 });
    expect(json.files).toEqual([expect.objectContaining({ path: 'file/user_history.db', integrity: 'ok' })]);
  });

  it('restore: dry run changes nothing; replacing needs --force, keeps a .bak, and is atomic', () => {
    const target = join(dir, 'restore-target');
    mkdirSync(target);
    const path = join(target, 'user_history.db');
    copyFileSync(db, path);
    const w = new Database(path);
    w.exec('DELETE FROM messages WHERE id % 2 = 0');
    w.close();
    const before = treeSnapshot(target);
    const dry = runCliSync(['restore', archive, '--into', path, '--dry-run', '--json']);
    expect(dry.status, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { file: string; chats: { files: { action: string }[] }[] };
    expect(plan.file).toBe(path);
    expect(plan.chats[0]!.files[0]!.action).toBe('replace');
    expect(treeSnapshot(target)).toEqual(before);
    const refused = runCliSync(['restore', archive, '--into', path]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--force/);
    expect(treeSnapshot(target)).toEqual(before);
    const oldBytes = readFileSync(path);
    const real = runCliSync(['restore', archive, '--into', path, '--force']);
    expect(real.status, real.stderr).toBe(0);
    expect(dumpDb(path)).toEqual(dumpDb(join(extract(archive), 'file', 'user_history.db')));
    const names = readdirSync(target);
    const bak = names.find((n) => /^user_history\.db\.bak-\d{8}T\d{6}Z$/.test(n));
    expect(bak, names.join(', ')).toBeDefined();
    expect(readFileSync(join(target, bak!))).toEqual(oldBytes);
    expect(names.filter((n) => n.includes('.restore-'))).toEqual([]);
  });

  it('restore into a folder adds the file under its archived name; a second run finds it unchanged', () => {
    const target = join(dir, 'into-folder');
    mkdirSync(target);
    const r = runCliSync(['restore', archive, '--into', target]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(target)).toEqual(['user_history.db']);
    expect(quickCheckFile(join(target, 'user_history.db'))).toBe('ok');
    const again = runCliSync(['restore', archive, '--into', target, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { summary: { unchanged: number } }).summary.unchanged).toBe(1);
  });

  it('restore over a file its bot holds open is refused after --wait, nothing written', async () => {
    const target = join(dir, 'held');
    mkdirSync(target);
    const path = join(target, 'user_history.db');
    copyFileSync(db, path);
    const writer = await startBotWriter(path, CHAT, 50, 'wal', 'off');
    try {
      const r = runCliSync(['restore', archive, '--into', path, '--force', '--wait', '1']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/in use by the bot/);
      expect(readdirSync(target).filter((n) => n.includes('.bak-') || n.includes('.restore-'))).toEqual([]);
    } finally {
      await stopBotWriter(writer);
    }
  });

  it('an archive of one file with a chat entry added, or a manifest naming another file, is refused', () => {
    const mixed = editManifest(
      archive,
      join(dir, 'mixed.tar.gz'),
      () => {},
      (entries) => [
        { path: `chats/chat_${CHAT}/metadata.json`, type: 'file', data: Buffer.from('{}') },
        ...entries,
      ],
    );
    const v = runCliSync(['verify', mixed]);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/not in the manifest/);
    const renamed = editManifest(archive, join(dir, 'renamed.tar.gz'), (m) => {
      m.single!.name = 'other.db';
    });
    const r = runCliSync(['restore', renamed, '--into', join(dir, 'nowhere.db')]);
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 'nowhere.db'))).toBe(false);
  });

  it('backup --out-dir --keep rotates backup-<file>-<timestamp>.tar.gz archives', () => {
    const out = join(dir, 'rotated');
    mkdirSync(out);
    for (let i = 0; i < 3; i++) {
      const r = runCliSync(['backup', db, '--out-dir', out, '--keep', '2']);
      expect(r.status, r.stderr).toBe(0);
    }
    const archives = readdirSync(out).filter((n) => n.endsWith('.tar.gz'));
    expect(archives).toHaveLength(2);
    for (const name of archives) {
      expect(name).toMatch(/^backup-user_history\.db-\d{8}T\d{6}Z(-\d+)?\.tar\.gz$/);
      expect(existsSync(join(out, `${name}.verified.json`))).toBe(true);
      expect(runCliSync(['verify', join(out, name)]).status).toBe(0);
    }
  });
});
