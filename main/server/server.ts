import { createContext } from '../api/create-context.ts';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_API_PREFIX, JOB_EVENTS_PREFIX } from '../../shared/contract/index.ts';
import { AppError, asAppError, errorMessage, type ErrorCode } from '../../shared/errors.ts';
import { paintPrefs, TOKEN_QUERY, type Reply } from '../../shared/transport.ts';
import type { HandlerContext } from '../api/context.ts';
import { invokeFromWindow } from '../api/dispatch.ts';
import { registerSourceUrl, restrictSourcesToRegistered } from '../api/host.ts';
import { redactError, redactSecrets } from '../../shared/secrets.ts';
import { cursorParam, streamJobEvents } from '../jobs/push.ts';
import { indexPage, warmIndexPage } from './boot.ts';
import { allowedHost, authorised, newToken, singleHost, tokenCookie } from './auth.ts';
import { operationStatus, SECURITY_HEADERS, STATUS_OF } from './headers.ts';
import { defaultStaticDir, lookupStatic } from './static.ts';
import { ArchiveUploads } from './upload.ts';
import { UPLOAD_ARCHIVE_PATH } from '../../shared/upload.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  /** Data roots (or single DB files) from the command line: the allow-list, with source 'cli'. */
  roots?: readonly string[];
  /**
   * Server sources (postgres:// URLs) from the command line: the only ones this browser mode may reach.
   * Whatever is given, a browser-mode process never connects to a server that was not named here.
   */
  sources?: readonly string[];
  /** The demo root, allowed with source 'demo' (used when no root was given). */
  demoRoot?: string | null;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Browser mode listens on the loopback interface only. */
  host?: '127.0.0.1';
  userDataDir?: string;
  /** The built UI; default dist/renderer. */
  staticDir?: string;
  now?: () => Date;
  /** How long a request that reads a chat's files may take before it answers `timeout` (ms, default 10 s). */
  deadlineMs?: number;
  /** Called with one line per unexpected (internal) error; default stderr. */
  log?: (line: string) => void;
  /** The largest archive upload accepted (bytes, default 2 GiB; main/server/upload.ts). */
  maxUploadBytes?: number;
}

export interface RunningServer {
  /** The address to open, with the token: http://127.0.0.1:PORT/?token=… */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly context: HandlerContext;
  close(): Promise<void>;
}

/**
 * Browser mode: serves the built UI and the contract's operations (`POST /api/<operation>`) on
 * 127.0.0.1, behind a random per-run token. The allow-list is exactly the roots given here (and the demo):
 * browser mode has no dialog, and it neither reads nor writes the desktop app's recent list.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new AppError('invalid_input', 'browser mode listens on 127.0.0.1 only');
  const token = newToken();
  const staticDir = options.staticDir ?? defaultStaticDir();
  const writeLog = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The log may quote a request (a path field holding a URL): every secret of a line is masked.
  const log = (line: string): void => writeLog(redactSecrets(line));
  const uploads = new ArchiveUploads(() => context.userDataDir, options.maxUploadBytes);
  const context = createContext({
    userDataDir: options.userDataDir,
    now: options.now,
    rememberRecent: false,
    deadlineMs: options.deadlineMs,
    uploadedArchives: uploads.paths,
  });
  uploads.removeLeftovers();
  // Browser mode reaches only the server sources of its command line: no URL typed in a page is opened.
  restrictSourcesToRegistered();
  for (const url of options.sources ?? []) registerSourceUrl(url);
  // The demo first, then the command line's roots, so the first root given is the current place.
  if (options.demoRoot) context.places.add(options.demoRoot, 'demo');
  for (const root of options.roots ?? []) context.places.add(root, 'cli');
  const first = options.roots?.[0];
  if (first !== undefined) context.places.select(first);

  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`chat-inspector serve: ${errorMessage(error)}`);
      if (!res.headersSent) sendError(res, true, 500, 'internal', 'unexpected server error');
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    // Origin-form only ("/path?query"); "//host/..." must stay a path, absolute-form is a proxy request.
    if (!target.startsWith('/')) return sendText(res, 400, 'bad request');
    const url = new URL(`http://127.0.0.1${target}`);
    const isEvents = url.pathname.startsWith(JOB_EVENTS_PREFIX);
    const isUpload = url.pathname === UPLOAD_ARCHIVE_PATH;
    const isApi = url.pathname === '/api' || url.pathname.startsWith(HTTP_API_PREFIX) || isEvents;
    // JSON answers for every route a script calls; plain text for pages.
    const json = isApi || isUpload;
    if (!singleHost(req)) return sendError(res, json, 400, 'invalid_input', 'send exactly one Host header');
    if (!allowedHost(req, port)) {
      return sendError(
        res,
        json,
        403,
        'unauthorized',
        `this server answers only to http://127.0.0.1:${port} and http://localhost:${port}`,
      );
    }
    const access = authorised(req, url, json ? 'other' : 'page', port, token);
    if (!access.ok) {
      return sendError(
        res,
        json,
        401,
        'unauthorized',
        'open the address printed by "chat-inspector serve" (it carries the access token)',
      );
    }
    if (isEvents) return handleJobEvents(req, res, url);
    if (isUpload) return uploads.handle(req, res, url);
    if (isApi) return handleApi(req, res, url.pathname);
    return handleStatic(req, res, url.pathname, access.fromQuery);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendError(res, true, 405, 'invalid_input', `use POST ${HTTP_API_PREFIX}<operation>`);
    }
    let name: string;
    try {
      name = decodeURIComponent(pathname.slice(HTTP_API_PREFIX.length));
    } catch {
      name = '';
    }
    if (name === '')
      return sendError(res, true, 404, 'unknown_operation', `use POST ${HTTP_API_PREFIX}<operation>`);
    // Only JSON: a form or another page's "simple" request cannot send this content type.
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      return sendError(
        res,
        true,
        415,
        'invalid_input',
        'send the input as JSON (Content-Type: application/json)',
      );
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) {
      res.setHeader('Connection', 'close');
      return sendError(
        res,
        true,
        413,
        'invalid_input',
        `the request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`,
      );
    }
    let input: unknown;
    try {
      const text = body.toString('utf8').trim();
      input = text === '' ? undefined : JSON.parse(text);
    } catch {
      return sendError(res, true, 400, 'invalid_input', 'the request body is not valid JSON');
    }
    let reply: Reply;
    let status = 200;
    try {
      reply = { ok: true, value: await invokeFromWindow(name, input, context) };
    } catch (error) {
      const appError = redactError(error);
      if (!(error instanceof AppError)) log(`chat-inspector serve: ${name}: ${appError.message}`);
      reply = { ok: false, error: appError.toShape() };
      status = operationStatus(appError.code);
    }
    sendJson(res, status, reply);
  }

  /** `GET /events/jobs/<jobId>?cursor=N`: the job's updates as server-sent events (see JobUpdate). */
  function handleJobEvents(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return sendError(res, true, 405, 'invalid_input', `use GET ${JOB_EVENTS_PREFIX}<jobId>`);
    }
    try {
      const jobId = decodeURIComponent(url.pathname.slice(JOB_EVENTS_PREFIX.length));
      streamJobEvents(req, res, context.jobs, jobId, cursorParam(url.searchParams.get('cursor')), {
        ...SECURITY_HEADERS,
      });
    } catch (error) {
      const appError = redactError(asAppError(error, 'invalid_input'));
      if (res.headersSent) return void res.end();
      sendError(res, true, STATUS_OF[appError.code], appError.code, appError.message);
    }
  }

  function handleStatic(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    setCookie: boolean,
  ): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'only GET and HEAD here');
    }
    const found = lookupStatic(staticDir, pathname);
    if (found.kind === 'forbidden') return sendText(res, 403, 'forbidden');
    if (found.kind === 'missing') {
      if (pathname === '/' || pathname === '/index.html') {
        return sendText(
          res,
          503,
          'The Chat Inspector UI is not built here: run "npm run build", then start the server again.',
        );
      }
      // Browsers ask for it on their own; without one, say "nothing" rather than log an error.
      if (pathname === '/favicon.ico') return sendText(res, 204, '');
      return sendText(res, 404, 'not found');
    }
    if (basename(found.path) === 'index.html') return void sendPage(req, res, found.path, setCookie);
    setSecurityHeaders(res);
    if (setCookie) res.setHeader('Set-Cookie', tokenCookie(port, token));
    res.writeHead(200, {
      'Content-Type': found.contentType,
      'Content-Length': String(found.size),
      'Cache-Control': found.immutable ? 'private, max-age=31536000, immutable' : 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(found.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  /** index.html with the answers the page asks for first (see boot.ts); sent only to an authorised request. */
  async function sendPage(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    setCookie: boolean,
  ): Promise<void> {
    let body: Buffer;
    try {
      const html = await readFile(path, 'utf8');
      const prefs = paintPrefs(req.headers.cookie ?? null, req.headers['accept-language'] ?? null);
      body = Buffer.from(await indexPage(html, context, { staticDir, prefs, target: 'browser' }));
    } catch {
      return sendText(res, 500, 'the UI could not be read; run "npm run build" again');
    }
    setSecurityHeaders(res);
    if (setCookie) res.setHeader('Set-Cookie', tokenCookie(port, token));
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new AppError('conflict', `port ${options.port} is already in use; choose another with --port`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  // Before the address is given out: the first page then comes with its first screen at once.
  await warmIndexPage(context, staticDir);
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    origin,
    port,
    token,
    context,
    close() {
      closing ??= new Promise<void>((resolve) => {
        context.jobs.cancelAll();
        uploads.removeAll();
        void context.offload?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

function sendJson(res: ServerResponse, status: number, reply: Reply): void {
  const body = JSON.stringify(reply);
  setSecurityHeaders(res);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  setSecurityHeaders(res);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  json: boolean,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  if (json) sendJson(res, status, { ok: false, error: { code, message } });
  else sendText(res, status, message);
}

/** The whole body, or null when it is larger than the limit (reading stops there). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!done) reject(error);
    });
  });
}
