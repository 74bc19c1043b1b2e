import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeyRing, rotateEmbeddedKey } from '../../src/signing/key-store.js';
import { signJson, verifyJson } from '../../src/signing/jws.js';
import { tempDataEnv } from '../declarations/fixtures.js';

describe('the signing key', () => {
  it('is generated on first start as an Ed25519 key with file mode 0600 in the data directory', async () => {
    const env = tempDataEnv();
    const ring = await loadKeyRing({ env });
    const file = path.join(env.SAMSVAR_DATA!, 'keys', 'signing-key.jwk.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ring.current.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: ring.current.kid });
    expect(ring.jwks.keys.map((k) => k.kid)).toEqual([ring.current.kid]);
    expect(JSON.stringify(ring.jwks)).not.toContain('"d"');
  });

  it('is the same key on the next start', async () => {
    const env = tempDataEnv();
    const first = await loadKeyRing({ env });
    const second = await loadKeyRing({ env });
    expect(second.current.kid).toBe(first.current.kid);
  });

  it('refuses an embedded key that others can read', async () => {
    const env = tempDataEnv();
    await loadKeyRing({ env });
    chmodSync(path.join(env.SAMSVAR_DATA!, 'keys', 'signing-key.jwk.json'), 0o644);
    await expect(loadKeyRing({ env })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('keeps the retired public key in the JWKS after rotation, so old signatures still verify', async () => {
    const env = tempDataEnv();
    const before = await loadKeyRing({ env });
    const token = await signJson({ hello: 'verden' }, before.current, 'samsvar-declaration+json');
    const after = await rotateEmbeddedKey({ env });
    expect(after.current.kid).not.toBe(before.current.kid);
    expect(after.jwks.keys.map((k) => k.kid)).toEqual([after.current.kid, before.current.kid]);
    expect(await verifyJson(token, after.jwks, 'samsvar-declaration+json')).toMatchObject({ valid: true, kid: before.current.kid });
    const reloaded = await loadKeyRing({ env });
    expect(reloaded.jwks.keys).toHaveLength(2);
  });

  it('loads SAMSVAR_SIGNING_KEY as a PKCS#8 PEM, and a replaced production key is a rotation', async () => {
    const env = tempDataEnv();
    const pemFile = path.join(env.SAMSVAR_DATA!, 'prod.pem');
    writeFileSync(pemFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const first = await loadKeyRing({ env: { ...env, SAMSVAR_SIGNING_KEY: pemFile } });
    writeFileSync(pemFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const second = await loadKeyRing({ env: { ...env, SAMSVAR_SIGNING_KEY: pemFile } });
    expect(second.current.kid).not.toBe(first.current.kid);
    expect(second.jwks.keys.map((k) => k.kid)).toEqual([second.current.kid, first.current.kid]);
    await expect(rotateEmbeddedKey({ env: { ...env, SAMSVAR_SIGNING_KEY: pemFile } })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses a production key that is not Ed25519', async () => {
    const env = tempDataEnv();
    const pemFile = path.join(env.SAMSVAR_DATA!, 'rsa.pem');
    writeFileSync(pemFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadKeyRing({ env: { ...env, SAMSVAR_SIGNING_KEY: pemFile } })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(loadKeyRing({ env: { ...env, SAMSVAR_SIGNING_KEY: path.join(env.SAMSVAR_DATA!, 'missing.pem') } })).rejects.toThrow(
      /cannot be read/,
    );
  });

  it('publishes only public members', async () => {
    const env = tempDataEnv();
    await loadKeyRing({ env });
    const published = readFileSync(path.join(env.SAMSVAR_DATA!, 'keys', 'published.jwks.json'), 'utf8');
    expect(published).not.toContain('"d"');
  });
});
