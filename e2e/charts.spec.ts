import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';

// Charts of counts (issue 23, item 11): whole-number counts are bars or steps, never a smoothed curve
// (which draws 2.4 users); a bucket of one chat beside hundreds is still seen and says its count; and
// every day chart's x axis spans the chosen range (to today), not just the days something happened.

// More chats than one list page, so the smallest size bucket is far below the largest one.
let app: ServedApp;
test.beforeAll(async () => {
  app = await serveFixtureRoot({ chats: 230, seed: 7 });
});
test.afterAll(async () => {
  await app?.stop();
});

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** How the UI writes a day on an axis (en: en-GB, "7 Dec"). */
const axisDay = (day: string) =>
  new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T12:00:00Z`),
  );

function ticks(chart: Locator): Promise<string[]> {
  return chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
}

/** Every path a line/area chart draws: a smoothed ("monotone") curve is made of cubic Béziers (C). */
function curves(chart: Locator): Promise<string[]> {
  return chart
    .locator('.recharts-area-curve, .recharts-line-curve')
    .evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''));
}

/**
 * True when a path only moves straight across or straight up and down: a step (stepAfter), not a line
 * drawn from one day's count to the next (linear) nor a smoothed curve (monotone: cubic Béziers, C).
 */
function isSteps(d: string): boolean {
  if (/[CcSsQqTtAa]/.test(d)) return false;
  let x = NaN;
  let y = NaN;
  for (const [, command, args] of d.matchAll(/([MLHVZ])([^MLHVZ]*)/gi)) {
    const n = (args!.match(/-?[\d.]+(?:e-?\d+)?/gi) ?? []).map(Number);
    const c = command!.toUpperCase();
    if (c === 'H') x = n.at(-1)!;
    else if (c === 'V') y = n.at(-1)!;
    else if (c === 'M' || c === 'L') {
      for (let i = 0; i + 1 < n.length; i += 2) {
        const [nx, ny] = [n[i]!, n[i + 1]!];
        if (c === 'L' && Math.abs(nx - x) > 0.01 && Math.abs(ny - y) > 0.01) return false;
        [x, y] = [nx, ny];
      }
    }
  }
  return true;
}

async function openFleet(page: Page) {
  const shell = new AppShell(page);
  await shell.open(app.url);
  await shell.nav(/Fleet/).click();
  await expect(page.getByTestId('fleet-charts')).toBeVisible({ timeout: 30_000 });
}

test('fleet: the size bar of one chat among 230 is visible and labelled', async ({ page }) => {
  await openFleet(page);
  const sizes = page.getByTestId('chart-sizes');
  const bars = sizes.locator('.recharts-bar-rectangle path');
  await expect(bars.first()).toBeVisible();
  const heights = await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  const labels = (await sizes.locator('.recharts-label-list text').allTextContents()).map(Number);
  // One label per bucket, summing to every chat measured; each bucket holding a chat is a visible bar.
  expect(labels.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(230);
  expect(labels).toContain(1); // the one database over 10 MB
  const drawn = heights.filter((h) => h > 0);
  expect(drawn).toHaveLength(labels.filter((n) => n > 0).length);
  for (const h of drawn) expect(h).toBeGreaterThanOrEqual(2.5);
});

test("fleet: the day charts are bars or steps and their axis ends on the range's last day", async ({
  page,
}) => {
  await openFleet(page);
  const today = isoDay(Date.now());
  for (const id of ['chart-active', 'chart-new', 'chart-messages']) {
    const chart = page.getByTestId(id);
    // The default window, the last 90 days: first day 89 days ago, last day today.
    await expect.poll(() => ticks(chart)).toContain(axisDay(today));
    const shown = await ticks(chart);
    expect(shown[0]).toBe(axisDay(isoDay(Date.now() - 89 * DAY_MS)));
    expect(shown.at(-1)).toBe(axisDay(today));
    for (const d of await curves(chart)) expect(isSteps(d), d.slice(0, 80)).toBe(true);
  }
  // Everything: a longer range, drawn as steps, still ending today.
  await page.getByTestId('fleet-window').locator('[data-window="all"]').click();
  const messages = page.getByTestId('chart-messages');
  await expect.poll(async () => (await ticks(messages)).at(-1)).toMatch(new RegExp(`^${axisDay(today)}`));
  const drawn = await curves(messages);
  expect(drawn.length).toBeGreaterThan(0);
  for (const d of drawn) expect(isSteps(d), d.slice(0, 80)).toBe(true);
});

test('chat metrics: messages per day span the window counted back from the last day, as steps', async ({
  page,
}) => {
  const chat = app.generated.chats.find((c) => c.kind === 'healthy' && c.messages > 50)!;
  const db = new Database(join(chat.dir, 'conversations.db'), { readonly: true });
  const { last } = db.prepare('SELECT max(substr(timestamp, 1, 10)) AS last FROM messages').get() as {
    last: string;
  };
  db.close();
  const shell = new AppShell(page);
  await shell.open(app.url);
  await page.goto(`${app.url}#/chat?id=${chat.chatId}&tab=metrics`);
  const perDay = page.getByTestId('chart-per-day');
  await expect(perDay.locator('.recharts-xAxis-tick-labels text').first()).toBeVisible({ timeout: 15_000 });
  // The last 90 days: every day of them (more than fit as bars), drawn as steps (stacked user/bot
  // areas), never a smoothed curve; the axis runs from 89 days before the last message to it.
  await perDay.getByRole('radio', { name: /90/ }).click();
  await expect
    .poll(async () => (await ticks(perDay))[0])
    .toBe(axisDay(isoDay(Date.parse(last) - 89 * DAY_MS)));
  expect((await ticks(perDay)).at(-1)).toBe(axisDay(last));
  const drawn = await curves(perDay);
  expect(drawn.length).toBeGreaterThan(0);
  for (const d of drawn) expect(isSteps(d), d.slice(0, 80)).toBe(true);
  // The last 30 days: bars, from 29 days before the last message to it.
  await perDay.getByRole('radio', { name: /30/ }).click();
  await expect
    .poll(async () => (await ticks(perDay))[0])
    .toBe(axisDay(isoDay(Date.parse(last) - 29 * DAY_MS)));
  expect((await ticks(perDay)).at(-1)).toBe(axisDay(last));
});

test("a legacy file's daily count (user_history's active users) is drawn as steps", async ({ page }) => {
  const shell = new AppShell(page);
  await shell.open(app.url);
  const path = join(app.root, 'backup_old_db');
  await page.goto(`${app.url}#/files?path=${encodeURIComponent(path)}&view=metrics`);
  const chart = page.getByTestId('metrics-chart-active-users-per-day');
  await expect(chart.locator('.recharts-line-curve')).toBeVisible({ timeout: 15_000 });
  const drawn = await curves(chart);
  expect(drawn.length).toBeGreaterThan(0);
  for (const d of drawn) expect(isSteps(d), d.slice(0, 80)).toBe(true);
});
