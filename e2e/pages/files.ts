import type { Locator, Page } from '@playwright/test';

export class FilesPage {
  readonly fileList: Locator;
  readonly kind: Locator;
  readonly conversations: Locator;
  readonly tables: Locator;
  readonly rows: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.fileList = page.getByTestId('file-list');
    this.kind = page.getByTestId('file-kind');
    this.conversations = page.getByTestId('conversation-list');
    this.tables = page.getByTestId('table-list');
    this.rows = page.locator('[data-testid=table-rows] tbody tr');
  }

  file(relPath: string): Locator {
    return this.page.locator(`[data-file="${relPath}"]`);
  }

  tab(name: string | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }
}
