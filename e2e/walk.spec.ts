import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { expect, test } from './support/server.ts';
import { keyGroups, wordingProblems } from './support/wording.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';

// The walk through every screen, in English and pt-BR, light and dark, at 1440×900 and 1024×700. On every
// screen it FAILS on a raw translation key, an English word in pt-BR (user data, marked translate="no",
// left out), a plural like "1 rows" or "chat(s)", or a finding chip cut by its box.
// Always run (CI): pt-BR dark at 1024×700 and en light at 1440×900, without screenshots.
// The whole walk (8 variants) with screenshots people look at before a release:
//   SHOTS_DIR=.shots npx playwright test e2e/walk.spec.ts

const SHOTS_DIR = process.env.SHOTS_DIR;
const LANGS = ['en', 'pt-BR'] as const;
const THEMES = ['light', 'dark'] as const;
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;
type Variant = { lang: (typeof LANGS)[number]; theme: (typeof THEMES)[number]; size: (typeof SIZES)[number] };

const ALL: Variant[] = LANGS.flatMap((lang) =>
  THEMES.flatMap((theme) => SIZES.map((size) => ({ lang, theme, size }))),
);
const CHEAP: Variant[] = [
  { lang: 'pt-BR', theme: 'dark', size: SIZES[1] },
  { lang: 'en', theme: 'light', size: SIZES[0] },
];
/** Broken kinds whose chat screen shows the damage banner (a file that cannot be read). */
const BANNER_KINDS = ['page_corrupt', 'truncated', 'zero_byte', 'not_sqlite', 'missing_file'];

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

// A root of its own: one healthy chat gets a message dated in 2062 (the clock-skew finding and alert).
test.use({ ownRoot: 'walk' });

/** Moves the newest message of a chat 36 years ahead, as a machine with a wrong clock would write it. */
function skewClock(chatDir: string): void {
  const db = new Database(join(chatDir, 'conversations.db'));
  try {
    db.prepare(
      "UPDATE messages SET timestamp = '2062' || substr(timestamp, 5) WHERE id = (SELECT max(id) FROM messages)",
    ).run();
  } finally {
    db.close();
  }
}

for (const { lang, theme, size } of SHOTS_DIR ? ALL : CHEAP) {
  const tag = `${lang}-${theme}-${size.width}x${size.height}`;
  test(`walk: ${tag}`, async ({ page, url, app }) => {
    test.setTimeout(SHOTS_DIR ? 240_000 : 90_000);
    const dir = SHOTS_DIR ? join(SHOTS_DIR, tag) : null;
    if (dir) mkdirSync(dir, { recursive: true });
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
    const groups = keyGroups();
    const failures: string[] = [];
    const looks: string[] = [];
    const shot = async (name: string) => {
      await page.waitForTimeout(dir ? 500 : 150);
      if (dir) await page.screenshot({ path: join(dir, `${name}.png`) });
      const words = await wordingProblems(page, lang, groups);
      for (const k of words.rawKeys) failures.push(`${name}: raw key ${k}`);
      for (const e of words.english) failures.push(`${name}: English in pt-BR: ${e}`);
      for (const p of words.plurals) failures.push(`${name}: plural: ${p}`);
      for (const c of words.clippedChips) failures.push(`${name}: clipped chip "${c}`);
      // Listed for people to look at, not failed (layout details other tests own).
      for (const bar of await overflowingToolbars(page)) looks.push(`${name}: toolbar overflows: ${bar}`);
      for (const item of await clippedHeader(page))
        looks.push(`${name}: header item out of the window: ${item}`);
      const rows = await integrityToolbarRows(page);
      if (rows > 1) looks.push(`${name}: the Integrity toolbar wraps onto ${rows} rows`);
    };
    const go = async (hash: string) => {
      await page.goto(`${origin}/${hash}`);
      await page.waitForTimeout(dir ? 700 : 300);
    };
    const skewed = app.generated.chats.filter((c) => c.kind === 'healthy').at(-1)!;
    skewClock(skewed.dir);
    const broken = [
      ...app.generated.chats.filter((c) => c.kind !== 'healthy'),
      { ...skewed, kind: 'clock_skew' as const },
    ];

    await shell.open(url);
    await chats.waitForScan();
    await shot('01-chats');
    // The skipped entries (the root's strays) open from the keyboard, and say why in the person's language.
    const skipped = page.getByTestId('skipped-entries').first();
    if ((await skipped.count()) === 0) {
      failures.push(
        '01-chats: the skipped entries cannot be opened from the keyboard (a hover tooltip only)',
      );
    } else {
      await skipped.getByRole('button').focus();
      await page.keyboard.press('Enter');
      await expect(skipped.getByRole('button')).toHaveAttribute('aria-expanded', 'true');
      await expect(skipped.getByRole('region')).toBeVisible();
      await shot('01-chats-skipped');
      await page.keyboard.press('Escape');
    }
    await chats.sortBy('messages');
    const id = await chats.rows.first().getAttribute('data-chat-id');
    await go(`#/chat?id=${id}`);
    await expect(page.getByTestId('thread')).toBeVisible({ timeout: 15_000 });
    await shot('02-chat');
    await go(`#/chat?id=${id}&tab=progress`);
    await shot('03-chat-progress');
    await go(`#/chat?id=${id}&tab=metrics`);
    await shot('04-chat-metrics');
    // The chat screen of each kind of unreadable chat: its damage banner.
    for (const chat of broken.filter((c) => BANNER_KINDS.includes(c.kind))) {
      await go(`#/chat?id=${chat.chatId}`);
      await expect(page.getByTestId('chat-problems')).toBeVisible({ timeout: 15_000 });
      await shot(`04-chat-damaged-${chat.kind}`);
    }
    await go('#/fleet');
    await expect(page.getByTestId('fleet-alerts')).toBeVisible({ timeout: 20_000 });
    await page.waitForTimeout(dir ? 1200 : 300);
    await shot('05-fleet');
    // The fleet's alert table, one kind of alert at a time.
    const kinds = page.getByTestId('fleet-alerts').locator('.segmented button');
    for (let k = 0; k < (await kinds.count()); k++) {
      await kinds.nth(k).click();
      await shot(`05-fleet-alerts-${k}`);
    }
    await go('#/integrity');
    await shot('06-integrity-idle');
    await page.getByTestId('integrity-start-full').click();
    await expect(page.getByTestId('integrity-screen')).toHaveAttribute('data-status', 'done', {
      timeout: 60_000,
    });
    await shot('07-integrity-done');
    // The findings of every kind of damaged chat, as the detail words them.
    for (const chat of broken) {
      const row = page.locator(`[data-testid=integrity-list] [data-chat-id="${chat.chatId}"]`);
      await row.scrollIntoViewIfNeeded();
      await row.click();
      await expect(page.getByTestId('integrity-detail')).toContainText(chat.chatId);
      await shot(`07-integrity-${chat.kind}`);
    }
    const corrupt = broken.find((c) => c.kind === 'page_corrupt')!;
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
    await page.waitForTimeout(dir ? 800 : 300);
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
    await go('#/maintenance?tab=alerts');
    await page.getByTestId('alerts-run').click();
    await expect(page.getByTestId('alerts-summary')).toBeVisible({ timeout: 30_000 });
    await shot('16-maintenance-alerts');
    await go('#/sources');
    await shot('17-sources');

    test.info().annotations.push(...looks.map((p) => ({ type: 'look', description: p })));
    if (looks.length) console.log(`${tag} (to look at):\n  ${looks.join('\n  ')}`);
    expect(failures, `${tag}: words or chips wrong on these screens`).toEqual([]);
  });
}
