#!/usr/bin/env node
// `node bin/chat-inspector.js …`: runs the built CLI (npm install builds it) on this Node; dist/cli.js refuses a
// Node too old for SQLite with one line. The `chat-inspector` command itself is bin/chat-inspector, which picks
// the project's own Node.
// From a source checkout without a build, the TypeScript sources run directly, which needs Node >= 22.18.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    process.stderr.write(
      `chat-inspector: Node ${process.versions.node} cannot run the sources, and there is no build (dist/cli.js). ` +
        'From the project folder run "npm run build", then "npx chat-inspector ..." or "npm run cli -- ...": ' +
        'both use the Node 24 the project installs.\n',
    );
    process.exit(2);
  }
  await import(new URL('../main/cli/main.ts', import.meta.url).href);
}
