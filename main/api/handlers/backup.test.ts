import { createContext } from '../create-context.ts';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../shared/contract/index.ts';
import { operations } from '../../../shared/contract/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { generateClinic, generateRoot, type GeneratedRoot } from '../../fixtures/index.ts';
import { WorkerPool } from '../../workers/pool.ts';
import type { HandlerContext } from '../context.ts';
import { invoke } from '../dispatch.ts';

let base: string;
let gen: GeneratedRoot;
let ctx: HandlerContext;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-backup-api-'));
  gen = generateRoot(join(base, 'root'), { chats: 3, seed: 21, broken: ['page_corrupt'] });
  ctx = createContext({
    userDataDir: join(base, 'home'),
    now: () => new Date('2026-11-01T12:00:00Z'),
    pool: new WorkerPool(0),
    rememberRecent: false,
    roots: [gen.root],
  });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function runJob(name: string, input: unknown): Promise<{ result: unknown; events: unknown[] }> {
  const { jobId } = (await invoke(name, input, ctx)) as { jobId: string };
  const events: unknown[] = [];
  let cursor = 0;
  for (;;) {
    const snapshot = (await invoke('jobs.poll', { jobId, cursor }, ctx)) as JobSnapshot;
    events.push(...snapshot.events);
    cursor = snapshot.cursor;
    if (snapshot.state === 'done') return { result: snapshot.result, events };
    if (snapshot.state !== 'running')
      throw snapshot.error ? AppError.from(snapshot.error) : new Error(snapshot.state);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('backup operations over the contract', () => {
  it('marks every write operation as writing', () => {
    for (const name of [
      'backup.create',
      'backup.restore',
      'recover.run',
      'export.run',
      'export.file',
      'metadata.rebuild',
      'migrate.run',
    ] as const) {
      expect(operations[name].writes, name).toBe(true);
    }
    expect(operations['backup.verify'].writes).toBe(false);
  });

  it('backs up into its own folder, lists it, verifies it, and serves it in chunks for download', async () => {
    const { result, events } = await runJob('backup.create', { root: gen.root, out: 'nightly' });
    const r = result as { out: string; chats: number };
    expect(r.out).toBe(join(base, 'home', 'backups', 'nightly.tar.gz'));
    expect(r.chats).toBe(gen.chats.length);
    expect(events).toHaveLength(gen.chats.length);
    // Nothing was written into the data root.
    expect(readdirSync(gen.root).some((n) => n.endsWith('.tar.gz'))).toBe(false);
    const outputs = (await invoke('backup.outputs', {}, ctx)) as { files: { path: string; kind: string }[] };
    expect(outputs.files.map((f) => f.path)).toContain(r.out);
    const verify = (await runJob('backup.verify', { archive: r.out })).result as { ok: boolean };
    // The page_corrupt chat was already damaged when backed up: verify says so.
    expect(verify.ok).toBe(false);
    let offset = 0;
    const parts: Buffer[] = [];
    for (;;) {
      const chunk = (await invoke('backup.readOutput', { path: r.out, offset, length: 64 * 1024 }, ctx)) as {
        data: string;
        eof: boolean;
      };
      const bytes = Buffer.from(chunk.data, 'base64');
      parts.push(bytes);
      offset += bytes.length;
      if (chunk.eof) break;
    }
    expect(Buffer.concat(parts)).toEqual(readFileSync(r.out));
  });

  it('refuses paths outside the allow-list, inside chat folders, and downloads of anything it did not produce', async () => {
    mkdirSync(join(base, 'elsewhere'));
    await expect(runJob('backup.create', { root: join(base, 'elsewhere') })).rejects.toMatchObject({
      code: 'forbidden_path',
    });
    const chatFolder = gen.chats[0]!.dir;
    await expect(
      runJob('export.run', {
        root: gen.root,
        chatIds: [gen.chats[0]!.chatId],
        format: 'json',
        out: join(chatFolder, 'x.json'),
      }),
    ).rejects.toMatchObject({
      code: 'forbidden_path',
    });
    await expect(
      runJob('export.run', {
        root: gen.root,
        chatIds: [gen.chats[0]!.chatId],
        format: 'json',
        out: '../x.json',
      }),
    ).rejects.toMatchObject({
      code: 'forbidden_path',
    });
    await expect(
      invoke('backup.readOutput', { path: join(chatFolder, 'profile.db') }, ctx),
    ).rejects.toMatchObject({ code: 'forbidden_path' });
    await expect(runJob('backup.verify', { archive: '/etc/passwd' })).rejects.toMatchObject({
      code: 'forbidden_path',
    });
    expect(existsSync(join(chatFolder, 'x.json'))).toBe(false);
  });

  it('exports a chat into the exports folder, recovers into the recovered folder, rebuilds metadata', async () => {
    const healthy = gen.chats.find((c) => c.kind === 'healthy')!;
    const exported = (
      await runJob('export.run', { root: gen.root, chatIds: [healthy.chatId], format: 'html', redact: true })
    ).result as {
      out: string;
      messages: number;
    };
    expect(exported.out.startsWith(join(base, 'home', 'exports'))).toBe(true);
    expect(exported.out.endsWith('-redacted.html')).toBe(true);
    expect(exported.messages).toBe(healthy.messages);

    const damaged = gen.chats.find((c) => c.kind === 'page_corrupt')!;
    const recovered = (await runJob('recover.run', { path: join(damaged.dir, 'conversations.db') }))
      .result as { out: string; tables: { table: string; recovered: number }[] };
    expect(recovered.out.startsWith(join(base, 'home', 'recovered'))).toBe(true);
    expect(recovered.tables.find((t) => t.table === 'messages')!.recovered).toBe(damaged.messages);

    const rebuilt = (await invoke('metadata.rebuild', { root: gen.root, chatId: healthy.chatId }, ctx)) as {
      backup: string | null;
    };
    expect(rebuilt.backup).toMatch(/metadata\.json\.bak-/);
  });

  it('restores with a dry run first, and needs force to replace', async () => {
    const { result } = await runJob('backup.create', {
      root: gen.root,
      chatIds: [gen.chats[0]!.chatId],
      out: 'one',
    });
    const archive = (result as { out: string }).out;
    const dry = (await runJob('backup.restore', { archive, root: gen.root, dryRun: true })).result as {
      summary: { unchanged: number };
    };
    expect(dry.summary.unchanged).toBe(1);
  });

  it('exports one conversation of a single SQLite file (the clinic bot), its phone numbers masked on request', async () => {
    const clinic = join(gen.root, 'clinic_bot.db');
    generateClinic(clinic, { conversations: 6, seed: 4, now: new Date('2026-11-01T12:00:00Z') });
    const list = (await invoke('file.conversations', { path: clinic }, ctx)) as {
      conversations: { id: string; messages: number }[];
    };
    const conversation = list.conversations.find((c) => c.messages > 0)!;
    const clear = (
      await runJob('export.file', { path: clinic, conversationId: conversation.id, format: 'json' })
    ).result as { out: string; messages: number; redacted: boolean };
    const masked = (
      await runJob('export.file', {
        path: clinic,
        conversationId: conversation.id,
        format: 'html',
        redact: true,
      })
    ).result as { out: string; messages: number; redacted: boolean };
    // Both in Chat Inspector's exports folder; every message of the conversation is in each.
    for (const r of [clear, masked]) {
      expect(r.out.startsWith(join(base, 'home', 'exports'))).toBe(true);
      expect(r.messages).toBe(conversation.messages);
    }
    expect(clear.redacted).toBe(false);
    expect(masked.redacted).toBe(true);
    expect(masked.out).toMatch(/^.*clinic_bot-conversation-.*-redacted\.html$/);
    // The clinic's phone numbers (55 + area code + 9 digits) are in the plain export, none in the masked one.
    const phones = /\b55\d{2}9\d{8}\b/g;
    expect(readFileSync(clear.out, 'utf8').match(phones)?.length ?? 0).toBeGreaterThan(0);
    expect(readFileSync(masked.out, 'utf8').match(phones)).toBeNull();
    // The masked file's name does not carry the conversation id either.
    expect(masked.out).not.toContain(conversation.id);
  });
});
