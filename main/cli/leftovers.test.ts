import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRoot, type GeneratedChat } from '../fixtures/index.ts';
import { cli, exited, listTree, printed, REPO, startCli } from '../testing/cli.ts';

// No command leaves anything in the temp folder or beside its output, whether it succeeds, fails or is
// interrupted: each run gets a private TMPDIR, listed before and after.

let base: string;
let root: string;
let healthy: GeneratedChat;
let walOnly: GeneratedChat;
let before: Record<string, string>;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-leftovers-'));
  root = join(base, 'root');
  const gen = generateRoot(root, { chats: 2, messagesPerChat: 10, broken: ['wal_pending'], seed: 17 });
  healthy = gen.chats[0]!;
  walOnly = gen.chats.find((c) => c.kind === 'wal_pending')!;
  // A -wal without its -shm: reading it in place would create the -shm, so it is read from a private copy.
  rmSync(join(walOnly.dir, 'conversations.db-shm'));
  expect(existsSync(join(walOnly.dir, 'conversations.db-wal'))).toBe(true);
  before = listTree(root);
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

function privateTmp(): string {
  return mkdtempSync(join(base, 'tmp-'));
}

describe('each command leaves the temp folder as it found it', () => {
  const commands: [string, () => string[]][] = [
    ['scan', () => ['scan', root]],
    ['show (a -wal without -shm: read from a private snapshot)', () => ['show', root, walOnly.chatId]],
    ['show --json', () => ['show', root, walOnly.chatId, '--json']],
    ['show of a healthy chat', () => ['show', root, healthy.chatId]],
    ['check', () => ['check', root]],
    ['check --full', () => ['check', root, '--full']],
    ['check FILE', () => ['check', join(walOnly.dir, 'conversations.db')]],
    ['open', () => ['open', join(walOnly.dir, 'conversations.db')]],
    [
      'export',
      () => ['export', root, '--chat', walOnly.chatId, '--format', 'html', '--out', join(base, 'x.html')],
    ],
  ];
  it.each(commands)('%s', (_name, args) => {
    const tmp = privateTmp();
    const run = cli(args(), { tmp });
    expect(run.stderr).toBe('');
    // check exits 1 for the warnings of the -wal chat; nothing here is an error.
    expect([0, 1]).toContain(run.code);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a failing command too', () => {
    const tmp = privateTmp();
    const run = cli(['show', root, '123'], { tmp });
    expect(run.code).toBe(2);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('interrupted', () => {
  it('SIGTERM while a snapshot is open removes the private copy of the chat', async () => {
    const tmp = privateTmp();
    const driver = join(base, 'hold-snapshot.ts');
    writeFileSync(
      driver,
      `import { openReadonly } from '${REPO}/main/sqlite/open.ts';
const { db, mode } = openReadonly(process.argv[2]);
process.stdout.write(mode + ' open\\n');
// Referenced from the interval: an unreferenced connection would be closed by GC (and its snapshot removed).
setInterval(() => db.name, 1000);
`,
    );
    const child = startCli([driver, join(walOnly.dir, 'conversations.db')], { script: true, tmp });
    await printed(child, 'snapshot open');
    expect(readdirSync(tmp).filter((n) => n.startsWith('chat-inspector-snap-'))).toHaveLength(1);
    child.kill('SIGTERM');
    expect((await exited(child)).signal).toBe('SIGTERM');
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);

  it('SIGINT during demo leaves neither the demo nor its temporary folder', async () => {
    const tmp = privateTmp();
    const parent = mkdtempSync(join(base, 'demo-'));
    const target = join(parent, 'demo');
    const child = startCli(['demo', target], { tmp });
    // Interrupt once the demo is being built (its temp folder exists beside the target).
    const deadline = Date.now() + 30_000;
    while (!readdirSync(parent).some((n) => n.startsWith('.demo-tmp-')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readdirSync(parent).some((n) => n.startsWith('.demo-tmp-'))).toBe(true);
    child.kill('SIGINT');
    const end = await exited(child);
    expect(end.signal ?? end.code).toBe('SIGINT');
    expect(readdirSync(parent)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);
});

describe('read-only', () => {
  it('the root is unchanged after all of it', () => {
    expect(listTree(root)).toEqual(before);
  });
});
