import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type JWK } from 'jose';
import { SamsvarError } from '../core/samsvar-error.js';
import { dataDir } from '../core/paths.js';

/** A public key as published in the JWKS: always Ed25519 for EdDSA, identified by its RFC 7638 thumbprint. */
export interface PublicJwk extends JWK {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface Jwks {
  keys: PublicJwk[];
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
}

/** The key that signs now, and every public key that ever signed, so old declarations keep verifying. */
export interface KeyRing {
  current: SigningKey;
  jwks: Jwks;
}

/**
 * Where the service gets its keys: read per use, so every instance sharing a database signs with
 * the deployment's current key, also right after another instance rotated it.
 */
export interface KeySource {
  ring(): Promise<KeyRing>;
  /** Replaces the current key; `actor` is recorded in the audit log. */
  rotate(actor: string): Promise<KeyRing>;
}

/** A fixed ring (tests, and the CLI's offline tools): rotation is refused. */
export function fixedKeySource(ring: KeyRing): KeySource {
  return {
    ring: async () => ring,
    rotate: async () => {
      throw new SamsvarError('conflict', 'this key ring is fixed; it cannot be rotated');
    },
  };
}

export interface KeyStoreOptions {
  env?: NodeJS.ProcessEnv;
}

export function keysDir(env: NodeJS.ProcessEnv): string {
  return path.join(dataDir(env), 'keys');
}

export const EMBEDDED_KEY_FILE = 'signing-key.jwk.json';
/** Every public key this installation has signed with, current one included. Public, so no mode restriction. */
const PUBLISHED_KEYS_FILE = 'published.jwks.json';

export function publishedKeysFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(keysDir(env), PUBLISHED_KEYS_FILE);
}

export async function publicJwkOf(jwk: JWK): Promise<PublicJwk> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new SamsvarError('bad_request', 'the signing key must be an Ed25519 key (kty OKP, crv Ed25519)');
  }
  const pub = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk.x };
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  return { ...pub, kid, alg: 'EdDSA', use: 'sig' };
}

export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  if (typeof jwk.d !== 'string') throw new SamsvarError('bad_request', 'the signing key file holds no private key (JWK member "d")');
  const publicJwk = await publicJwkOf(jwk);
  const privateKey = (await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, 'EdDSA')) as CryptoKey;
  return { kid: publicJwk.kid, privateKey, publicJwk };
}

/** `SAMSVAR_SIGNING_KEY`: a PKCS#8 PEM ("BEGIN PRIVATE KEY") or a private JWK in JSON. */
export async function loadProductionKey(file: string): Promise<SigningKey> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SamsvarError('bad_request', `SAMSVAR_SIGNING_KEY=${file} cannot be read: ${(e as Error).message}`);
  }
  if (text.includes('-----BEGIN PRIVATE KEY-----')) {
    let key: CryptoKey;
    try {
      key = (await importPKCS8(text, 'EdDSA', { extractable: true })) as CryptoKey;
    } catch (e) {
      throw new SamsvarError('bad_request', `SAMSVAR_SIGNING_KEY=${file} is not an Ed25519 PKCS#8 key: ${(e as Error).message}`);
    }
    return signingKeyFromJwk(await exportJWK(key));
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new SamsvarError('bad_request', `SAMSVAR_SIGNING_KEY=${file} is neither a PKCS#8 PEM nor a JWK`);
  }
  return signingKeyFromJwk(jwk);
}

export async function generateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return exportJWK(privateKey);
}

/** Writes through a temporary file so a crash never leaves half a key; mode 0600 from the start. */
export function writePrivate(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

async function loadEmbeddedKey(dir: string): Promise<SigningKey> {
  const file = path.join(dir, EMBEDDED_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writePrivate(file, JSON.stringify(await generateJwk()));
  }
  // Like ssh: a private key others can read is treated as compromised rather than used.
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new SamsvarError('forbidden', `${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it or rotate the key`);
  }
  return signingKeyFromJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
}

export function readPublished(dir: string): PublicJwk[] {
  const file = path.join(dir, PUBLISHED_KEYS_FILE);
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Jwks;
  return Array.isArray(parsed.keys) ? parsed.keys : [];
}

function recordPublished(dir: string, key: PublicJwk): PublicJwk[] {
  const keys = readPublished(dir);
  if (!keys.some((k) => k.kid === key.kid)) {
    keys.push(key);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dir, PUBLISHED_KEYS_FILE), `${JSON.stringify({ keys }, null, 2)}\n`);
  }
  return keys;
}

/** The JWKS lists the current key first, then retired keys from newest to oldest. */
function jwksOf(current: PublicJwk, published: PublicJwk[]): Jwks {
  return { keys: [current, ...published.filter((k) => k.kid !== current.kid).reverse()] };
}

/**
 * Loads the signing key: `SAMSVAR_SIGNING_KEY` in production, otherwise the embedded key in
 * `$SAMSVAR_DATA/keys/`, generated on first start. Whatever key is loaded joins the published keys,
 * so replacing the production key file is a rotation too.
 */
export async function loadKeyRing(opts: KeyStoreOptions = {}): Promise<KeyRing> {
  const env = opts.env ?? process.env;
  const dir = keysDir(env);
  const current = env.SAMSVAR_SIGNING_KEY ? await loadProductionKey(env.SAMSVAR_SIGNING_KEY) : await loadEmbeddedKey(dir);
  const published = recordPublished(dir, current.publicJwk);
  return { current, jwks: jwksOf(current.publicJwk, published) };
}

/**
 * Replaces the embedded key with a fresh one; the old public key stays in the JWKS. With
 * `SAMSVAR_SIGNING_KEY` set, rotation means pointing it at a new key file, so this refuses.
 */
export async function rotateEmbeddedKey(opts: KeyStoreOptions = {}): Promise<KeyRing> {
  const env = opts.env ?? process.env;
  if (env.SAMSVAR_SIGNING_KEY) {
    throw new SamsvarError('conflict', 'the signing key comes from SAMSVAR_SIGNING_KEY; rotate by pointing it at a new key and restarting');
  }
  const dir = keysDir(env);
  await loadKeyRing({ env }); // records the outgoing key as published before it is replaced
  writePrivate(path.join(dir, EMBEDDED_KEY_FILE), JSON.stringify(await generateJwk()));
  return loadKeyRing({ env });
}
