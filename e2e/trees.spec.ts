import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateChat } from '../main/fixtures/index.ts';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';

// A folder holding chat folders itself and a `chats/` tree (as seed 000's bot folder holds data/chats and
// bot/data/chats): the list shows every chat of both, with a Tree column, and flags a chat in both.

let app: ServedApp;
const ONLY_IN_CHATS = '999000111';
const DAY = 86_400_000;
/** A chat of the root written again into chats/ (set when the root is made). */
let both = '';

test.beforeAll(async () => {
  app = await serveFixtureRoot({
    chats: 3,
    broken: [],
    seed: 31,
    prepare: (root) => {
      const tree = join(root, 'chats');
      generateChat(tree, ONLY_IN_CHATS, { messages: 8 });
      // The first chat of the root again, in chats/, last active long before its copy in the root.
      both = readdirSync(root)
        .filter((n) => /^chat_\d+$/.test(n))
        .sort()[0]!
        .slice('chat_'.length);
      generateChat(tree, both, { messages: 6, now: new Date(Date.now() - 400 * DAY) });
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
});

test('the list shows both chat trees, each chat with its tree, and flags a chat in both', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const shell = new AppShell(page);
  const chats = new ChatsPage(page);
  await shell.open(app.url);
  await chats.waitForScan();
  await expect(page.locator('th[data-col="tree"]')).toHaveText('Tree');
  await expect(chats.row(ONLY_IN_CHATS).locator('td[data-col="tree"]')).toHaveText('chats');
  const others = app.generated.chats.map((c) => c.chatId).filter((id) => id !== both);
  for (const id of others) await expect(chats.row(id).locator('td[data-col="tree"]')).toHaveText('.');
  await expect(chats.row(both).locator('td[data-col="tree"]')).toHaveText('chatsalso in .; newer in .');
  await shell.langToggle.click();
  await expect(page.locator('th[data-col="tree"]')).toHaveText('Árvore');
  await expect(chats.row(both).locator('td[data-col="tree"]')).toContainText('mais recente em .');
});

test('the list\'s "also in" flag opens the chat\'s other copy; the chat screen says its tree and leads back', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const shell = new AppShell(page);
  const chats = new ChatsPage(page);
  await shell.open(app.url);
  await chats.waitForScan();
  // chats/ is the current tree: the row is its copy; the flag leads to the copy in the root itself.
  await chats.row(both).getByTestId('other-copy-link').click();
  const tree = page.getByTestId('chat-tree');
  await expect(tree).toHaveAttribute('data-tree', '.');
  await expect(tree).toContainText('in .');
  const back = page.getByTestId('chat-other-copy');
  await expect(back).toHaveAttribute('data-tree', 'chats');
  await expect(back).toHaveText('open the copy in chats');
  await back.click();
  await expect(tree).toHaveAttribute('data-tree', 'chats');
  // The copy in chats/ has 6 messages.
  await expect(page.locator('.chat-sub')).toContainText('6 messages');
  await expect(page.getByTestId('chat-other-copy')).toHaveText('open the copy in . (newer)');
  await shell.langToggle.click();
  await expect(page.getByTestId('chat-other-copy')).toHaveText('abrir a cópia em . (mais recente)');
  // A chat in one tree: its tree, no other copy.
  await page.goto(`${app.url}#/chat?id=${ONLY_IN_CHATS}`);
  await expect(tree).toHaveAttribute('data-tree', 'chats');
  await expect(page.getByTestId('chat-other-copy')).toHaveCount(0);
});

test('the search across chats finds the messages of both copies, each hit opening its copy', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const shell = new AppShell(page);
  const chats = new ChatsPage(page);
  await shell.open(app.url);
  await chats.waitForScan();
  await chats.searchMessages('e');
  const inRoot = chats.messageHits.and(page.locator(`[data-hit-chat="${both}"][data-hit-tree="."]`));
  const inChats = chats.messageHits.and(page.locator(`[data-hit-chat="${both}"][data-hit-tree="chats"]`));
  await expect(inChats.first()).toBeVisible();
  await expect(inRoot.first()).toBeVisible();
  await expect(inRoot.first()).toContainText('.');
  await inRoot.first().click();
  await expect(page.getByTestId('chat-tree')).toHaveAttribute('data-tree', '.');
});
