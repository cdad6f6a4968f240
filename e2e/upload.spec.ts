import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, PROJECT_ROOT, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { BackupsPage } from './pages/backups.ts';

// Browser mode has no file dialog: an archive made by the `backup` command on this computer is uploaded,
// verifies as good ("All N files verified", restorable), and the restore preview puts the real change first
// (a chat missing from the root since), the unchanged files folded away. The upload leaves the server when
// the person removes it.

let app: ServedApp;
let outDir: string;

test.beforeAll(async () => {
  app = await serveFixtureRoot({ chats: 6, broken: [], seed: 31 });
  outDir = mkdtempSync(join(tmpdir(), 'ci-e2e-upload-'));
});

test.afterAll(async () => {
  await app?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

test('upload an archive made by the backup command: verify, then a restore preview with the change first', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const archive = join(outDir, 'nightly-from-cron.tar.gz');
  const made = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, 'dist', 'cli.js'), 'backup', app.root, '--out', archive, '--json'],
    { encoding: 'utf8', cwd: PROJECT_ROOT, env: { ...process.env, CHAT_INSPECTOR_HOME: app.home } },
  );
  expect(made.status, made.stderr).toBe(0);
  const result = JSON.parse(made.stdout) as { files: number; chats: number };
  expect(result.chats).toBe(6);
  // A chat lost since the backup: the restore preview must show it first.
  const lost = app.generated.chats[2]!;
  rmSync(lost.dir, { recursive: true });

  const shell = new AppShell(page);
  const backups = new BackupsPage(page);
  await shell.open(app.url);
  await shell.nav(/Backups/).click();
  await backups.tab(/Verify/).click();
  // Browser mode: no path to type, a file to choose, and the places opened listed to pick from.
  await expect(page.getByTestId('archive-path')).toHaveCount(0);
  await expect(backups.placeArchives).toContainText(app.root);

  await backups.uploadArchive(archive);
  await expect(backups.uploaded).toContainText('nightly-from-cron.tar.gz');
  const uploads = join(app.home, 'uploads');
  expect(readdirSync(uploads)).toHaveLength(1);

  await backups.uploadedButton(/^Verify$/).click();
  await expect(backups.verifyAll).toContainText(`All ${result.files} files verified`, { timeout: 30_000 });
  await expect(backups.verifyResult).toContainText('nightly-from-cron.tar.gz');
  await expect(backups.verifyRestorable).toContainText('Can be restored');
  // The root now lacks one chat the archive has; every chat of the root is in the archive.
  await expect(backups.notInArchive).toContainText('Every chat of');
  await shell.screenshot('backups-upload-verified');

  await backups.verifyRestorable.getByRole('button', { name: /Restore/ }).click();
  await expect(backups.restorePanel).toContainText('Restore nightly-from-cron.tar.gz');
  await backups.restorePanel.getByTestId('restore-preview').click();
  await expect(backups.restorePlan).toBeVisible({ timeout: 30_000 });
  await expect(backups.restorePanel).toContainText('to add');
  // Changes first: the lost chat's files, all "add"; the unchanged ones folded below, closed.
  const changeRows = backups.restoreChanges.locator('tbody tr');
  await expect(changeRows.first()).toContainText(lost.chatId);
  expect(await changeRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))).toEqual(
    Array(await changeRows.count()).fill('add'),
  );
  await expect(backups.restoreUnchanged).toBeVisible();
  await expect(backups.restoreUnchanged).not.toHaveAttribute('open', '');
  await expect(backups.restoreUnchanged.locator('summary')).toContainText('unchanged files');
  // The preview wrote nothing.
  expect(existsSync(lost.dir)).toBe(false);
  await shell.screenshot('backups-upload-restore-preview');

  // Removing the upload removes the temp file on the server.
  await backups.restorePanel.getByRole('button', { name: 'Cancel' }).click();
  await backups.page.getByTestId('archive-upload-remove').click();
  await expect(backups.uploaded).toHaveCount(0);
  await expect.poll(() => readdirSync(uploads)).toEqual([]);
});

test('migrate offers the legacy DBs found in the root and the allowed roots to choose from', async ({
  page,
}) => {
  const shell = new AppShell(page);
  await shell.open(app.url);
  await page.goto(`${app.origin}/#/backups?tab=migrate`);
  const sources = page.locator('datalist#migrate-sources option');
  await expect
    .poll(() => sources.evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)))
    .toContain(`${app.root}/backup_old_db`);
  const roots = page.locator('datalist#migrate-roots option');
  expect(await roots.evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([app.root]);
  await page.getByTestId('migrate-source').fill(`${app.root}/backup_old_db`);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('migrate-result')).toContainText('Users', { timeout: 30_000 });
});
