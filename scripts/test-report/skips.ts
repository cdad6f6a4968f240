// The skip summary both test runners end with (scripts/test-report/vitest-skips.ts, playwright-skips.ts): how
// many tests were skipped and why, so that no test is skipped silently. A test names its reason with
// `test.skip(condition, reason)` (Playwright), `ctx.skip(reason)` (vitest), or "(skipped: reason)" in the name
// of the skipped test or suite (vitest's skipIf has no reason of its own).

export const NO_REASON = 'no reason given';

/** The reason carried by a test's or suite's name, "… (skipped: REASON)". */
export function reasonInName(name: string): string | undefined {
  return /\(skipped: (.+)\)/.exec(name)?.[1];
}

/** Counts skipped tests by reason, in the order the reasons were first met. */
export class SkipTally {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string>();
  add(reason: string | undefined, testName: string): void {
    const key = reason?.trim() || NO_REASON;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!this.examples.has(key)) this.examples.set(key, testName);
  }
  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
  /** "vitest: 3 skipped: REASON (2); REASON (1)" — or "vitest: 0 skipped". */
  line(runner: string): string {
    if (this.total === 0) return `${runner}: 0 skipped`;
    const parts = [...this.counts].map(([reason, count]) =>
      reason === NO_REASON
        ? `${reason} (${count}, e.g. ${this.examples.get(reason)})`
        : `${reason} (${count})`,
    );
    return `${runner}: ${this.total} skipped: ${parts.join('; ')}`;
  }
}
