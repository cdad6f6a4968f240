import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';

// The screenshot walk people look at before a release: every screen in English and pt-BR, light and dark,
// at 1440×900 and 1024×700, into $SHOTS_DIR (nothing is compared; each screen must show no raw translation
// key, no English leftover listed below in pt-BR, and no horizontal overflow of its toolbar).
// Run it with: SHOTS_DIR=.shots npx playwright test e2e/walk.spec.ts

const SHOTS_DIR = process.env.SHOTS_DIR;
const LANGS = ['en', 'pt-BR'] as const;
const THEMES = ['light', 'dark'] as const;
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;

/** Toolbars whose content spills past their own box (clipped labels, a row wider than the window). */
async function overflowingToolbars(page: Page): Promise<string[]> {
  return page
    .locator('.toolbar')
    .evaluateAll((bars) =>
      bars
        .filter((b) => b.scrollWidth > b.clientWidth + 1 && (b as HTMLElement).offsetParent !== null)
        .map((b) => (b.textContent ?? '').slice(0, 60)),
    );
}

/** Header controls pushed (partly) out of the window: the theme and language buttons must stay reachable. */
async function clippedHeader(page: Page): Promise<string[]> {
  return page
    .locator('header.app-header button, header.app-header a')
    .evaluateAll((els) =>
      els
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => (e.textContent ?? e.getAttribute('aria-label') ?? '?').trim().slice(0, 30)),
    );
}

/** The Integrity toolbar must stay one row (it wrapped at 1024 px in pt-BR). */
async function integrityToolbarRows(page: Page): Promise<number> {
  const bar = page.locator('.integrity-toolbar');
  if ((await bar.count()) === 0) return 1;
  return bar.evaluate((el) => {
    // Items of one row share their vertical middle (a heading and a button differ in height, not in middle).
    const middles = [...el.children].map((c) => {
      const r = c.getBoundingClientRect();
      return (r.top + r.bottom) / 2;
    });
    return middles.some((m) => Math.abs(m - middles[0]!) > 12) ? 2 : 1;
  });
}

for (const lang of LANGS) {
  for (const theme of THEMES) {
    for (const size of SIZES) {
      const tag = `${lang}-${theme}-${size.width}x${size.height}`;
      test(`walk: ${tag}`, async ({ page, url, app }) => {
        test.skip(!SHOTS_DIR, 'set SHOTS_DIR to take the screenshot walk');
        test.setTimeout(180_000);
        const dir = join(SHOTS_DIR!, tag);
        mkdirSync(dir, { recursive: true });
        await page.setViewportSize(size);
        await page.addInitScript(
          ([l, th]) => {
            localStorage.setItem('chat-inspector.lang', l);
            localStorage.setItem('chat-inspector.theme', th);
          },
          [lang, theme] as const,
        );
        const shell = new AppShell(page);
        const chats = new ChatsPage(page);
        const origin = new URL(url).origin;
        const problems: string[] = [];
        const shot = async (name: string) => {
          await page.waitForTimeout(500);
          await page.screenshot({ path: join(dir, `${name}.png`) });
          const text = await page.locator('main, .screen').first().innerText();
          const raw =
            /\b(chat|files|thread|metrics|progress|common|integrity|backups|health|upload|places|archives|restore|create)\.[a-z]+[A-Z]?\w*\b/.exec(
              text,
            );
          if (raw) problems.push(`${name}: raw key ${raw[0]}`);
          for (const bar of await overflowingToolbars(page))
            problems.push(`${name}: toolbar overflows: ${bar}`);
          for (const item of await clippedHeader(page))
            problems.push(`${name}: header item out of the window: ${item}`);
          const rows = await integrityToolbarRows(page);
          if (rows > 1) problems.push(`${name}: the Integrity toolbar wraps onto ${rows} rows`);
        };
        const go = async (hash: string) => {
          await page.goto(`${origin}/${hash}`);
          await page.waitForTimeout(700);
        };

        await shell.open(url);
        await chats.waitForScan();
        await shot('01-chats');
        await chats.sortBy('messages');
        const id = await chats.rows.first().getAttribute('data-chat-id');
        await go(`#/chat?id=${id}`);
        await expect(page.getByTestId('thread')).toBeVisible();
        await shot('02-chat');
        await go(`#/chat?id=${id}&tab=progress`);
        await shot('03-chat-progress');
        await go(`#/chat?id=${id}&tab=metrics`);
        await shot('04-chat-metrics');
        await go('#/fleet');
        await page.waitForTimeout(1200);
        await shot('05-fleet');
        await go('#/integrity');
        await shot('06-integrity-idle');
        await page.getByTestId('integrity-start-quick').click();
        await expect(page.getByTestId('integrity-screen')).toHaveAttribute('data-status', 'done', {
          timeout: 60_000,
        });
        const corrupt = app.generated.chats.find((c) => c.kind === 'page_corrupt')!;
        await page.locator(`[data-testid=integrity-list] [data-chat-id="${corrupt.chatId}"]`).click();
        await shot('07-integrity-finding');
        await go('#/files');
        await page.locator('[data-file="backup_old_db"]').click();
        await page.waitForTimeout(600);
        await page.getByTestId('conversation-list').getByRole('button').first().click();
        await shot('08-files-conversation');
        await page.getByRole('tab', { name: /Tables|Tabelas/ }).click();
        await shot('09-files-tables');
        await page.getByRole('tab', { name: /SQL/ }).click();
        await page.getByTestId('sql-run').click();
        await expect(page.getByTestId('sql-status')).toBeVisible();
        await shot('10-files-sql');
        await page.getByRole('tab', { name: /Metrics|Métricas/ }).click();
        await page.waitForTimeout(800);
        await shot('11-files-metrics');
        await go('#/backups');
        await shot('12-backups-create');
        await go('#/backups?tab=archives');
        await shot('13-backups-archives');
        await go(`#/backups?tab=recover&chat=${corrupt.chatId}`);
        await shot('14-backups-recover');
        await go('#/backups?tab=migrate');
        await shot('15-backups-migrate');
        await go('#/maintenance');
        await shot('16-maintenance');
        await go('#/sources');
        await shot('17-sources');
        // Reported, not failed: the walk is for people to look at; the list says where to look first.
        test.info().annotations.push(...problems.map((p) => ({ type: 'look', description: p })));
        console.log(
          `${tag}: ${problems.length ? problems.join('\n  ') : 'no raw keys, no overflowing toolbars'}`,
        );
      });
    }
  }
}
