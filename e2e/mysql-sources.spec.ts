import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app.ts';
import { mariaDbAvailability, serveMariaDb, type ServedMariaDb } from './support/mariadb.ts';

// A MariaDB messaging source (seed 003) in browser mode, with its cold archive: a company first, then a
// conversation whose thread spans hot, warm and cold with each message's tier as a word (not only a colour),
// the summary beside it, and the company's figures per tier.

test.describe('MySQL messaging source', () => {
  test.skip(!mariaDbAvailability.ok, mariaDbAvailability.ok ? '' : mariaDbAvailability.reason);
  let served: ServedMariaDb;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    served = await serveMariaDb();
  });
  test.afterAll(async () => {
    await served?.stop();
  });

  test('company, conversation across tiers with badges, summary, per-company figures', async ({ page }) => {
    test.setTimeout(90_000);
    const shell = new AppShell(page);
    await shell.open(served.url);
    await page.goto(`${new URL(served.url).origin}/#/sources`);
    const list = page.getByTestId('source-list');
    await expect(list.getByRole('button')).toHaveCount(1);
    await list.getByRole('button').click();
    await expect(page.getByTestId('source-kind')).toHaveText('Messaging (seed 003)');
    const big = served.truth.bigConversation;
    await page.getByTestId('tenant-picker').selectOption(big.companyId);
    const company = served.truth.companies.find((c) => c.id === big.companyId)!;
    const conversations = page.getByTestId('source-conversations').getByRole('button');
    await expect(conversations).toHaveCount(company.conversations.size);
    await conversations.filter({ hasText: big.clientName }).first().click();
    const thread = page.getByTestId('source-thread');
    await expect(thread.getByTestId('tier-badge').last()).toHaveText('hot');
    // Older pages reach the warm table and then the archive files.
    // The button goes when the last page has come: it may vanish between seeing it and clicking it, so
    // each round clicks only briefly and the whole is retried until every message is there.
    const older = thread.getByRole('button', { name: 'Load older messages' });
    const messages = thread.locator('[data-message-id]');
    await expect(async () => {
      if ((await older.count()) > 0) await older.click({ timeout: 2_000 });
      await expect(messages).toHaveCount(big.messages, { timeout: 1_000 });
    }).toPass({ timeout: 60_000 });
    for (const tier of ['hot', 'warm', 'cold'] as const)
      await expect(thread.locator(`[data-tier="${tier}"]`)).toHaveCount(big.tiers[tier]);
    await expect(thread.getByTestId('tier-badge').first()).toHaveText('cold');
    const summary = page.getByTestId('conversation-summary');
    await expect(summary).toContainText(big.summary!.summary);
    await expect(summary.getByTestId('summary-sentiment')).toHaveText(big.summary!.sentiment);
    await shell.screenshot('mysql-thread');
    await page.getByRole('tab', { name: 'Metrics' }).click();
    await expect(page.getByTestId('metrics-chart-messages-per-day-tier')).toBeVisible();
    await expect(page.getByTestId('source-table-tiers')).toContainText(String(company.messages));
    await shell.screenshot('mysql-metrics');
    expect(await page.content()).not.toContain(served.password);
  });
});
