import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './e2e/support/browser.ts';

// End-to-end tests of the whole app: browser mode on the system Chromium (Playwright's own browser
// download is not used), and the Electron window where an Electron binary exists.
// `npm run build` must have run first (`npm test` does it).
const CI = Boolean(process.env.CI);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Two cores, and every test starts a server and a browser: one at a time.
  workers: 1,
  fullyParallel: false,
  retries: CI ? 1 : 0,
  forbidOnly: CI,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  // The list, then one line saying how many tests were skipped and why (the list shows no reasons).
  reporter: [['list'], ['./scripts/test-report/playwright-skips.ts']],
  use: {
    browserName: 'chromium',
    headless: true,
    screenshot: 'only-on-failure',
    trace: CI ? 'on-first-retry' : 'off',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
});
