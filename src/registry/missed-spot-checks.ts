import type { Revocation } from '../declarations/declaration.js';
import { spotCheckOutcome } from '../declarations/spot-checks.js';
import { sha256Hex } from '../core/sha256.js';
import { canonicalJson } from '../signing/canonical-json.js';
import type { DeclarationStore } from './declaration-store.js';
import type { StatusChange } from './declaration-part.js';

/** Closes spot checks whose deadline passed unanswered (of one declaration, or all), revoking what they checked. */
export async function closeMissedSpotChecks(store: DeclarationStore, now: Date, declarationId?: string): Promise<StatusChange[]> {
  const changes: StatusChange[] = [];
  for (const sc of await store.openSpotChecks(declarationId)) {
    const outcome = spotCheckOutcome(sc, now);
    if (outcome.state !== 'missed') continue;
    if (!(await store.closeSpotCheck(sc.id, undefined, 'missed', 'system', now))) continue;
    const stored = await store.getDeclaration(sc.declarationId);
    if (stored && !stored.revocation) {
      const revocation: Revocation = { at: now.toISOString(), reason: outcome.reason, by: 'stikkprøve' };
      const logged = await store.revoke(
        stored.id,
        revocation,
        sha256Hex(canonicalJson({ declarationId: stored.id, ...revocation })),
        'system',
        now,
      );
      changes.push({ declarationId: stored.id, from: stored.loggedStatus, to: 'revoked', reason: outcome.reason, logSeq: logged.seq });
    }
  }
  return changes;
}
