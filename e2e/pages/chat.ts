import { expect, type Locator, type Page } from '@playwright/test';

export class ChatPage {
  readonly thread: Locator;
  readonly messages: Locator;
  readonly search: Locator;
  readonly sidePanel: Locator;
  readonly panelToggle: Locator;
  readonly searchCount: Locator;
  readonly searchRole: Locator;
  readonly searchFrom: Locator;
  readonly searchTo: Locator;
  readonly jumpDate: Locator;
  readonly newerHit: Locator;
  readonly olderHit: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.thread = page.getByTestId('thread');
    this.messages = page.locator('[data-testid=thread] [data-msg-id]');
    this.search = page.getByRole('searchbox', { name: /search in this chat|buscar nesta conversa/i });
    this.sidePanel = page.getByTestId('chat-side-panel');
    this.panelToggle = page.getByTestId('chat-panel-toggle');
    this.searchCount = page.getByTestId('chat-search-count');
    this.searchRole = page.getByTestId('chat-search-role');
    this.searchFrom = page.getByTestId('chat-search-from');
    this.searchTo = page.getByTestId('chat-search-to');
    this.jumpDate = page.getByTestId('chat-jump-date');
    this.newerHit = page.getByRole('button', { name: /newer hit|resultado mais recente/i });
    this.olderHit = page.getByRole('button', { name: /older hit|resultado mais antigo/i });
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

  /** Types a query and waits for its "n of total" counter; returns the total. */
  async searchFor(text: string): Promise<number> {
    await this.search.fill(text);
    await expect(this.searchCount).toHaveText(/^\d[\d.,\s]* (of|de) \d[\d.,\s]*$/);
    return this.searchTotal();
  }

  /** The counter as numbers: the hit shown (0 before the first) and the total. */
  async searchPosition(): Promise<{ at: number; total: number }> {
    await expect(this.searchCount).toHaveText(/\d (of|de) \d/);
    const text = (await this.searchCount.innerText()).replace(/[.,\s\u00a0\u202f](?=\d{3})/g, '');
    const m = /(\d+) (?:of|de) (\d+)/.exec(text);
    if (!m) throw new Error(`no hit counter in "${text}"`);
    return { at: Number(m[1]), total: Number(m[2]) };
  }

  async searchTotal(): Promise<number> {
    return (await this.searchPosition()).total;
  }

  /** The id of the current hit, once the thread shows that message. */
  async currentHitId(): Promise<number> {
    await expect(this.searchCount).toHaveAttribute('data-hit-id', /\d+/);
    const id = Number(await this.searchCount.getAttribute('data-hit-id'));
    await expect(this.page.locator(`[data-testid=thread] [data-msg-id="${id}"]`)).toBeInViewport();
    return id;
  }
}
