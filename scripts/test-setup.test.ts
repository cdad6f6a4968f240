import { describe, expect, it } from 'vitest';
import { runNode } from '../main/testing/cli.ts';
import { INSTALL_COMMAND, setupStep } from './test-setup.ts';

// `npm test` first checks what npm cannot install (scripts/test-setup.ts): it installs it as root with apt-get,
// and otherwise stops at once with one line naming the command, before any test runs.

const MISSING = ['Chromium (no /usr/bin/chromium)', 'MariaDB (no server)'];

describe('setupStep', () => {
  it('nothing missing: on to the tests, whoever runs them', () => {
    expect(setupStep([], { root: false, apt: false, checkOnly: false })).toEqual({ action: 'ready' });
  });

  it('root with apt-get: installs', () => {
    expect(setupStep(MISSING, { root: true, apt: true, checkOnly: false })).toEqual({ action: 'install' });
  });

  it('not root: one line naming what is missing and the command to run', () => {
    const step = setupStep(MISSING, { root: false, apt: true, checkOnly: false });
    expect(step).toEqual({
      action: 'stop',
      line:
        'npm test: the tests need what npm cannot install: Chromium (no /usr/bin/chromium); MariaDB (no server). ' +
        `Run "${INSTALL_COMMAND}" once, then npm test again.`,
    });
  });

  it('no apt-get (not Debian): says what to install, and the Debian command', () => {
    const step = setupStep(MISSING, { root: true, apt: false, checkOnly: false });
    expect(step.action).toBe('stop');
    expect(step.action === 'stop' && step.line).toMatch(
      /^npm test: the tests need what npm cannot install: .*\. Install them \(on Debian 12: "sudo bash scripts\/ci\/install-system-deps\.sh"\), then npm test again\.$/,
    );
  });
});

describe('scripts/test-setup.ts --check', () => {
  it('a missing Chromium: exit 1, one line on stderr naming it and the command, nothing installed', () => {
    const r = runNode(['scripts/test-setup.ts', '--check'], {
      env: { CHROMIUM_PATH: '/nonexistent/chromium' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Chromium (CHROMIUM_PATH=/nonexistent/chromium is not an executable)');
    expect(lines[0]).toContain(INSTALL_COMMAND);
  });
});
