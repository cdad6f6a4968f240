import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Components of the shell (locators) and what a person does with them (actions). */
export class AppShell {
  readonly header: Locator;
  readonly themeToggle: Locator;
  readonly langToggle: Locator;
  readonly placeButton: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.header = page.locator('header.app-header');
    this.themeToggle = page.getByTestId('theme-toggle');
    this.langToggle = page.getByTestId('lang-toggle');
    this.placeButton = page.getByTestId('place-button');
  }

  nav(name: string | RegExp): Locator {
    return this.page.getByRole('navigation').getByRole('link', { name });
  }

  async open(url: string) {
    await this.page.goto(url);
    await expect(this.placeButton).toBeVisible();
    // The first screen comes painted in index.html; wait until the app itself has rendered it.
    await expect(this.page.locator('#root:not([data-painted])')).toBeAttached();
  }

  async theme(): Promise<string | undefined> {
    return this.page.evaluate(() => document.documentElement.dataset.theme);
  }

  /** A full-window screenshot into test-results/screens/<name>.png (looked at by people, not compared). */
  async screenshot(name: string) {
    const dir = join('test-results', 'screens');
    mkdirSync(dir, { recursive: true });
    await this.page.screenshot({ path: join(dir, `${name}.png`) });
  }
}
