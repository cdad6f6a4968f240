import type { Locator, Page } from '@playwright/test';

/** The Maintenance screen: its tabs, each operation's preview table, confirmation and result. */
export class MaintenancePage {
  readonly page: Page;
  readonly screen: Locator;
  readonly vacuumPanel: Locator;
  readonly vacuumPlan: Locator;
  readonly alertsPanel: Locator;
  readonly alertsSummary: Locator;
  readonly alertsTable: Locator;
  readonly archivePanel: Locator;
  readonly archivePlan: Locator;

  constructor(page: Page) {
    this.page = page;
    this.screen = page.getByTestId('maintenance-screen');
    this.vacuumPanel = page.getByTestId('vacuum-panel');
    this.vacuumPlan = page.getByTestId('vacuum-plan');
    this.alertsPanel = page.getByTestId('alerts-panel');
    this.alertsSummary = page.getByTestId('alerts-summary');
    this.alertsTable = page.getByTestId('alerts-table');
    this.archivePanel = page.getByTestId('archive-panel');
    this.archivePlan = page.getByTestId('archive-plan');
  }

  tab(name: string | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  dialog(): Locator {
    return this.page.getByRole('dialog');
  }
}
