#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the prepare script.
import { setFlagsFromString } from 'node:v8';
import { shortRunV8Flags } from '../dist/cli/short-run.js';

// Before main.js loads anything that compiles WebAssembly (see src/cli/short-run.ts).
for (const flag of shortRunV8Flags(process.argv.slice(2))) setFlagsFromString(flag);
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
