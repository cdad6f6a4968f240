import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateChatLogs, generateLangChain, generateRasa } from '../fixtures/frameworks.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { parseMapOption } from '../cli/map-option.ts';

// `conversations`, `messages` and `export` with `--map`, and on LangChain/Rasa files, as scripts run them:
// a child process, its output and exit code. Bad mappings are one line on stderr, exit 2, nothing written.

const REPO = resolve(import.meta.dirname, '../..');
const NODE = join(REPO, 'node_modules', '.bin', 'node');
const base = mkdtempSync(join(tmpdir(), 'ci-map-cli-'));
const home = join(base, 'home');
afterAll(() => rmSync(base, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(NODE, [join(REPO, 'main/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
    timeout: 60_000,
    env: { ...process.env, CHAT_INSPECTOR_HOME: home },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const data = join(base, 'data');
const logsPath = join(data, 'support.db');
const logs = generateChatLogs(logsPath, { conversations: 4, seed: 2 });
const langchainPath = join(data, 'langchain.db');
const langchain = generateLangChain(langchainPath, { sessions: 3, seed: 2 });
const rasaPath = join(data, 'rasa.db');
const rasa = generateRasa(rasaPath, { senders: 2, seed: 2 });
const MAP = 'table=chat_logs,conversation=conv_id,time=created_at,role=sender,text=body';

describe('--map syntax', () => {
  it('parses the fields and refuses unknown, empty, repeated and missing ones', () => {
    expect(parseMapOption(MAP)).toEqual({
      table: 'chat_logs',
      conversation: 'conv_id',
      time: 'created_at',
      role: 'sender',
      text: 'body',
    });
    expect(parseMapOption('table=t,conversation=c,text=message.data.content').text).toBe(
      'message.data.content',
    );
    expect(() => parseMapOption('table=t,conversation=c,text=x,colour=red')).toThrow(
      /unknown field "colour"/,
    );
    expect(() => parseMapOption('table=t,conversation=,text=x')).toThrow(/conversation= needs/);
    expect(() => parseMapOption('table=t,table=u,conversation=c,text=x')).toThrow(/table is given twice/);
    expect(() => parseMapOption('table=t,text=x')).toThrow(/needs conversation=/);
  });
});

describe('CLI', () => {
  it('lists and reads a mapped table', () => {
    const before = JSON.stringify([...fingerprintTree(data).entries()].sort());
    const list = cli('conversations', logsPath, '--map', MAP, '--json');
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as {
      kind: string;
      conversations: { id: string; messages: number }[];
    };
    expect(parsed.kind).toBe('mapped');
    expect(parsed.conversations.map((c) => c.id).sort()).toEqual(logs.conversations.map((c) => c.id).sort());
    const truth = logs.conversations[0]!;
    const messages = cli('messages', logsPath, truth.id, '--map', MAP, '--limit', '100', '--json');
    expect(messages.code).toBe(0);
    const page = JSON.parse(messages.stdout) as { messages: { text: string; role: string }[] };
    expect(page.messages.map((m) => m.text)).toEqual(truth.texts);
    expect(JSON.stringify([...fingerprintTree(data).entries()].sort())).toBe(before);
  });

  it('exports a mapped conversation', () => {
    const out = join(base, 'mapped.json');
    const truth = logs.conversations[1]!;
    const run = cli('export', logsPath, '--map', MAP, '--chat', truth.id, '--format', 'json', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    for (const line of truth.texts) expect(text).toContain(JSON.stringify(line).slice(1, -1));
  });

  it('reads LangChain and Rasa files without a mapping', () => {
    const lc = JSON.parse(cli('conversations', langchainPath, '--json').stdout) as {
      kind: string;
      conversations: { id: string }[];
    };
    expect(lc.kind).toBe('langchain');
    expect(cli('open', langchainPath).stdout).toContain(
      `Holds     a LangChain chat history (table message_store): chat-inspector conversations ${langchainPath}`,
    );
    expect(cli('open', rasaPath).stdout).toContain('Holds     a Rasa tracker store (table events)');
    expect(lc.conversations.length).toBe(langchain.conversations.length);
    const r = cli('messages', rasaPath, rasa.conversations[0]!.id, '--limit', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(rasa.conversations[0]!.texts[0]!);
    // The intent beside each user turn, the other events marked.
    const userLines = r.stdout.split('\n').filter((l) => / user {3}#/.test(l));
    expect(userLines.map((l) => /\[intent (\w+)\]/.exec(l)?.[1])).toEqual(rasa.conversations[0]!.intents);
    expect(r.stdout).toMatch(/system #\d+ {2}action action_listen {2}\[event action\]/);
  });

  it('refuses a bad --map with one line and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [
        ['conversations', logsPath, '--map', MAP.replace('chat_logs', 'chatlogs')],
        /no table "chatlogs" in this source/,
      ],
      [
        ['messages', logsPath, 'C-1000', '--map', MAP.replace('body', 'content')],
        /text=content: table chat_logs has no column "content"/,
      ],
      [['conversations', logsPath, '--map', 'table=chat_logs,text=body'], /--map needs conversation=/],
      [['conversations', logsPath, '--map', `${MAP},colour=red`], /unknown field "colour"/],
    ];
    for (const [args, message] of cases) {
      const run = cli(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
    const out = join(base, 'never.json');
    const exported = cli(
      'export',
      logsPath,
      '--map',
      MAP.replace('sender', 'author'),
      '--chat',
      'C-1000',
      '--format',
      'json',
      '--out',
      out,
    );
    expect(exported.code).toBe(2);
    expect(exported.stderr).toMatch(/role=author: table chat_logs has no column "author"/);
    expect(() => readFileSync(out)).toThrow();
  });
});
