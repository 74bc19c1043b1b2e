import { newId } from '../core/ids.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { SPOT_CHECK_BY } from '../declarations/declaration.js';
import { spotCheckOutcome, validateSpotCheckRequest } from '../declarations/spot-checks.js';
import type { StoredSpotCheck } from './declaration-store.js';
import { DeclarationPart, notFound, type DeclarationContext } from './declaration-part.js';
import type { DeclarationRegistry } from './declaration-registry.js';
import type { DeclarationAdministration } from './declaration-administration.js';
import { closeMissedSpotChecks } from './missed-spot-checks.js';

/** Spot checks on active declarations: ordered by an administrator, answered by the vendor with a new run. */
export class SpotChecks extends DeclarationPart {
  constructor(
    ctx: DeclarationContext,
    private readonly registry: DeclarationRegistry,
    private readonly administration: DeclarationAdministration,
  ) {
    super(ctx);
  }

  async requestSpotCheck(p: Principal, declarationId: string, input: { testCases: unknown; deadline: unknown }): Promise<StoredSpotCheck> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator can order a spot check');
    const { entry } = await this.registry.entry(declarationId);
    if (entry.status.status !== 'active')
      throw new SamsvarError('conflict', `declaration ${declarationId} is ${entry.status.status}; spot checks are for active declarations`);
    const now = this.now();
    // A level A declaration lists no test cases: a spot check then asks for those of the profiles and directions it declares.
    const d = entry.declaration;
    const checkable =
      d.assuranceLevel === 'A'
        ? d.conformsTo.flatMap((c) => this.deps.runs.testcaseIdsOf(c.profile, c.direction))
        : d.testCases.map((t) => t.id);
    const req = validateSpotCheckRequest(input, checkable, now);
    const sc = {
      id: `sp-${newId(12)}`,
      declarationId,
      testCases: req.testCases,
      requestedBy: p.name,
      requestedAt: now.toISOString(),
      deadline: req.deadline,
    };
    await this.deps.store.addSpotCheck(sc, actorOf(p));
    return { ...sc, outcome: null };
  }

  /** Administrators and laboratories see every spot check; a vendor only those on its own declarations (others: not found). */
  async spotChecks(p: Principal, declarationId: string): Promise<StoredSpotCheck[]> {
    const stored = await this.deps.store.getDeclaration(declarationId);
    if (!stored || (p.role === 'vendor' && stored.vendorId !== p.vendorId)) throw notFound('declaration', declarationId);
    await closeMissedSpotChecks(this.deps.store, this.now(), declarationId);
    return this.deps.store.spotChecksOf(declarationId);
  }

  /**
   * The vendor answers with a run of the same system version opened after the request; the chosen
   * test cases must have passed in it. A failed or late answer revokes the declaration.
   */
  async answerSpotCheck(p: Principal, spotCheckId: string, runId: string): Promise<StoredSpotCheck> {
    if (p.role !== 'vendor') throw new SamsvarError('forbidden', 'the vendor answers a spot check');
    const sc = await this.deps.store.spotCheck(spotCheckId);
    const stored = sc && (await this.deps.store.getDeclaration(sc.declarationId));
    if (!sc || !stored || stored.vendorId !== p.vendorId) throw notFound('spot check', spotCheckId);
    if (sc.outcome) throw new SamsvarError('conflict', `spot check ${spotCheckId} is already closed (${sc.outcome})`);
    const run = await this.deps.runs.getRun(p, runId);
    // The vendor shows its system again; a laboratory's re-test is the laboratory's doing.
    if (run.labTokenId)
      throw new SamsvarError('unprocessable', `run ${runId} is a laboratory's re-test; answer the spot check with a run of your own`);
    const product = stored.content.product;
    if (run.system.name !== product.name || run.system.version !== product.version) {
      throw new SamsvarError(
        'unprocessable',
        `run ${runId} tests ${run.system.name} ${run.system.version}, but the declaration is for ${product.name} ${product.version}`,
      );
    }
    if (run.createdAt < sc.requestedAt)
      throw new SamsvarError('unprocessable', `run ${runId} was opened before the spot check was ordered; open a new run`);
    const now = this.now();
    const passedTestCases = run.profiles
      .flatMap((ps) => ps.testcases)
      // A passed live run against an API the version no longer registers is failed in the run's judgement.
      .filter((tc) => tc.verdict === 'passed' && tc.outcome !== 'failed')
      .map((tc) => tc.id);
    const answer = { runId, at: now.toISOString(), passedTestCases };
    const outcome = spotCheckOutcome({ ...sc, answer }, now);
    if (outcome.state === 'open') throw new Error('an answered spot check cannot be open');
    if (await this.deps.store.closeSpotCheck(sc.id, answer, outcome.state, actorOf(p), now)) {
      if (outcome.state !== 'passed' && !stored.revocation)
        await this.administration.recordRevocation(p, stored.id, outcome.reason, SPOT_CHECK_BY, outcome.cause);
    }
    return (await this.deps.store.spotCheck(sc.id))!;
  }
}
