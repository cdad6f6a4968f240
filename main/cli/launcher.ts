import { keepYoungGenerationSmall } from '../config/memory.ts';
import { enableCompileCache } from '../config/paths.ts';
import { isSupportedNode, oldNodeMessage } from './node-version.ts';

// dist/cli.js: refuses an old Node with one line, before the CLI bundle (and with it better-sqlite3,
// which crashes there) is loaded. The bundle is dist/cli-main.js, built from main/cli/main.ts.
if (!isSupportedNode(process.versions.node)) {
  process.stderr.write(`${oldNodeMessage(process.versions.node)}\n`);
  process.exit(2);
}
keepYoungGenerationSmall();
// V8's compiled code of the bundle, kept between runs (see compileCacheDir; worker threads do the same).
await enableCompileCache();
await import(new URL('./cli-main.js', import.meta.url).href);
