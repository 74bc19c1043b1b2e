import type { Jwks } from '../signing/key-store.js';
import type { DeclarationContent, DeclarationStatus } from './declaration.js';
import { verifyDeclaration } from './declaration-signing.js';
import { osloDay } from '../core/oslo-day.js';

/** The answer of both `POST /api/v1/declarations/verify` and `samsvar verify`. */
export interface VerificationAnswer {
  valid: boolean;
  kid?: string;
  status?: DeclarationStatus;
  reason?: string;
  declarationId?: string;
  /** Where the status comes from: the registry knows revocations; offline only expiry is known. */
  statusSource?: 'registry' | 'offline';
}

/**
 * Checks a token offline: signature against the JWKS, then the status the token itself can tell
 * (expired or not). `registryStatus` lets the service add what only it knows.
 */
export async function verifyDeclarationToken(
  jws: string,
  jwks: Jwks,
  now: Date,
  registryStatus?: (d: DeclarationContent) => Promise<{ status: DeclarationStatus; reason?: string } | undefined>,
): Promise<VerificationAnswer & { declaration?: DeclarationContent }> {
  const check = await verifyDeclaration(jws, jwks);
  if (!check.valid) return { valid: false, ...(check.kid ? { kid: check.kid } : {}), reason: check.reason };
  const d = check.declaration;
  const known = registryStatus ? await registryStatus(d) : undefined;
  if (registryStatus && !known) {
    return { valid: true, kid: check.kid, declarationId: d.id, statusSource: 'registry', reason: 'the signature is valid, but this registry does not know the declaration', declaration: d };
  }
  if (known) {
    return { valid: true, kid: check.kid, declarationId: d.id, status: known.status, statusSource: 'registry', ...(known.reason ? { reason: known.reason } : {}), declaration: d };
  }
  const expired = new Date(d.expiresAt) <= now;
  return {
    valid: true,
    kid: check.kid,
    declarationId: d.id,
    status: expired ? 'expired' : 'active',
    statusSource: 'offline',
    reason: expired ? `expired on ${osloDay(d.expiresAt)}` : 'signature valid and not expired; revocation is known only to the registry (POST /api/v1/declarations/verify)',
    declaration: d,
  };
}
