import { join } from 'node:path';
import { generateChat } from '../main/fixtures/index.ts';
import Database from '../main/sqlite/driver.ts';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';
import { ChatPage } from './pages/chat.ts';

// Issue 23 item 7: a 1,000,000-character message was rendered whole (one bubble 188,471 px tall) and blocked
// scrolling through its conversation. It is shown folded with its size and "show all"; shown all, it stays
// in a box of bounded height, and the thread scrolls past it.

const CHAT_ID = '555000222';
const LENGTH = 1_000_000;
let app: ServedApp;
let longId: number;

test.beforeAll(async () => {
  app = await serveFixtureRoot({
    chats: 2,
    broken: [],
    seed: 7,
    prepare: (root) => {
      const chat = generateChat(root, CHAT_ID, { messages: 40, seed: 3 });
      const db = new Database(join(chat.dir, 'conversations.db'));
      // The third newest message becomes a million characters of a bot's runaway answer, in lines.
      longId = db
        .prepare('SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET 2')
        .pluck()
        .get() as number;
      const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\n';
      const text = line.repeat(Math.ceil(LENGTH / line.length)).slice(0, LENGTH);
      db.prepare("UPDATE messages SET content = ?, message_type = 'bot' WHERE id = ?").run(text, longId);
      db.close();
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
});

for (const lang of ['en', 'pt-BR'] as const) {
  test(`a million-character message is folded, says its size and shows all on demand (${lang})`, async ({
    page,
  }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const chat = new ChatPage(page);
    await shell.open(app.url);
    if (lang === 'pt-BR') await shell.langToggle.click();
    await chats.openChat(CHAT_ID);
    await chat.waitForThread();
    const message = page.locator(`[data-testid=thread] [data-msg-id="${longId}"]`);
    await expect(message).toBeVisible();
    const long = message.getByTestId('long-message');
    await expect(long).toBeVisible();
    // Folded: a few hundred px, not the whole text.
    const folded = (await message.boundingBox())!;
    expect(folded.height).toBeLessThan(1000);
    expect((await message.textContent())!.length).toBeLessThan(10_000);
    await expect(long.getByTestId('long-message-size')).toHaveText(
      lang === 'en' ? /1,000,000 characters/ : /1\.000\.000 caracteres/,
    );
    await shell.screenshot(`long-message-folded-${lang}`);
    await long.getByRole('button', { name: lang === 'en' ? 'Show all' : 'Mostrar tudo' }).click();
    const whole = long.getByRole('region');
    await expect(whole).toBeVisible();
    expect(await whole.evaluate((el) => el.textContent?.length)).toBe(LENGTH);
    // Shown all, its height stays bounded: the thread itself is not 188,471 px tall.
    await shell.screenshot(`long-message-whole-${lang}`);
    const box = (await message.boundingBox())!;
    expect(box.height).toBeLessThan(page.viewportSize()!.height);
    expect(await chat.thread.evaluate((el) => el.scrollHeight)).toBeLessThan(50_000);
    // The thread scrolls past it to the start of the conversation.
    await chat.scrollToTop();
    await expect(
      page.getByText(lang === 'en' ? 'Start of the conversation' : 'Início da conversa'),
    ).toBeVisible();
  });
}
