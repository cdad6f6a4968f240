import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { reasonInName, SkipTally } from './skips.ts';

// A vitest reporter beside the default one (vitest.config.ts): the run ends with one line saying how many
// tests were skipped and why (vitest's own summary gives the count only).

export const SUITE_FAILED = 'not run: their suite failed before them (see the failures above)';

function reasonOf(test: TestCase): string | undefined {
  const result = test.result();
  if (result.state === 'skipped' && result.note) return result.note;
  // Meant to run, yet skipped: a beforeAll of its suite (or file) threw, and vitest skips the suite's tests.
  const meantToRun = test.options.mode === 'run';
  for (let node: TestCase | TestCase['parent'] = test; node.type !== 'module'; node = node.parent) {
    const reason = reasonInName(node.name);
    if (reason) return reason;
    if (meantToRun && node.type === 'suite' && node.state() === 'failed') return SUITE_FAILED;
  }
  return meantToRun && test.module.state() === 'failed' ? SUITE_FAILED : undefined;
}

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const tally = new SkipTally();
    for (const module of modules)
      for (const test of module.children.allTests('skipped'))
        tally.add(reasonOf(test), `${relative(process.cwd(), module.moduleId)} › ${test.fullName}`);
    console.log(`\n${tally.line('vitest')}`);
  }
}
