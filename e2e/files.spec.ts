import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { expect, serveFixtureRoot, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { FilesPage } from './pages/files.ts';

// The table browser and SQL console on a legacy DB of the served root, as DB Browser / Datasette users
// expect them: sort by any column, filter rows, and a read-only console with a time limit.

async function openLegacyTables(page: Page, url: string) {
  const shell = new AppShell(page);
  const files = new FilesPage(page);
  await shell.open(url);
  await shell.nav(/Files|Arquivos/).click();
  await files.file('backup_old_db').click();
  await expect(files.kind).toContainText(/user_history/i);
  return { shell, files };
}

test.describe('table browser and SQL console', () => {
  test('sort by a column both ways, then filter by column, operator and value', async ({ page, url }) => {
    const { shell, files } = await openLegacyTables(page, url);
    await files.tab('Tables').click();
    await files.openTable('messages');

    await files.sortButton('timestamp').click();
    await expect(files.header('timestamp')).toHaveAttribute('aria-sort', 'ascending');
    let stamps = await files.columnTexts('timestamp');
    expect(stamps.length).toBeGreaterThan(10);
    expect(stamps).toEqual([...stamps].sort());
    await files.sortButton('timestamp').click();
    await expect(files.header('timestamp')).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(async () => (await files.columnTexts('timestamp'))[0]).not.toBe(stamps[0]);
    stamps = await files.columnTexts('timestamp');
    expect(stamps).toEqual([...stamps].sort().reverse());

    await files.addFilter('message_type', 'eq', 'user');
    await expect(files.tableStatus).toContainText(/sorted \/ filtered/);
    await expect
      .poll(async () => new Set(await files.columnTexts('message_type')))
      .toEqual(new Set(['user']));
    await files.addFilter('content', 'contains', 'the');
    await expect
      .poll(async () => (await files.columnTexts('content')).every((c) => c.toLowerCase().includes('the')))
      .toBe(true);
    expect(await files.rows.count()).toBeGreaterThan(0);
    await shell.screenshot('file-table-sorted-filtered');
  });

  test('SQL console: a SELECT runs and pages, a write is refused, a runaway query stops at its limit', async ({
    page,
    url,
  }) => {
    const { shell, files } = await openLegacyTables(page, url);
    await files.tab(/SQL/).click();

    await files.runSql('SELECT id, message_type, content FROM messages ORDER BY id');
    await expect(files.sqlStatus).toContainText(/\d+ rows/);
    await expect(files.sqlRows).toHaveCount(100);
    await expect(files.sqlPage).toContainText(/^1–100 of/);
    await page.getByRole('button', { name: /^Next/ }).click();
    await expect(files.sqlPage).toContainText(/^101–\d+ of/);
    await shell.screenshot('file-sql');

    await files.runSql('DELETE FROM messages');
    await expect(files.sqlError).toContainText(/Only SELECT and WITH/);
    await files.runSql('WITH gone AS (SELECT id FROM messages) DELETE FROM messages WHERE id IN gone');
    await expect(files.sqlError).toContainText(/would change the database/);

    const started = Date.now();
    await files.runSql(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n',
    );
    await expect(files.sqlError).toContainText(/longer than its limit of 1 s/, { timeout: 15_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    await shell.screenshot('file-sql-timeout');

    // The file is still there and readable: the next statement runs.
    await files.runSql('SELECT count(*) AS n FROM messages');
    await expect(files.sqlStatus).toContainText(/1 row/);
    await expect(files.sqlError).toBeHidden();
  });

  test('a folder of legacy DBs opened as a root lands on Files, not on an empty chat list', async ({
    page,
  }) => {
    const legacy = await serveFixtureRoot({ chats: 0, broken: [] });
    try {
      const shell = new AppShell(page);
      const files = new FilesPage(page);
      await shell.open(legacy.url);
      await expect(page).toHaveURL(/#\/?files/);
      await expect(files.fileList).toBeVisible();
      await expect(files.file('backup_old_db')).toBeVisible();
      await shell.screenshot('files-legacy-root');
    } finally {
      await legacy.stop();
    }
  });

  test('a damaged DB is browsed, its damage stated at the top', async ({ page }) => {
    // A root of its own: the shared one's damaged chat is recovered in place by the backups spec.
    const own = await serveFixtureRoot({ chats: 3, broken: ['page_corrupt'], seed: 43 });
    try {
      const broken = own.generated.chats.find((c) => c.kind === 'page_corrupt')!;
      const shell = new AppShell(page);
      const files = new FilesPage(page);
      await shell.open(own.url);
      await page.goto(
        `${own.url}#/files?path=${encodeURIComponent(join(broken.dir, 'conversations.db'))}&view=tables`,
      );
      await expect(files.damage).toBeVisible({ timeout: 15_000 });
      await expect(files.damage).toContainText(/damaged/);
      // The readable tables still open.
      await files.openTable('conversation_sessions');
      await shell.screenshot('file-damaged');
    } finally {
      await own.stop();
    }
  });
});
