import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { cacheDir, sealEntry, unsealEntry, writeCacheFile } from '../core/disk-cache.js';

/** The cache kind (a directory under the cache dir) holding V8 code caches of bundles. */
export const CODE_CACHE_KIND = 'v8-code';

/** What one run of a bundle did with the code cache; for tests. */
export type CodeCacheUse = 'off' | 'used' | 'written' | 'write-failed';

/** The first line of a bundle: the build's SHA-256 of the rest (scripts/build-validate-bundle.mjs). */
const HEADER = /^\/\/ samsvar bundle sha256=([0-9a-f]{64})\n/;

/**
 * The code cache entry of a bundle: named by the SHA-256 of the bundle's text (as the build wrote
 * it into its first line: hashing 3 MB would cost a one-file run more than a tenth of its time),
 * the Node version, platform and V8 flags, since V8 refuses (or, for an edit of the same length,
 * would wrongly accept) a cache made from anything else.
 */
export function codeCacheKey(name: string, bundleSha256: string, v8Flags: readonly string[]): string {
  const runtime = createHash('sha256')
    .update([process.version, process.arch, process.platform, ...v8Flags].join('\0'))
    .digest('hex');
  return `${name}-${bundleSha256.slice(0, 32)}-${runtime.slice(0, 16)}`;
}

/** V8's data for the bundle, if its entry is there and sealed for this file name (see sealEntry). */
function readEntry(file: string): Buffer | undefined {
  try {
    return unsealEntry(path.basename(file), readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Removes the entries of the bundle's earlier builds, so rebuilding does not grow the cache without
 * end. Entries of this build for other V8 flags stay: a batch (no --liftoff-only) and a one-file run
 * each keep theirs.
 */
function removeEarlierBuilds(dir: string, name: string, bundleSha256: string): void {
  const current = `${name}-${bundleSha256.slice(0, 32)}-`;
  try {
    for (const file of readdirSync(dir))
      if (file.startsWith(`${name}-`) && file.endsWith('.bin') && !file.startsWith(current)) rmSync(path.join(dir, file), { force: true });
  } catch {
    // best effort, like every cache write
  }
}

/**
 * Runs a bundle built by scripts/build-validate-bundle.mjs (a function expression taking the
 * values below) with a V8 code cache from samsvar's disk cache, and writes the cache after the
 * run when there was none or V8 refused it. Returns false, having run nothing, when the bundle is
 * missing (dist/ built by tsc alone) or older than `builtFrom`, the compiled module it was bundled
 * from (tsc ran again without the bundle step: the bundle would run the code before the change);
 * the caller then runs the unbundled modules.
 */
export async function runBundle(
  bundleUrl: URL,
  v8Flags: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  builtFrom?: URL,
): Promise<{ ran: false } | { ran: true; codeCache: CodeCacheUse }> {
  const bundlePath = fileURLToPath(bundleUrl);
  let source: string;
  try {
    if (builtFrom && statSync(builtFrom).mtimeMs > statSync(bundlePath).mtimeMs) return { ran: false };
    // The build writes ASCII only, so Latin-1 is the exact text and the cheapest decoding.
    source = readFileSync(bundlePath, 'latin1');
  } catch {
    return { ran: false };
  }
  const name = path.basename(bundlePath, '.js');
  const bundleSha256 = HEADER.exec(source)?.[1];
  const dir = bundleSha256 ? cacheDir(env) : null;
  const key = bundleSha256 && codeCacheKey(name, bundleSha256, v8Flags);
  const cacheDirOfKind = dir && path.join(dir, CODE_CACHE_KIND);
  const cacheFile = cacheDirOfKind && path.join(cacheDirOfKind, `${key}.bin`);
  const cachedData = cacheFile ? readEntry(cacheFile) : undefined;
  const script = new Script(source, { filename: bundlePath, cachedData });
  const bundle = script.runInThisContext() as (
    require: NodeJS.Require,
    moduleUrl: (relative: string) => string,
    libxml2Wasm: () => Uint8Array,
  ) => Promise<void>;
  await bundle(
    createRequire(bundleUrl),
    (relative) => new URL(relative, bundleUrl).href,
    () => readFileSync(new URL('libxml2.wasm', bundleUrl)),
  );
  if (!cacheFile || !cacheDirOfKind) return { ran: true, codeCache: 'off' };
  if (cachedData && !script.cachedDataRejected) return { ran: true, codeCache: 'used' };
  // After the run, so that the cache holds every function the run compiled, not just the top level.
  if (!writeCacheFile(cacheFile, sealEntry(path.basename(cacheFile), script.createCachedData())))
    return { ran: true, codeCache: 'write-failed' };
  removeEarlierBuilds(cacheDirOfKind, name, bundleSha256!);
  return { ran: true, codeCache: 'written' };
}
