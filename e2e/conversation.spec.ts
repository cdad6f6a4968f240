import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatPage } from './pages/chat.ts';
import { ChatsPage, toNumber } from './pages/chats.ts';

// The conversation screen as support staff use it: search with a total and paging through hits,
// filters by role and day, bot Markdown, focus after Enter, and the side panel as a drawer.

test.describe('conversation', () => {
  test('in-chat search: total, Enter / Shift+Enter through the hits, role and day filters', async ({
    page,
    url,
  }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const chat = new ChatPage(page);
    await shell.open(url);
    await chats.waitForScan();
    await chats.sortBy('messages');
    // The keys act on the rows of the new order only once they are there (before, Enter would press the
    // header's sort button again).
    await expect(chats.header('messages')).toHaveAttribute('aria-sort', 'descending');
    await expect
      .poll(async () => {
        const counts = (await chats.columnTexts(3)).slice(0, 5).map(toNumber);
        return counts.length === 5 && counts.every((n, i) => i === 0 || counts[i - 1]! >= n);
      })
      .toBe(true);
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await chat.waitForThread();
    // Enter on the list put the focus in the thread (arrow keys scroll it straight away).
    await expect(chat.thread).toBeFocused();

    const total = await chat.searchFor('e');
    // More hits than one page of results (50): the total is the real count, not a cap.
    expect(total).toBeGreaterThan(60);
    expect(await chat.searchPosition()).toEqual({ at: 0, total });

    await chat.search.press('Enter');
    await expect.poll(() => chat.searchPosition()).toEqual({ at: 1, total });
    const first = await chat.currentHitId();
    await chat.search.press('Enter');
    await expect.poll(() => chat.searchPosition()).toEqual({ at: 2, total });
    const second = await chat.currentHitId();
    expect(second).toBeLessThan(first);
    await chat.search.press('Shift+Enter');
    await expect.poll(() => chat.searchPosition()).toEqual({ at: 1, total });
    expect(await chat.currentHitId()).toBe(first);
    // At the newest hit, Shift+Enter stays there.
    await chat.search.press('Shift+Enter');
    await expect.poll(() => chat.searchPosition()).toEqual({ at: 1, total });
    await expect(chat.newerHit).toBeDisabled();
    // Past the first page of results (50 hits): the next page loads as the hits are walked.
    let previous = first;
    for (let at = 2; at <= 53; at++) {
      await chat.olderHit.click();
      await expect.poll(() => chat.searchPosition()).toEqual({ at, total });
      const id = Number(await chat.searchCount.getAttribute('data-hit-id'));
      expect(id).toBeLessThan(previous);
      previous = id;
    }
    expect(await chat.currentHitId()).toBe(previous);
    await shell.screenshot('chat-search');

    await chat.searchRole.selectOption('user');
    await expect.poll(() => chat.searchTotal()).toBeLessThan(total);
    const userOnly = await chat.searchTotal();
    expect(userOnly).toBeGreaterThan(0);
    await chat.search.press('Enter');
    const userHit = await chat.currentHitId();
    await expect(page.locator(`[data-msg-id="${userHit}"]`)).toHaveAttribute('data-role', 'user');

    // A day range in the language's format (dd/mm/yyyy): only that day's hits.
    const stamp = await page.locator(`[data-msg-id="${userHit}"] time`).getAttribute('datetime');
    const day = stamp!.slice(0, 10);
    const [y, m, d] = day.split('-');
    await chat.searchFrom.fill(`${d}/${m}/${y}`);
    await chat.searchTo.fill(`${d}/${m}/${y}`);
    await chat.searchTo.press('Enter');
    await expect.poll(() => chat.searchTotal()).toBeLessThanOrEqual(userOnly);
    await chat.search.focus();
    await chat.search.press('Enter');
    const inDay = await chat.currentHitId();
    const inDayStamp = await page.locator(`[data-msg-id="${inDay}"] time`).getAttribute('datetime');
    expect(inDayStamp!.slice(0, 10)).toBe(day);
  });

  test('bot Markdown, a pt-BR day field and the side panel drawer on a narrow window', async ({
    page,
    url,
  }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const chat = new ChatPage(page);
    await page.setViewportSize({ width: 1024, height: 700 });
    await shell.open(url);
    await chats.waitForScan();
    await chats.sortBy('messages');
    await chats.rows.first().click();
    await chat.waitForThread();

    // The side panel is a drawer below 1100 px: hidden, then opened by its toggle, closed by Escape.
    await expect(chat.sidePanel).toBeHidden();
    await chat.panelToggle.click();
    await expect(chat.sidePanel).toBeVisible();
    await shell.screenshot('chat-drawer');
    await page.keyboard.press('Escape');
    await expect(chat.sidePanel).toBeHidden();

    // No raw Markdown markers left in bot bubbles that the renderer understood.
    const bot = page.locator('[data-testid=thread] .msg-bot .bubble-text .md').first();
    await expect(bot).toBeVisible();

    await shell.langToggle.click();
    await expect(chat.jumpDate).toHaveAttribute('placeholder', 'dd/mm/aaaa');
    await shell.screenshot('chat-pt-BR');
  });
});
