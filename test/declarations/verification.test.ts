import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import { signDeclaration } from '../../src/declarations/declaration-signing.js';
import { verifyDeclarationToken } from '../../src/declarations/verification.js';
import { ISSUER, ISSUANCE, passedRun, testKeyRing } from './fixtures.js';

describe('verifying a declaration token', () => {
  it('offline: answers valid and the key, but the status unknown while unexpired (revocation needs the registry)', async () => {
    const ring = await testKeyRing();
    const d = buildDeclaration(passedRun(), {
      issuer: ISSUER,
      issuance: ISSUANCE,
      kid: ring.current.kid,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const jws = await signDeclaration(d, ring.current);
    const answer = await verifyDeclarationToken(jws, ring.jwks, new Date('2026-02-01T00:00:00Z'));
    expect(answer).toMatchObject({ valid: true, kid: ring.current.kid, status: 'unknown', statusSource: 'offline', declarationId: d.id });
    expect(answer.reason).toMatch(/registry/);
    expect(await verifyDeclarationToken(jws, ring.jwks, new Date('2029-01-01T00:00:00Z'))).toMatchObject({
      valid: true,
      status: 'expired',
    });
  });

  it('with the registry: reports the status the registry knows, e.g. revoked', async () => {
    const ring = await testKeyRing();
    const d = buildDeclaration(passedRun(), {
      issuer: ISSUER,
      issuance: ISSUANCE,
      kid: ring.current.kid,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const jws = await signDeclaration(d, ring.current);
    const answer = await verifyDeclarationToken(jws, ring.jwks, new Date('2026-02-01T00:00:00Z'), async () => ({
      status: 'revoked',
      reason: 'stikkprøve ikke besvart',
    }));
    expect(answer).toMatchObject({ valid: true, status: 'revoked', reason: 'stikkprøve ikke besvart', statusSource: 'registry' });
    const unknown = await verifyDeclarationToken(jws, ring.jwks, new Date('2026-02-01T00:00:00Z'), async () => undefined);
    expect(unknown).toMatchObject({ valid: true, reason: expect.stringMatching(/does not know/) });
    expect(unknown.status).toBe('unknown');
  });
});
