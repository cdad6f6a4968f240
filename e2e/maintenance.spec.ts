import { test as base, expect } from '@playwright/test';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from '../main/sqlite/driver.ts';
import { AppShell } from './pages/app.ts';
import { MaintenancePage } from './pages/maintenance.ts';
import { serveFixtureRoot, type ServedApp } from './support/server.ts';

// The Maintenance screen in browser mode, on a root of its own (it writes): the vacuum preview lists the one
// DB with many free pages, the confirmation names the file, the result names the .bak kept; the alerts
// list the damaged chat as an error.

const test = base.extend<object, { served: ServedApp }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const served = await serveFixtureRoot({ chats: 6, broken: ['page_corrupt'], seed: 11 });
      await use(served);
      await served.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

test('vacuum with preview, confirmation and the .bak kept; alerts', async ({ page, served }) => {
  const healthy = served.generated.chats.find((c) => c.kind === 'healthy' && c.messages > 60)!;
  const db = join(healthy.dir, 'conversations.db');
  // The bot deleted most of this chat's history: its file is now mostly free pages.
  const w = new Database(db);
  w.prepare('DELETE FROM messages WHERE id <= ?').run(healthy.messages - 5);
  w.close();
  const before = statSync(db).size;

  const shell = new AppShell(page);
  const maintenance = new MaintenancePage(page);
  await shell.open(served.url);
  await shell.nav(/Maintenance/).click();
  await expect(maintenance.screen).toBeVisible();

  await maintenance.vacuumPanel.getByTestId('vacuum-preview').click();
  await expect(maintenance.vacuumPlan).toBeVisible({ timeout: 30_000 });
  await expect(maintenance.vacuumPlan.locator('tbody tr')).toHaveCount(1);
  await expect(maintenance.vacuumPlan).toContainText(healthy.chatId);
  expect(statSync(db).size).toBe(before);
  await shell.screenshot('maintenance-vacuum-preview');

  await maintenance.vacuumPanel.getByTestId('vacuum-apply').click();
  await expect(maintenance.dialog()).toContainText(db);
  await page.getByTestId('vacuum-confirm').click();
  const row = maintenance.vacuumPlan.locator('tbody tr[data-status="vacuumed"]');
  await expect(row).toBeVisible({ timeout: 30_000 });
  const bak = (await row.locator('.path').textContent())!;
  expect(bak).toContain('conversations.db.bak-');
  expect(existsSync(bak)).toBe(true);
  expect(statSync(db).size).toBeLessThan(before);
  await shell.screenshot('maintenance-vacuum-done');

  await maintenance.tab(/Alerts/).click();
  await maintenance.alertsPanel.getByTestId('alerts-run').click();
  await expect(maintenance.alertsSummary).toContainText('1 error,', { timeout: 30_000 });
  const corrupt = served.generated.chats.find((c) => c.kind === 'page_corrupt')!;
  await expect(maintenance.alertsTable.locator('tr[data-kind="integrity"]')).toContainText(corrupt.chatId);
  await shell.screenshot('maintenance-alerts');

  await maintenance.tab(/Archive inactive/).click();
  await maintenance.archivePanel.getByTestId('archive-preview').click();
  await expect(maintenance.archivePanel).toContainText(/No chat is inactive|inactive,/, { timeout: 30_000 });

  // The fleet dashboard shows the same alerts, with the same thresholds.
  await shell.nav(/Fleet/).click();
  const fleetAlerts = page.getByTestId('alerts-panel');
  await fleetAlerts.getByTestId('alerts-run').click();
  await expect(fleetAlerts.getByTestId('alerts-summary')).toContainText('1 error,', { timeout: 30_000 });
  await expect(fleetAlerts.locator('tr[data-kind="integrity"]')).toContainText(corrupt.chatId);
});
