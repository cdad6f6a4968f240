import { relative } from 'node:path';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { SkipTally } from './skips.ts';

// A Playwright reporter beside `list` (playwright.config.ts): the run ends with one line saying how many
// tests were skipped and why — the reason given to test.skip(), which `list` does not show.

export default class SkipSummaryReporter implements Reporter {
  private readonly tally = new SkipTally();
  private readonly seen = new Set<string>();

  onTestEnd(test: TestCase, result: TestResult): void {
    // A retried test ends more than once; it counts once, by its last result.
    if (result.status !== 'skipped' || this.seen.has(test.id)) return;
    this.seen.add(test.id);
    const reason = test.annotations.find((a) => a.type === 'skip' || a.type === 'fixme')?.description;
    this.tally.add(reason, `${relative(process.cwd(), test.location.file)} › ${test.title}`);
  }

  onEnd(): void {
    console.log(this.tally.line('playwright'));
  }

  printsToStdio(): boolean {
    return false;
  }
}
