import { newId } from '../core/ids.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { DeclarationContent, LabRetest, Revocation } from '../declarations/declaration.js';
import { buildCountersignature, signCountersignature } from '../declarations/declaration-signing.js';
import type { SpotCheckReason } from '../declarations/spot-checks.js';
import { WITHDRAWN_BY } from '../declarations/status.js';
import type { RunView } from '../runs/run-service.js';
import { sha256Hex } from '../core/sha256.js';
import { type KeyRing } from '../signing/key-store.js';
import { confirmedByText } from './confirmed-by.js';
import type { StoredDeclaration } from './declaration-store.js';
import { DeclarationPart, notFound, principalName, revocationSha256, type DeclarationContext } from './declaration-part.js';
import type { DeclarationRegistry } from './declaration-registry.js';
import type { UsedProfile } from '../profiles/used-profiles.js';

/** What administrators and laboratories do to declarations: revoke, countersign after a re-test, rotate the key; and the vendor's withdrawal. */
export class DeclarationAdministration extends DeclarationPart {
  constructor(
    ctx: DeclarationContext,
    private readonly registry: DeclarationRegistry,
  ) {
    super(ctx);
  }

  async revoke(p: Principal, id: string, reason: string): Promise<StoredDeclaration> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator can revoke a declaration');
    return this.recordRevocation(p, id, reason, principalName(p));
  }

  /**
   * The manufacturer withdraws its own declaration (status revoked, cause withdrawn, logged as
   * `withdrawn`). This is how a vendor replaces a higher-level declaration with a lower one:
   * a newer B never supersedes a C, but once the C is withdrawn the B stands alone.
   */
  async withdraw(p: Principal, id: string, reason: string): Promise<StoredDeclaration> {
    if (p.role !== 'vendor')
      throw new SamsvarError('forbidden', 'only the manufacturer can withdraw its declaration; administrators revoke');
    const stored = await this.deps.store.getDeclaration(id);
    if (!stored || stored.vendorId !== p.vendorId) throw notFound('declaration', id);
    const now = this.now();
    const revocation: Revocation = { at: now.toISOString(), reason, by: WITHDRAWN_BY };
    await this.deps.store.revoke(id, revocation, revocationSha256(id, revocation), actorOf(p), now, 'withdrawn');
    return (await this.deps.store.getDeclaration(id))!;
  }

  /**
   * Revokes on behalf of `p` (an administrator, or a vendor whose spot-check answer failed), naming
   * `by` as the revoker; a spot check's revocation keeps why as data too.
   */
  async recordRevocation(p: Principal, id: string, reason: string, by: string, spotCheck?: SpotCheckReason): Promise<StoredDeclaration> {
    const stored = await this.deps.store.getDeclaration(id);
    if (!stored) throw notFound('declaration', id);
    const now = this.now();
    const revocation: Revocation = { at: now.toISOString(), reason, by };
    await this.deps.store.revoke(
      id,
      { ...revocation, ...(spotCheck ? { spotCheck } : {}) },
      revocationSha256(id, revocation),
      actorOf(p),
      now,
    );
    return (await this.deps.store.getDeclaration(id))!;
  }

  /**
   * Level C: a test laboratory confirms a B declaration after its own re-test: a run the
   * laboratory opened on the declared system version after the declaration was issued, in which
   * the named test cases (by default all the declaration lists) passed on the laboratory's own
   * submissions. The countersignature names the laboratory and signs which test cases it re-ran
   * with the SHA-256 of its evidence. An administrator never confirms a level.
   */
  async countersign(p: Principal, id: string, input: { runId: string; testCases?: string[] }): Promise<StoredDeclaration> {
    if (p.role !== 'lab')
      throw new SamsvarError('forbidden', 'level C is confirmed only by a test laboratory (a `lab` token) after its own re-test');
    const { entry, stored } = await this.registry.entry(id);
    if (entry.status.status !== 'active')
      throw new SamsvarError('conflict', `declaration ${id} is ${entry.status.status}; only an active declaration can be countersigned`);
    const retest = await this.labRetest(p, stored.content, input);
    const now = this.now();
    const key = (await this.keys.ring()).current;
    const content = buildCountersignature(stored.jws, stored.content, { name: p.name, role: p.role }, key, now, retest);
    const jws = await signCountersignature(content, key);
    await this.deps.store.addCountersignature(
      {
        id: `ks-${newId(12)}`,
        declarationId: id,
        jws,
        jwsSha256: sha256Hex(jws),
        confirmedBy: confirmedByText(content.confirmedBy),
      },
      actorOf(p),
      now,
    );
    return (await this.deps.store.getDeclaration(id))!;
  }

  /**
   * Opens a laboratory's re-test run on the system version a B declaration was issued for, over
   * the profiles it declares. The laboratory then submits its own artifacts to it and countersigns.
   */
  async openLabRetest(p: Principal, declarationId: string): Promise<RunView> {
    if (p.role !== 'lab') throw new SamsvarError('forbidden', 'a re-test for level C is run by a test laboratory (a `lab` token)');
    const { entry, stored } = await this.registry.entry(declarationId);
    if (entry.status.status !== 'active')
      throw new SamsvarError('conflict', `declaration ${declarationId} is ${entry.status.status}; only an active declaration is re-tested`);
    const d = stored.content;
    if (d.assuranceLevel !== 'B' || !d.runId)
      throw new SamsvarError(
        'conflict',
        `declaration ${declarationId} has assurance level ${d.assuranceLevel}; only a tested (B) declaration is re-tested for C`,
      );
    const original = await this.deps.runs.getRun(p, d.runId);
    return this.deps.runs.openRun(p, {
      systemVersionId: original.systemVersionId,
      profiles: [...new Set(d.conformsTo.map((c) => c.profile))],
    });
  }

  /** Checks the laboratory's re-test run against the declaration and returns what it re-ran, with its evidence. */
  private async labRetest(p: Principal, d: DeclarationContent, input: { runId: string; testCases?: string[] }): Promise<LabRetest> {
    if (d.assuranceLevel !== 'B')
      throw new SamsvarError(
        'conflict',
        `declaration ${d.id} has assurance level ${d.assuranceLevel}; only a B declaration can be countersigned to C`,
      );
    // The run is named in the request body: one the laboratory cannot read is a bad value there (422), not a missing page.
    const run = await this.deps.runs.getRun(p, input.runId).catch((e: unknown) => {
      if (e instanceof SamsvarError && e.code === 'not_found')
        throw new SamsvarError('unprocessable', `run ${input.runId} not found; name the re-test run your laboratory opened`, {
          field: 'runId',
        });
      throw e;
    });
    if (!run.labTokenId || run.labTokenId !== p.tokenId) {
      throw new SamsvarError(
        'unprocessable',
        `run ${run.id} is not your laboratory's re-test; open one with POST /api/v1/runs on the declared system version and submit your own artifacts`,
      );
    }
    if (run.system.id !== d.product.systemId || run.system.version !== d.product.version) {
      throw new SamsvarError(
        'unprocessable',
        `run ${run.id} tests ${run.system.name} ${run.system.version}, but the declaration is for ${d.product.name} ${d.product.version}`,
      );
    }
    if (run.createdAt < d.issuedAt)
      throw new SamsvarError('unprocessable', `run ${run.id} was opened before the declaration was issued; a re-test comes after it`);
    // C confirms the profile content the declaration lists, with the content of the profiles it uses
    // (declarations from before these were recorded list none); a re-test of other content confirms nothing about it.
    const usesOf = (uses: readonly UsedProfile[] | undefined) =>
      JSON.stringify((uses ?? []).map((u) => [u.profile, u.version, u.profileSha256]));
    const other = d.conformsTo.filter((c) => {
      const tested = run.profiles.find((ps) => ps.profile === c.profile);
      return tested?.sha256 !== c.profileSha256 || (c.uses !== undefined && usesOf(tested.uses) !== usesOf(c.uses));
    });
    if (other.length > 0)
      throw new SamsvarError(
        'unprocessable',
        `run ${run.id} did not test what the declaration lists: ${[...new Set(other.map((c) => `${c.profile} ${c.version}`))].join(', ')}`,
      );
    const declared = d.testCases.map((t) => t.id);
    const chosen = input.testCases && input.testCases.length > 0 ? [...new Set(input.testCases)] : declared;
    const unknown = chosen.filter((t) => !declared.includes(t));
    if (unknown.length > 0) throw new SamsvarError('unprocessable', `the declaration lists no test case ${unknown.join(', ')}`);
    const results = new Map(run.profiles.flatMap((ps) => ps.testcases).map((tc) => [tc.id, tc]));
    const notPassed = chosen.filter(
      (t) => results.get(t)?.verdict !== 'passed' || results.get(t)?.outcome === 'failed' || !results.get(t)?.latestSubmission,
    );
    if (notPassed.length > 0)
      throw new SamsvarError('unprocessable', `the re-test has not passed ${notPassed.join(', ')} in run ${run.id}`);
    return {
      runId: run.id,
      testCases: chosen.map((tcId) => {
        const sub = results.get(tcId)!.latestSubmission!;
        return { id: tcId, evidence: [{ name: `submission ${sub.id}`, sha256: sub.artifactSha256, findingsSha256: sub.findingsSha256 }] };
      }),
    };
  }

  /** Replaces the deployment's signing key (administrators); audited and logged, old declarations keep verifying. */
  async rotateKey(p: Principal): Promise<KeyRing> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator can rotate the signing key');
    return this.keys.rotate(actorOf(p));
  }
}
