// The oldest Node that runs Chat Inspector: the pinned better-sqlite3 crashes (a segmentation fault, no
// message) under older ones the moment SQLite loads. Checked before anything loads SQLite, by dist/cli.js
// (main/cli/launcher.ts), bin/chat-inspector.js and scripts/start.ts. Plain code only: this runs on old Node.

export const MIN_NODE = '22.12.0';

/** True when `version` ("20.20.2", "v24.1.0") is at least MIN_NODE. */
export function isSupportedNode(version: string): boolean {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  const min = MIN_NODE.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = parts[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** The one line said to someone running an older Node, with what to run instead. */
export function oldNodeMessage(version: string): string {
  return (
    `chat-inspector: Node ${version.replace(/^v/, '')} is too old (Chat Inspector needs Node ${MIN_NODE} or newer; ` +
    'older ones crash when SQLite loads). From the project folder run "npx chat-inspector ..." or ' +
    '"npm run cli -- ...": both use the Node 24 the project installs.'
  );
}
