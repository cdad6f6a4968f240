import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateRoot } from '../main/fixtures/index.ts';
import { expect, serveFixtureRoot, test, type ServedApp } from './support/server.ts';
import { AppShell } from './pages/app.ts';
import { ChatsPage } from './pages/chats.ts';

// The chat list's "Last backup" column (relative, its date and source in the title) and its "Not backed
// up for N days" filter: one chat in a verified archive written by `backup --out-dir` into the root's
// backups/ folder, the others known only from metadata.json's last_backup, or not at all.

const DAY = 86_400_000;
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
let app: ServedApp;
const chat: Record<'archived' | 'hourAgo' | 'tenDaysAgo' | 'none', string> = {
  archived: '',
  hourAgo: '',
  tenDaysAgo: '',
  none: '',
};

function setLastBackup(root: string, chatId: string, value: string | undefined): void {
  const path = join(root, `chat_${chatId}`, 'metadata.json');
  const meta = JSON.parse(readFileSync(path, 'utf8')) as { database_info?: Record<string, unknown> };
  meta.database_info = { ...meta.database_info, last_backup: value };
  if (value === undefined) delete meta.database_info.last_backup;
  writeFileSync(path, JSON.stringify(meta));
}

test.beforeAll(async () => {
  app = await serveFixtureRoot({
    chats: 3,
    broken: [],
    seed: 41,
    prepare: (root) => {
      const ids = readdirSync(root)
        // The fixture's chats (not its empty stray folder).
        .filter((n) => /^chat_\d+$/.test(n) && existsSync(join(root, n, 'metadata.json')))
        .map((n) => n.slice('chat_'.length))
        .sort();
      [chat.hourAgo, chat.tenDaysAgo, chat.none] = ids as [string, string, string];
      setLastBackup(root, chat.hourAgo, new Date(Date.now() - 3_600_000).toISOString());
      setLastBackup(root, chat.tenDaysAgo, new Date(Date.now() - 10 * DAY).toISOString());
      setLastBackup(root, chat.none, undefined);
      // A chat backed up just now by the CLI into the root's backups/ folder (a verified archive and its
      // record), then moved into the root; its metadata.json says long ago, the archive wins.
      const other = join(dirname(root), 'other');
      generateRoot(other, { chats: 1, seed: 42, now: new Date() });
      const backups = join(root, 'backups');
      mkdirSync(backups);
      const run = spawnSync(process.execPath, [CLI, 'backup', other, '--out-dir', backups], {
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`backup --out-dir failed: ${run.stderr}`);
      chat.archived = readdirSync(other)
        .find((n) => /^chat_\d+$/.test(n))!
        .slice('chat_'.length);
      setLastBackup(other, chat.archived, new Date(Date.now() - 30 * DAY).toISOString());
      renameSync(join(other, `chat_${chat.archived}`), join(root, `chat_${chat.archived}`));
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
});

test("the list shows each chat's last backup and narrows to those not backed up for N days", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const shell = new AppShell(page);
  const chats = new ChatsPage(page);
  await shell.open(app.url);
  await chats.waitForScan();
  await expect(chats.rows).toHaveCount(4);
  await expect(chats.header('lastBackup')).toHaveText('Last backup');
  const cell = (id: string) => chats.row(id).locator('td[data-col="lastBackup"]');
  await expect(cell(chat.archived)).toHaveAttribute('data-source', 'archive');
  await expect(cell(chat.archived)).toHaveAttribute(
    'title',
    /from the verified archive .*backups\/backup-other-/,
  );
  await expect(cell(chat.hourAgo)).toHaveAttribute('data-source', 'metadata');
  await expect(cell(chat.hourAgo)).toHaveText(/1 (hour|hr\.?) ago/);
  await expect(cell(chat.hourAgo)).toHaveAttribute('title', /from metadata\.json's last_backup/);
  await expect(cell(chat.tenDaysAgo)).toHaveText(/10 days ago/);
  await expect(cell(chat.none)).toHaveAttribute('data-source', 'none');
  await expect(cell(chat.none)).toHaveText('—');

  // Not backed up for 2 days (the default, as alerts): the one ten days ago and the one with none.
  await page.locator('input[data-not-backed-up]').check();
  await expect(chats.rows).toHaveCount(2);
  await expect(chats.row(chat.tenDaysAgo)).toBeVisible();
  await expect(chats.row(chat.none)).toBeVisible();
  await expect(page.locator('[data-health-filter="all"] .segment-count')).toHaveText('2');
  // Over 20 days: only the one with none known.
  await page.locator('input[data-not-backed-up-days]').fill('20');
  await expect(chats.rows).toHaveCount(1);
  await expect(chats.row(chat.none)).toBeVisible();
  await page.locator('input[data-not-backed-up]').uncheck();
  await expect(chats.rows).toHaveCount(4);

  await shell.langToggle.click();
  await expect(chats.header('lastBackup')).toHaveText('Último backup');
  await expect(page.getByTestId('chats-not-backed-up')).toContainText('Sem backup há');
});
