import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot, RecoverResult } from '../../shared/contract/index.ts';
import { operations } from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import type { HandlerContext } from '../api/context.ts';
import { invoke } from '../api/dispatch.ts';
import { dumpDb } from '../testing/backup-helpers.ts';
import { damageChat } from '../fixtures/damage.ts';
import { WorkerPool } from '../workers/pool.ts';

let base: string;
let ctx: HandlerContext;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-recover-api-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function runJob(name: string, input: unknown): Promise<unknown> {
  const { jobId } = (await invoke(name, input, ctx)) as { jobId: string };
  let cursor = 0;
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId, cursor }, ctx)) as JobSnapshot;
    cursor = snapshot.cursor;
    if (snapshot.state === 'done') return snapshot.result;
    if (snapshot.state !== 'running')
      throw snapshot.error ? AppError.from(snapshot.error) : new Error(snapshot.state);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('recover over the contract', () => {
  it('recovers into its own folder, then puts that very file in place (the damaged one kept as .bak)', async () => {
    const root = join(base, 'root');
    const d = damageChat(root, 'garbage_leaf', { seed: 3 });
    ctx = createContext({
      userDataDir: join(base, 'home'),
      now: () => new Date('2026-11-01T12:00:00Z'),
      pool: new WorkerPool(0),
      rememberRecent: false,
      roots: [root],
    });
    expect(operations['recover.place'].writes).toBe(true);
    const damaged = readFileSync(d.path);
    const result = (await runJob('recover.run', { path: d.path })) as RecoverResult;
    expect(result.out!.startsWith(join(base, 'home', 'recovered'))).toBe(true);
    const messages = result.tables.find((t) => t.table === 'messages')!;
    expect(messages.lostBasis).toBe('exact');
    expect(readFileSync(d.path)).toEqual(damaged);
    const recoveredRows = dumpDb(result.out!);

    const placed = (await runJob('recover.place', { path: d.path, recovered: result.out })) as {
      placedInto: string;
      backup: string;
    };
    expect(placed.placedInto).toBe(d.path);
    expect(readFileSync(placed.backup)).toEqual(damaged);
    expect(dumpDb(d.path)).toEqual(recoveredRows);
    expect(readdirSync(d.chat.dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
