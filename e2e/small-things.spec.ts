import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { generateClinic } from '../main/fixtures/index.ts';
import { AppShell } from './pages/app.ts';
import { IntegrityPage } from './pages/integrity.ts';

// Issue 23, item 12: the small things a support person trips over.

/** Console warnings and errors, and HTTP replies with an error status, while `page` is used. */
function watchConsole(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') seen.push(`${m.type()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) seen.push(`HTTP ${r.status()} ${new URL(r.url()).pathname}`);
  });
  return seen;
}

async function useTheme(page: Page, theme: 'light' | 'dark', lang: 'en' | 'pt-BR' = 'en') {
  await page.addInitScript(
    ([th, l]) => {
      localStorage.setItem('chat-inspector.theme', th);
      localStorage.setItem('chat-inspector.lang', l);
    },
    [theme, lang] as const,
  );
}

test.describe('on the shared generated root', () => {
  test('no Permissions-Policy warning in the console on load', async ({ page, url }) => {
    const seen = watchConsole(page);
    const shell = new AppShell(page);
    await shell.open(url);
    await page.reload();
    await expect(shell.placeButton).toBeVisible();
    expect(seen.filter((s) => /Permissions-Policy/.test(s))).toEqual([]);
  });

  test('opening every damaged chat (thread, metrics, progress) makes no failed request', async ({
    page,
    url,
    app,
  }) => {
    // Its own item: the Permissions-Policy line (the test above) is not counted here.
    const seen = watchConsole(page);
    const shell = new AppShell(page);
    await shell.open(url);
    const damaged = app.generated.chats.filter((c) =>
      ['page_corrupt', 'truncated', 'zero_byte', 'not_sqlite', 'missing_file'].includes(c.kind),
    );
    expect(damaged.length).toBeGreaterThanOrEqual(5);
    for (const chat of damaged) {
      for (const tab of ['', '&tab=metrics', '&tab=progress']) {
        await page.goto(`${url}#/chat?id=${chat.chatId}${tab}`);
        // The screen says what could not be read (the thread, a tab), without an HTTP error.
        await expect(page.locator('.chat-screen')).toBeVisible();
        await expect(page.locator('.chat-screen .spinner')).toHaveCount(0, { timeout: 10_000 });
      }
    }
    expect(seen.filter((s) => !/Permissions-Policy/.test(s))).toEqual([]);
  });

  test('Maintenance: number inputs look like the other fields, in both themes', async ({ page, url }) => {
    for (const theme of ['light', 'dark'] as const) {
      await useTheme(page, theme);
      await page.goto(`${url}#/maintenance`);
      const number = page.getByTestId('vacuum-panel').locator('input[type="number"]').first();
      await expect(number).toBeVisible();
      const styles = await number.evaluate((input) => {
        const pick = (el: Element) => {
          const s = getComputedStyle(el);
          return [s.backgroundColor, s.color, s.borderTopColor, s.borderTopWidth, s.borderRadius, s.height];
        };
        const text = document.createElement('input');
        text.type = 'text';
        input.parentElement!.append(text);
        const result = { number: pick(input), text: pick(text) };
        text.remove();
        return result;
      });
      expect(styles.number, theme).toEqual(styles.text);
    }
  });

  test('chat metrics: the range buttons are readable in dark mode', async ({ page, url, app }) => {
    await useTheme(page, 'dark');
    const chat = app.generated.chats.find((c) => c.kind === 'healthy')!;
    await page.goto(`${url}#/chat?id=${chat.chatId}&tab=metrics`);
    const buttons = page.getByTestId('chart-per-day').getByRole('radio');
    await expect(buttons).toHaveCount(4, { timeout: 15_000 });
    for (const button of await buttons.all()) {
      const ratio = await button.evaluate((el) => {
        const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
        let bg = el as Element | null;
        while (bg && rgb(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
        const lum = (c: number[]) => {
          const [r, g, b] = c.slice(0, 3).map((v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        const fg = lum(rgb(getComputedStyle(el).color));
        const back = lum(rgb(getComputedStyle(bg ?? document.body).backgroundColor));
        return (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05);
      });
      expect(ratio, await button.innerText()).toBeGreaterThanOrEqual(4.5);
    }
    // Themed like every other segmented control, not the browser's grey buttons: the chosen range
    // stands out, the others sit on the group's own background.
    const look = await buttons.evaluateAll((all) =>
      all.map((b) => {
        const s = getComputedStyle(b);
        return {
          checked: b.getAttribute('aria-checked') === 'true',
          look: `${s.color} ${s.backgroundColor}`,
        };
      }),
    );
    const chosen = look.filter((l) => l.checked);
    const others = look.filter((l) => !l.checked);
    expect(chosen).toHaveLength(1);
    for (const other of others) expect(other.look).not.toBe(chosen[0]!.look);
    const groupBackground = await buttons
      .first()
      .evaluate((b) => [
        getComputedStyle(b).backgroundColor,
        getComputedStyle(b.parentElement!).backgroundColor,
      ]);
    const otherBackground = await buttons.nth(1).evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(['rgba(0, 0, 0, 0)', groupBackground[1]]).toContain(otherBackground);
  });
});

// A row not yet loaded arrives with its page: on a CI machine running other specs that took over 5 s.
const ROW_WAIT = { timeout: 20_000 };

test.describe('on a root of 230 chats', () => {
  let big: ServedApp;
  test.beforeAll(async () => {
    big = await serveFixtureRoot({ chats: 230, seed: 5 });
  });
  test.afterAll(async () => {
    await big?.stop();
  });

  test('End, Home and PageDown in the chat list move the selection, also to a row not yet loaded', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const shell = new AppShell(page);
    await shell.open(big.url);
    const grid = page.locator('[data-chat-grid]');
    await expect(grid).toHaveAttribute('aria-rowcount', String(big.generated.chats.length + 1), {
      timeout: 30_000,
    });
    await grid.focus();
    const selectedRow = () =>
      page.evaluate(() => {
        const id = document.querySelector('[data-chat-grid]')!.getAttribute('aria-activedescendant');
        return id ? Number(document.getElementById(id)?.getAttribute('aria-rowindex')) : null;
      });
    const last = big.generated.chats.length + 1;
    await page.keyboard.press('End');
    await expect.poll(selectedRow, ROW_WAIT).toBe(last);
    await page.keyboard.press('Home');
    await expect.poll(selectedRow, ROW_WAIT).toBe(2);
    await page.keyboard.press('PageDown');
    await expect.poll(selectedRow, ROW_WAIT).toBeGreaterThan(3);
    await page.keyboard.press('End');
    await expect.poll(selectedRow, ROW_WAIT).toBe(last);
    await page.keyboard.press('PageUp');
    await expect.poll(selectedRow, ROW_WAIT).toBeLessThan(last - 1);
  });

  test('Integrity at 1024 px: a chat with several findings shows every chip whole (no "Change…")', async ({
    page,
  }) => {
    // Two chats with three findings each: their metadata.json removed as well.
    for (const kind of ['wal_pending', 'db_large'])
      rmSync(join(big.generated.chats.find((c) => c.kind === kind)!.dir, 'metadata.json'));
    for (const lang of ['en', 'pt-BR'] as const) {
      await page.setViewportSize({ width: 1024, height: 700 });
      await useTheme(page, 'light', lang);
      const shell = new AppShell(page);
      await shell.open(big.url);
      await page.goto(`${big.url}#/integrity`);
      const integrity = new IntegrityPage(page);
      await integrity.run('quick');
      const chips = integrity.list.locator('.chip');
      await expect(chips.first()).toBeVisible();
      const clipped = await integrity.list.evaluate((list) =>
        [...list.querySelectorAll('.chip')].flatMap((chip) => {
          const c = chip.getBoundingClientRect();
          const row = chip.closest('[role="option"]')!.getBoundingClientRect();
          let box = chip.parentElement;
          const out: string[] = [];
          if (chip.scrollWidth > chip.clientWidth + 1) out.push(`${chip.textContent}: text cut`);
          if (c.right > row.right + 0.5 || c.bottom > row.bottom + 0.5)
            out.push(`${chip.textContent}: outside its row`);
          for (; box && box !== list; box = box.parentElement) {
            const s = getComputedStyle(box);
            const b = box.getBoundingClientRect();
            if (s.overflowX !== 'visible' && (c.right > b.right + 0.5 || c.left < b.left - 0.5))
              out.push(`${chip.textContent}: cut by ${box.className}`);
          }
          return out;
        }),
      );
      expect(clipped, lang).toEqual([]);
      expect(await integrity.list.locator('[role="option"] .chip').count()).toBeGreaterThan(
        await integrity.rows.count(),
      );
    }
  });
});

test.describe('exports meant to leave the building', () => {
  let own: ServedApp;
  test.beforeAll(async () => {
    own = await serveFixtureRoot({
      chats: 2,
      broken: [],
      seed: 9,
      prepare: (root) => generateClinic(join(root, 'clinic_bot.db'), { conversations: 6, seed: 4 }),
    });
  });
  test.afterAll(async () => {
    await own?.stop();
  });

  test('Files: a clinic conversation is exported with its phone numbers masked, masking on by default', async ({
    page,
  }) => {
    const shell = new AppShell(page);
    await shell.open(own.url);
    const path = join(own.root, 'clinic_bot.db');
    await page.goto(`${own.url}#/files?path=${encodeURIComponent(path)}&view=conversations`);
    const bar = page.getByTestId('conversation-bar');
    await expect(bar).toBeVisible({ timeout: 15_000 });
    // A clinic conversation is named by the patient's phone number.
    const phone = (await bar.locator('.conv-thread-title').innerText()).trim();
    expect(phone).toMatch(/^55\d{10,11}$/);
    await bar.getByTestId('export-button').click();
    const dialog = page.getByTestId('export-dialog');
    await expect(dialog.getByTestId('export-redact')).toBeChecked();
    await dialog.getByTestId('export-start').click();
    const result = dialog.getByTestId('export-result');
    await expect(result).toBeVisible({ timeout: 15_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      result.getByRole('button', { name: /download/i }).click(),
    ]);
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('[phone]');
    expect(html).not.toContain(phone);
    expect(html).not.toMatch(/\b55\d{2}9\d{8}\b/);
    expect(html).toContain('personal data masked');
  });

  test("the chat screen's export has masking on by default", async ({ page }) => {
    const shell = new AppShell(page);
    await shell.open(own.url);
    await page.goto(`${own.url}#/chat?id=${own.generated.chats[0]!.chatId}`);
    await page.getByTestId('export-button').click();
    await expect(page.getByTestId('export-dialog').getByTestId('export-redact')).toBeChecked();
  });
});
