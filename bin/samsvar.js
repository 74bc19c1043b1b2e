#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the prepare script.
import { setFlagsFromString } from 'node:v8';
import { shortRunV8Flags } from '../dist/cli/short-run.js';

const argv = process.argv.slice(2);
// Before anything compiles WebAssembly (see src/cli/short-run.ts).
const v8Flags = shortRunV8Flags(argv);
for (const flag of v8Flags) setFlagsFromString(flag);
// `validate` runs as one bundled script with a V8 code cache (src/cli/bundle-runner.ts): a one-file
// run spends most of its time starting up. Every other command, and a dist/ built without the
// bundle or compiled again after it, runs the modules as compiled.
const dist = (relative) => new URL(`../dist/${relative}`, import.meta.url);
const runner = argv[0] === 'validate' ? await import('../dist/cli/bundle-runner.js') : null;
const bundled = runner && (await runner.runBundle(dist('bundle/validate.js'), v8Flags, process.env, dist('cli/validate-main.js'))).ran;
if (!bundled) {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
