import { readFileSync } from 'node:fs';
import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { IntegrityPage } from './pages/integrity.ts';

// An integrity check of a generated root in browser mode: the broken chats come out coloured as errors
// on the map and in the list, with their findings, and the report downloads as a self-contained page.

// The damaged kinds, and the empty chat folder (a chat whose files are all missing).
const ERROR_KINDS = [
  'page_corrupt',
  'truncated',
  'zero_byte',
  'not_sqlite',
  'missing_file',
  'empty_folder',
] as const;

test.describe('integrity check', () => {
  test('a quick check colours the broken chats as errors, explains them and exports the report', async ({
    page,
    url,
    app,
  }) => {
    const shell = new AppShell(page);
    const integrity = new IntegrityPage(page);
    await shell.open(url);
    await shell.nav(/Integrity/).click();
    await expect(integrity.screen).toHaveAttribute('data-status', 'idle');
    await integrity.run('quick');

    const chats = app.generated.chats;
    const broken = chats.filter((c) => (ERROR_KINDS as readonly string[]).includes(c.kind));
    expect(broken).toHaveLength(ERROR_KINDS.length);
    await expect(integrity.count('error')).toHaveAttribute('data-count', String(broken.length));
    await expect(integrity.map).toHaveAttribute('data-count', String(chats.length));
    await expect(integrity.map).toHaveAttribute('data-checked', String(chats.length));

    // Every damaged chat is listed as an error; selecting it shows its findings and rings its square,
    // which is painted in the theme's error colour.
    const errorColor = await integrity.themeColor('--error');
    for (const chat of broken) {
      const row = integrity.row(chat.chatId);
      await row.scrollIntoViewIfNeeded();
      await expect(row).toHaveAttribute('data-status', 'error');
      await row.click();
      await expect(integrity.map).toHaveAttribute('data-selected-status', 'error');
      await expect(integrity.findings).toHaveAttribute('data-chat-id', chat.chatId);
      await expect(integrity.findings.locator('tr[data-severity="error"]').first()).toBeVisible();
      expect(await integrity.selectedCellColor()).toEqual(errorColor);
    }
    const corrupt = broken.find((c) => c.kind === 'page_corrupt')!;
    await integrity.row(corrupt.chatId).click();
    await expect(integrity.findings.locator('tr[data-code="corrupt"]')).toContainText('conversations.db');

    // The WAL-only chat is only information (listed, status ok), and healthy chats have no problem.
    const wal = chats.find((c) => c.kind === 'wal_pending')!;
    await integrity.row(wal.chatId).click();
    await expect(integrity.row(wal.chatId)).toHaveAttribute('data-status', 'ok');
    await expect(integrity.findings.locator('tr')).toHaveCount(2);
    await expect(integrity.findings.locator('tr[data-code="wal_pending"]')).toHaveAttribute(
      'data-severity',
      'info',
    );
    for (const chat of chats.filter((c) => c.kind === 'healthy')) {
      const row = integrity.row(chat.chatId);
      if ((await row.count()) > 0) await expect(row).toHaveAttribute('data-status', 'ok');
    }

    // Filter by code: only the chat with a damaged page remains.
    await integrity.codeFilter.selectOption('corrupt');
    await expect(integrity.rows).toHaveCount(1);
    await expect(integrity.rows.first()).toHaveAttribute('data-chat-id', corrupt.chatId);
    await integrity.codeFilter.selectOption('');
    await integrity.row(corrupt.chatId).click();
    await shell.screenshot('integrity');

    // The report downloads as one HTML page.
    const [download] = await Promise.all([page.waitForEvent('download'), integrity.exportHtml.click()]);
    expect(download.suggestedFilename()).toMatch(/^integrity-report-.*\.html$/);
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('integrity report');
    expect(html).toContain(`data-chat="${corrupt.chatId}"`);
    expect(html).not.toMatch(/<script/i);

    // Jump to the chat.
    await integrity.openChat.click();
    await expect(page).toHaveURL(new RegExp(`#/chat\\?id=${corrupt.chatId}`));
  });

  test('a full check also finds broken links and rows of another chat', async ({ page, url, app }) => {
    const shell = new AppShell(page);
    const integrity = new IntegrityPage(page);
    await shell.open(url);
    await shell.nav(/Integrity/).click();
    await integrity.run('full');
    const fk = app.generated.chats.find((c) => c.kind === 'fk_violation')!;
    const orphan = app.generated.chats.find((c) => c.kind === 'orphan_rows')!;
    await integrity.row(fk.chatId).click();
    await expect(integrity.findings.locator('tr[data-code="fk_violation"]')).toContainText('profile.db');
    await integrity.row(orphan.chatId).click();
    await expect(integrity.findings.locator('tr[data-code="orphan_rows"]')).toContainText('conversations.db');
    // In Brazilian Portuguese.
    await shell.langToggle.click();
    await expect(integrity.screen.getByRole('heading', { name: 'Integridade' })).toBeVisible();
    await expect(integrity.startFull).toHaveText(/Repetir \(completa\)/);
    await shell.langToggle.click();
    // Keyboard on the map: arrows move the selection.
    await integrity.map.focus();
    const before = await integrity.map.getAttribute('data-selected-index');
    await page.keyboard.press('ArrowRight');
    await expect(integrity.map).not.toHaveAttribute('data-selected-index', before ?? '');
  });
});
