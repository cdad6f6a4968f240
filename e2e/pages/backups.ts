import type { Locator, Page } from '@playwright/test';

/** The Backups screen and the chat screen's Export dialog: locators and what a person does with them. */
export class BackupsPage {
  readonly page: Page;
  readonly screen: Locator;
  readonly create: Locator;
  readonly backupResult: Locator;
  readonly archives: Locator;
  readonly verifyResult: Locator;
  readonly restorePanel: Locator;
  readonly restorePlan: Locator;
  readonly restoreResult: Locator;
  readonly recoverPanel: Locator;
  readonly recoverResult: Locator;
  /** Browser mode's archive upload: the file input and the uploaded archive's line. */
  readonly uploadInput: Locator;
  readonly uploaded: Locator;
  readonly verifyAll: Locator;
  readonly verifyRestorable: Locator;
  readonly notInArchive: Locator;
  readonly restoreChanges: Locator;
  readonly restoreUnchanged: Locator;
  readonly placeArchives: Locator;

  constructor(page: Page) {
    this.page = page;
    this.screen = page.getByTestId('backups-screen');
    this.create = page.getByTestId('backup-create');
    this.backupResult = page.getByTestId('backup-result');
    this.archives = page.getByTestId('archives');
    this.verifyResult = page.getByTestId('verify-result');
    this.restorePanel = page.getByTestId('restore-panel');
    this.restorePlan = page.getByTestId('restore-plan');
    this.restoreResult = page.getByTestId('restore-result');
    this.recoverPanel = page.getByTestId('recover-panel');
    this.recoverResult = page.getByTestId('recover-result');
    this.uploadInput = page.getByTestId('archive-upload-input');
    this.uploaded = page.getByTestId('archive-uploaded');
    this.verifyAll = page.getByTestId('verify-all');
    this.verifyRestorable = page.getByTestId('verify-restorable');
    this.notInArchive = page.getByTestId('verify-not-in-archive');
    this.restoreChanges = page.getByTestId('restore-changes');
    this.restoreUnchanged = page.getByTestId('restore-unchanged');
    this.placeArchives = page.getByTestId('place-archives');
  }

  /** Chooses a file on this computer in the upload field and waits until the server has it. */
  async uploadArchive(file: string) {
    await this.uploadInput.setInputFiles(file);
    await this.uploaded.waitFor({ timeout: 30_000 });
  }

  /** Verify / Restore… of the uploaded archive. */
  uploadedButton(name: RegExp): Locator {
    return this.uploaded.getByRole('button', { name });
  }

  tab(name: string | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  async backUpWholeRoot(name: string) {
    await this.page.getByTestId('backup-name').fill(name);
    await this.page.getByTestId('backup-start').click();
  }

  archiveRow(name: string): Locator {
    return this.archives.getByTestId('archive-row').filter({ hasText: name });
  }
}

export class ExportDialog {
  readonly page: Page;
  readonly button: Locator;
  readonly dialog: Locator;
  readonly result: Locator;

  constructor(page: Page) {
    this.page = page;
    this.button = page.getByTestId('export-button');
    this.dialog = page.getByTestId('export-dialog');
    this.result = page.getByTestId('export-result');
  }

  async exportAs(format: RegExp, redact: boolean) {
    await this.button.click();
    await this.dialog.getByRole('radio', { name: format }).click();
    if (redact) await this.page.getByTestId('export-redact').check();
    await this.page.getByTestId('export-start').click();
  }
}
