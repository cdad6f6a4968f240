import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'main/**/*.test.ts',
      'shared/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'scripts/**/*.test.ts',
    ],
    exclude: ['node_modules/**', 'dist/**', 'e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run in two forks; SQLite fixtures live in per-test temp dirs.
    pool: 'forks',
    maxWorkers: 2,
    // The default report, then one line saying how many tests were skipped and why.
    reporters: ['default', './scripts/test-report/vitest-skips.ts'],
  },
});
