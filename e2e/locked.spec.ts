import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect, PROJECT_ROOT, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';

// A chat whose database another program holds (the bot in the middle of a write) shows as Locked — in the
// chat list row and in the chat's header, with a tooltip naming the file — not as an error and not as OK.

let app: ServedApp;
let holder: ChildProcess | null = null;

/** A separate process holding BEGIN EXCLUSIVE on a rollback-journal DB, as a writing bot does. */
async function holdExclusive(path: string): Promise<ChildProcess> {
  const script = `
    import Database from ${JSON.stringify(join(PROJECT_ROOT, 'main', 'sqlite', 'driver.ts'))};
    const db = new Database(${JSON.stringify(path)});
    if (db.pragma('journal_mode', { simple: true }) === 'wal') throw new Error('expected a rollback-journal DB');
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    // The timer keeps the connection referenced: a collected connection would release its lock.
    setInterval(() => void db.inTransaction, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}): ${err}`)));
  });
  return child;
}

test.beforeAll(async () => {
  app = await serveFixtureRoot({ chats: 4, broken: [], seed: 23 });
});

test.afterAll(async () => {
  holder?.kill();
  await app?.stop();
});

test('a chat held by another program shows as Locked in the list and the header, en and pt-BR', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const held = app.generated.chats[1]!;
  holder = await holdExclusive(join(held.dir, 'conversations.db'));
  const shell = new AppShell(page);
  const chats = new ChatsPage(page);
  await shell.open(app.url);
  await chats.waitForScan();

  const badge = chats.row(held.chatId).locator('[data-health]');
  await expect(badge).toHaveAttribute('data-health', 'locked');
  await expect(badge).toHaveText('Locked');
  await expect(badge).toHaveAttribute('title', /writing conversations\.db/);
  // The other chats are what they are.
  const other = app.generated.chats.find((c) => c !== held)!;
  await expect(chats.row(other.chatId).locator('[data-health]')).toHaveAttribute('data-health', 'ok');

  await chats.openChat(held.chatId);
  const header = page.locator('.chat-sub [data-health]');
  await expect(header).toHaveAttribute('data-health', 'locked');
  // Said as Locked with what to do, not as a problem of the chat. The detail read waits out SQLite's busy
  // timeout (2 s per statement) before it says so: give it more than the default 5 s on a loaded machine.
  await expect(page.getByTestId('chat-locked')).toContainText(
    'Another program (usually the bot) is writing',
    {
      timeout: 20_000,
    },
  );
  await expect(page.getByTestId('chat-problems')).toHaveCount(0);
  // Its figures are unknown while it is held, not zero.
  await expect(page.getByTestId('chat-side-panel')).not.toContainText('0 (0 / 0)');
  await shell.langToggle.click();
  await expect(header).toHaveText('Bloqueado');
  await expect(header).toHaveAttribute('title', /está gravando conversations\.db/);
  await shell.screenshot('chat-locked-pt-BR');
  await shell.langToggle.click();
});
