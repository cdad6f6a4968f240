import { join } from 'node:path';
import { generateUserHistory } from '../main/fixtures/index.ts';
import Database from '../main/sqlite/driver.ts';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { FilesPage } from './pages/files.ts';

// A legacy user_history.db whose ids run against time (filled from an export listed newest first): its
// thread in the Files screen still reads in time order, oldest at the top, the newest page shown first at
// the bottom, older pages above it as the person scrolls up.

const LEGACY = join('legacy', 'user_history.db');
let app: ServedApp;
let chatId: string;
/** The chat's message ids in time order (oldest first), read straight from the file. */
let inTimeOrder: number[];

test.beforeAll(async () => {
  app = await serveFixtureRoot({
    chats: 3,
    broken: [],
    seed: 17,
    prepare: (root) => {
      const { users } = generateUserHistory(join(root, LEGACY), {
        users: 2,
        messagesPerUser: 260,
        seed: 5,
        idOrder: 'newest-first',
      });
      chatId = users[0]!.chatId;
      const db = new Database(join(root, LEGACY), { readonly: true });
      inTimeOrder = db
        .prepare('SELECT id FROM messages WHERE chat_id = ? ORDER BY timestamp ASC, id DESC')
        .pluck()
        .all(BigInt(chatId)) as number[];
      db.close();
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
});

test('legacy thread reads in time order: newest page at the bottom first, older pages above', async ({
  page,
}) => {
  test.setTimeout(60_000);
  expect(inTimeOrder).toHaveLength(260);
  // The file really is newest-first by id.
  expect(inTimeOrder[0]!).toBeGreaterThan(inTimeOrder[inTimeOrder.length - 1]!);

  const shell = new AppShell(page);
  const files = new FilesPage(page);
  await shell.open(app.url);
  await shell.nav(/Files|Arquivos/).click();
  await files.file(LEGACY).click();
  await expect(files.kind).toContainText(/user_history/i);
  await files.conversations.getByRole('button', { name: new RegExp(`chat ${chatId}`) }).click();

  const thread = files.thread;
  await expect(thread).toHaveAttribute('data-last-id', String(inTimeOrder.at(-1)));
  const rendered = async () =>
    await thread
      .locator('[data-msg-id]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-msg-id'))));
  const isTimeOrderedSlice = (ids: number[]) => {
    const start = inTimeOrder.indexOf(ids[0]!);
    return start >= 0 && ids.every((id, i) => inTimeOrder[start + i] === id);
  };
  const bottom = await rendered();
  expect(bottom.length).toBeGreaterThan(3);
  expect(bottom.at(-1)).toBe(inTimeOrder.at(-1));
  expect(isTimeOrderedSlice(bottom)).toBe(true);

  // Scroll up to the start: older pages arrive above, in the same order, down to the oldest message.
  await expect
    .poll(
      async () => {
        await files.scrollThreadToTop();
        return thread.getAttribute('data-first-id');
      },
      { timeout: 30_000 },
    )
    .toBe(String(inTimeOrder[0]));
  // The last page arrived above what was shown (the view kept its place): go to the very top once more.
  await expect
    .poll(async () => {
      await files.scrollThreadToTop();
      return (await rendered())[0];
    })
    .toBe(inTimeOrder[0]);
  expect(isTimeOrderedSlice(await rendered())).toBe(true);
  await shell.screenshot('files-legacy-thread-oldest');
});
