// Writes a fixture data root for manual use and benchmarks.
//   npx node scripts/gen-root.ts DIR --chats N [--messages N|MIN-MAX] [--seed N] [--broken] [--strays] [--wal]
//                                [--jobs N] [--json]
// --jobs N splits the healthy chats over N child processes (the same bytes whatever N). Default 1: on the
// 2-core VM, two writers in one folder were slower (kernel time doubled), 10,000 chats took 27 s with one.
// Prints a one-line summary (or a JSON object with --json).

import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateRoot, type GenerateRootOptions } from '../main/fixtures/index.ts';
import { writeBrokenChats, writeHealthyChats, writeRootStrays } from '../main/fixtures/root.ts';

const USAGE =
  'usage: node scripts/gen-root.ts DIR --chats N [--messages N|MIN-MAX] [--seed N] [--broken] [--strays] [--wal] [--jobs N] [--json]';

function fail(message: string): never {
  process.stderr.write(`gen-root: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number, got "${value}"`);
  return n;
}

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(path) : statSync(path).size;
  }
  return total;
}

function runChild(args: string[]): Promise<{ chats: number; messages: number }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`a generator process exited with code ${code}`));
      else done(JSON.parse(out) as { chats: number; messages: number });
    });
  });
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        chats: { type: 'string' },
        messages: { type: 'string' },
        seed: { type: 'string' },
        broken: { type: 'boolean', default: false },
        strays: { type: 'boolean', default: false },
        wal: { type: 'boolean', default: false },
        jobs: { type: 'string' },
        json: { type: 'boolean', default: false },
        slice: { type: 'string' }, // internal: a child process writes chats FROM:TO
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const dir = positionals[0];
  if (!dir || positionals.length > 1) fail('give exactly one DIR');
  const root = resolve(dir);
  const chats = parseCount(values.chats, 'chats');
  if (chats === undefined) fail('--chats N is required');
  let messagesPerChat: GenerateRootOptions['messagesPerChat'];
  if (values.messages !== undefined) {
    const range = /^(\d+)-(\d+)$/.exec(values.messages);
    if (range) messagesPerChat = [Number(range[1]), Number(range[2])];
    else messagesPerChat = parseCount(values.messages, 'messages');
  }
  const options: GenerateRootOptions = {
    chats,
    seed: parseCount(values.seed, 'seed') ?? 1,
    broken: values.broken ? 'all' : [],
    strays: values.strays,
    wal: values.wal,
    ...(messagesPerChat !== undefined ? { messagesPerChat } : {}),
  };

  if (values.slice !== undefined) {
    const [from, to] = values.slice.split(':').map(Number);
    if (from === undefined || to === undefined || !(from <= to)) fail(`bad --slice ${values.slice}`);
    const written = writeHealthyChats(root, options, from, to);
    process.stdout.write(
      JSON.stringify({ chats: written.length, messages: written.reduce((sum, c) => sum + c.messages, 0) }),
    );
    return;
  }

  const jobs = Math.max(1, Math.min(parseCount(values.jobs, 'jobs') ?? 1, chats || 1));
  const started = performance.now();
  let healthy = 0;
  let broken = 0;
  let messages = 0;
  let strays: number;
  if (jobs === 1) {
    const result = generateRoot(root, options);
    for (const chat of result.chats) {
      if (chat.kind === 'healthy') healthy++;
      else broken++;
      messages += chat.messages;
    }
    strays = result.strays.length;
  } else {
    const forward = process.argv
      .slice(2)
      .filter((arg, i, all) => arg !== '--jobs' && all[i - 1] !== '--jobs' && !arg.startsWith('--jobs='));
    const per = Math.ceil(chats / jobs);
    const children: Promise<{ chats: number; messages: number }>[] = [];
    for (let j = 0; j < jobs; j++) {
      const from = j * per;
      const to = Math.min(chats, from + per);
      if (from < to) children.push(runChild([...forward, '--slice', `${from}:${to}`]));
    }
    for (const part of await Promise.all(children)) {
      healthy += part.chats;
      messages += part.messages;
    }
    // Broken chats and strays are few: written here, exactly as generateRoot writes them.
    const brokenChats = writeBrokenChats(root, options);
    broken = brokenChats.length;
    messages += brokenChats.reduce((sum, c) => sum + c.messages, 0);
    strays = options.strays ? writeRootStrays(root, options).length : 0;
  }
  const seconds = (performance.now() - started) / 1000;
  const bytes = dirSize(root);
  const summary = { root, chats: healthy + broken, healthy, broken, strays, messages, bytes, seconds, jobs };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(
      `gen-root: ${summary.chats.toLocaleString('en')} chats (${healthy.toLocaleString('en')} healthy, ${broken} broken` +
        `${strays ? `, ${strays} strays` : ''}), ${messages.toLocaleString('en')} messages, ` +
        `${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s with ${jobs} job(s) → ${root}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gen-root: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
