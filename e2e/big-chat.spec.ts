import type { Locator, Page } from '@playwright/test';
import { join } from 'node:path';
import { withReadonly } from '../main/sqlite/open.ts';
import { CONVERSATIONS_DB } from '../main/adapters/per-chat-schema.ts';
import { AppShell } from './pages/app.ts';
import { ChatPage } from './pages/chat.ts';
import { ChatsPage } from './pages/chats.ts';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';

// "A chat of 200,000 messages opens at its newest page at once and scrolls back smoothly": the thread is
// windowed — only the rows in view are in the DOM, and only a window of pages is loaded (older pages
// arrive at the top, the newest ones are dropped and read again when scrolled back to).

const BIG_CHAT = '555000111';
const MESSAGES = 200_000;
/** Thread.tsx: 100 messages a page, 20 pages kept. */
const PAGE = 100;
const WINDOW = 2_000;
/** Bubbles in the DOM at any moment: what fits on screen plus overscan, far below one page. */
const MAX_BUBBLES = 200;

interface Shown {
  /** Bubbles in the DOM. */
  bubbles: number;
  /** Their ids, top to bottom on screen. */
  ids: number[];
  /** Ids of the bubbles inside the thread's viewport, top to bottom. */
  visible: number[];
  /** Top of each visible bubble relative to the thread's top, by id. */
  tops: Record<number, number>;
  loaded: number;
  firstLoaded: number;
  lastLoaded: number;
}

function shown(thread: Locator): Promise<Shown> {
  return thread.evaluate((el: HTMLElement) => {
    const box = el.getBoundingClientRect();
    const all = [...el.querySelectorAll<HTMLElement>('[data-msg-id]')]
      .map((b) => ({ id: Number(b.dataset.msgId), top: b.getBoundingClientRect().top - box.top }))
      .sort((a, b) => a.top - b.top);
    const visible = all.filter((b) => b.top >= 0 && b.top < box.height);
    return {
      bubbles: all.length,
      ids: all.map((b) => b.id),
      visible: visible.map((b) => b.id),
      tops: Object.fromEntries(visible.map((b) => [b.id, b.top])),
      loaded: Number(el.dataset.loaded),
      firstLoaded: Number(el.dataset.firstId),
      lastLoaded: Number(el.dataset.lastId),
    };
  });
}

/** The invariants of every step: few bubbles, consecutive ids in screen order, a bounded window. */
function checkWindow(s: Shown) {
  expect(s.bubbles).toBeGreaterThan(3);
  expect(s.bubbles).toBeLessThan(MAX_BUBBLES);
  for (let i = 1; i < s.ids.length; i++) expect(s.ids[i]).toBe(s.ids[i - 1]! + 1);
  expect(s.loaded).toBeLessThanOrEqual(WINDOW);
  expect(s.lastLoaded - s.firstLoaded + 1).toBe(s.loaded);
}

/** Waits until the thread's scroll position has not moved for a few frames (smooth wheel scrolls). */
async function settle(page: Page) {
  await page.getByTestId('thread').evaluate(
    (el: HTMLElement) =>
      new Promise<void>((resolve) => {
        let last = -1;
        let still = 0;
        let frames = 0;
        const tick = () => {
          still = el.scrollTop === last ? still + 1 : 0;
          last = el.scrollTop;
          if (still >= 3 || ++frames > 120) resolve();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
  );
}

test.describe('a chat of 200,000 messages', () => {
  let app: ServedApp;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    app = await serveFixtureRoot({
      chats: 3,
      broken: [],
      extraChats: [{ chatId: BIG_CHAT, messages: MESSAGES, seed: 7 }],
    });
  });
  test.afterAll(async () => {
    await app?.stop();
  });

  test('opens at the newest message, scrolls back through a bounded window, jumps by date and back', async ({
    page,
  }) => {
    test.setTimeout(150_000);
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const chat = new ChatPage(page);
    const big = app.generated.chats.find((c) => c.chatId === BIG_CHAT)!;
    expect(big.messages).toBe(MESSAGES);

    await shell.open(app.url);
    await chats.waitForScan();
    await chats.openChat(BIG_CHAT);

    // The newest page, at the bottom, at once.
    const newest = page.locator(`[data-testid=thread] [data-msg-id="${MESSAGES}"]`);
    await expect(newest).toBeInViewport();
    const opened = await shown(chat.thread);
    checkWindow(opened);
    expect(opened.loaded).toBe(PAGE);
    expect(opened.lastLoaded).toBe(MESSAGES);
    expect(opened.visible.at(-1)).toBe(MESSAGES);
    await shell.screenshot('big-chat-newest');
    const counts = [opened.bubbles];

    // Reading back with the mouse wheel: older pages arrive at the top, the view never holds more than
    // what is on screen, and the messages stay contiguous and in order.
    const box = (await chat.thread.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    let oldestShown = Math.min(...opened.ids);
    let wheels = 0;
    while (oldestShown > MESSAGES - 10 * PAGE && wheels < 150) {
      await page.mouse.wheel(0, -2_500);
      await settle(page);
      wheels++;
      const s = await shown(chat.thread);
      checkWindow(s);
      counts.push(s.bubbles);
      const oldest = Math.min(...s.ids);
      expect(oldest).toBeLessThanOrEqual(oldestShown);
      oldestShown = oldest;
    }
    expect(oldestShown).toBeLessThanOrEqual(MESSAGES - 10 * PAGE);
    await shell.screenshot('big-chat-scrolled');

    // Straight to the top of the window, page after page. Each older page is held back by the network
    // until the position of the message at the top has been taken: it must not move when the page is put
    // above it. Past 20 pages the newest ones are dropped.
    const gate: { armed: boolean; held: (() => void) | null } = { armed: false, held: null };
    const takeHeld = () => gate.held;
    await page.route('**/api/chat.messages', async (route) => {
      if (gate.armed) {
        gate.armed = false;
        await new Promise<void>((resume) => (gate.held = resume));
      }
      await route.continue();
    });
    const drift: number[] = [];
    for (let step = 0; step < 14; step++) {
      await expect(chat.thread).toHaveAttribute('aria-busy', 'false');
      await settle(page);
      const before = await shown(chat.thread);
      gate.armed = true;
      await chat.scrollToTop();
      await expect.poll(() => takeHeld() !== null).toBe(true);
      await expect(chat.thread).toHaveAttribute('aria-busy', 'true');
      await settle(page);
      const atTop = await shown(chat.thread);
      expect(atTop.firstLoaded).toBe(before.firstLoaded);
      const first = atTop.visible[0]!;
      const top = atTop.tops[first]!;
      const resume = takeHeld()!;
      gate.held = null;
      resume();
      await expect
        .poll(async () => (await shown(chat.thread)).firstLoaded, { timeout: 10_000 })
        .toBeLessThan(before.firstLoaded);
      await settle(page);
      const after = await shown(chat.thread);
      checkWindow(after);
      counts.push(after.bubbles);
      expect(Math.min(...after.ids)).toBeLessThanOrEqual(oldestShown);
      oldestShown = Math.min(...after.ids);
      expect(after.tops[first], `message ${first} stays on screen`).toBeDefined();
      drift.push(Math.abs(after.tops[first]! - top));
      expect(drift.at(-1)).toBeLessThanOrEqual(2);
    }
    await page.unroute('**/api/chat.messages');
    const deep = await shown(chat.thread);
    expect(deep.loaded).toBe(WINDOW);
    expect(deep.lastLoaded).toBeLessThan(MESSAGES);
    await shell.screenshot('big-chat-window');

    // Back down to the bottom of the window: the dropped newer page is read again.
    await chat.thread.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect
      .poll(async () => (await shown(chat.thread)).lastLoaded, { timeout: 10_000 })
      .toBeGreaterThan(deep.lastLoaded);
    await settle(page);
    checkWindow(await shown(chat.thread));

    // Jump to a date near the start: the window is reset around it.
    const path = join(app.root, `chat_${BIG_CHAT}`, CONVERSATIONS_DB);
    const stamp = withReadonly(
      path,
      (db) =>
        (db.prepare('SELECT timestamp FROM messages WHERE id = 3000').get() as { timestamp: string })
          .timestamp,
    );
    const day = stamp.slice(0, 10);
    const firstOfDay = withReadonly(
      path,
      (db) =>
        (
          db.prepare('SELECT min(id) AS id FROM messages WHERE timestamp >= ?').get(`${day} 00:00:00`) as {
            id: number;
          }
        ).id,
    );
    // The day field takes the UI language's order or an ISO day; Enter jumps.
    await chat.jumpDate.fill(day);
    await chat.jumpDate.press('Enter');
    const target = page.locator(`[data-testid=thread] [data-msg-id="${firstOfDay}"]`);
    await expect(target).toBeInViewport();
    await expect(target).toHaveClass(/is-highlighted/);
    await expect(target.locator('time')).toHaveAttribute('datetime', new RegExp(`^${day}`));
    await settle(page);
    const dated = await shown(chat.thread);
    checkWindow(dated);
    counts.push(dated.bubbles);
    expect(dated.firstLoaded).toBeLessThan(firstOfDay + PAGE);
    expect(dated.visible).toContain(firstOfDay);
    await shell.screenshot('big-chat-date');

    // End: the newest message again (the window is reset to the newest page).
    await chat.thread.focus();
    await page.keyboard.press('End');
    await expect(newest).toBeInViewport();
    const end = await shown(chat.thread);
    checkWindow(end);
    expect(end.lastLoaded).toBe(MESSAGES);
    await shell.screenshot('big-chat-end');

    // PageUp/PageDown scroll the focused thread a screen at a time, over the same bounded window.
    for (let i = 0; i < 3; i++) await page.keyboard.press('PageUp');
    await settle(page);
    const paged = await shown(chat.thread);
    checkWindow(paged);
    expect(paged.visible.at(-1)).toBeLessThan(MESSAGES);
    await page.keyboard.press('PageDown');
    await settle(page);
    expect((await shown(chat.thread)).visible.at(-1)).toBeGreaterThan(paged.visible.at(-1)!);

    // Home: the first message of the conversation; the toolbar's "Newest" brings the newest back.
    await page.keyboard.press('Home');
    await expect(page.locator('[data-testid=thread] [data-msg-id="1"]')).toBeInViewport();
    await expect(chat.thread).toContainText('Start of the conversation');
    checkWindow(await shown(chat.thread));
    await shell.screenshot('big-chat-oldest');
    await page.locator('.thread-toolbar').getByRole('button', { name: 'Newest' }).click();
    await expect(newest).toBeInViewport();
    checkWindow(await shown(chat.thread));

    console.log(
      `big chat: ${wheels} wheel steps + 14 jumps to the top; bubbles in the DOM min ${Math.min(...counts)}, ` +
        `max ${Math.max(...counts)}; anchor drift on prepend max ${Math.max(...drift).toFixed(1)} px`,
    );
  });
});
