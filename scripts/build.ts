// `npm run build` (also run by `prepare` on `npm install`): bundles the CLI, the worker thread, the
// Electron main process and the preload with esbuild, then the renderer with Vite, into dist/.
//
//   dist/cli.js            the `chat-inspector` CLI (bin/chat-inspector runs it): a few lines that refuse
//                          a Node too old for SQLite, then load dist/cli-main.js (the CLI itself)
//   dist/worker.js         the worker thread's entry (main/worker-boot.ts: V8's compile cache on, then
//                          dist/worker-tasks.js, the task table of main/tasks.ts); main/workers/pool.ts
//                          finds it next to the bundle
//   dist/electron-main.js  the Electron main process (package.json "main"); next to worker.js on purpose
//   dist/preload.cjs       the sandboxed preload (CommonJS: a sandboxed preload cannot be an ES module)
//   dist/renderer/         the React UI (index.html + assets), served by the app:// protocol and `serve`
//
// Flags: --skip-renderer (backend bundles only), --quiet.
import { build as esbuild, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_INVOKE_CHANNEL } from '../shared/contract/index.ts';
import {
  BRIDGE_KEY,
  IPC_DROP_CHANNEL,
  IPC_MENU_CHANNEL,
  IPC_PICK_CHANNEL,
  MENU_COMMANDS,
} from '../shared/transport.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeRequire = createRequire(import.meta.url);
const DIST = join(ROOT, 'dist');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const log = (line: string): void => {
  if (!quiet) console.log(line);
};

// ES module bundles still meet CommonJS dependencies (commander) that call require() for Node's own
// modules; give the bundle a real require so those calls work.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __ciCreateRequire } from 'node:module';\nconst require = __ciCreateRequire(import.meta.url);";

const common: BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node22',
  // Native addon (loaded from node_modules, unpacked from the asar) and the Electron runtime itself.
  external: ['better-sqlite3', 'electron'],
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

/**
 * Node's own modules are loaded with require() in the ESM bundles, not imported: an ES import of a
 * built-in module builds its ES facade, which reads every export and so runs the lazy ones too
 * (node:http loads undici, node:crypto the Web Crypto API): 50 ms against 14 ms for the modules the
 * bundles use, in the main thread and again in each worker. esbuild then treats each as a CommonJS
 * module, whose named imports are read where they are used.
 */
/**
 * A built-in module that is required on first use, not when the bundle loads: the bundles' modules are
 * all initialised at start, so every built-in that any feature imports (crypto, net, child_process,
 * zlib...) was loaded by every thread, a scan's workers included. Its export names are read here, at
 * build time; any other name is still answered through the Proxy.
 */
function lazyBuiltin(path: string): string {
  const names = Object.getOwnPropertyNames(nodeRequire(path) as object).filter((n) => n !== 'default');
  return [
    `let loaded;`,
    `const load = () => (loaded ??= require(${JSON.stringify(path)}));`,
    `const target = {};`,
    `for (const name of ${JSON.stringify(names)})`,
    `  Object.defineProperty(target, name, { enumerable: true, configurable: true, get: () => load()[name] });`,
    `module.exports = new Proxy(target, {`,
    `  get: (_, name) => load()[name],`,
    `  has: (_, name) => name in load(),`,
    `});`,
  ].join('\n');
}

const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'builtin-require'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin-require' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: lazyBuiltin(args.path),
      loader: 'js',
    }));
  },
};

const nodeBundles: BuildOptions[] = [
  { entryPoints: ['main/cli/launcher.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['main/cli/main.ts'], outfile: 'dist/cli-main.js' },
  { entryPoints: ['main/worker-boot.ts'], outfile: 'dist/worker.js' },
  { entryPoints: ['main/tasks.ts'], outfile: 'dist/worker-tasks.js' },
  { entryPoints: ['main/app/main.ts'], outfile: 'dist/electron-main.js' },
].map((entry) => ({
  ...common,
  ...entry,
  format: 'esm',
  banner: { js: ESM_REQUIRE_BANNER },
  plugins: [builtinsByRequire],
}));

/**
 * The preload needs only a few channel names from shared/, but those modules also build the whole contract
 * with zod (~450 KB). The preload's imports of them are answered with just the constants, read here from
 * the real modules, so the values still have one source. An import of anything else fails the build.
 */
const PRELOAD_CONSTANTS: Record<string, unknown> = {
  MENU_COMMANDS,
  BRIDGE_KEY,
  IPC_DROP_CHANNEL,
  IPC_MENU_CHANNEL,
  IPC_PICK_CHANNEL,
  IPC_INVOKE_CHANNEL,
};
const preloadConstants: Plugin = {
  name: 'preload-constants',
  setup(build) {
    build.onResolve({ filter: /\/shared\/(transport|contract\/index)\.ts$/ }, (args) => ({
      path: args.path,
      namespace: 'preload-constants',
    }));
    build.onLoad({ filter: /.*/, namespace: 'preload-constants' }, () => ({
      contents: Object.entries(PRELOAD_CONSTANTS)
        .map(([name, value]) => `export const ${name} = ${JSON.stringify(value)};`)
        .join('\n'),
      loader: 'js',
    }));
  },
};

const preloadBundle: BuildOptions = {
  ...common,
  entryPoints: ['preload/index.ts'],
  outfile: 'dist/preload.cjs',
  format: 'cjs',
  // A sandboxed preload gets a browser-like environment plus require('electron') only.
  platform: 'browser',
  target: 'chrome130',
  external: ['electron'],
  plugins: [preloadConstants],
};

async function buildRenderer(): Promise<void> {
  if (args.has('--skip-renderer')) return log('renderer: skipped (--skip-renderer)');
  if (!existsSync(join(ROOT, 'renderer', 'index.html'))) {
    console.warn(
      'renderer: renderer/index.html does not exist yet; the UI was not built (dist/renderer is missing).',
    );
    return;
  }
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(ROOT, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  // The same UI as a Node module (renderer/paint.tsx): the app process renders the first screen into
  // index.html with it. Self-contained (React and the rest bundled in), React's production build.
  await viteBuild({
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: join(ROOT, 'renderer', 'paint.tsx'),
      outDir: join(DIST, 'paint'),
      emptyOutDir: true,
      copyPublicDir: false,
      target: 'node22',
    },
  });
  log('paint: dist/paint/paint.js');
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(DIST, { recursive: true });
  await Promise.all([...nodeBundles, preloadBundle].map((options) => esbuild(options)));
  log(`bundles: ${[...nodeBundles, preloadBundle].map((o) => relative(ROOT, String(o.outfile))).join(', ')}`);
  await buildRenderer();
  log(`build finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
