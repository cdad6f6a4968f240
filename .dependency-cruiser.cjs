// The layers of Chat Inspector, checked on every `npm test` (docs/architecture.md draws them).
// Tests and test support (main/testing/) may reach across layers; product code may not.

const FEATURES = '^main/(access|backup|export|fleet|integrity|maintenance|query|recover|store|fixtures)/';
const KINDS = '^main/(adapters|pg|mysql|mapping|kinds)/';
const MECHANISMS = '^main/(sqlite|fs|workers|jobs|config|audit)/';
const TRANSPORTS = '^(main/(cli|server|app)|preload)/';
const DRIVERS = '^node_modules/(pg|pg-cursor|mysql2|better-sqlite3)/';
const NOT_TESTS = '(\\.test\\.tsx?$|^main/testing/|^e2e/|^bench/|^scripts/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'source-model-knows-no-kind',
      comment: 'main/sources/ is the Source model: every store kind registers at main/kinds/, no driver here',
      severity: 'error',
      from: { path: '^main/sources/', pathNot: NOT_TESTS },
      to: { path: [KINDS, DRIVERS, FEATURES] },
    },
    {
      name: 'mechanisms-know-no-feature',
      comment:
        'sqlite/, fs/, workers/, jobs/, config/, audit/ serve every feature and know none (the task table is main/tasks.ts)',
      severity: 'error',
      from: { path: MECHANISMS, pathNot: NOT_TESTS },
      to: { path: [FEATURES, KINDS, '^main/(api|sources|cli|server|app)/', '^main/tasks\\.ts$'] },
    },
    {
      name: 'kinds-know-no-feature',
      comment: 'a store kind reads its store; features use kinds through the Source model, never the reverse',
      severity: 'error',
      from: { path: KINDS, pathNot: [NOT_TESTS, '^main/kinds/'] },
      to: { path: [FEATURES, '^main/(api|cli|server|app)/'] },
    },
    {
      name: 'features-know-no-transport',
      comment: 'features return data; the CLI, HTTP and IPC word and deliver it',
      severity: 'error',
      from: { path: [FEATURES, '^main/sources/'], pathNot: NOT_TESTS },
      to: { path: [TRANSPORTS, '^main/api/'] },
    },
    {
      name: 'transports-reach-features-through-operations',
      comment:
        'the CLI, browser-mode HTTP and Electron IPC invoke contract operations (main/api), nothing below',
      severity: 'error',
      from: {
        path: TRANSPORTS,
        pathNot: NOT_TESTS,
      },
      to: {
        path: [FEATURES, KINDS, '^main/sources/'],
        // The composition root: an entry point imports it once so every kind is registered (a side effect,
        // no feature reached through it).
        pathNot: '^main/kinds/index\\.ts$',
      },
    },
    {
      name: 'renderer-reaches-main-only-through-the-contract',
      comment: 'the renderer talks to main through shared/contract and the preload API only',
      severity: 'error',
      from: { path: '^renderer/', pathNot: NOT_TESTS },
      to: { path: ['^main/', '^preload/(?!api\\.ts$)'] },
    },
    {
      name: 'shared-is-pure',
      comment: 'shared/ is the contract: no node, no DOM, nothing of main or the renderer',
      severity: 'error',
      from: { path: '^shared/', pathNot: NOT_TESTS },
      to: { path: ['^main/', '^renderer/', '^preload/'] },
    },
    {
      name: 'no-circular-layers',
      comment: 'a cycle between folders means two capabilities have become one',
      severity: 'warn',
      from: { path: '^(main|shared)/', pathNot: NOT_TESTS },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|^release/|^node_modules/\\.)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.json'] },
  },
};
