import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectron } from './electron-binary.ts';

// `npm start` decides between Electron and browser mode with this lookup; each case is a fake
// node_modules/electron (the real download is never attempted here).

let project: string;
let pkg: string;
const savedOverride = process.env.ELECTRON_OVERRIDE_DIST_PATH;

beforeEach(() => {
  delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
  project = mkdtempSync(join(tmpdir(), 'ci-electron-bin-'));
  pkg = join(project, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"45.4.1"}');
});
afterEach(() => {
  if (savedOverride === undefined) delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
  else process.env.ELECTRON_OVERRIDE_DIST_PATH = savedOverride;
  rmSync(project, { recursive: true, force: true });
});

function installBinary(): string {
  writeFileSync(join(pkg, 'path.txt'), 'electron');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  const binary = join(pkg, 'dist', 'electron');
  writeFileSync(binary, '#!/bin/sh\n');
  chmodSync(binary, 0o755);
  return binary;
}

describe('findElectron', () => {
  it('finds a downloaded binary', () => {
    const binary = installBinary();
    expect(findElectron({ projectRoot: project })).toEqual({ ok: true, path: binary });
  });

  it('says why when the package or its binary is missing, without downloading unless asked', () => {
    expect(findElectron({ projectRoot: join(project, 'nowhere') })).toEqual({
      ok: false,
      reason: 'the electron package is not installed',
    });
    writeFileSync(join(pkg, 'install.js'), 'throw new Error("must not run")');
    const lookup = findElectron({ projectRoot: project });
    expect(lookup.ok).toBe(false);
    if (!lookup.ok) expect(lookup.reason).toMatch(/never downloaded/);
  });

  it('reports "no route to its download" when the installer cannot reach the network', () => {
    writeFileSync(
      join(pkg, 'install.js'),
      'console.error("TypeError: fetch failed\\n    at node:internal/deps/undici"); process.exit(1);',
    );
    expect(findElectron({ projectRoot: project, download: true })).toEqual({
      ok: false,
      reason: 'no route to its download',
    });
  });

  it('uses the binary the installer just downloaded', () => {
    writeFileSync(
      join(pkg, 'install.js'),
      `const fs = require('fs'); fs.writeFileSync('path.txt', 'electron'); fs.mkdirSync('dist'); fs.writeFileSync('dist/electron', '');`,
    );
    writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"45.4.1","type":"commonjs"}');
    expect(findElectron({ projectRoot: project, download: true })).toEqual({
      ok: true,
      path: join(pkg, 'dist', 'electron'),
    });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH', () => {
    const dir = join(project, 'custom');
    mkdirSync(dir);
    writeFileSync(join(dir, 'electron'), '');
    process.env.ELECTRON_OVERRIDE_DIST_PATH = dir;
    expect(findElectron({ projectRoot: project })).toEqual({ ok: true, path: join(dir, 'electron') });
  });
});
