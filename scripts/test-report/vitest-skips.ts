import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { reasonInName, SkipTally } from './skips.ts';

// A vitest reporter beside the default one (vitest.config.ts): the run ends with one line saying how many
// tests were skipped and why (vitest's own summary gives the count only).

function reasonOf(test: TestCase): string | undefined {
  const result = test.result();
  if (result.state === 'skipped' && result.note) return result.note;
  for (let node: TestCase | TestCase['parent'] = test; node.type !== 'module'; node = node.parent) {
    const reason = reasonInName(node.name);
    if (reason) return reason;
  }
  return undefined;
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
