import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOKEN_HEADER, TOKEN_QUERY, type Reply } from '../../shared/transport.ts';
import { UPLOAD_ARCHIVE_PATH, type UploadedArchive } from '../../shared/upload.ts';
import { generateRoot } from '../fixtures/index.ts';
import { CLI, exited, NODE, printed, REPO } from '../testing/cli.ts';
import { startServer, type RunningServer } from './server.ts';
import { MAX_UPLOADS_IN_FLIGHT } from './upload.ts';

// uploads/ is one of Chat Inspector's own folders (main/fs/own-file.ts): a link there is set aside, never
// followed; at most MAX_UPLOADS_IN_FLIGHT uploads are received at once (one more is refused at once,
// writing nothing); a server killed with SIGKILL leaves its upload, which the next server removes when it
// starts. Before: a linked uploads/ was followed, 30 uploads at once made 30 temp files, and a killed
// server's upload survived the next start and stop.

const base = mkdtempSync(join(tmpdir(), 'ci-upload-own-'));
const root = generateRoot(join(base, 'root'), { chats: 2, seed: 6 }).root;
const servers: RunningServer[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) await server.close();
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let homes = 0;
function freshHome(): string {
  const home = join(base, `home-${++homes}`);
  mkdirSync(home);
  return home;
}

async function serverIn(home: string): Promise<RunningServer> {
  const server = await startServer({
    roots: [root],
    userDataDir: home,
    staticDir: join(base, 'no-ui'),
    log: () => {},
  });
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  reply: Reply;
}

/** Starts an upload of `total` bytes and sends `first` of them; the rest is sent by the returned `finish`. */
function startUpload(
  target: { port: number; token: string },
  total: number,
  first: number,
): { answer: Promise<Answer>; req: ClientRequest; finish: () => void } {
  let req!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'POST',
        path: `${UPLOAD_ARCHIVE_PATH}?name=a.tar.gz`,
        headers: {
          host: `127.0.0.1:${target.port}`,
          'content-type': 'application/octet-stream',
          'content-length': String(total),
          [TOKEN_HEADER]: target.token,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reply: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Reply,
          }),
        );
      },
    );
    // A refused upload's connection is closed by the server before the whole body was sent.
    req.on('error', (error) =>
      (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error),
    );
  });
  req.write(Buffer.alloc(first, 1));
  return { answer, req, finish: () => req.end(Buffer.alloc(total - first, 2)) };
}

const filesIn = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('uploads/ guarded as an own folder', () => {
  it('a link in place of uploads/ is set aside, never followed: the upload lands in a real folder', async () => {
    const home = freshHome();
    const outside = join(base, 'outside-uploads');
    mkdirSync(outside);
    symlinkSync(outside, join(home, 'uploads'));
    const server = await serverIn(home);
    const { answer, finish } = startUpload(server, 10, 5);
    finish();
    const done = await answer;
    expect(done.status).toBe(200);
    const uploaded = (done.reply.ok ? done.reply.value : null) as UploadedArchive;
    expect(readdirSync(outside)).toEqual([]);
    expect(lstatSync(join(home, 'uploads')).isDirectory()).toBe(true);
    expect(uploaded.path.startsWith(join(home, 'uploads'))).toBe(true);
    expect(readdirSync(home).filter((n) => n.startsWith('uploads.unusable-'))).toHaveLength(1);
  });

  it(`30 uploads at once: at most ${MAX_UPLOADS_IN_FLIGHT} temp files, the rest refused at once, none left`, async () => {
    const home = freshHome();
    const server = await serverIn(home);
    const dir = join(home, 'uploads');
    const uploads = Array.from({ length: 30 }, () => startUpload(server, 64 * 1024, 1024));
    const answered: Answer[] = [];
    for (const upload of uploads) void upload.answer.then((a) => answered.push(a));
    // Every upload is either being received (a temp file) or answered; a deadline ends a stuck test.
    for (let waited = 0; answered.length + filesIn(dir).length < 30 && waited < 20_000; waited += 50)
      await pause(50);
    expect(filesIn(dir).length).toBeLessThanOrEqual(MAX_UPLOADS_IN_FLIGHT);
    expect(answered.length).toBe(30 - MAX_UPLOADS_IN_FLIGHT);
    for (const refused of answered) {
      expect(refused.status).toBe(503);
      expect(refused.reply.ok ? '' : refused.reply.error.message).toMatch(
        /archives are being uploaded already/,
      );
    }
    for (const upload of uploads) upload.finish();
    const all = await Promise.all(uploads.map((u) => u.answer));
    expect(all.filter((a) => a.status === 200)).toHaveLength(MAX_UPLOADS_IN_FLIGHT);
    expect(filesIn(dir).length).toBeLessThanOrEqual(MAX_UPLOADS_IN_FLIGHT);
    await server.close();
    expect(filesIn(dir)).toEqual([]);
  });

  it("a SIGKILLed server's upload is removed when the next server starts; this run's when it stops", async () => {
    const home = freshHome();
    const child = spawn(NODE, [CLI, 'serve', root, '--port', '0'], {
      cwd: REPO,
      env: { ...process.env, CHAT_INSPECTOR_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    await printed(child, 'Press Ctrl-C');
    const url = new URL(/ at (http:\S+)/.exec(out)![1]!);
    const killed = { port: Number(url.port), token: url.searchParams.get(TOKEN_QUERY)! };
    const upload = startUpload(killed, 10, 5);
    upload.finish();
    expect((await upload.answer).status).toBe(200);
    child.kill('SIGKILL');
    await exited(child);
    const dir = join(home, 'uploads');
    expect(filesIn(dir)).toHaveLength(1);
    const next = await serverIn(home);
    expect(filesIn(dir)).toEqual([]);
    const own = startUpload(next, 10, 5);
    own.finish();
    expect((await own.answer).status).toBe(200);
    expect(filesIn(dir)).toHaveLength(1);
    await next.close();
    expect(filesIn(dir)).toEqual([]);
  });
});
