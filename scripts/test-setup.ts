// `npm test` runs this first (the `pretest` script): what the tests need that npm cannot install — Debian's
// Chromium for the browser end-to-end tests, PostgreSQL 15 + pgvector and MariaDB for the server-source
// tests. All there: one line, on to the tests. Something missing: as root on a machine with apt-get it runs
// scripts/ci/install-system-deps.sh (quick when installed, one `apt-get update` for the three); otherwise it stops at once
// with one line naming the command to run, rather than letting those tests fail or be skipped later.
// `--check`: only say what is missing (exit 1), install nothing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumPath } from '../e2e/support/browser.ts';
import { mariaDbAvailability } from '../main/testing/mariadb-server.ts';
import { pgAvailability } from '../main/testing/pg-server.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..');
export const INSTALL_COMMAND = 'sudo bash scripts/ci/install-system-deps.sh';

/** What is missing, each as "what (why)". */
export function missingSystemDeps(): string[] {
  const missing: string[] = [];
  const chromium = chromiumPath();
  try {
    accessSync(chromium, constants.X_OK);
  } catch {
    missing.push(
      process.env.CHROMIUM_PATH
        ? `Chromium (CHROMIUM_PATH=${chromium} is not an executable)`
        : `Chromium (no ${chromium}; CHROMIUM_PATH may name another)`,
    );
  }
  const pg = pgAvailability({ vector: true });
  if (!pg.ok) missing.push(`PostgreSQL 15 + pgvector (${pg.reason.replace(/; run .*$/, '')})`);
  const mariaDb = mariaDbAvailability();
  if (!mariaDb.ok) missing.push(`MariaDB (${mariaDb.reason.replace(/; run .*$/, '')})`);
  return missing;
}

export type SetupStep = { action: 'ready' } | { action: 'install' } | { action: 'stop'; line: string };

/** What to do about what is missing: install it where this process can (root, apt-get), else stop. */
export function setupStep(
  missing: string[],
  machine: { root: boolean; apt: boolean; checkOnly: boolean },
): SetupStep {
  if (missing.length === 0) return { action: 'ready' };
  if (machine.root && machine.apt && !machine.checkOnly) return { action: 'install' };
  const how = machine.apt
    ? `run "${INSTALL_COMMAND}" once`
    : `install them (on Debian 12: "${INSTALL_COMMAND}")`;
  return {
    action: 'stop',
    line: `npm test: the tests need what npm cannot install: ${missing.join('; ')}. ${how[0]!.toUpperCase()}${how.slice(1)}, then npm test again.`,
  };
}

function hasAptGet(): boolean {
  return ['/usr/bin/apt-get', '/bin/apt-get'].some((p) => existsSync(p));
}

function main(): number {
  const machine = {
    root: process.getuid?.() === 0,
    apt: hasAptGet(),
    checkOnly: process.argv.includes('--check'),
  };
  let step = setupStep(missingSystemDeps(), machine);
  if (step.action === 'install') {
    console.log('test setup: installing what the tests need (scripts/ci/install-system-deps.sh)');
    const run = spawnSync('bash', [join(PROJECT_ROOT, 'scripts', 'ci', 'install-system-deps.sh')], {
      stdio: 'inherit',
    });
    if (run.status !== 0) {
      console.error(`npm test: scripts/ci/install-system-deps.sh failed (exit ${run.status ?? run.signal})`);
      return 1;
    }
    step = setupStep(missingSystemDeps(), { ...machine, checkOnly: true });
  }
  if (step.action === 'stop') {
    console.error(step.line);
    return 1;
  }
  console.log('test setup: Chromium, PostgreSQL 15 + pgvector and MariaDB are installed');
  return 0;
}

if (import.meta.main) process.exitCode = main();
