import { expect, type Locator, type Page } from '@playwright/test';

/** The Integrity screen: components (locators) and what a person does there (actions). */
export class IntegrityPage {
  readonly page: Page;
  readonly screen: Locator;
  readonly startQuick: Locator;
  readonly startFull: Locator;
  readonly cancel: Locator;
  readonly status: Locator;
  readonly map: Locator;
  readonly list: Locator;
  readonly rows: Locator;
  readonly detail: Locator;
  readonly findings: Locator;
  readonly codeFilter: Locator;
  readonly exportHtml: Locator;
  readonly openChat: Locator;

  constructor(page: Page) {
    this.page = page;
    this.screen = page.getByTestId('integrity-screen');
    this.startQuick = page.getByTestId('integrity-start-quick');
    this.startFull = page.getByTestId('integrity-start-full');
    this.cancel = page.getByTestId('integrity-cancel');
    this.status = page.getByTestId('integrity-status');
    this.map = page.getByTestId('integrity-map');
    this.list = page.getByTestId('integrity-list');
    this.rows = this.list.locator('[role="option"]');
    this.detail = page.getByTestId('integrity-detail');
    this.findings = page.getByTestId('integrity-findings');
    this.codeFilter = page.getByTestId('integrity-code-filter');
    this.exportHtml = page.getByTestId('integrity-export-html');
    this.openChat = page.getByTestId('integrity-open-chat');
  }

  /** The action button of a finding (by its code) in the selected chat's findings. */
  action(code: string, action: 'recover' | 'restore' | 'rebuildMetadata' | 'openFile'): Locator {
    return this.findings.locator(`tr[data-code="${code}"] button[data-action="${action}"]`);
  }

  get confirm(): Locator {
    return this.page.getByTestId('finding-confirm');
  }

  row(chatId: string): Locator {
    return this.list.locator(`[data-chat-id="${chatId}"]`);
  }

  count(status: 'ok' | 'warning' | 'error'): Locator {
    return this.page.getByTestId(`integrity-count-${status}`);
  }

  /** Starts a check and waits until it has finished. */
  async run(mode: 'quick' | 'full') {
    await (mode === 'quick' ? this.startQuick : this.startFull).click();
    await expect(this.screen).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  }

  /** The colour drawn in the middle of the selected square of the map, as [r, g, b]. */
  async selectedCellColor(): Promise<[number, number, number]> {
    return this.map.evaluate((node) => {
      const canvas = node as HTMLCanvasElement;
      const index = Number(canvas.dataset.selectedIndex);
      const cols = Number(canvas.dataset.cols);
      const cell = Number(canvas.dataset.cell);
      const scale = canvas.width / canvas.clientWidth;
      // A quarter into the square: inside it, clear of the selection ring drawn around it.
      const x = Math.floor(((index % cols) * cell + cell * 0.4) * scale);
      const y = Math.floor((Math.floor(index / cols) * cell + cell * 0.4) * scale);
      const d = canvas.getContext('2d')!.getImageData(x, y, 1, 1).data;
      return [d[0]!, d[1]!, d[2]!] as [number, number, number];
    });
  }

  /** A theme colour (a CSS variable of the page) as [r, g, b]. */
  async themeColor(variable: string): Promise<[number, number, number]> {
    return this.map.evaluate((node, name) => {
      const css = getComputedStyle(node).getPropertyValue(name).trim();
      const probe = document.createElement('canvas');
      probe.width = probe.height = 1;
      const ctx = probe.getContext('2d')!;
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0]!, d[1]!, d[2]!] as [number, number, number];
    }, variable);
  }
}
