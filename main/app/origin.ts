// Pure helpers of the Electron shell (no 'electron' import here, so they are tested under plain Node).

/** The app's content is served from this privileged standard scheme, never from file:// or http://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'chat-inspector';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/`;

/** True for a URL of our own app origin (app://chat-inspector/...), false for anything else or garbage. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (typeof url !== 'string' || url.length === 0) return false;
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.host === APP_HOST &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/**
 * Requests the app never makes: anything on the network or on disk through file://. The UI only loads
 * app:// (and data:/blob: images it builds itself); DevTools in development uses devtools://.
 */
export function isOutsideUrl(url: string): boolean {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  return ['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:'].includes(scheme);
}

/**
 * The data root the app was started with: the first argument that is not a switch. A development start is
 * `electron <app or main script> [ROOT]`, a packaged one `chat-inspector [ROOT]`.
 */
export function rootArgument(argv: readonly string[], packaged: boolean): string | null {
  for (const arg of argv.slice(packaged ? 1 : 2)) {
    if (arg === '' || arg.startsWith('-')) continue;
    return arg;
  }
  return null;
}

/** Server sources the app was started with (`--source=URL`, as `npm start URL` passes them). */
export function sourceArguments(argv: readonly string[]): string[] {
  return argv.filter((a) => a.startsWith('--source=')).map((a) => a.slice('--source='.length));
}
