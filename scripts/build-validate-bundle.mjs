#!/usr/bin/env node
// Part of `npm run build`: bundles `samsvar validate` (src/cli/validate-main.ts and all it may load)
// into one script, dist/bundle/validate.js (or in the directory given with --out), that bin/samsvar.js runs with a V8 code cache
// (src/cli/bundle-runner.ts). Node then reads one file instead of some sixty ES modules and compiles
// nothing it compiled on an earlier run.
//
// The output is a function expression, not a module: V8 code caches are available for scripts only
// in Node 20. Hence, in the bundled sources:
//  - Node's built-in modules (and fhirpath, see below) are taken through the `require` the runner
//    passes in;
//  - `import.meta.url` becomes the URL the file has unbundled (the compiled one in dist/ for a
//    source file), so paths computed from it (the shipped profiles, worker entry points,
//    createRequire) are what they are without the bundle;
//  - libxml2-wasm's WebAssembly, which it carries as an 800 KB string literal decoded byte by byte
//    at every start, is written next to the bundle as libxml2.wasm and read from there;
//  - libxml2-wasm instantiates that module with a top-level await, which esbuild cannot keep in a
//    bundle whose modules are initialised lazily (those behind a dynamic import: FHIR, profile
//    packages, the worker pool) when they import each other in a cycle, as libxml2-wasm's do: it
//    would wait for itself forever. So its loader (libxml2raw.mjs) is bundled on its own, ahead
//    of the rest, and the bundle instantiates it once before any module runs.
// The build fails if anything would still need the ES module loader (a dynamic import it could
// not bundle, import.meta), so a bundle that builds runs.
import { createHash } from 'node:crypto';
import { builtinModules, createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist', 'bundle');
const outFile = path.join(outDir, 'validate.js');
const wasmFile = path.join(outDir, 'libxml2.wasm');
const builtins = new Set(builtinModules);
// fhirpath is two thirds of the bundle (FHIR type data) and only FHIR validation and test-case
// checks use it: it is left out and required from node_modules when first used, in its CommonJS
// build (the same API as its ES module build).
const requiredAtRunTime = /^fhirpath(\/|$)/;
/** The parameters of the function the bundle is; src/cli/bundle-runner.ts passes them in this order. */
/** The bundle's first line; src/cli/bundle-runner.ts reads it. */
const BUNDLE_HEADER = '// samsvar bundle sha256=';
const BUNDLE_PARAMETERS = ['require', '__samsvarModuleUrl', '__samsvarLibxml2Wasm'];

/** libxml2raw.mjs: `x??=decode('<the module's bytes, one per character>')`, the only literal of its size. */
function extractWasm(source) {
  const found = [...source.matchAll(/(\w+)\?\?=(\w+)\('((?:[^'\\]|\\[^])*)'\)/g)].filter((m) => m[3].length > 100_000);
  if (found.length !== 1) return null;
  const [call, target, , literal] = found[0];
  const text = vm.runInNewContext(`'${literal}'`);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return null;
    bytes[i] = c;
  }
  // "\0asm": anything else means the library changed how it carries its module.
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return null;
  return { bytes, source: source.replace(call, `${target}??=__samsvarLibxml2Wasm()`) };
}

let wasmExtracted = false;
const problems = [];

/** Replaces the one occurrence of `from`; a library that changed is a build failure, not a bundle that hangs. */
function patch(source, from, to, file) {
  const at = source.indexOf(from);
  if (at < 0 || source.indexOf(from, at + 1) >= 0) {
    problems.push(`${path.relative(root, file)} does not contain "${from}" exactly once`);
    return source;
  }
  return source.slice(0, at) + to + source.slice(at + from.length);
}
const samsvarBundle = {
  name: 'samsvar-bundle',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      const bare = args.path.replace(/^node:/, '');
      if (builtins.has(bare) || args.path.startsWith('node:')) return { path: `node:${bare}`, namespace: 'builtin' };
      if (requiredAtRunTime.test(args.path)) return { path: args.path, namespace: 'builtin' };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      if (args.path.startsWith('node:')) return { contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' };
      // From the package's node_modules, wherever the bundle was written.
      const from = `__samsvarModuleUrl(${JSON.stringify(path.relative(outDir, path.join(root, 'package.json')).split(path.sep).join('/'))})`;
      return { contents: `module.exports = require('node:module').createRequire(${from})(${JSON.stringify(args.path)});`, loader: 'js' };
    });
    build.onLoad({ filter: /\.(m?js|ts)$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
      const original = source;
      if (/libxml2-wasm[\\/]lib[\\/]libxml2raw\.mjs$/.test(args.path)) {
        const extracted = extractWasm(source);
        if (extracted) {
          writeFileSync(wasmFile, extracted.bytes);
          source = extracted.source;
          wasmExtracted = true;
        }
        // Its one dynamic import fetches node:module; the runner's require does the same.
        source = patch(source, '((m)=>import(m))', '((m)=>__samsvarModuleRequire(m))', args.path);
      }
      if (/libxml2-wasm[\\/]lib[\\/]libxml2\.mjs$/.test(args.path)) {
        source = patch(source, "import moduleLoader from './libxml2raw.mjs';", '', args.path);
        source = patch(source, 'await moduleLoader()', '__samsvarLibxml2', args.path);
      }
      if (source.includes('import.meta.url')) {
        const src = path.relative(path.join(root, 'src'), args.path);
        const unbundled = src.startsWith('..') ? args.path : path.join(root, 'dist', src.replace(/\.ts$/, '.js'));
        const rel = path.relative(outDir, unbundled).split(path.sep).join('/');
        source = source.replaceAll('import.meta.url', `__samsvarModuleUrl(${JSON.stringify(rel)})`);
      }
      return source === original ? undefined : { contents: source, loader };
    });
  },
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  write: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [samsvarBundle],
};
const libxml2Dir = path.dirname(createRequire(import.meta.url).resolve('libxml2-wasm'));
const loader = await esbuild.build({
  ...common,
  entryPoints: [path.join(libxml2Dir, 'libxml2raw.mjs')],
  format: 'iife',
  globalName: '__samsvarLibxml2Loader',
});
const app = await esbuild.build({ ...common, entryPoints: [path.join(root, 'src', 'cli', 'validate-main.ts')], format: 'esm' });

for (const output of [loader, app].flatMap((r) => Object.values(r.metafile.outputs)))
  for (const imp of output.imports)
    if (imp.external && !(imp.kind === 'require-call' && (imp.path.startsWith('node:') || requiredAtRunTime.test(imp.path))))
      problems.push(`${imp.kind} of ${imp.path} is left to the module loader`);
const body = [
  'const __samsvarModuleRequire = require;',
  loader.outputFiles[0].text,
  'const __samsvarLibxml2 = await __samsvarLibxml2Loader.default();',
  app.outputFiles[0].text,
].join('\n');
if (/\bimport\.meta\b/.test(body)) problems.push('import.meta is left in the bundle');
const script = `(async function (${BUNDLE_PARAMETERS.join(', ')}) {\n${body}\n})\n`;
try {
  new vm.Script(script, { filename: outFile });
} catch (e) {
  problems.push(`the bundle does not compile as a script: ${e.message}`);
}
if (problems.length) {
  console.error(`build-validate-bundle: ${problems.join('\n  ')}`);
  process.exit(1);
}
if (!wasmExtracted) {
  // Still correct, only slower: the module is decoded from the string literal as unbundled.
  console.warn('build-validate-bundle: libxml2-wasm no longer carries its module as expected; the bundle decodes it at start-up');
  writeFileSync(wasmFile, new Uint8Array(0));
}
// esbuild escapes non-ASCII characters in code, not in the comments it keeps; escaped there too, the
// bundle is ASCII and the runner can read it as Latin-1, a plain copy.
const ascii = script.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
// The runner keys the V8 code cache by this hash, without hashing 3 MB at every start.
writeFileSync(outFile, `${BUNDLE_HEADER}${createHash('sha256').update(ascii).digest('hex')}\n${ascii}`);
