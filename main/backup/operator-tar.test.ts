import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../shared/contract/backup.ts';
import { breakChat, generateChat } from '../fixtures/index.ts';
import { dumpDb, runCliSync, treeSnapshot, writeArchiveEntries } from '../testing/backup-helpers.ts';

// Seed 000's operators back users up with their own tar (`tar -czf backup_chat_<id>.tar.gz
// data/chats/chat_<id>/`, or `data/chats/chat_*/` for several): no manifest.json. verify reads such an
// archive (every DB checked: header, quick_check, schema; exit 3 and a plain line saying what cannot be
// proven), restore restores it by the same rules as Chat Inspector's own archives, and every hostile
// archive is still refused.

let dir: string;
let bot: string;
const A = '123456789';
const B = '223456789';
const BROKEN = '323456789';
const DRIFT = '423456789';
const UNPROVEN =
  'manifest: absent — checksums and row counts cannot be proven; every DB checked (header, quick_check, schema)';

/** The seed's own command, run by a shell in the bot's folder (the glob is the shell's). */
function operatorTar(name: string, what: string): string {
  const out = join(dir, name);
  const r = spawnSync('sh', ['-c', `tar -czf ${out} ${what}`], { cwd: bot, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-operator-tar-'));
  bot = join(dir, 'bot');
  const chats = join(bot, 'data', 'chats');
  mkdirSync(chats, { recursive: true });
  generateChat(chats, A, { messages: 40, seed: 1 });
  generateChat(chats, B, { messages: 60, seed: 2 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verify(archive: string): {
  status: number | null;
  stdout: string;
  stderr: string;
  json: VerifyResult;
} {
  const text = runCliSync(['verify', archive]);
  const json = JSON.parse(runCliSync(['verify', archive, '--json']).stdout) as VerifyResult;
  return { status: text.status, stdout: text.stdout, stderr: text.stderr, json };
}

describe("verify reads the operator's own archives", () => {
  it('one user: exit 3, every DB checked, the report says what cannot be proven', () => {
    const archive = operatorTar('backup_chat_123456789.tar.gz', `data/chats/chat_${A}/`);
    const v = verify(archive);
    expect(v.status, v.stderr).toBe(3);
    expect(v.stdout).toContain(UNPROVEN);
    expect(v.stdout).toContain("Archive without a manifest (an operator's own tar): 1 chat(s), 3 file(s)");
    expect(v.json.manifest).toBeNull();
    expect(v.json.withoutManifest).toEqual({ chats: 1, files: 3 });
    expect(v.json.restorable).toBe(true);
    expect(v.json.ok).toBe(true);
    const dbs = v.json.files.filter((f) => f.path.endsWith('.db'));
    expect(dbs.map((f) => [f.path, f.integrity]).sort()).toEqual([
      [`data/chats/chat_${A}/conversations.db`, 'ok'],
      [`data/chats/chat_${A}/profile.db`, 'ok'],
    ]);
  });

  it('several users with a damaged DB and a drifted schema: exit 1, the damaged file named, the drift said', () => {
    const chats = join(bot, 'data', 'chats');
    breakChat(chats, 'page_corrupt', { chatId: BROKEN, seed: 3 });
    breakChat(chats, 'schema_drift', { chatId: DRIFT, seed: 4 });
    try {
      const archive = operatorTar('backup_multiple_users.tar.gz', 'data/chats/chat_*/');
      const v = verify(archive);
      expect(v.status, v.stdout).toBe(1);
      expect(v.json.withoutManifest).toEqual({ chats: 4, files: 12 });
      const files = v.json.files;
      const damaged = files.filter((f) => f.damagedAtBackup).map((f) => f.path);
      expect(damaged).toHaveLength(1);
      expect(damaged[0]).toMatch(new RegExp(`^data/chats/chat_${BROKEN}/`));
      expect(v.stdout).toMatch(new RegExp(`chat_${BROKEN}/\\w+\\.db: fails quick_check in the archive`));
      const drift = files.filter((f) =>
        f.problems.some((p) => p.startsWith("its tables differ from the bot's")),
      );
      expect(drift.map((f) => f.path.split('/')[2])).toEqual([`chat_${DRIFT}`]);
      expect(v.stdout).toContain(UNPROVEN);

      // restore leaves the damaged file out and adds the rest.
      const target = mkdtempSync(join(dir, 'multi-'));
      const r = runCliSync(['restore', archive, '--into', target, '--json']);
      expect(r.status, r.stderr).toBe(1);
      const result = JSON.parse(r.stdout) as { withoutManifest: boolean; summary: Record<string, number> };
      expect(result.withoutManifest).toBe(true);
      expect(result.summary.add).toBe(4);
      const brokenFile = damaged[0]!.split('/').pop()!;
      expect(existsSync(join(target, `chat_${BROKEN}`, brokenFile))).toBe(false);
    } finally {
      rmSync(join(chats, `chat_${BROKEN}`), { recursive: true, force: true });
      rmSync(join(chats, `chat_${DRIFT}`), { recursive: true, force: true });
    }
  });
});

describe("restore of the operator's own archives", () => {
  it("dry run writes nothing; the real run adds the chats whole into the root's data/chats", () => {
    const archive = operatorTar('two.tar.gz', `data/chats/chat_${A}/ data/chats/chat_${B}/`);
    const target = join(dir, 'root-add');
    mkdirSync(join(target, 'data', 'chats'), { recursive: true });
    const before = treeSnapshot(target);
    const dry = runCliSync(['restore', archive, '--into', target, '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(UNPROVEN);
    expect(treeSnapshot(target)).toEqual(before);
    const real = runCliSync(['restore', archive, '--into', target]);
    expect(real.status, real.stderr).toBe(0);
    for (const id of [A, B])
      for (const name of ['profile.db', 'conversations.db']) {
        const restored = join(target, 'data', 'chats', `chat_${id}`, name);
        expect(dumpDb(restored)).toEqual(dumpDb(join(bot, 'data', 'chats', `chat_${id}`, name)));
      }
    expect(readdirSync(join(target, 'data', 'chats')).sort()).toEqual([`chat_${A}`, `chat_${B}`]);
  });

  it('replacing a changed chat needs --force and keeps the old files as .bak-<time>', () => {
    const archive = operatorTar('one.tar.gz', `data/chats/chat_${A}/`);
    const target = join(dir, 'root-replace');
    mkdirSync(join(target, 'data', 'chats'), { recursive: true });
    generateChat(join(target, 'data', 'chats'), A, { messages: 9, seed: 99 });
    const chat = join(target, 'data', 'chats', `chat_${A}`);
    const oldConversations = readFileSync(join(chat, 'conversations.db'));
    const refused = runCliSync(['restore', archive, '--into', target]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--force/);
    const r = runCliSync(['restore', archive, '--into', target, '--force']);
    expect(r.status, r.stderr).toBe(0);
    expect(dumpDb(join(chat, 'conversations.db'))).toEqual(
      dumpDb(join(bot, 'data', 'chats', `chat_${A}`, 'conversations.db')),
    );
    const bak = readdirSync(chat).find((n) => /^conversations\.db\.bak-\d{8}T\d{6}Z$/.test(n));
    expect(bak).toBeDefined();
    expect(readFileSync(join(chat, bak!))).toEqual(oldConversations);
    expect(readdirSync(chat).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('bare chat_<id>/ (tar run inside the chats folder) and ./ prefixes are read too', () => {
    const out = join(dir, 'bare.tar.gz');
    const r = spawnSync('tar', ['-czf', out, `./chat_${A}/`], {
      cwd: join(bot, 'data', 'chats'),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const v = verify(out);
    expect(v.status, v.stderr).toBe(3);
    expect(v.json.withoutManifest).toEqual({ chats: 1, files: 3 });
  });
});

describe('hostile archives without a manifest are still refused', () => {
  const good = (prefix: string, id: string) =>
    ['profile.db', 'conversations.db', 'metadata.json'].map((name) => ({
      path: `${prefix}chat_${id}/${name}`,
      type: 'file' as const,
      data: readFileSync(join(bot, 'data', 'chats', `chat_${id}`, name)),
    }));

  it.each([
    [
      'a file outside the layout',
      [{ path: `data/chats/chat_${A}/notes.txt`, type: 'file', data: Buffer.from('x') }],
    ],
    [
      'a -wal beside a DB',
      [{ path: `data/chats/chat_${A}/conversations.db-wal`, type: 'file', data: Buffer.from('x') }],
    ],
    [
      'a path climbing out',
      [{ path: `data/chats/../../etc/profile.db`, type: 'file', data: Buffer.from('x') }],
    ],
    [
      'an absolute path',
      [{ path: `/data/chats/chat_${A}/profile.db`, type: 'file', data: Buffer.from('x') }],
    ],
  ] as const)('%s', (_label, extra) => {
    const archive = writeArchiveEntries(join(dir, `hostile-${Math.random()}.tar.gz`), [
      ...good('data/chats/', A),
      ...extra.map((e) => ({ ...e })),
    ]);
    const v = runCliSync(['verify', archive]);
    expect(v.status).toBe(2);
    const target = mkdtempSync(join(dir, 'hostile-target-'));
    const r = runCliSync(['restore', archive, '--into', target]);
    expect(r.status).toBe(2);
    expect(readdirSync(target)).toEqual([]);
  });

  it('chats under two folders', () => {
    const archive = writeArchiveEntries(join(dir, 'two-prefixes.tar.gz'), [
      ...good('data/chats/', A),
      ...good('bot/data/chats/', B),
    ]);
    const v = runCliSync(['verify', archive]);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/more than one folder/);
  });

  it('a symbolic link stored by tar', () => {
    const chat = join(bot, 'data', 'chats', `chat_${B}`);
    symlinkSync('/etc/passwd', join(chat, 'metadata.json.link'));
    try {
      const archive = operatorTar('with-link.tar.gz', `data/chats/chat_${B}/`);
      const v = runCliSync(['verify', archive]);
      expect(v.status).toBe(2);
    } finally {
      rmSync(join(chat, 'metadata.json.link'));
    }
  });
});
