import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage, toNumber } from './pages/chats.ts';

// Every screen in both languages and both themes, as screenshots in test-results/screens/ for people to
// look at (not compared). Each screen also must show no literal translation key.

const LANGS = ['en', 'pt-BR'] as const;
const THEMES = ['light', 'dark'] as const;

for (const lang of LANGS) {
  for (const theme of THEMES) {
    test(`every screen: ${lang}, ${theme}`, async ({ page, url, app }) => {
      test.setTimeout(120_000);
      await page.addInitScript(
        ([l, th]) => {
          localStorage.setItem('chat-inspector.lang', l);
          localStorage.setItem('chat-inspector.theme', th);
        },
        [lang, theme] as const,
      );
      const shell = new AppShell(page);
      const chats = new ChatsPage(page);
      const shot = (name: string) => shell.screenshot(`${name}-${lang}-${theme}`);
      const noRawKeys = async () =>
        expect(page.locator('main, .screen').first()).not.toContainText(
          /\b(chat|files|thread|metrics|progress|common|integrity|backups)\.[a-z]+[A-Z]?\w*\b/,
        );
      await shell.open(url);
      await chats.waitForScan();
      await shot('chats');

      await chats.sortBy('messages');
      const id = await chats.rows.first().getAttribute('data-chat-id');
      expect(toNumber(await chats.rows.first().locator('td').nth(3).innerText())).toBeGreaterThan(100);
      const origin = new URL(url).origin;
      const go = async (hash: string) => {
        await page.goto(`${origin}/${hash}`);
        await page.waitForTimeout(600);
      };
      await go(`#/chat?id=${id}`);
      await expect(page.getByTestId('thread')).toBeVisible();
      await noRawKeys();
      await shot('chat');
      await go(`#/chat?id=${id}&tab=progress`);
      await shot('chat-progress');
      await go(`#/chat?id=${id}&tab=metrics`);
      await shot('chat-metrics');
      await go('#/fleet');
      await page.waitForTimeout(1500);
      await shot('fleet');
      await go('#/integrity');
      await page.getByTestId('integrity-start-quick').click();
      await expect(page.getByTestId('integrity-screen')).toHaveAttribute('data-status', 'done', {
        timeout: 30_000,
      });
      const corrupt = app.generated.chats.find((c) => c.kind === 'page_corrupt')!;
      await page.locator(`[data-testid=integrity-list] [data-chat-id="${corrupt.chatId}"]`).click();
      await noRawKeys();
      await shot('integrity');
      await go('#/files');
      await page.locator('[data-file="backup_old_db"]').click();
      await page.waitForTimeout(600);
      await shot('files-conversations');
      await page.getByRole('tab', { name: /Tables|Tabelas/ }).click();
      await page.waitForTimeout(400);
      await shot('files-tables');
      await page.getByRole('tab', { name: /SQL/ }).click();
      await page.getByTestId('sql-run').click();
      await expect(page.getByTestId('sql-status')).toBeVisible();
      await shot('files-sql');
      await page.getByRole('tab', { name: /Metrics|Métricas/ }).click();
      await page.waitForTimeout(800);
      await shot('files-metrics');
      await go('#/backups');
      await shot('backups');
      await go('#/backups?tab=archives');
      await shot('backups-archives');
    });
  }
}
