import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { IntegrityPage } from './pages/integrity.ts';

// A finding ends in what to do about it: buttons that start the fix through a confirmation.

// A root of its own: it rebuilds a metadata.json, which the other spec files must not see.
test.use({ ownRoot: 'integrity-actions' });

test.describe('integrity finding → action', () => {
  test('a finding names the chat and its buttons recover, rebuild metadata.json or lead to a restore', async ({
    page,
    url,
    app,
  }) => {
    const shell = new AppShell(page);
    const integrity = new IntegrityPage(page);
    await shell.open(url);
    await shell.nav(/Integrity/).click();
    await integrity.run('quick');

    // Damaged DB: Recover asks first, then writes a new file only; the damaged one is unchanged.
    const corrupt = app.generated.chats.find((c) => c.kind === 'page_corrupt')!;
    const damaged = join(corrupt.dir, 'conversations.db');
    const before = readFileSync(damaged);
    await integrity.row(corrupt.chatId).click();
    await expect(integrity.detail).toContainText(corrupt.chatId);
    await expect(integrity.action('corrupt', 'restore')).toBeVisible();
    await integrity.action('corrupt', 'recover').click();
    await expect(integrity.confirm).toBeVisible();
    await shell.screenshot('integrity-action-confirm');
    await integrity.confirm.click();
    await expect(page.getByTestId('finding-recovered')).toBeVisible({ timeout: 30_000 });
    expect(readFileSync(damaged)).toEqual(before);
    await shell.screenshot('integrity-action-recovered');

    // metadata.json missing: Rebuild writes it (after the confirmation).
    const missing = app.generated.chats.find((c) => c.kind === 'metadata_missing')!;
    expect(existsSync(join(missing.dir, 'metadata.json'))).toBe(false);
    await integrity.row(missing.chatId).click();
    await expect(integrity.detail).toContainText(missing.chatId);
    // The chat is named: its profile is readable.
    await expect(integrity.detail.locator('.integrity-chat-name')).toBeVisible();
    await integrity.action('metadata_missing', 'rebuildMetadata').click();
    await integrity.confirm.click();
    await expect(page.getByTestId('finding-rebuilt')).toBeVisible();
    expect(existsSync(join(missing.dir, 'metadata.json'))).toBe(true);

    // Not a database: Restore leads to the archives with the chat chosen.
    const notDb = app.generated.chats.find((c) => c.kind === 'not_sqlite')!;
    await integrity.row(notDb.chatId).click();
    await integrity.action('not_sqlite', 'restore').click();
    await expect(page.getByTestId('restore-for-chat')).toContainText(notDb.chatId);
  });
});
