// What `npm start [ROOT|URL] [--source URL...]` hands to the app it starts (plain Node, tested without a
// build): a data root to open and the server sources named on the command line. The desktop app lists
// those sources (and may connect to others); browser mode — the fallback where Electron cannot start —
// reaches only them, as `chat-inspector serve --source URL` does.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface StartRequest {
  /** An absolute data root or database file. */
  root?: string;
  /** Server URLs (postgres://…) given as ROOT or with --source. */
  sources: string[];
}

const SERVER_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Reads start's arguments; throws an Error whose message is the one line to print (exit 2). */
export function parseStartArguments(args: readonly string[], cwd: string): StartRequest {
  const request: StartRequest = { sources: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--source' || arg.startsWith('--source=')) {
      const url = arg === '--source' ? args[++i] : arg.slice('--source='.length);
      if (url === undefined || !SERVER_URL.test(url))
        throw new Error('--source takes a server URL (postgres://user@host/database)');
      request.sources.push(url);
    } else if (arg.startsWith('-')) {
      continue; // switches for Electron or Chromium pass through untouched
    } else if (SERVER_URL.test(arg)) {
      request.sources.push(arg);
    } else if (request.root === undefined) {
      const root = resolve(cwd, arg);
      if (!existsSync(root)) throw new Error(`${arg}: no such file or folder`);
      request.root = root;
    }
  }
  return request;
}

/** The arguments of `chat-inspector` for browser mode: `serve [ROOT] --source URL… --open`. */
export function browserModeArguments(request: StartRequest): string[] {
  return [
    'serve',
    ...(request.root ? [request.root] : []),
    ...request.sources.flatMap((url) => ['--source', url]),
    '--open',
  ];
}

/** The arguments after the app path for Electron: `[ROOT] --source=URL…` (main/app/origin.ts reads them). */
export function electronArguments(request: StartRequest): string[] {
  return [...(request.root ? [request.root] : []), ...request.sources.map((url) => `--source=${url}`)];
}
