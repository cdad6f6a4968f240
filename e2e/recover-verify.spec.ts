import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, PROJECT_ROOT, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { BackupsPage } from './pages/backups.ts';
import { IntegrityPage } from './pages/integrity.ts';

// Issue 23 item 8: the Integrity screen's Recover ended with "Recovered into …db" and no counts, while the
// CLI's `recover` reports, per table, the rows recovered, put in lost_and_found and lost. The finding's
// Recover shows the same table, with the same figures as the CLI gives for the same file.
//
// Issue 23 item 9: verifying a deliberate 2-chat backup of a bigger root said, in a yellow box, that every
// other chat id was "not in this archive". It says it once — "holds 2 of the root's N chats" — with the list
// on demand; no warning, nothing is wrong.

const CHATS = 14;
let app: ServedApp;
let chosen: string[];

test.beforeAll(async () => {
  app = await serveFixtureRoot({ chats: CHATS, broken: ['page_corrupt'], seed: 29 });
  chosen = app.generated.chats.slice(0, 2).map((c) => c.chatId);
  const backups = join(app.home, 'backups');
  mkdirSync(backups, { recursive: true });
  const made = spawnSync(
    process.execPath,
    [
      join(PROJECT_ROOT, 'dist', 'cli.js'),
      'backup',
      app.root,
      ...chosen.flatMap((id) => ['--chat', id]),
      '--out',
      join(backups, 'two-chats.tar.gz'),
      '--json',
    ],
    { encoding: 'utf8', cwd: PROJECT_ROOT, env: { ...process.env, CHAT_INSPECTOR_HOME: app.home } },
  );
  if (made.status !== 0) throw new Error(made.stderr);
});

test.afterAll(async () => {
  await app?.stop();
});

for (const lang of ['en', 'pt-BR'] as const) {
  test(`verifying a 2-chat backup says how much of the root it holds, once, without a warning (${lang})`, async ({
    page,
  }) => {
    const shell = new AppShell(page);
    const backups = new BackupsPage(page);
    await shell.open(app.url);
    if (lang === 'pt-BR') await shell.langToggle.click();
    await shell.nav(/Backups/).click();
    await backups.tab(lang === 'en' ? /Verify/ : /Verificar/).click();
    const row = backups.archiveRow('two-chats.tar.gz');
    await row.getByRole('button', { name: lang === 'en' ? 'Verify' : 'Verificar' }).click();
    await expect(backups.verifyResult).toBeVisible({ timeout: 30_000 });
    const coverage = backups.notInArchive;
    await expect(coverage).toContainText(
      lang === 'en'
        ? `This archive holds 2 of the root's ${app.generated.chats.length} chats`
        : `Este arquivo contém 2 dos ${app.generated.chats.length} chats da raiz`,
    );
    // Not a fault: no warning box, no alert.
    await expect(coverage).not.toHaveClass(/banner-warning/);
    await expect(backups.verifyResult.locator('.banner-warning')).toHaveCount(0);
    await expect(backups.verifyResult.getByRole('alert')).toHaveCount(0);
    // The other chats' ids are listed only on demand.
    const others = app.generated.chats.map((c) => c.chatId).filter((id) => !chosen.includes(id));
    const list = coverage.getByTestId('verify-not-in-archive-list');
    await expect(list.getByText(others[0]!, { exact: false })).toBeHidden();
    await list
      .locator('summary')
      .filter({
        hasText:
          lang === 'en'
            ? `${others.length} chats of the root are not in it`
            : `${others.length} chats da raiz não estão nele`,
      })
      .click();
    for (const id of others) await expect(list).toContainText(id);
    await shell.screenshot(`verify-two-chats-${lang}`);
    for (const id of chosen) await expect(list).not.toContainText(id);
  });
}

test("Integrity's Recover shows, per table, what was recovered, put in lost_and_found and lost — as the CLI", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const corrupt = app.generated.chats.find((c) => c.kind === 'page_corrupt')!;
  // The CLI's figures for the same file, written outside the root.
  const out = mkdtempSync(join(tmpdir(), 'ci-e2e-recover-'));
  const cli = spawnSync(
    process.execPath,
    [
      join(PROJECT_ROOT, 'dist', 'cli.js'),
      'recover',
      join(corrupt.dir, 'conversations.db'),
      '--out',
      join(out, 'recovered.db'),
      '--json',
    ],
    { encoding: 'utf8', cwd: PROJECT_ROOT, env: { ...process.env, CHAT_INSPECTOR_HOME: app.home } },
  );
  rmSync(out, { recursive: true, force: true });
  expect(cli.status, cli.stderr).toBe(0);
  const figures = JSON.parse(cli.stdout) as {
    tables: { table: string; recovered: number; lostAndFound: number; lost: number | null }[];
  };
  expect(figures.tables.length).toBeGreaterThan(0);

  const shell = new AppShell(page);
  const integrity = new IntegrityPage(page);
  await shell.open(app.url);
  await shell.nav(/Integrity/).click();
  await integrity.run('quick');
  await integrity.row(corrupt.chatId).click();
  await integrity.action('corrupt', 'recover').click();
  await integrity.confirm.click();
  const shown = page.getByTestId('finding-recover-figures');
  await expect(shown).toBeVisible({ timeout: 30_000 });
  await expect(shown.getByRole('columnheader')).toHaveText([
    'Table',
    'Recovered',
    'In lost_and_found',
    'Lost',
    'How “lost” is known',
  ]);
  const digits = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));
  for (const row of figures.tables) {
    const cells = shown.getByTestId(`recover-row-${row.table}`).getByRole('cell');
    expect(digits(await cells.nth(1).textContent()), row.table).toBe(row.recovered);
    expect(digits(await cells.nth(2).textContent()), row.table).toBe(row.lostAndFound);
  }
  await expect(shown.getByTestId('recover-lnf')).toBeVisible();
  await shell.screenshot('integrity-recover-figures');
});
