import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';
import { IntegrityPage } from './pages/integrity.ts';

// One truth per chat (issue 23): every screen shows the state main computed once. The empty chat folder is
// an error row in the list and in Integrity; the corrupt chat is in the Fleet screen's alert table; the
// side panel of an unreadable chat never says 0 messages; a message dated 2062 never sets "last active",
// and the list and the side panel say the same last activity.

test.describe('one truth per chat', () => {
  test('the empty chat folder is an error row in the list and in Integrity; the corrupt chat is in the Fleet alerts', async ({
    page,
    url,
    app,
  }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const kind = (k: string) => app.generated.chats.find((c) => c.kind === k)!;
    const empty = kind('empty_folder');
    const corrupt = kind('page_corrupt');
    await shell.open(url);
    await chats.waitForScan();
    await chats.search.fill(empty.chatId);
    await expect(chats.row(empty.chatId)).toHaveAttribute('data-health', 'error');
    // Its counts are unknown (a dash, "unreadable"), not 0.
    await expect(chats.row(empty.chatId).locator('[data-unread="true"]').first()).toBeVisible();
    await chats.search.fill('');

    const integrity = new IntegrityPage(page);
    await shell.nav(/Integrity/).click();
    await integrity.run('quick');
    const row = integrity.row(empty.chatId);
    await row.scrollIntoViewIfNeeded();
    await expect(row).toHaveAttribute('data-status', 'error');
    await row.click();
    await expect(integrity.findings).toHaveAttribute('data-chat-id', empty.chatId);
    await expect(integrity.findings.locator('tr[data-code="missing_file"]')).toHaveCount(2);

    await shell.nav(/Fleet/).click();
    const alerts = page.getByTestId('fleet-alerts');
    await expect(page.getByTestId('fleet-charts')).toBeVisible({ timeout: 30_000 });
    for (const chat of [corrupt, empty])
      await expect(alerts.getByRole('link', { name: chat.chatId, exact: true }).first()).toBeVisible();
  });

  test('an unreadable chat never shows 0 messages; a 2062 message never sets last active', async ({
    page,
    url,
    app,
  }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const kind = (k: string) => app.generated.chats.find((c) => c.kind === k)!;
    await shell.open(url);
    await chats.waitForScan();

    const side = page.getByTestId('chat-side-panel');
    // A row of the side panel by its label (English), as a person reads it.
    const figure = (label: string) =>
      side
        .locator('.kv-row', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
        .locator('dd');
    for (const k of ['page_corrupt', 'truncated', 'hot_journal', 'empty_folder']) {
      const chat = kind(k);
      await chats.openChat(chat.chatId);
      await expect(figure('Messages \\(user / bot\\)'), k).toBeVisible();
      // Never "0 (0 / 0)" or "Sessions 0": a dash saying it could not be read, or the figure marked partial.
      await expect(figure('Messages \\(user / bot\\)'), k).not.toHaveText(/^0\b/);
      await expect(figure('Sessions'), k).not.toHaveText(/^0\b/);
      await expect(figure('Messages \\(user / bot\\)'), k).toContainText(/—|partial/);
      await expect(side.getByTestId('side-messages'), k).toHaveAttribute('data-counts', /unread|partial/);
      await page.keyboard.press('Escape');
      await chats.search.fill('');
    }

    const future = kind('future_dated');
    await chats.search.fill(future.chatId);
    const listCell = chats.row(future.chatId).locator('td').nth(5);
    const listTitle = await listCell.getAttribute('title');
    expect(listTitle).not.toBeNull();
    // The list never says "in 36 yr": its last activity is in the past.
    await expect(listCell).not.toContainText(/^in /);
    await chats.row(future.chatId).click();
    // The side panel says the same instant as the list.
    await expect(figure('Last active').locator('span[title]')).toHaveAttribute('title', listTitle!);
    const value = await side.getByTestId('side-last-active').getAttribute('data-value');
    expect(value! < '2062').toBe(true);
    expect(Date.parse(value!)).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });
});
