import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import {
  buildCountersignature,
  signCountersignature,
  signDeclaration,
  verifyCountersignature,
  verifyDeclaration,
} from '../../src/declarations/declaration-signing.js';
import { signJson } from '../../src/signing/jws.js';
import { ISSUER, ISSUANCE, passedRun, testKeyRing } from './fixtures.js';

const now = new Date('2026-11-26T12:00:00Z');

async function issued() {
  const ring = await testKeyRing();
  const declaration = buildDeclaration(passedRun(), { issuer: ISSUER, issuance: ISSUANCE, kid: ring.current.kid, now });
  const jws = await signDeclaration(declaration, ring.current);
  return { ring, declaration, jws };
}

/** An Ed25519 check that shares no code with samsvar or jose: node's own crypto against the published JWK. */
function independentlyVerifies(jws: string, jwks: { keys: Array<{ kid: string; x: string }> }): boolean {
  const [h, p, s] = jws.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string; kid: string };
  if (header.alg !== 'EdDSA') return false;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  return nodeVerify(null, Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'));
}

describe('a signed declaration', () => {
  it('verifies with an independent Ed25519 check against the JWKS, and with samsvar', async () => {
    const { ring, declaration, jws } = await issued();
    expect(independentlyVerifies(jws, ring.jwks)).toBe(true);
    const check = await verifyDeclaration(jws, ring.jwks);
    expect(check).toMatchObject({ valid: true, kid: ring.current.kid });
    expect(check.declaration).toEqual(declaration);
  });

  it('fails verification when any single byte of the signed content changes', async () => {
    const { ring, jws } = await issued();
    const [h, p, s] = jws.split('.');
    const payload = Buffer.from(p, 'base64url');
    for (let i = 0; i < payload.length; i++) {
      const altered = Buffer.from(payload);
      altered[i] ^= 0x01;
      const token = `${h}.${altered.toString('base64url')}.${s}`;
      expect(independentlyVerifies(token, ring.jwks)).toBe(false);
      const check = await verifyDeclaration(token, ring.jwks);
      expect(check.valid, `byte ${i}`).toBe(false);
    }
  });

  it('fails when a byte of the signature or header changes', async () => {
    const { ring, jws } = await issued();
    const [h, p, s] = jws.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 0x80;
    expect(await verifyDeclaration(`${h}.${p}.${sig.toString('base64url')}`, ring.jwks)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/does not match/),
    });
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const otherHeader = Buffer.from(JSON.stringify({ ...header, typ: 'samsvar-declaration+json', x: 1 })).toString('base64url');
    expect((await verifyDeclaration(`${otherHeader}.${p}.${s}`, ring.jwks)).valid).toBe(false);
  });

  it('is refused when signed by a key outside the JWKS', async () => {
    const { declaration } = await issued();
    const other = await testKeyRing();
    const forged = await signDeclaration({ ...declaration, kid: other.current.kid }, other.current);
    const { ring } = await issued();
    expect(await verifyDeclaration(forged, ring.jwks)).toMatchObject({ valid: false, reason: expect.stringMatching(/not in the JWKS/) });
  });

  it('does not accept alg none, another token type, or garbage, and never throws', async () => {
    const { ring, jws } = await issued();
    const [, p] = jws.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: ring.current.kid, typ: 'samsvar-declaration+json' })).toString('base64url')}.${p}.`;
    expect((await verifyDeclaration(none, ring.jwks)).valid).toBe(false);
    const head = await signJson({ size: 1 }, ring.current, 'samsvar-log-head+json');
    expect(await verifyDeclaration(head, ring.jwks)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/not a samsvar-declaration/),
    });
    for (const junk of ['', 'a.b', 'a.b.c', '....', '\u0000', 'x'.repeat(10_000)]) {
      expect((await verifyDeclaration(junk, ring.jwks)).valid).toBe(false);
    }
  });
});

describe('countersigning to level C', () => {
  it('binds the exact declaration token and verifies', async () => {
    const { ring, declaration, jws } = await issued();
    const content = buildCountersignature(jws, declaration, { name: 'Testlab AS', role: 'lab' }, ring.current, now);
    const token = await signCountersignature(content, ring.current);
    expect(await verifyCountersignature(token, jws, ring.jwks)).toMatchObject({
      valid: true,
      content: { assuranceLevel: 'C', declarationId: declaration.id },
    });
    const { jws: otherJws } = await issued();
    expect(await verifyCountersignature(token, otherJws, ring.jwks)).toMatchObject({ valid: false });
  });

  it('is refused for a declaration that is not level B', async () => {
    const { ring, declaration, jws } = await issued();
    expect(() =>
      buildCountersignature(jws, { ...declaration, assuranceLevel: 'A' }, { name: 'Lab', role: 'lab' }, ring.current, now),
    ).toThrow(expect.objectContaining({ code: 'conflict' }));
  });
});
