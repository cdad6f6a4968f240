import { expect, type Locator, type Page } from '@playwright/test';

export class ChatsPage {
  readonly search: Locator;
  readonly rows: Locator;
  readonly status: Locator;
  readonly scroller: Locator;
  /** The search through every chat's messages, and its results. */
  readonly messageSearch: Locator;
  readonly messageHits: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.search = page.getByRole('searchbox', { name: /search chats|buscar conversas/i });
    this.rows = page.locator('tbody tr.grid-row');
    this.status = page.getByTestId('scan-status');
    this.scroller = page.getByTestId('chat-list-scroll');
    this.messageSearch = page.locator('input[data-message-search]');
    this.messageHits = page.getByTestId('message-search-results').locator('a[data-hit-chat]');
  }

  header(column: string): Locator {
    return this.page.locator(`th[data-col="${column}"]`);
  }

  async waitForScan() {
    await expect(this.status).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  }

  async sortBy(column: string) {
    await this.header(column).getByRole('button').click();
  }

  async searchMessages(text: string) {
    await this.messageSearch.fill(text);
    await this.messageSearch.press('Enter');
  }

  async filterHealth(health: 'all' | 'ok' | 'warning' | 'error' | 'unchecked') {
    await this.page.locator(`[data-health-filter="${health}"]`).click();
  }

  async columnTexts(index: number): Promise<string[]> {
    return this.rows.locator(`td:nth-child(${index + 1})`).allInnerTexts();
  }

  row(chatId: string): Locator {
    return this.page.locator(`tr[data-chat-id="${chatId}"]`);
  }

  async openChat(chatId: string) {
    await this.search.fill(chatId);
    await this.row(chatId).click();
  }
}

/** "12,011" / "12.011" → 12011 */
export const toNumber = (text: string) => Number(text.replace(/[^\d-]/g, ''));
