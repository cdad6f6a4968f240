import type { Page, Route } from '@playwright/test';
import { expect, test } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatPage } from './pages/chat.ts';
import { ChatsPage, toNumber } from './pages/chats.ts';
import { FilesPage } from './pages/files.ts';

// Browsing a generated data root in browser mode, as support staff do: the list, one chat (thread,
// progress, metrics), a broken chat, the fleet dashboard, a legacy DB, theme and language.
// Screenshots of every screen land in test-results/screens/ for people to look at.

test.describe('browse a data root', () => {
  test('the chat list fills in, sorts by messages and filters by name', async ({ page, url }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    await shell.open(url);
    await chats.waitForScan();
    await expect(chats.rows.first()).toBeVisible();
    const total = await chats.rows.count();
    expect(total).toBeGreaterThan(10);
    await expect(chats.status).toContainText(/\d+ chats/);

    await chats.sortBy('messages');
    await expect(chats.header('messages')).toHaveAttribute('aria-sort', 'descending');
    const counts = (await chats.columnTexts(3)).map(toNumber);
    expect(counts.length).toBeGreaterThan(5);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    await shell.screenshot('chats');

    const name = (await chats.rows.first().locator('td.cell-name').innerText()).split(' ')[0]!;
    await chats.search.fill(name);
    // The filter is a query to the fleet index: the rows change when its answer comes.
    await expect
      .poll(async () => {
        const names = await chats.columnTexts(1);
        return names.length > 0 && names.every((n) => n.toLowerCase().includes(name.toLowerCase()));
      })
      .toBe(true);
  });

  test('reopened, the list shows its first rows from the answers the page came with', async ({
    page,
    url,
  }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    await shell.open(url);
    await chats.waitForScan();
    const firstIds = await chats.rows.evaluateAll((rows) =>
      rows.slice(0, 5).map((r) => r.getAttribute('data-chat-id')),
    );

    // Open it again with the place and the list's first page held back at the server's door: the rows
    // still come, from the answers index.html brought (the held requests are dropped with the page).
    const held: string[] = [];
    const hold = (route: Route) => void held.push(route.request().url());
    await page.route('**/api/places.list', hold);
    await page.route('**/api/fleet.page', hold);
    await page.goto(url);
    await expect(chats.rows.first()).toBeVisible();
    expect(
      await chats.rows.evaluateAll((rows) => rows.slice(0, 5).map((r) => r.getAttribute('data-chat-id'))),
    ).toEqual(firstIds);
    // Not one request for the place was needed.
    expect(held.filter((u) => u.endsWith('/api/places.list'))).toEqual([]);
  });

  test('the first screen comes painted in index.html: rows before any script, live once the app runs', async ({
    page,
    url,
  }) => {
    const chats = new ChatsPage(page);
    await new AppShell(page).open(url);
    await chats.waitForScan();
    const firstIds = await chats.rows.evaluateAll((rows) =>
      rows.slice(0, 5).map((r) => r.getAttribute('data-chat-id')),
    );
    const origin = new URL(url).origin;

    // No script of the app at all: the list is on screen, from the HTML alone, in the same order.
    const noScripts = await page.context().newPage();
    await noScripts.route('**/assets/*.js', (route) => route.abort());
    const errors: string[] = [];
    noScripts.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    await noScripts.goto(`${origin}/`);
    const painted = new ChatsPage(noScripts);
    await expect(painted.rows.first()).toBeVisible();
    expect(
      await painted.rows.evaluateAll((rows) => rows.slice(0, 5).map((r) => r.getAttribute('data-chat-id'))),
    ).toEqual(firstIds);
    await expect(noScripts.locator('#root')).toHaveAttribute('data-painted', '');
    await expect(noScripts.getByTestId('place-button')).toBeVisible();
    // Its stylesheet came inside the page: no request stood between the HTML and the rows on screen.
    await expect(noScripts.locator('link[rel="stylesheet"]')).toHaveCount(0);
    // The one inline script (the guard) ran under the CSP: nothing was refused.
    expect(errors).toEqual([]);
    // At another screen's address (a new load, not a hash change) the painted list is not shown.
    await noScripts.goto('about:blank');
    await noScripts.goto(`${origin}/#/fleet`);
    await expect(noScripts.locator('#root')).toBeHidden();
    await noScripts.close();

    // With the scripts, the app renders the screen again in its place and the rows answer clicks.
    await page.goto(`${origin}/`);
    await expect(page.locator('#root:not([data-painted])')).toBeAttached();
    await chats.rows.first().click();
    await expect(page).toHaveURL(new RegExp(`#/chat\\?id=${firstIds[0]}`));
  });

  test('a chat: thread with older pages, progress and metrics charts', async ({ page, url }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const chat = new ChatPage(page);
    await shell.open(url);
    await chats.waitForScan();
    await chats.sortBy('messages');
    const biggest = toNumber(await chats.rows.first().locator('td').nth(3).innerText());
    expect(biggest).toBeGreaterThan(100);

    // Keyboard: the highlighted row opens with Enter.
    await page.keyboard.press('j');
    await expect(chats.rows.first()).toHaveClass(/is-active/);
    await page.keyboard.press('Enter');
    await chat.waitForThread();
    await expect(chat.sidePanel).toContainText(/Profile/);
    // The thread is windowed: the newest page (100 messages) is loaded, only the rows in view are in the DOM.
    const loaded = async () => Number(await chat.thread.getAttribute('data-loaded'));
    const firstPage = await loaded();
    expect(firstPage).toBe(100);
    expect(await chat.messages.count()).toBeLessThan(firstPage);
    await shell.screenshot('chat');

    // Older messages load when scrolling up, and the messages that were on screen stay in place.
    const anchorId = await chat.thread.getAttribute('data-first-id');
    await chat.scrollToTop();
    await expect.poll(loaded, { timeout: 10_000 }).toBeGreaterThan(firstPage);
    const anchor = page.locator(`[data-msg-id="${anchorId}"]`);
    const box = await anchor.boundingBox();
    const threadBox = await chat.thread.boundingBox();
    expect(box && threadBox && box.y >= threadBox.y - 1).toBeTruthy();
    await shell.screenshot('chat-older');

    await chat.tab('Progress').click();
    await expect(chat.chartMarks('chart-mastery').first()).toBeVisible();
    expect(await chat.chartMarks('chart-mastery').count()).toBeGreaterThan(0);
    expect(await chat.chartMarks('chart-levels').count()).toBeGreaterThan(0);
    await expect(page.getByTestId('streak')).toBeVisible();
    await shell.screenshot('progress');

    await chat.tab('Metrics').click();
    await expect(chat.chartMarks('chart-per-day').first()).toBeVisible();
    expect(await chat.chartMarks('chart-response').count()).toBeGreaterThan(0);
    expect(await chat.chartMarks('chart-sessions').count()).toBeGreaterThan(0);
    await shell.screenshot('metrics');

    // Escape goes back to the list, with the chat still highlighted.
    await page.keyboard.press('Escape');
    await expect(chats.rows.first()).toHaveClass(/is-active/);
  });

  test('searching inside a chat jumps to the message', async ({ page, url }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    const chat = new ChatPage(page);
    await shell.open(url);
    await chats.waitForScan();
    await chats.sortBy('messages');
    await chats.rows.first().click();
    await chat.waitForThread();
    await chat.search.fill('correction');
    const hits = page.getByTestId('chat-search-results').getByRole('button', { name: /correction/i });
    await expect(hits.first()).toBeVisible();
    await hits.last().click();
    await expect(page.locator('.msg.is-highlighted')).toBeVisible();
    await expect(page.locator('.msg.is-highlighted')).toBeInViewport();
  });

  test('a search through every chat opens the chat at the message found', async ({ page, url }) => {
    const chats = new ChatsPage(page);
    await new AppShell(page).open(url);
    await chats.waitForScan();
    await chats.searchMessages('correction');
    await expect(page.locator('[data-search-status="done"]')).toBeVisible({ timeout: 20_000 });
    await expect(chats.messageHits.first()).toBeVisible();
    const messageId = await chats.messageHits.last().getAttribute('data-hit-message');
    await chats.messageHits.last().click();
    const highlighted = page.locator('.msg.is-highlighted');
    await expect(highlighted).toBeVisible({ timeout: 10_000 });
    await expect(highlighted).toHaveAttribute('data-msg-id', messageId!);
  });

  test('a chat with a damaged page is an error in the list, never ok', async ({ page, url, app }) => {
    const damaged = app.generated.chats.filter((c) =>
      ['page_corrupt', 'truncated', 'zero_byte', 'not_sqlite'].includes(c.kind),
    );
    expect(damaged.length).toBeGreaterThan(0);
    const chats = new ChatsPage(page);
    await new AppShell(page).open(url);
    await chats.waitForScan();
    for (const chat of damaged) {
      await chats.search.fill(chat.chatId);
      await expect(chats.row(chat.chatId)).toHaveAttribute('data-health', 'error');
    }
  });

  test('a broken chat explains why it cannot be read; the rest keeps working', async ({ page, url, app }) => {
    const broken = app.generated.chats.find((c) => c.kind === 'not_sqlite');
    expect(broken).toBeDefined();
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    await shell.open(url);
    await chats.waitForScan();
    await expect(chats.row(broken!.chatId)).toHaveAttribute('data-health', 'error');
    await chats.openChat(broken!.chatId);
    const problems = page.getByTestId('chat-problems');
    await expect(problems).toBeVisible();
    // Worded from its code in the person's language (main's English sentence is not shown).
    await expect(problems.locator('li[data-code="not_sqlite"]')).toContainText('is not an SQLite database');
    await expect(
      page
        .getByRole('alert')
        .filter({ hasText: /cannot be read/ })
        .first(),
    ).toBeVisible();
    await shell.screenshot('chat-broken');

    // Next chat (Alt+Down) still opens normally.
    await page.keyboard.press('Escape');
    await chats.search.fill('');
    await shell.nav('Fleet').click();
    await expect(page.getByTestId('fleet-charts')).toBeVisible({ timeout: 30_000 });
    // Daily counts are bars (or steps over long ranges): either mark shows the chart was drawn.
    await expect(new ChatPage(page).chartMarks('chart-active').first()).toBeVisible();
    await expect(page.getByTestId('fleet-alerts').getByRole('link', { name: broken!.chatId })).toBeVisible();
    await shell.screenshot('fleet');
  });

  test('a legacy DB under the root opens with conversations and tables', async ({ page, url }) => {
    const shell = new AppShell(page);
    const files = new FilesPage(page);
    await shell.open(url);
    await shell.placeButton.click();
    await expect(page.getByRole('menu')).toContainText('root');
    await shell.screenshot('place-menu');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
    await shell.nav('Files').click();
    await files.file('backup_old_db').click();
    await expect(files.kind).toContainText(/user_history/i);
    await expect(files.conversations.getByRole('button').first()).toBeVisible();
    await expect(page.locator('[data-testid=thread] [data-msg-id]').first()).toBeVisible();
    await shell.screenshot('file-conversations');

    await files.tab('Tables').click();
    await files.tables
      .getByRole('button', { name: /messages/ })
      .first()
      .click();
    await expect(files.rows.first()).toBeVisible();
    expect(await files.rows.count()).toBeGreaterThan(10);
    await expect(page.locator('[data-testid=table-rows] .cell-null').first()).toBeVisible();
    await shell.screenshot('file-tables');
  });

  test('theme and language switch and are remembered', async ({ page, url }) => {
    const shell = new AppShell(page);
    const chats = new ChatsPage(page);
    await page.emulateMedia({ colorScheme: 'light' });
    await shell.open(url);
    await chats.waitForScan();
    expect(await shell.theme()).toBe('light');
    await shell.themeToggle.click();
    expect(await shell.theme()).toBe('dark');
    await shell.langToggle.click();
    await expect(shell.nav('Conversas')).toBeVisible();
    await expect(chats.header('messages')).toContainText('Mensagens');
    await shell.screenshot('chats-dark-pt');

    await page.reload();
    await chats.waitForScan();
    expect(await shell.theme()).toBe('dark');
    await expect(shell.nav('Visão geral')).toBeVisible();
  });
});

// ---- 100,000 chats: only the visible rows are in the DOM (the API is mocked for this one) ----

const MOCK_ROOT = '/mock/root';
const N = 100_000;

function mockRows() {
  const levels = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];
  const health = ['ok', 'ok', 'ok', 'warning', 'error'] as const;
  return Array.from({ length: N }, (_, i) => ({
    chatId: String(100_000_000 + i),
    name: `User ${i}`,
    level: levels[i % 6]!,
    messages: (i * 7919) % 5000,
    sessions: (i * 31) % 200,
    lastActive: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    sizeBytes: 20_000 + ((i * 104_729) % 9_000_000),
    health: health[i % 5]!,
  }));
}

type MockRow = ReturnType<typeof mockRows>[number];

/** The fleet index's list ops over an in-memory fleet: sort, filter by health and text, offset/keyset pages. */
async function mockApi(page: Page) {
  const rows = mockRows().map((r) => ({
    ...r,
    counts: 'whole',
    countsReason: null,
    partial: false,
    unread: false,
    codes: [] as string[],
  }));
  const largestReply = { rows: 0 };
  const reply = (route: Route, value: unknown) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ ok: true, value }) });
  const counts = () => {
    const c = { ok: 0, warning: 0, error: 0, unchecked: 0 };
    for (const r of rows) c[r.health]++;
    return c;
  };
  // The refresh's updates, pushed as server-sent events: half the fleet written, then the end.
  await page.route('**/events/jobs/**', (route) => {
    const update = (state: string, done: number, cursor: number, extra: object = {}) =>
      `data: ${JSON.stringify({
        jobId: 'mock-refresh',
        op: 'fleet.refresh',
        state,
        progress: { done, total: N, current: null },
        events: [{ updated: N / 2 }],
        cursor,
        ...extra,
      })}\n\n`;
    const result = {
      root: MOCK_ROOT,
      total: N,
      counts: counts(),
      visited: N,
      removed: 0,
      rebuilt: false,
      skipped: [],
    };
    return route.fulfill({
      contentType: 'text/event-stream',
      body: update('running', N / 2, 1) + update('done', N, 2, { result }),
    });
  });
  await page.route('**/api/**', async (route) => {
    const op = new URL(route.request().url()).pathname.replace('/api/', '');
    const input = (route.request().postDataJSON() ?? {}) as Record<string, unknown>;
    const place = { path: MOCK_ROOT, kind: 'root', label: 'mock', source: 'cli' };
    if (op === 'places.list')
      return reply(route, { current: place, places: [place], canPickWithDialog: false });
    if (op === 'fleet.refresh') return reply(route, { jobId: 'mock-refresh' });
    if (op === 'fleet.overview') {
      return reply(route, {
        total: N,
        counts: counts(),
        levels: ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'],
        codes: [],
        skipped: [],
        refreshedAt: null,
      });
    }
    if (op === 'fleet.page') {
      const filter = (input.filter ?? {}) as { text?: string; health?: string[] };
      const sort = (input.sort ?? 'chatId') as keyof MockRow;
      const desc = input.desc === true;
      let list = rows.filter(
        (r) =>
          (!filter.text || r.name.toLowerCase().includes(filter.text.toLowerCase())) &&
          (!filter.health || filter.health.includes(r.health)),
      );
      list = [...list].sort((a, b) => {
        const x = a[sort];
        const y = b[sort];
        const cmp = x < y ? -1 : x > y ? 1 : a.chatId < b.chatId ? -1 : 1;
        return desc ? -cmp : cmp;
      });
      const limit = Number(input.limit ?? 100);
      const start = input.after ? Number(input.after) : Number(input.offset ?? 0);
      const pageRows = list.slice(start, start + limit);
      largestReply.rows = Math.max(largestReply.rows, pageRows.length);
      return reply(route, {
        rows: pageRows,
        total: list.length,
        nextCursor: start + limit < list.length ? String(start + limit) : null,
      });
    }
    return route.fulfill({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ ok: false, error: { code: 'unknown_operation', message: op } }),
    });
  });
  return largestReply;
}

test('100,000 chats: the list keeps only the visible rows in the DOM', async ({ page, url }) => {
  test.setTimeout(60_000);
  const largestReply = await mockApi(page);
  const chats = new ChatsPage(page);
  await page.goto(url);
  await chats.waitForScan();
  await expect(chats.status).toContainText('100,000 chats');
  const visible = await chats.rows.count();
  expect(visible).toBeGreaterThan(10);
  expect(visible).toBeLessThan(60);

  await chats.scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }));
  await expect
    .poll(async () => Number(await chats.rows.first().getAttribute('aria-rowindex')))
    .toBeGreaterThan(40_000);
  expect(await chats.rows.count()).toBeLessThan(60);

  await chats.sortBy('sizeBytes');
  await expect(chats.header('sizeBytes')).toHaveAttribute('aria-sort', 'descending');
  expect(await chats.rows.count()).toBeLessThan(60);
  await chats.search.fill('User 99999');
  await expect(chats.rows).toHaveCount(1);
  // The renderer asked for pages, never for the whole fleet.
  expect(largestReply.rows).toBeGreaterThan(0);
  expect(largestReply.rows).toBeLessThanOrEqual(1000);
  await new AppShell(page).screenshot('chats-100k');
});
