import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createBackup } from './create.ts';
import { NODE, ctx, dumpDb, listTree, runCliSync } from '../testing/backup-helpers.ts';

// Issue 21: a restore killed (SIGKILL, no cleanup) while it assembles a new chat in a hidden
// `.chat_<id>.restore-<pid>-<hex>` folder leaves that folder. The next restore removes it — also when the
// killed run's pid now belongs to another process (a container gives every run the same pid), and also
// when that next restore has nothing to write — and never removes a link or a folder that is not ours.

let dir: string;
let archive: string;
let source: string;
const A = '7210001';
const B = '7210002';
const HIDDEN = /^\.chat_(\d+)\.restore-(\d+)-[0-9a-f]{8}$/;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-stale-restore-'));
  source = join(dir, 'source');
  mkdirSync(source);
  generateChat(source, A, { messages: 25, seed: 1 });
  generateChat(source, B, { messages: 40, seed: 2 });
  archive = join(dir, 'all.tar.gz');
  await createBackup({ root: source, out: archive, pool: new WorkerPool(0) }, ctx());
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The step number of the first file staged into a new chat's hidden folder (learnt from a full run). */
function firstStagedStep(): number {
  const log = join(dir, `steps-${Math.random()}.log`);
  const probe = mkdtempSync(join(dir, 'probe-'));
  const full = runCliSync(['restore', archive, '--into', probe], { CHAT_INSPECTOR_CRASH_LOG: log });
  expect(full.status, full.stderr).toBe(0);
  const steps = readFileSync(log, 'utf8').trim().split('\n');
  return steps.findIndex((line) => line.endsWith(' restore:staged')) + 1;
}

/** A restore into `target` SIGKILLed with a new chat half assembled; returns the hidden folder's name. */
function killedRestore(target: string): string {
  const before = new Set(readdirSync(target));
  const crashed = runCliSync(['restore', archive, '--into', target], {
    CHAT_INSPECTOR_CRASH_AT: String(firstStagedStep()),
  });
  expect(crashed.signal).toBe('SIGKILL');
  const hidden = readdirSync(target).filter((name) => HIDDEN.test(name) && !before.has(name));
  expect(hidden).toHaveLength(1);
  expect(readdirSync(join(target, hidden[0]!)).length).toBeGreaterThan(0);
  return hidden[0]!;
}

function expectComplete(target: string, ids: string[]): void {
  expect(listTree(target).filter((p) => p.startsWith('.'))).toEqual([]);
  for (const id of ids)
    for (const db of ['profile.db', 'conversations.db'])
      expect(dumpDb(join(target, `chat_${id}`, db))).toEqual(dumpDb(join(source, `chat_${id}`, db)));
}

function deadPid(): number {
  const child = spawnSync(NODE, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const HOUR_AGO = new Date(Date.now() - 3_600_000);

describe("a killed restore's hidden new-chat folder", () => {
  it('is removed by the next restore, which completes', () => {
    const target = mkdtempSync(join(dir, 'dead-'));
    killedRestore(target);
    const again = runCliSync(['restore', archive, '--into', target]);
    expect(again.status, again.stderr).toBe(0);
    expectComplete(target, [A, B]);
  });

  it('is removed when its pid now belongs to a process started after it was written', async () => {
    const target = mkdtempSync(join(dir, 'reused-'));
    const hidden = killedRestore(target);
    // The OS gave the dead restore's pid to a new process: a long-lived one started after the kill (the
    // folder's time is put an hour back, clear of the second-rounded boot time Linux reports).
    const other = spawn(NODE, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const reused = hidden.replace(
        HIDDEN,
        (_all, id: string) => `.chat_${id}.restore-${other.pid}-0123abcd`,
      );
      renameSync(join(target, hidden), join(target, reused));
      utimesSync(join(target, reused), HOUR_AGO, HOUR_AGO);
      const again = runCliSync(['restore', archive, '--into', target]);
      expect(again.status, again.stderr).toBe(0);
      expectComplete(target, [A, B]);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('is removed by a next restore that has nothing to write', () => {
    const target = mkdtempSync(join(dir, 'nothing-'));
    const first = runCliSync(['restore', archive, '--into', target, '--chat', A]);
    expect(first.status, first.stderr).toBe(0);
    const hidden = killedRestore(target);
    expect(hidden).toContain(`chat_${B}.`);
    const again = runCliSync(['restore', archive, '--into', target, '--chat', A, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { summary: { unchanged: number } }).summary.unchanged).toBe(1);
    expect(readdirSync(target)).toEqual([`chat_${A}`]);
  });

  it('a link or a folder with something else in it, named like one, is left alone', () => {
    const target = mkdtempSync(join(dir, 'theirs-'));
    const pid = deadPid();
    const foreign = join(target, `.chat_71.restore-${pid}-0badf00d`);
    mkdirSync(join(foreign, 'notes'), { recursive: true });
    writeFileSync(join(foreign, 'profile.db'), 'not ours');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'profile.db'), 'keep me');
    symlinkSync(elsewhere, join(target, `.chat_72.restore-${pid}-0badf00d`));
    const own = killedRestore(target);
    const again = runCliSync(['restore', archive, '--into', target]);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(target, own))).toBe(false);
    expect(listTree(target).filter((p) => p.startsWith('.'))).toEqual([
      `.chat_71.restore-${pid}-0badf00d/`,
      `.chat_71.restore-${pid}-0badf00d/notes/`,
      `.chat_71.restore-${pid}-0badf00d/profile.db`,
      `.chat_72.restore-${pid}-0badf00d`,
    ]);
    expect(readFileSync(join(elsewhere, 'profile.db'), 'utf8')).toBe('keep me');
  });
});
