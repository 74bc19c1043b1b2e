import type { Jwks } from '../signing/key-store.js';
import type { DeclarationContent, DeclarationStatus } from './declaration.js';
import { verifyDeclaration } from './declaration-signing.js';
import { osloDay } from '../core/oslo-day.js';

/** The answer of both `POST /api/v1/declarations/verify` and `samsvar verify`. */
export interface VerificationAnswer {
  valid: boolean;
  kid?: string;
  /**
   * `unknown`: the signature holds, but whether the declaration was revoked or superseded is
   * known only to the issuer's registry, which was not asked (offline) or could not answer.
   */
  status?: DeclarationStatus | 'unknown';
  reason?: string;
  declarationId?: string;
  /** Where the status comes from: the registry knows revocations; offline only expiry is known. */
  statusSource?: 'registry' | 'offline';
  /** The registry asked for the status (the issuer URL signed into the declaration). */
  registry?: string;
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
    return {
      valid: true,
      kid: check.kid,
      declarationId: d.id,
      status: 'unknown',
      statusSource: 'registry',
      reason: 'the signature is valid, but this registry does not know the declaration',
      declaration: d,
    };
  }
  if (known) {
    return {
      valid: true,
      kid: check.kid,
      declarationId: d.id,
      status: known.status,
      statusSource: 'registry',
      ...(known.reason ? { reason: known.reason } : {}),
      declaration: d,
    };
  }
  // Offline, only expiry is certain: never say "active" for what may have been revoked or superseded.
  const expired = new Date(d.expiresAt) <= now;
  return {
    valid: true,
    kid: check.kid,
    declarationId: d.id,
    status: expired ? 'expired' : 'unknown',
    statusSource: 'offline',
    reason: expired
      ? `expired on ${osloDay(d.expiresAt)}`
      : "the signature is valid and the declaration has not expired; whether it is revoked or superseded is known only to the issuer's registry (POST /api/v1/declarations/verify)",
    declaration: d,
  };
}
