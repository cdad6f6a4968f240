import { expect, type Locator, type Page } from '@playwright/test';

export class ChatPage {
  readonly thread: Locator;
  readonly messages: Locator;
  readonly search: Locator;
  readonly sidePanel: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.thread = page.getByTestId('thread');
    this.messages = page.locator('[data-testid=thread] [data-msg-id]');
    this.search = page.getByRole('searchbox', { name: /search in this chat|buscar nesta conversa/i });
    this.sidePanel = page.getByTestId('chat-side-panel');
  }

  tab(name: string | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  async waitForThread() {
    await expect(this.messages.first()).toBeVisible();
  }

  /** Scrolls the thread to its top, as a person reading back would (older pages load there). */
  async scrollToTop() {
    await this.thread.evaluate((el) => el.scrollTo({ top: 0 }));
  }

  /** Chart marks drawn by recharts inside a card (bars, lines, areas). */
  chartMarks(testId: string): Locator {
    return this.page.getByTestId(testId).locator('svg path.recharts-rectangle, svg path.recharts-curve');
  }
}
