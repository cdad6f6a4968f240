import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult, RestoreResult, VerifyResult } from '../../shared/contract/backup.ts';
import type { JobSnapshot } from '../../shared/contract/jobs.ts';
import { TOKEN_HEADER, type Reply } from '../../shared/transport.ts';
import { UPLOAD_ARCHIVE_PATH, type UploadedArchive } from '../../shared/upload.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { trackedTemps } from '../fs/temp.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { startServer, type RunningServer } from './server.ts';

// Browser mode's archive upload: an archive made by the backup operation is uploaded, verified and
// previewed for restore through its temp path; refused when too big, without the token or from another
// origin; removed when the person discards it and when the server stops; readable by nothing else.

const NOW = new Date('2026-11-01T12:00:00Z');
const LIMIT = 256 * 1024;

let base: string;
let gen: GeneratedRoot;
let server: RunningServer;
let archiveBytes: Buffer;
let archiveFiles: number;

interface RawResponse {
  status: number;
  body: string;
}

function raw(
  target: RunningServer,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${target.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function upload(
  target: RunningServer,
  body: Buffer,
  options: { headers?: Record<string, string>; declareLength?: boolean; name?: string } = {},
): Promise<RawResponse> {
  return raw(target, {
    method: 'POST',
    path: `${UPLOAD_ARCHIVE_PATH}?name=${encodeURIComponent(options.name ?? 'backup-root.tar.gz')}`,
    headers: {
      'content-type': 'application/octet-stream',
      [TOKEN_HEADER]: target.token,
      // Without a declared length the body is sent chunked: the limit is enforced while streaming.
      ...(options.declareLength === false ? {} : { 'content-length': String(body.length) }),
      ...options.headers,
    },
    body,
  });
}

function valueOf<T>(res: RawResponse): T {
  const reply = JSON.parse(res.body) as Reply;
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.value as T;
}

function errorOf(res: RawResponse): { code: string; message: string } {
  const reply = JSON.parse(res.body) as Reply;
  if (reply.ok) throw new Error('expected an error reply');
  return reply.error;
}

function api(target: RunningServer, operation: string, input: unknown): Promise<RawResponse> {
  return raw(target, {
    method: 'POST',
    path: `/api/${operation}`,
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: target.token },
    body: JSON.stringify(input),
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runJob<T>(target: RunningServer, operation: string, input: unknown): Promise<T> {
  const { jobId } = valueOf<{ jobId: string }>(await api(target, operation, input));
  for (;;) {
    const snapshot = valueOf<JobSnapshot>(await api(target, 'jobs.poll', { jobId, cursor: 0 }));
    if (snapshot.state === 'done') return snapshot.result as T;
    if (snapshot.state !== 'running') throw new Error(`${operation}: ${JSON.stringify(snapshot.error)}`);
    await pause(50);
  }
}

/** The error code of an operation refused at once (a query) or whose job failed. */
async function refusal(
  target: RunningServer,
  operation: string,
  input: unknown,
): Promise<string | undefined> {
  const res = await api(target, operation, input);
  if (res.status !== 200) return errorOf(res).code;
  const { jobId } = valueOf<{ jobId: string }>(res);
  let snapshot: JobSnapshot;
  for (;;) {
    snapshot = valueOf<JobSnapshot>(await api(target, 'jobs.poll', { jobId, cursor: 0 }));
    if (snapshot.state !== 'running') break;
    await pause(50);
  }
  expect(snapshot.state, operation).toBe('failed');
  return snapshot.error?.code;
}

const uploadsDir = (target: RunningServer) => join(target.context.userDataDir, 'uploads');
const uploadedFiles = (target: RunningServer) =>
  existsSync(uploadsDir(target)) ? readdirSync(uploadsDir(target)) : [];

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-upload-'));
  gen = generateRoot(join(base, 'root'), { chats: 5, broken: [], strays: false, seed: 21, now: NOW });
  server = await startServer({
    roots: [gen.root],
    port: 0,
    userDataDir: join(base, 'home'),
    staticDir: join(base, 'no-ui'),
    now: () => NOW,
    log: () => {},
    maxUploadBytes: LIMIT,
  });
  // A real archive, made by the backup operation, then taken off the server as a person's own file.
  const made = await runJob<BackupResult>(server, 'backup.create', { root: gen.root, out: 'for-upload' });
  archiveBytes = readFileSync(made.out);
  archiveFiles = made.files;
  rmSync(made.out);
  expect(archiveBytes.length).toBeLessThan(LIMIT);
});

afterAll(async () => {
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('archive upload (browser mode)', () => {
  it('stores the upload in a tracked temp file; verify says every file is good; restore previews it', async () => {
    const before = fingerprintTree(gen.root);
    const res = await upload(server, archiveBytes);
    expect(res.status).toBe(200);
    const uploaded = valueOf<UploadedArchive>(res);
    expect(uploaded.name).toBe('backup-root.tar.gz');
    expect(uploaded.size).toBe(archiveBytes.length);
    expect(uploaded.path.startsWith(uploadsDir(server))).toBe(true);
    expect(readFileSync(uploaded.path).equals(archiveBytes)).toBe(true);
    expect(trackedTemps()).toContain(uploaded.path);

    const verified = await runJob<VerifyResult>(server, 'backup.verify', { archive: uploaded.path });
    expect(verified.ok).toBe(true);
    expect(verified.restorable).toBe(true);
    expect(verified.files).toHaveLength(archiveFiles);
    expect(verified.files.every((f) => f.checksumOk)).toBe(true);

    const plan = await runJob<RestoreResult>(server, 'backup.restore', {
      archive: uploaded.path,
      root: gen.root,
      dryRun: true,
    });
    expect(plan.applied).toBe(false);
    const files = plan.chats.flatMap((c) => c.files);
    expect(files).toHaveLength(archiveFiles);
    expect(files.every((f) => f.action === 'unchanged')).toBe(true);
    expect(plan.summary.unchanged).toBe(gen.chats.length);
    expect(fingerprintTree(gen.root)).toEqual(before);

    // Removed when the person discards it: gone from disk, from the tracked temps and from the allow-list.
    const removed = await raw(server, {
      method: 'DELETE',
      path: `${UPLOAD_ARCHIVE_PATH}?path=${encodeURIComponent(uploaded.path)}`,
      headers: { [TOKEN_HEADER]: server.token },
    });
    expect(removed.status).toBe(200);
    expect(existsSync(uploaded.path)).toBe(false);
    expect(trackedTemps()).not.toContain(uploaded.path);
    expect(await refusal(server, 'backup.verify', { archive: uploaded.path })).toBe('forbidden_path');
  });

  it('is an archive for verify and restore only: no other operation may read the uploaded file', async () => {
    const uploaded = valueOf<UploadedArchive>(await upload(server, archiveBytes));
    for (const [operation, input] of [
      ['file.open', { path: uploaded.path }],
      ['backup.readOutput', { path: uploaded.path }],
      ['recover.run', { path: uploaded.path }],
    ] as const) {
      expect(await refusal(server, operation, input), operation).toBe('forbidden_path');
    }
    const places = valueOf<{ places: { path: string }[] }>(await api(server, 'places.list', {}));
    expect(places.places.map((p) => p.path)).toEqual([gen.root]);
  });

  it('refuses a file over the limit, declared or streamed, and keeps nothing of it', async () => {
    const kept = uploadedFiles(server);
    const big = Buffer.alloc(LIMIT + 1, 7);
    for (const declareLength of [true, false]) {
      const res = await upload(server, big, { declareLength });
      expect(res.status).toBe(413);
      expect(errorOf(res).message).toMatch(/larger than 256 KB/);
      expect(uploadedFiles(server)).toEqual(kept);
    }
    expect(trackedTemps().filter((p) => p.startsWith(uploadsDir(server)))).toHaveLength(kept.length);
  });

  it('refuses a wrong or missing token, another origin and a form post, writing nothing', async () => {
    const kept = uploadedFiles(server);
    const wrong = await upload(server, archiveBytes, { headers: { [TOKEN_HEADER]: 'x'.repeat(43) } });
    expect(wrong.status).toBe(401);
    const missing = await raw(server, {
      method: 'POST',
      path: UPLOAD_ARCHIVE_PATH,
      headers: { 'content-type': 'application/octet-stream' },
      body: archiveBytes,
    });
    expect(missing.status).toBe(401);
    // The token in the address opens pages only: an upload must carry it in the header or the cookie.
    const inQuery = await raw(server, {
      method: 'POST',
      path: `${UPLOAD_ARCHIVE_PATH}?token=${server.token}`,
      headers: { 'content-type': 'application/octet-stream' },
      body: archiveBytes,
    });
    expect(inQuery.status).toBe(401);
    const otherOrigin = await upload(server, archiveBytes, {
      headers: { origin: 'http://evil.example' },
    });
    expect(otherOrigin.status).toBe(403);
    const form = await upload(server, archiveBytes, { headers: { 'content-type': 'multipart/form-data' } });
    expect(form.status).toBe(415);
    const get = await raw(server, { path: UPLOAD_ARCHIVE_PATH, headers: { [TOKEN_HEADER]: server.token } });
    expect(get.status).toBe(405);
    expect(uploadedFiles(server)).toEqual(kept);
  });

  it('removes every upload when the server stops', async () => {
    const other = await startServer({
      roots: [gen.root],
      port: 0,
      userDataDir: join(base, 'home2'),
      staticDir: join(base, 'no-ui'),
      log: () => {},
    });
    const a = valueOf<UploadedArchive>(await upload(other, archiveBytes));
    const b = valueOf<UploadedArchive>(await upload(other, archiveBytes, { name: '../../etc/x\u0007.tgz' }));
    expect(b.name).toBe('x.tgz');
    expect(uploadedFiles(other)).toHaveLength(2);
    await other.close();
    expect(existsSync(a.path)).toBe(false);
    expect(existsSync(b.path)).toBe(false);
    expect(trackedTemps()).not.toContain(a.path);
  });
});
