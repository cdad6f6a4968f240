import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityReport } from '../../shared/contract/integrity.ts';
import type { ScanResult } from '../../shared/domain.ts';
import { generateRoot, generateUserHistory, type GeneratedChat } from '../fixtures/index.ts';
import { cli, exited, listTree, printed, REPO, runNode, startCli } from '../testing/cli.ts';

// Answers that used to be wrong: a healthy chat called corrupt, a locked DB shown as "0 messages",
// metadata.json of another chat called ok, a folder named conversations.db passing the check, migrate
// writing where the bot never looks.

let base: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-wrong-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function checkJson(args: string[]): { code: number | null; report: IntegrityReport; stdout: string } {
  const run = cli(['check', ...args, '--json', '--workers', '0'], { timeoutMs: 60_000 });
  expect(run.stderr).toBe('');
  return { code: run.code, report: JSON.parse(run.stdout) as IntegrityReport, stdout: run.stdout };
}

describe('a chat id beyond 2^63 (chat_99999999999999999999)', () => {
  const bigId = '99999999999999999999';
  let root: string;

  beforeAll(() => {
    root = join(base, 'big-id');
    const source = generateRoot(join(base, 'big-id-src'), { chats: 1, messagesPerChat: 10, seed: 3 })
      .chats[0]!;
    mkdirSync(root);
    const dir = join(root, `chat_${bigId}`);
    cpSync(source.dir, dir, { recursive: true });
    // Its metadata.json names it as JSON can (a number beyond 2^53 reads back rounded, as Python wrote it).
    const meta = readFileSync(join(dir, 'metadata.json'), 'utf8').replace(
      /"chat_id": -?\d+/,
      `"chat_id": ${bigId}`,
    );
    writeFileSync(join(dir, 'metadata.json'), meta);
  });

  it('check --full calls its healthy DBs healthy and says once that the orphan check was skipped', () => {
    const { code, report } = checkJson([root, '--full']);
    const chat = report.chats[0]!;
    expect(chat.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(chat.status).toBe('ok');
    expect(code).toBe(0);
    expect(report.skipped).toEqual([
      {
        path: join(root, `chat_${bigId}`),
        code: 'check_skipped',
        reason: `chat id ${bigId} is beyond the 64-bit integers SQLite stores, so no row can carry it: the orphan-row check was skipped`,
      },
    ]);
    const human = cli(['check', root, '--full']);
    expect(human.stdout.match(/beyond the 64-bit integers/g)).toHaveLength(1);
    expect(human.stdout).not.toMatch(/corrupt|bigint/i);
  });

  it('check --full of one of its files, the same', () => {
    const { code, report } = checkJson([join(root, `chat_${bigId}`, 'conversations.db'), '--full']);
    expect(report.chats[0]!.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(code).toBe(0);
    expect(report.skipped).toHaveLength(1);
  });
});

describe('a DB another process holds (BEGIN EXCLUSIVE) or a crashed writer left a hot journal', () => {
  let root: string;
  let lockedChat: GeneratedChat;
  let hotChat: GeneratedChat;
  let holder: ChildProcess;

  beforeAll(async () => {
    root = join(base, 'locked');
    const gen = generateRoot(root, { chats: 3, messagesPerChat: 30, seed: 11 });
    lockedChat = gen.chats[0]!;
    hotChat = gen.chats[1]!;
    const script = join(base, 'hold.ts');
    writeFileSync(
      script,
      `import { createRequire } from 'node:module';
const Database = createRequire('${REPO}/package.json')('better-sqlite3');
const [path, how] = process.argv.slice(2);
const db = new Database(path);
if (how === 'crash') {
  // A writer killed mid-transaction, after its changes spilled into the file: a hot journal remains.
  db.pragma('cache_size = 1');
  db.exec('BEGIN');
  db.prepare("UPDATE messages SET content = content || 'x'").run();
  process.kill(process.pid, 'SIGKILL');
}
db.exec('BEGIN EXCLUSIVE');
db.prepare('UPDATE messages SET content = content WHERE id = 1').run();
process.stdout.write('holding\\n');
// The timer keeps the connection reachable: a collected connection would close and let go of the lock.
setInterval(() => db.inTransaction, 1000);
`,
    );
    const crashed = runNode([script, join(hotChat.dir, 'conversations.db'), 'crash']);
    expect(crashed.signal).toBe('SIGKILL');
    expect(existsSync(join(hotChat.dir, 'conversations.db-journal'))).toBe(true);
    holder = startCli([script, join(lockedChat.dir, 'conversations.db'), 'hold'], { script: true });
    await printed(holder, 'holding');
  }, 60_000);

  afterAll(async () => {
    holder.kill('SIGKILL');
    await exited(holder);
  });

  it('scan says locked, with the reason, instead of 0 messages', () => {
    const json = cli(['scan', root, '--json', '--workers', '0']);
    const result = JSON.parse(json.stdout) as ScanResult;
    for (const [chat, reason] of [
      [lockedChat, /locked by another program/],
      [hotChat, /hot journal/],
    ] as const) {
      const row = result.chats.find((r) => r.chatId === chat.chatId)!;
      expect(row.locked?.file).toBe('conversations.db');
      expect(row.locked?.message).toMatch(reason);
      expect(row.health).toBe('warning');
    }
    const human = cli(['scan', root, '--workers', '0']).stdout;
    for (const chat of [lockedChat, hotChat]) {
      expect(human).toMatch(
        new RegExp(`^${chat.chatId}\\s.*\\slocked\\s+locked\\s.*warning \\(locked\\)$`, 'm'),
      );
      expect(human).toMatch(new RegExp(`^locked ${chat.chatId}: conversations.db could not be read`, 'm'));
    }
  });

  it('show says the messages are unknown because the file is locked', () => {
    for (const [chat, reason] of [
      [lockedChat, 'locked by another program'],
      [hotChat, 'hot journal'],
    ] as const) {
      const run = cli(['show', root, chat.chatId]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Messages unknown: locked — conversations.db could not be read/m);
      expect(run.stdout).toContain(reason);
      expect(run.stdout).not.toMatch(/^Messages 0/m);
    }
  });

  it('check gives a locked finding for each', () => {
    const { report } = checkJson([root]);
    for (const chat of [lockedChat, hotChat]) {
      const codes = report.chats.find((c) => c.chatId === chat.chatId)!.findings.map((f) => f.code);
      expect(codes).toContain('locked');
    }
  });
});

describe('metadata.json', () => {
  let root: string;
  let chats: GeneratedChat[];

  beforeAll(() => {
    root = join(base, 'meta');
    chats = generateRoot(root, { chats: 3, messagesPerChat: 10, seed: 21 }).chats;
    // chats[0]: another chat's metadata.json copied in; chats[1]: a figure of the wrong type.
    cpSync(join(chats[2]!.dir, 'metadata.json'), join(chats[0]!.dir, 'metadata.json'));
    const meta = JSON.parse(readFileSync(join(chats[1]!.dir, 'metadata.json'), 'utf8')) as {
      quick_stats: Record<string, unknown>;
    };
    meta.quick_stats.total_messages = 'many';
    writeFileSync(join(chats[1]!.dir, 'metadata.json'), JSON.stringify(meta, null, 2));
  });

  it('of another chat is metadata_mismatch; a field of the wrong type is metadata_malformed', () => {
    const { report } = checkJson([root]);
    const of = (chat: GeneratedChat) => report.chats.find((c) => c.chatId === chat.chatId)!.findings;
    const mismatch = of(chats[0]!).find((f) => f.code === 'metadata_mismatch');
    expect(mismatch?.message).toContain(
      `metadata.json belongs to chat ${chats[2]!.chatId}, not to chat ${chats[0]!.chatId}`,
    );
    const malformed = of(chats[1]!).find((f) => f.code === 'metadata_malformed');
    expect(malformed?.message).toMatch(/wrong type \(quick_stats\.total_messages: /);
    expect(of(chats[2]!).some((f) => f.code.startsWith('metadata_'))).toBe(false);
  });
});

describe('check on a chat whose conversations.db is a folder', () => {
  it('is an error (not_a_file), exit 2', () => {
    const root = join(base, 'folder-db');
    const chat = generateRoot(root, { chats: 1, messagesPerChat: 5, seed: 31 }).chats[0]!;
    rmSync(join(chat.dir, 'conversations.db'));
    mkdirSync(join(chat.dir, 'conversations.db'));
    const { code, report } = checkJson([root]);
    expect(code).toBe(2);
    expect(report.chats[0]!.findings.map((f) => [f.code, f.file])).toContainEqual([
      'not_a_file',
      'conversations.db',
    ]);
  });
});

describe('migrate --into', () => {
  let source: string;

  beforeAll(() => {
    source = join(base, 'user_history.db');
    generateUserHistory(source, { users: 2, messagesPerUser: 4, seed: 41 });
  });

  it('an empty data/chats gets the chat folders itself, and says where they went', () => {
    const project = join(base, 'bot');
    const into = join(project, 'data', 'chats');
    mkdirSync(into, { recursive: true });
    const run = cli(['migrate', source, '--into', into]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(into).every((n) => /^chat_\d+$/.test(n))).toBe(true);
    expect(readdirSync(into)).toHaveLength(2);
    expect(run.stdout).toContain(`Chat folders written to ${into}`);
  });

  it("the bot's project folder (with data/chats already there) gets them in data/chats", () => {
    const project = join(base, 'bot');
    const again = join(base, 'user_history_2.db');
    generateUserHistory(again, { users: 1, messagesPerUser: 3, seed: 42 });
    const before = readdirSync(join(project, 'data', 'chats')).length;
    const run = cli(['migrate', again, '--into', project, '--json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { chatsDir: string }).chatsDir).toBe(join(project, 'data', 'chats'));
    expect(readdirSync(join(project, 'data', 'chats')).length).toBe(before + 1);
    expect(readdirSync(project)).toEqual(['data']);
  });

  it('a dry run says where they would go and writes nothing', () => {
    const empty = join(base, 'empty-target');
    mkdirSync(empty);
    const tree = listTree(empty);
    const run = cli(['migrate', source, '--into', empty, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Chat folders would go to ${empty}`);
    expect(listTree(empty)).toEqual(tree);
  });
});
