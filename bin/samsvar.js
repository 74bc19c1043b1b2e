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
// bundle, runs the modules as compiled.
const bundled =
  argv[0] === 'validate' &&
  (await (await import('../dist/cli/bundle-runner.js')).runBundle(new URL('../dist/bundle/validate.js', import.meta.url), v8Flags)).ran;
if (!bundled) {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
