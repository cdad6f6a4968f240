import type { Locator } from '@playwright/test';
import { join } from 'node:path';
import { generateChat, generateDuilioCode } from '../main/fixtures/index.ts';
import Database from '../main/sqlite/driver.ts';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';
import { ChatPage } from './pages/chat.ts';
import { FilesPage } from './pages/files.ts';

// Issue 23 item 6: files whose ids run against time (filled from an export listed newest first) still read
// in time order, oldest at the top — a DuilioCode session in the Files screen and a chat of the root.

const DUILIO = join('legacy', 'duiliocode.db');
const CHAT_ID = '555000111';
let app: ServedApp;
let session: { id: string; title: string; inTimeOrder: number[] };
let chatInTimeOrder: number[];

test.beforeAll(async () => {
  app = await serveFixtureRoot({
    chats: 3,
    broken: [],
    seed: 23,
    prepare: (root) => {
      generateDuilioCode(join(root, DUILIO), { users: 2, seed: 6, idOrder: 'newest-first' });
      const db = new Database(join(root, DUILIO), { readonly: true });
      const biggest = db
        .prepare(
          'SELECT user_id AS u, session_id AS s FROM conversation_history GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1',
        )
        .get() as { u: string; s: string };
      session = {
        id: biggest.s,
        title: biggest.s,
        inTimeOrder: db
          .prepare(
            'SELECT rowid FROM conversation_history WHERE user_id = ? AND session_id = ? ORDER BY created_at, rowid DESC',
          )
          .pluck()
          .all(biggest.u, biggest.s) as number[],
      };
      db.close();
      const chat = generateChat(root, CHAT_ID, { messages: 60, seed: 4, idOrder: 'newest-first' });
      const conv = new Database(join(chat.dir, 'conversations.db'), { readonly: true });
      chatInTimeOrder = conv
        .prepare('SELECT id FROM messages ORDER BY timestamp, id DESC')
        .pluck()
        .all() as number[];
      conv.close();
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
});

const renderedIds = async (thread: Locator) =>
  await thread
    .locator('[data-msg-id]')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-msg-id'))));

/** `ids` is a run of `order` (consecutive, same order). */
const isSliceOf = (ids: number[], order: number[]) => {
  const start = order.indexOf(ids[0]!);
  return start >= 0 && ids.every((id, i) => order[start + i] === id);
};

test('a DuilioCode session whose ids run against time reads oldest first ', async ({ page }) => {
  expect(session.inTimeOrder.length).toBeGreaterThan(2);
  // The file really is newest-first by id.
  expect(session.inTimeOrder[0]!).toBeGreaterThan(session.inTimeOrder.at(-1)!);
  const shell = new AppShell(page);
  const files = new FilesPage(page);
  await shell.open(app.url);
  await shell.nav(/Files|Arquivos/).click();
  await files.file(DUILIO).click();
  await expect(files.kind).toContainText(/duiliocode/i);
  await files.conversations
    .getByRole('button', { name: new RegExp(session.title) })
    .first()
    .click();
  await expect(files.thread).toHaveAttribute('data-last-id', String(session.inTimeOrder.at(-1)));
  // What the virtualized list shows is a run of the session in time order, ending at its newest message.
  const ids = await renderedIds(files.thread);
  expect(ids.length).toBeGreaterThan(2);
  expect(ids.at(-1)).toBe(session.inTimeOrder.at(-1));
  expect(isSliceOf(ids, session.inTimeOrder)).toBe(true);
});

test('a chat of the root whose ids run against time reads oldest first, the newest at the bottom', async ({
  page,
}) => {
  expect(chatInTimeOrder[0]!).toBeGreaterThan(chatInTimeOrder.at(-1)!);
  const shell = new AppShell(page);
  const chats = new ChatsPage(page);
  const chat = new ChatPage(page);
  await shell.open(app.url);
  await chats.openChat(CHAT_ID);
  await chat.waitForThread();
  await expect.poll(async () => (await renderedIds(chat.thread)).at(-1)).toBe(chatInTimeOrder.at(-1));
  const ids = await renderedIds(chat.thread);
  expect(ids.length).toBeGreaterThan(3);
  expect(isSliceOf(ids, chatInTimeOrder)).toBe(true);
});
