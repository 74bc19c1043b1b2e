import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { buildDeclaration, type RunOutcome } from '../declarations/build-declaration.js';
import { buildSelfDeclaration } from '../declarations/build-self-declaration.js';
import type { Direction, DocumentDigest, IssuanceDetails } from '../declarations/declaration.js';
import { acceptDocuments, type UploadedDocument } from '../declarations/documentation.js';
import { declarationJwsSha256, signDeclaration } from '../declarations/declaration-signing.js';
import { stillServed, usedProfileRefs } from '../profiles/used-profiles.js';
import { effectiveStatus } from '../runs/profile-lifecycle.js';
import { directionOf } from '../testcases/testcase.js';
import type { StoredDeclaration } from './declaration-store.js';
import { DeclarationPart, notFound, type DeclarationContext } from './declaration-part.js';
import type { DeclarationRegistry } from './declaration-registry.js';

/**
 * Level A issuance costs the vendor nothing (no test run), so without a bound one vendor could fill
 * the registry and the log; twenty a day is far more than a vendor's releases need.
 */
export const DEFAULT_LEVEL_A_PER_DAY = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SelfDeclarationRequest extends IssuanceDetails {
  profiles: Array<{ profile: string; direction: Direction }>;
  documents: UploadedDocument[];
}

/** Issuing declarations: level B from a run, level A self-declared on documentation. */
export class DeclarationIssuance extends DeclarationPart {
  constructor(
    ctx: DeclarationContext,
    private readonly registry: DeclarationRegistry,
  ) {
    super(ctx);
  }

  /** What the run says about itself, in the declaration's terms; the run service enforces that the vendor owns it. */
  private async runOutcome(p: Principal, runId: string): Promise<{ outcome: RunOutcome; vendorId: string }> {
    if (p.role !== 'vendor') throw new SamsvarError('forbidden', 'only the vendor whose run it is can issue its declaration');
    const run = await this.deps.runs.getRun(p, runId);
    // The laboratory's re-test is its evidence for a countersignature, not the vendor's own test.
    if (run.labTokenId)
      throw new SamsvarError('forbidden', `run ${runId} is a laboratory's re-test; a declaration is issued from the vendor's own run`);
    const vendor = await this.deps.repo.vendors.getVendor(p.vendorId);
    if (!vendor) throw notFound('vendor', p.vendorId);
    const overrides = await this.deps.repo.profiles.profileStatuses();
    const testCases: RunOutcome['testCases'] = [];
    for (const ps of run.profiles) {
      for (const tc of ps.testcases) {
        // An optional test case that was not run or failed holds nothing back, and is no evidence.
        if (tc.optional && (tc.outcome === null || tc.outcome === 'failed')) continue;
        const direction = directionOf(tc);
        const sub = tc.latestSubmission;
        if (!sub) {
          testCases.push({ id: tc.id, profile: ps.profile, direction, errorRuleIds: [], blocked: 'was not submitted', evidence: [] });
          continue;
        }
        let errorRuleIds: string[] = [];
        let blocked: string | undefined;
        if (tc.verdict === 'failed') {
          const full = await this.deps.runs.getSubmission(p, run.id, sub.id);
          errorRuleIds = [...new Set(full.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))];
          if (errorRuleIds.length === 0) blocked = 'failed';
        } else if (tc.outcome === 'failed') blocked = tc.reason ?? 'no longer counts';
        testCases.push({
          id: tc.id,
          profile: ps.profile,
          direction,
          errorRuleIds,
          ...(blocked ? { blocked } : {}),
          evidence: [{ name: `submission ${sub.id}`, sha256: sub.artifactSha256, findingsSha256: sub.findingsSha256 }],
        });
      }
    }
    const outcome: RunOutcome = {
      runId: run.id,
      openedAt: run.createdAt,
      manufacturer: { name: vendor.name, organisasjonsnummer: vendor.orgNumber, identity: await this.identityOf(vendor.id) },
      product: { name: run.system.name, version: run.system.version, systemId: run.system.id },
      samsvarVersion: this.deps.samsvarVersion,
      profiles: run.profiles.map((ps) => {
        const loaded = this.deps.catalog.get(ps.profile);
        return {
          profile: ps.profile,
          version: ps.version,
          title: loaded?.manifest.title ?? ps.profile,
          profileSha256: ps.sha256,
          ...(ps.uses.length ? { uses: ps.uses } : {}),
          ...(loaded?.manifest.specification ? { specification: loaded.manifest.specification } : {}),
          // A profile changed since the run opened, or one it uses, is not what the run tested.
          status: !loaded
            ? 'retired'
            : loaded.sha256 !== ps.sha256 || !stillServed(this.deps.catalog, ps.uses)
              ? 'changed'
              : effectiveStatus(loaded, overrides),
        };
      }),
      testCases,
    };
    return { outcome, vendorId: vendor.id };
  }

  private async identityOf(vendorId: string): Promise<'verified' | 'unverified'> {
    return (await this.deps.store.verifiedVendorIds()).has(vendorId) ? 'verified' : 'unverified';
  }

  /** Level B: the run's passed profiles, signed, with the place of issue and signatory the vendor states. */
  async issue(p: Principal, runId: string, baseUrl: string, issuance: IssuanceDetails): Promise<StoredDeclaration> {
    const { outcome, vendorId } = await this.runOutcome(p, runId);
    const now0 = this.now();
    for (const s of await this.deps.store.declarationsOfRun(outcome.runId)) {
      // A revocation (or withdrawal) judged what this run showed: the same evidence does not declare it again.
      if (s.revocation)
        throw new SamsvarError(
          'conflict',
          `run ${outcome.runId} gave the declaration ${s.id}, which was revoked; open a new run to declare the system again`,
          { declarationId: s.id },
        );
      const e = await this.registry.settledEntry(s, now0);
      if (e.status.status === 'active')
        throw new SamsvarError('conflict', `run ${outcome.runId} already has the active declaration ${s.id}`, { declarationId: s.id });
    }
    const now = this.now();
    const key = (await this.keys.ring()).current;
    const content = buildDeclaration(outcome, {
      issuer: { name: this.deps.issuerName, url: baseUrl },
      kid: key.kid,
      now,
      issuance,
      waivers: await this.deps.store.waiversOf(outcome.runId),
    });
    const jws = await signDeclaration(content, key);
    await this.deps.store.insertDeclaration({ vendorId, jws, jwsSha256: declarationJwsSha256(jws), content }, actorOf(p), now);
    return (await this.deps.store.getDeclaration(content.id))!;
  }

  /**
   * Level A: the vendor declares its own system version conformant to named profiles on the
   * strength of documentation it uploads; nothing is tested. Another vendor's version is not found.
   */
  async issueSelfDeclared(
    p: Principal,
    systemId: string,
    versionId: string,
    req: SelfDeclarationRequest,
    baseUrl: string,
  ): Promise<StoredDeclaration> {
    if (p.role !== 'vendor') throw new SamsvarError('forbidden', 'only the vendor whose system it is can declare it');
    const version = await this.deps.repo.systems.getSystemVersion(versionId);
    if (!version || version.vendorId !== p.vendorId || version.systemId !== systemId) throw notFound('system version', versionId);
    const vendor = await this.deps.repo.vendors.getVendor(p.vendorId);
    if (!vendor) throw notFound('vendor', p.vendorId);
    const perDay = this.deps.levelAPerDay ?? DEFAULT_LEVEL_A_PER_DAY;
    const issued = await this.deps.store.countSelfDeclaredSince(vendor.id, new Date(this.now().getTime() - DAY_MS).toISOString());
    if (issued >= perDay) {
      throw new SamsvarError(
        'rate_limited',
        `this vendor has issued ${issued} level A declarations in the last 24 hours, the most allowed (${perDay}); try again later`,
        { retryAfter: 3600 },
      );
    }
    const overrides = await this.deps.repo.profiles.profileStatuses();
    const profiles = req.profiles.map(({ profile, direction }) => {
      const loaded = this.deps.catalog.get(profile);
      if (!loaded)
        throw new SamsvarError('unprocessable', `unknown profile '${profile}'; GET /api/v1/profiles lists them`, { field: 'profiles' });
      // What conforming to it means includes the rules of the profiles it uses (msghead-1.2 under a Dialogmelding).
      const uses = usedProfileRefs(this.deps.catalog, loaded);
      return {
        direction,
        profile: {
          profile,
          version: loaded.manifest.version,
          title: loaded.manifest.title,
          profileSha256: loaded.sha256,
          ...(uses.length ? { uses } : {}),
          ...(loaded.manifest.specification ? { specification: loaded.manifest.specification } : {}),
          status: effectiveStatus(loaded, overrides),
        },
      };
    });
    const documents = acceptDocuments(req.documents);
    const now = this.now();
    const key = (await this.keys.ring()).current;
    const content = buildSelfDeclaration(
      {
        manufacturer: { name: vendor.name, organisasjonsnummer: vendor.orgNumber, identity: await this.identityOf(vendor.id) },
        product: { name: version.systemName, version: version.version, systemId: version.systemId },
        profiles,
        documentation: documents.map((d) => d.digest),
        issuance: { placeOfIssue: req.placeOfIssue, signatory: req.signatory },
      },
      { issuer: { name: this.deps.issuerName, url: baseUrl }, kid: key.kid, now },
    );
    const jws = await signDeclaration(content, key);
    await this.deps.store.insertDeclaration(
      { vendorId: vendor.id, jws, jwsSha256: declarationJwsSha256(jws), content, documents },
      actorOf(p),
      now,
    );
    return (await this.deps.store.getDeclaration(content.id))!;
  }

  /** A level A declaration's document: its vendor, administrators and laboratories may read it; for others it does not exist. */
  async document(p: Principal, declarationId: string, sha256: string): Promise<{ digest: DocumentDigest; bytes: Uint8Array }> {
    const stored = await this.deps.store.getDeclaration(declarationId);
    if (!stored || (p.role === 'vendor' && stored.vendorId !== p.vendorId)) throw notFound('declaration', declarationId);
    const listed = stored.content.documentation?.some((d) => d.sha256 === sha256);
    const doc = listed ? await this.deps.store.document(declarationId, sha256) : undefined;
    if (!doc) throw notFound('document', sha256);
    return doc;
  }
}
