import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRoot } from '../fixtures/index.ts';
import { cli } from '../testing/cli.ts';
import { indexPathFor } from '../fleet/index-db.ts';
import { closeFleetIndexes } from '../fleet/registry.ts';
import { openSource } from '../sources/index.ts';
import type { Source } from '../sources/types.ts';
import './index.ts';

// The per-chat root Source lists from the root's fleet index (Chat Inspector's own file): brought up to
// date at each open, as `scan` and the chat list do; without a usable index every chat is read instead.

const NOW = new Date('2026-11-01T12:00:00Z');
const base = mkdtempSync(join(tmpdir(), 'ci-per-chat-root-'));
afterAll(() => {
  closeFleetIndexes();
  rmSync(base, { recursive: true, force: true });
});

async function listed(source: Source): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await source.conversations({ limit: 2, after });
    ids.push(...page.conversations.map((c) => c.id));
    if (page.next === null) break;
    after = page.next;
  }
  return ids.sort();
}

describe('per-chat root Source through the fleet index', () => {
  it('lists from the index kept in its own folder, and sees a chat added or removed at the next open', async () => {
    const root = join(base, 'root');
    const own = join(base, 'own');
    const generated = generateRoot(root, { chats: 3, messagesPerChat: [5, 10], seed: 11, now: NOW });
    const ids = generated.chats.map((c) => c.chatId).sort();
    let source = await openSource(root, { mappingHome: own });
    expect(existsSync(indexPathFor(own, root))).toBe(true);
    expect(await listed(source)).toEqual(ids);
    const one = await source.conversation(ids[0]!);
    expect(one.messages).toBeGreaterThanOrEqual(5);
    await source.close();

    const other = generateRoot(join(base, 'other'), {
      chats: 1,
      messagesPerChat: [5, 6],
      seed: 12,
      now: NOW,
    });
    const added = other.chats[0]!;
    expect(ids).not.toContain(added.chatId);
    cpSync(added.dir, join(root, relative(other.root, added.dir)), { recursive: true });
    rmSync(generated.chats[0]!.dir, { recursive: true });
    source = await openSource(root, { mappingHome: own });
    expect(await listed(source)).toEqual([...ids.slice(1), added.chatId].sort());
    expect(
      await source.conversation(generated.chats[0]!.chatId).then(
        () => 'found',
        (error: { code?: string }) => error.code,
      ),
    ).toBe('not_found');
    await source.close();
  });

  it('searches ids and names in the index, most recent first', async () => {
    const root = join(base, 'search');
    const generated = generateRoot(root, { chats: 4, messagesPerChat: [5, 6], seed: 13, now: NOW });
    const source = await openSource(root, { mappingHome: join(base, 'own-search') });
    const target = generated.chats[2]!.chatId;
    const page = await source.conversations({ limit: 10, search: target });
    expect(page.conversations.map((c) => c.id)).toContain(target);
    const all = (await source.conversations({ limit: 10 })).conversations;
    const times = all.map((c) => c.lastActivity ?? '');
    expect([...times].sort().reverse()).toEqual(times);
    await source.close();
  });

  it('lists a chat whose conversations.db cannot be read with messages null, in the Source and the CLI', async () => {
    const root = join(base, 'broken');
    const generated = generateRoot(root, {
      chats: 2,
      messagesPerChat: [5, 6],
      broken: ['not_sqlite'],
      seed: 15,
      now: NOW,
    });
    const broken = generated.chats.find((c) => c.kind === 'not_sqlite')!;
    const healthy = generated.chats.filter((c) => c.kind === 'healthy');
    const own = join(base, 'own-broken');
    const source = await openSource(root, { mappingHome: own });
    const page = await source.conversations({ limit: 10 });
    const counts = new Map(page.conversations.map((c) => [c.id, c.messages]));
    expect(counts.get(broken.chatId)).toBeNull();
    for (const chat of healthy) expect(counts.get(chat.chatId)).toBe(chat.messages);
    expect((await source.conversation(broken.chatId)).messages).toBeNull();
    await source.close();

    const env = { CHAT_INSPECTOR_HOME: own };
    const json = cli(['conversations', root, '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const listed = (JSON.parse(json.stdout) as { conversations: { id: string; messages: number | null }[] })
      .conversations;
    expect(listed.find((c) => c.id === broken.chatId)?.messages).toBeNull();
    const human = cli(['conversations', root], { env });
    expect(human.code, human.stderr).toBe(0);
    const row = human.stdout.split('\n').find((line) => line.startsWith(`${broken.chatId} `));
    expect(row).toMatch(/ could not be read /);
  });

  it('reads every chat instead when the index cannot be made (its folder is a file)', async () => {
    const root = join(base, 'no-index');
    const generated = generateRoot(root, { chats: 2, messagesPerChat: [5, 6], seed: 14, now: NOW });
    const own = join(base, 'own-blocked');
    rmSync(own, { recursive: true, force: true });
    // A file where the own folder should be: fleet-index/ cannot be made inside it.
    writeFileSync(own, 'not a folder');
    const source = await openSource(root, { mappingHome: own });
    expect(await listed(source)).toEqual(generated.chats.map((c) => c.chatId).sort());
    await source.close();
  });

  it('without an index, lists a chat whose conversations.db cannot be read with messages null', async () => {
    const root = join(base, 'broken-no-index');
    const generated = generateRoot(root, {
      chats: 1,
      messagesPerChat: [5, 6],
      broken: ['missing_file'],
      seed: 16,
      now: NOW,
    });
    const own = join(base, 'own-blocked-broken');
    writeFileSync(own, 'not a folder');
    const source = await openSource(root, { mappingHome: own });
    const page = await source.conversations({ limit: 10 });
    const broken = generated.chats.find((c) => c.kind === 'missing_file')!;
    const healthy = generated.chats.find((c) => c.kind === 'healthy')!;
    expect(page.conversations.find((c) => c.id === broken.chatId)?.messages).toBeNull();
    expect(page.conversations.find((c) => c.id === healthy.chatId)?.messages).toBe(healthy.messages);
    await source.close();
  });
});
