import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app.ts';
import { pgAvailability, servePostgres, type ServedPostgres } from './support/postgres.ts';

// A PostgreSQL EvoSense source in browser mode: only the source given on the command line is offered, the
// tenant comes first, then a conversation's thread with its analysis in colour, similar messages and metrics.

test.describe('server sources', () => {
  test.skip(!pgAvailability.ok, pgAvailability.ok ? '' : pgAvailability.reason);
  let served: ServedPostgres;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    served = await servePostgres();
  });
  test.afterAll(async () => {
    await served?.stop();
  });

  test('tenant, conversations, thread with analysis, similar, metrics; no password on screen', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const shell = new AppShell(page);
    await shell.open(served.url);
    await page.goto(`${new URL(served.url).origin}/#/sources`);
    const screen = page.getByTestId('sources-screen');
    await expect(screen).toBeVisible();
    // Browser mode: no connection form, the one source from the command line.
    await expect(page.getByTestId('source-connect')).toHaveCount(0);
    const list = page.getByTestId('source-list');
    await expect(list.getByRole('button')).toHaveCount(1);
    await list.getByRole('button').click();
    await expect(page.getByTestId('source-kind')).toHaveText('EvoSense');
    const tenant = served.truth.tenants[1]!;
    await page.getByTestId('tenant-picker').selectOption(tenant.id);
    const conversations = page.getByTestId('source-conversations').getByRole('button');
    await expect(conversations).toHaveCount(tenant.chats.size);
    await conversations.first().click();
    const thread = page.getByTestId('source-thread');
    await expect(thread.locator('[data-message-id]').first()).toBeVisible();
    await expect(thread.getByTestId('analysis').first()).toContainText('sentiment');
    await shell.screenshot('sources-thread');
    await thread.getByRole('button', { name: 'Similar' }).first().click();
    await expect(page.getByTestId('similar-panel').getByRole('listitem')).toHaveCount(10);
    await page.getByRole('tab', { name: 'Metrics' }).click();
    await expect(page.getByTestId('source-table-overview')).toContainText(String(tenant.messages));
    await shell.screenshot('sources-metrics');
    expect(await page.content()).not.toContain(served.password);
  });
});
