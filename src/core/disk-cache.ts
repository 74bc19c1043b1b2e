import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * samsvar's on-disk cache: what start-up would otherwise recompute on every run (manifests already
 * checked against the manifest schema, compiled Schematron rules), keyed by a SHA-256 of the content
 * it was derived from, so a changed profile simply misses. Safe to delete at any time; every read
 * and write is best effort (an unwritable or corrupt cache only costs the time it would have saved).
 * `SAMSVAR_CACHE_DIR` chooses the directory; `SAMSVAR_CACHE_DIR=off` disables the cache.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SAMSVAR_CACHE_DIR === 'off') return null;
  if (env.SAMSVAR_CACHE_DIR) return path.resolve(env.SAMSVAR_CACHE_DIR);
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'samsvar', 'cache');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Caches', 'samsvar');
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'samsvar');
}

function entryPath(kind: string, key: string, env: NodeJS.ProcessEnv): string | null {
  const dir = cacheDir(env);
  return dir && path.join(dir, kind, `${key}.json`);
}

const SEAL_BYTES = 32;

/**
 * A cache entry: the SHA-256 over `context` (what the entry is for: its kind and key) and the body,
 * then the body. A damaged entry, or one copied under another name, is a miss, never a wrong plan,
 * a manifest taken as checked, or V8 code run (V8 checks only a code cache's length and versions).
 */
export function sealEntry(context: string, body: Uint8Array): Buffer {
  return Buffer.concat([createHash('sha256').update(context).update('\0').update(body).digest(), body]);
}

/** The body of an entry `sealEntry` made for the same context, or undefined when the seal does not match. */
export function unsealEntry(context: string, entry: Buffer): Buffer | undefined {
  if (entry.length < SEAL_BYTES) return undefined;
  const body = entry.subarray(SEAL_BYTES);
  const seal = createHash('sha256').update(context).update('\0').update(body).digest();
  return seal.equals(entry.subarray(0, SEAL_BYTES)) ? body : undefined;
}

/** The cached value of `kind` under `key` (a hex digest), or undefined. */
export function readCache<T>(kind: string, key: string, env: NodeJS.ProcessEnv = process.env): T | undefined {
  const file = entryPath(kind, key, env);
  if (!file) return undefined;
  try {
    const body = unsealEntry(`${kind}/${key}`, readFileSync(file));
    return body && (JSON.parse(body.toString('utf8')) as T);
  } catch {
    return undefined;
  }
}

/** Stores a value; written to a temporary file and renamed, so a concurrent reader never sees half of it. */
export function writeCache(kind: string, key: string, value: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const file = entryPath(kind, key, env);
  if (file) writeCacheFile(file, sealEntry(`${kind}/${key}`, Buffer.from(JSON.stringify(value))));
}

/** Writes one cache file the same way (atomically, best effort); false if it could not. */
export function writeCacheFile(file: string, content: string | Uint8Array): boolean {
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, file);
    return true;
  } catch {
    // Best effort: a read-only home or a full disk must not fail a validation.
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was written there
    }
    return false;
  }
}
