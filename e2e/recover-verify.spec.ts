import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, PROJECT_ROOT, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { BackupsPage } from './pages/backups.ts';

// Issue 23 item 9: verifying a deliberate 2-chat backup of a bigger root said, in a yellow box, that every
// other chat id was "not in this archive". It says it once — "holds 2 of the root's N chats" — with the list
// on demand; no warning, nothing is wrong.

const CHATS = 14;
let app: ServedApp;
let chosen: string[];

test.beforeAll(async () => {
  app = await serveFixtureRoot({ chats: CHATS, broken: [], seed: 29 });
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
        ? `This archive holds 2 of the root's ${CHATS} chats`
        : `Este arquivo contém 2 dos ${CHATS} chats da raiz`,
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
    for (const id of chosen) await expect(list).not.toContainText(id);
  });
}
