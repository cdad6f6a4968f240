import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCheck } from '../../shared/contract/integrity.ts';
import { AppError } from '../../shared/errors.ts';
import { generateRoot } from '../fixtures/index.ts';
import { cliContext } from './context.ts';
import { runJob, runQuery } from './invoke.ts';

// The CLI runs operations through the contract's invocation, with the command line's paths as the allow-list.

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-invoke-'));
  root = join(base, 'root');
  generateRoot(root, { chats: 3, messagesPerChat: 4, seed: 9 });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('the CLI through the contract', () => {
  it('waits for a job, handing on its events, and resolves with its checked result', async () => {
    const events: ChatCheck[] = [];
    const report = await runJob(
      cliContext([root], { workers: 0 }),
      'integrity.check',
      { root },
      { label: 'Checking', onEvent: (event) => events.push(event) },
    );
    expect(report.chats).toHaveLength(3);
    expect(events.map((e) => e.chatId).sort()).toEqual(report.chats.map((c) => c.chatId).sort());
  });

  it("rejects with the job's own error when it fails", async () => {
    const failed = runJob(
      cliContext([root], { workers: 0 }),
      'integrity.check',
      { root, tree: 'nowhere' },
      { label: 'Checking' },
    );
    await expect(failed).rejects.toBeInstanceOf(AppError);
    await expect(failed).rejects.toThrow(/nowhere: not a chat tree of/);
  });

  it('refuses a path not named on the command line, and an input the contract refuses', async () => {
    const ctx = cliContext([root], { workers: 0 });
    await expect(runQuery(ctx, 'files.list', { root: base })).rejects.toThrow(/not a place you opened/);
    await expect(runQuery(ctx, 'metadata.rebuild', { root, chatId: 'abc' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});
