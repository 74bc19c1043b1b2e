import { SPOT_CHECK_BY, type Revocation } from '../declarations/declaration.js';
import { spotCheckOutcome } from '../declarations/spot-checks.js';
import type { DeclarationStore } from './declaration-store.js';
import { revocationSha256, type StatusChange } from './declaration-part.js';

/** Closes spot checks whose deadline passed unanswered (of one declaration, or all), revoking what they checked. */
export async function closeMissedSpotChecks(store: DeclarationStore, now: Date, declarationId?: string): Promise<StatusChange[]> {
  const changes: StatusChange[] = [];
  for (const sc of await store.openSpotChecks(declarationId)) {
    const outcome = spotCheckOutcome(sc, now);
    if (outcome.state !== 'missed') continue;
    if (!(await store.closeSpotCheck(sc.id, undefined, 'missed', 'system', now))) continue;
    const stored = await store.getDeclaration(sc.declarationId);
    if (stored && !stored.revocation) {
      const revocation: Revocation = { at: now.toISOString(), reason: outcome.reason, by: SPOT_CHECK_BY };
      const logged = await store.revoke(
        stored.id,
        { ...revocation, spotCheck: outcome.cause },
        revocationSha256(stored.id, revocation),
        'system',
        now,
      );
      changes.push({ declarationId: stored.id, from: stored.loggedStatus, to: 'revoked', reason: outcome.reason, logSeq: logged.seq });
    }
  }
  return changes;
}
