import { keepYoungGenerationSmall } from '../config/memory.ts';
import { enableCompileCache } from '../config/paths.ts';
import { isSupportedNode, oldNodeMessage } from './node-version.ts';
import { VERSION } from '../config/version.ts';

// dist/cli.js: refuses an old Node with one line, before the CLI bundle (and with it better-sqlite3,
// which crashes there) is loaded. The bundle is dist/cli-main.js, built from main/cli/main.ts.
if (!isSupportedNode(process.versions.node)) {
  process.stderr.write(`${oldNodeMessage(process.versions.node)}\n`);
  process.exit(2);
}
// `chat-inspector --version` alone (scripts, cron lines checking the install) needs nothing else: answered
// here, as commander would, without loading the CLI bundle (most of a start).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
keepYoungGenerationSmall();
// V8's compiled code of the bundle, kept between runs (see compileCacheDir; worker threads do the same).
await enableCompileCache();
await import(new URL('./cli-main.js', import.meta.url).href);
