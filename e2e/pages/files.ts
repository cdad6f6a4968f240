import { expect, type Locator, type Page } from '@playwright/test';

export class FilesPage {
  readonly fileList: Locator;
  readonly kind: Locator;
  readonly conversations: Locator;
  readonly tables: Locator;
  readonly rows: Locator;
  readonly tableStatus: Locator;
  readonly filterColumn: Locator;
  readonly filterOp: Locator;
  readonly filterValue: Locator;
  readonly filterAdd: Locator;
  readonly sqlInput: Locator;
  readonly sqlRun: Locator;
  readonly sqlStatus: Locator;
  readonly sqlError: Locator;
  readonly sqlRows: Locator;
  readonly sqlPage: Locator;
  readonly damage: Locator;
  /** A conversation's thread (data-first-id / data-last-id: the oldest and newest message loaded). */
  readonly thread: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.fileList = page.getByTestId('file-list');
    this.kind = page.getByTestId('file-kind');
    this.conversations = page.getByTestId('conversation-list');
    this.tables = page.getByTestId('table-list');
    this.rows = page.locator('[data-testid=table-rows] tbody tr');
    this.tableStatus = page.getByTestId('table-status');
    this.filterColumn = page.getByTestId('filter-column');
    this.filterOp = page.getByTestId('filter-op');
    this.filterValue = page.getByTestId('filter-value');
    this.filterAdd = page.getByTestId('filter-add');
    this.sqlInput = page.getByTestId('sql-input');
    this.sqlRun = page.getByTestId('sql-run');
    this.sqlStatus = page.getByTestId('sql-status');
    this.sqlError = page.getByTestId('sql-error');
    this.sqlRows = page.locator('[data-testid=sql-result] tbody tr');
    this.sqlPage = page.getByTestId('sql-page');
    this.damage = page.getByTestId('file-damage');
    this.thread = page.getByTestId('thread');
  }

  file(relPath: string): Locator {
    return this.page.locator(`[data-file="${relPath}"]`);
  }

  tab(name: string | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  async openTable(name: string) {
    await this.tables.locator(`[data-table="${name}"]`).click();
    await expect(this.rows.first()).toBeVisible();
  }

  /** The sort button of a column header, and the header itself (aria-sort). */
  sortButton(column: string): Locator {
    return this.page.locator(`[data-testid=table-rows] thead button[data-column="${column}"]`);
  }

  header(column: string): Locator {
    return this.page
      .locator('[data-testid=table-rows] thead th')
      .filter({ has: this.page.locator(`button[data-column="${column}"]`) });
  }

  /** Texts of one column of the loaded rows, by its header name. */
  async columnTexts(column: string): Promise<string[]> {
    // After a sort or a filter the table may be between two renders, its header not there yet.
    await this.header(column).first().waitFor();
    const headers = await this.page.locator('[data-testid=table-rows] thead th').allInnerTexts();
    const index = headers.findIndex((h) => h.split('\n')[0]!.replace(/[▲▼]/g, '').trim() === column);
    if (index < 0) throw new Error(`no column ${column} in ${headers.join(' | ')}`);
    return this.rows.locator(`td:nth-child(${index + 1})`).allInnerTexts();
  }

  async addFilter(column: string, op: string, value?: string) {
    await this.filterColumn.selectOption(column);
    await this.filterOp.selectOption(op);
    if (value !== undefined) await this.filterValue.fill(value);
    await this.filterAdd.click();
  }

  /** Scrolls the thread's list to its top (older pages load there). */
  async scrollThreadToTop() {
    await this.thread.evaluate((el) => {
      const scroller = [el, ...el.querySelectorAll<HTMLElement>('*')].find(
        (e) => e.scrollHeight > e.clientHeight + 4 && getComputedStyle(e).overflowY !== 'visible',
      );
      if (scroller) scroller.scrollTop = 0;
    });
  }

  async runSql(sql: string) {
    await this.sqlInput.fill(sql);
    await this.sqlRun.click();
  }
}
