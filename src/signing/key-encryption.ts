import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';
import { keysDir, writePrivate } from './key-store.js';

/** Where the key-encryption key lives when SAMSVAR_KEY_ENCRYPTION_KEY is unset (one instance, development). */
export const KEY_ENCRYPTION_FILE = 'key-encryption.key';

function decodeKek(text: string, where: string): Buffer {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (bytes.length !== 32)
    throw new SamsvarError('bad_request', `${where} must be 32 random bytes, base64 or hex (e.g. \`openssl rand -base64 32\`)`);
  return bytes;
}

/**
 * The key that encrypts the signing keys' private halves in the database (AES-256-GCM):
 * SAMSVAR_KEY_ENCRYPTION_KEY, which every instance of a deployment must share; unset, a key
 * generated once in $SAMSVAR_DATA/keys (mode 0600), which suits one instance only.
 */
export function keyEncryptionKey(env: NodeJS.ProcessEnv): Buffer {
  if (env.SAMSVAR_KEY_ENCRYPTION_KEY) return decodeKek(env.SAMSVAR_KEY_ENCRYPTION_KEY, 'SAMSVAR_KEY_ENCRYPTION_KEY');
  const dir = keysDir(env);
  const file = path.join(dir, KEY_ENCRYPTION_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writePrivate(file, randomBytes(32).toString('base64'));
    chmodSync(file, 0o600);
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) throw new SamsvarError('forbidden', `${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  return decodeKek(readFileSync(file, 'utf8'), file);
}

/** Encrypts `plain` bound to `kid` (as additional data), so a ciphertext cannot be moved to another key's row. */
export function sealPrivateKey(plain: string, kid: string, kek: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** The inverse of sealPrivateKey; undefined when the key-encryption key is not the one that sealed it. */
export function openPrivateKey(sealed: string, kid: string, kek: Buffer): string | undefined {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || !ct) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
