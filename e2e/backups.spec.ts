import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { BackupsPage, ExportDialog } from './pages/backups.ts';

// Backups in browser mode: a backup of the whole root lands in Chat Inspector's own folder (never in the
// data root), verifies, restores with a preview first, a damaged chat is recovered from its problems, and
// a chat exports as a redacted HTML transcript that downloads.

// A root of its own: it recovers a chat and puts the file in place, which the other spec files must not see.
test.use({ ownRoot: 'backups' });

test.describe('backups', () => {
  test('back up, verify, preview a restore; recover a damaged chat', async ({ page, url, app }) => {
    const shell = new AppShell(page);
    const backups = new BackupsPage(page);
    await shell.open(url);
    await shell.nav(/Backups/).click();
    await expect(backups.screen).toBeVisible();

    await backups.backUpWholeRoot('e2e-nightly');
    await expect(backups.backupResult).toBeVisible({ timeout: 30_000 });
    const archive = join(app.home, 'backups', 'e2e-nightly.tar.gz');
    expect(existsSync(archive)).toBe(true);
    expect(existsSync(join(app.root, 'e2e-nightly.tar.gz'))).toBe(false);
    // An empty chat folder is a chat with nothing to back up: listed as missing, not counted as backed up.
    const withFiles = app.generated.chats.filter((c) => c.kind !== 'empty_folder').length;
    await expect(backups.backupResult).toContainText(`${withFiles} chats`);
    await shell.screenshot('backups-create');

    // The archive is listed; verifying it explains the chats that were already damaged.
    await backups.tab(/Verify/).click();
    const row = backups.archiveRow('e2e-nightly.tar.gz');
    await row.getByRole('button', { name: 'Verify' }).click();
    await expect(backups.verifyResult).toBeVisible({ timeout: 30_000 });
    await expect(backups.verifyResult).toContainText('already damaged when it was backed up');

    // Restoring into the same root: the preview says everything is unchanged, nothing to write.
    await row.getByRole('button', { name: /Restore/ }).click();
    await backups.restorePanel.getByTestId('restore-preview').click();
    await expect(backups.restorePlan).toBeVisible({ timeout: 30_000 });
    await expect(backups.restorePanel).toContainText('Nothing to restore');
    await shell.screenshot('backups-restore-preview');

    // Recover: the damaged chat is offered from the scan; recovering it writes a new file only.
    const corrupt = app.generated.chats.find((c) => c.kind === 'page_corrupt')!;
    const before = readFileSync(join(corrupt.dir, 'conversations.db'));
    await page.goto(`${new URL(url).origin}/#/backups?tab=recover&chat=${corrupt.chatId}`);
    await expect(backups.recoverPanel.getByTestId('recover-chat')).toContainText('conversations.db');
    await backups.recoverPanel.getByTestId('recover-chat').getByTestId('recover-pick').first().click();
    await backups.recoverPanel.getByTestId('recover-start').click();
    await expect(backups.recoverResult).toBeVisible({ timeout: 30_000 });
    await expect(backups.recoverResult.getByTestId('recover-tables')).toContainText('messages');
    await expect(backups.recoverResult.getByTestId('recover-lnf')).toBeVisible();
    expect(readFileSync(join(corrupt.dir, 'conversations.db'))).toEqual(before);
    await shell.screenshot('backups-recover');
    // The file shown is the one put in place, after a confirmation; the damaged one is kept as .bak.
    await backups.recoverResult.getByRole('button', { name: 'Put it in place…' }).click();
    await page.getByTestId('recover-confirm').click();
    await expect(backups.recoverPanel.getByTestId('recover-placed')).toBeVisible({ timeout: 30_000 });
    expect(readdirSync(corrupt.dir).some((n) => n.startsWith('conversations.db.bak-'))).toBe(true);
  });

  test('a chat exports as a redacted HTML transcript and downloads', async ({ page, url, app }) => {
    const shell = new AppShell(page);
    const exportDialog = new ExportDialog(page);
    const chat = app.generated.chats.find((c) => c.kind === 'healthy' && c.name)!;
    await shell.open(url);
    await page.goto(`${new URL(url).origin}/#/chat?id=${chat.chatId}`);
    await exportDialog.exportAs(/Printable HTML/, true);
    await expect(exportDialog.result).toBeVisible({ timeout: 30_000 });
    const download = page.waitForEvent('download');
    await exportDialog.result.getByRole('button', { name: 'Download' }).click();
    const file = await (await download).path();
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('personal data masked');
    for (const part of chat.name!.split(' ')) expect(html).not.toMatch(new RegExp(`>[^<]*\\b${part}\\b`));
  });
});
