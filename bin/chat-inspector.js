#!/usr/bin/env node
// Runs the built CLI (npm install builds it). From a source checkout without a build, Node >= 22.18
// runs the TypeScript sources directly.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
await import(existsSync(built) ? built.href : new URL('../main/cli/main.ts', import.meta.url).href);
