import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';
import { fetchJson } from './fetch-limited.js';
import { publishedKeysFile, type Jwks, type PublicJwk } from './key-store.js';

const MAX_JWKS_BYTES = 1024 * 1024;

/** Keeps only well-formed Ed25519 signing keys; anything else in a fetched JWKS is ignored, never trusted. */
export function parseJwks(raw: unknown, where: string): Jwks {
  const keys = (raw as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new SamsvarError('bad_request', `${where} is not a JWKS (no "keys" list)`);
  const usable = keys.filter(
    (k): k is PublicJwk =>
      !!k &&
      typeof k === 'object' &&
      k.kty === 'OKP' &&
      k.crv === 'Ed25519' &&
      typeof k.x === 'string' &&
      typeof k.kid === 'string' &&
      !('d' in k),
  );
  return { keys: usable.map((k) => ({ kty: 'OKP', crv: 'Ed25519', x: k.x, kid: k.kid, alg: 'EdDSA', use: 'sig' })) };
}

/**
 * Where the CLI finds public keys: `--jwks` as a URL or a file, otherwise this installation's
 * published keys in the data directory.
 */
export async function loadJwks(source: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<Jwks> {
  if (source && /^https?:\/\//i.test(source)) return parseJwks(await fetchJson(source, { maxBytes: MAX_JWKS_BYTES }), source);
  const file = source ? path.resolve(cwd, source) : publishedKeysFile(env);
  if (!existsSync(file)) {
    throw new SamsvarError(
      'bad_request',
      source ? `${source} does not exist` : 'no local keys found; give --jwks URL|FILE (e.g. https://<server>/.well-known/jwks.json)',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SamsvarError('bad_request', `${file} is not JSON: ${(e as Error).message}`);
  }
  return parseJwks(raw, file);
}
