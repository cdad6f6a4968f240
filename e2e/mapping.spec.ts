import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateChatLogs, generateRasa, type FrameworkTruth } from '../main/fixtures/frameworks.ts';
import { AppShell } from './pages/app.ts';
import { PROJECT_ROOT } from './support/server.ts';

// A single SQLite file served in browser mode (`serve FILE`): a home-made chat_logs table is read as
// conversations through the mapping panel (guess, preview, save), and a Rasa tracker store opens straight
// into its conversations with the intent beside user turns and the other events folded.

interface Served {
  url: string;
  home: string;
  stop(): Promise<void>;
}

async function serveFile(file: string, home: string): Promise<Served> {
  const cli = join(PROJECT_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" before the e2e tests`);
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', file, '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CHAT_INSPECTOR_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 20 s:\n${output}`)), 20_000);
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      output += c;
      const found = /at (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
  });
  return {
    url,
    home,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

test.describe('bot frameworks and mappings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-e2e-mapping-'));
  let logs: FrameworkTruth;
  let rasa: FrameworkTruth;
  test.beforeAll(() => {
    logs = generateChatLogs(join(dir, 'support.db'), { conversations: 5, seed: 7, now: new Date() });
    rasa = generateRasa(join(dir, 'rasa.db'), { senders: 3, seed: 7, now: new Date() });
  });
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a chat_logs table: guess, preview, save, then its conversations', async ({ page }) => {
    test.setTimeout(60_000);
    const served = await serveFile(join(dir, 'support.db'), join(dir, 'home-logs'));
    try {
      const shell = new AppShell(page);
      await shell.open(served.url);
      await shell.nav(/Files|Arquivos/).click();
      await page.getByTestId('read-as-conversations').click();
      const panel = page.getByTestId('mapping-panel');
      await expect(panel).toBeVisible();
      await expect(page.getByTestId('mapping-table')).toHaveValue('chat_logs');
      await expect(page.getByTestId('mapping-conversation')).toHaveValue('conv_id');
      await expect(page.getByTestId('mapping-time')).toHaveValue('created_at');
      await expect(page.getByTestId('mapping-role')).toHaveValue('sender');
      await expect(page.getByTestId('mapping-text')).toHaveValue('body');
      await page.getByTestId('mapping-preview').click();
      const preview = page.getByTestId('mapping-preview-card');
      await expect(preview.getByRole('listitem').first()).toContainText(/customer → user|system → system/);
      await shell.screenshot('mapping-panel');
      await page.getByTestId('mapping-save').click();
      const conversations = page.getByTestId('source-conversations').getByRole('button');
      await expect(conversations).toHaveCount(logs.conversations.length);
      await expect(page.getByTestId('source-kind')).toHaveText('Mapped table');
      const truth = logs.conversations[0]!;
      await conversations.filter({ hasText: truth.id }).click();
      const thread = page.getByTestId('source-thread');
      await expect(thread.locator('[data-message-id]')).toHaveCount(truth.messages);
      await expect(thread.locator('.bubble-user').first()).toBeVisible();
      const saved = JSON.parse(readFileSync(join(served.home, 'mappings.json'), 'utf8')) as {
        mappings: Record<string, { table: string }>;
      };
      expect(Object.values(saved.mappings).map((m) => m.table)).toEqual(['chat_logs']);
    } finally {
      await served.stop();
    }
  });

  test('a Rasa tracker store: intents beside user turns, other events folded', async ({ page }) => {
    test.setTimeout(60_000);
    const served = await serveFile(join(dir, 'rasa.db'), join(dir, 'home-rasa'));
    try {
      const shell = new AppShell(page);
      await shell.open(served.url);
      await shell.nav(/Files|Arquivos/).click();
      await page.getByTestId('read-as-conversations').click();
      await expect(page.getByTestId('source-kind')).toHaveText('Rasa tracker store');
      const truth = rasa.conversations[0]!;
      await page
        .getByTestId('source-conversations')
        .getByRole('button')
        .filter({ hasText: truth.id })
        .click();
      const thread = page.getByTestId('source-thread');
      await expect(thread.getByTestId('intent')).toHaveCount(truth.intents!.length);
      await expect(thread.getByTestId('intent').first()).toContainText(truth.intents![0]!);
      await expect(thread.locator('.bubble-bot').first()).toContainText(truth.texts[1]!);
      const folded = thread.getByTestId('folded-events');
      await expect(folded.first()).toContainText('action action_session_start');
      await folded.first().locator('summary').click();
      await expect(folded.first().locator('[data-message-id]').first()).toBeVisible();
      await shell.screenshot('rasa-thread');
    } finally {
      await served.stop();
    }
  });
});
