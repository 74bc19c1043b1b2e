import { newId } from '../core/ids.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { buildDeclaration, type RunOutcome } from '../declarations/build-declaration.js';
import { buildSelfDeclaration } from '../declarations/build-self-declaration.js';
import type {
  CountersignatureContent,
  DeclarationContent,
  LabRetest,
  DeclarationStatus,
  Direction,
  DocumentDigest,
  IssuanceDetails,
  Revocation,
} from '../declarations/declaration.js';
import { acceptDocuments, type UploadedDocument } from '../declarations/documentation.js';
import { buildCountersignature, declarationJwsSha256, signCountersignature, signDeclaration } from '../declarations/declaration-signing.js';
import type { DeclarationView } from '../declarations/render/declaration-view.js';
import { spotCheckOutcome, validateSpotCheckRequest } from '../declarations/spot-checks.js';
import {
  declarationStatus,
  standingStatus,
  WITHDRAWN_BY,
  type StatusAnswer,
  type StatusContext,
  type SupersessionCandidate,
} from '../declarations/status.js';
import { verifyDeclarationToken, type VerificationAnswer } from '../declarations/verification.js';
import type { Waiver } from '../waivers/waivers.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { effectiveStatus } from '../runs/profile-lifecycle.js';
import type { RunService, RunView } from '../runs/run-service.js';
import { directionOf } from '../testcases/testcase.js';
import { sha256Hex } from '../core/sha256.js';
import { canonicalJson } from '../signing/canonical-json.js';
import { decodeUnverified } from '../signing/jws.js';
import { fixedKeySource, type KeyRing, type KeySource } from '../signing/key-store.js';
import type { Repository } from '../storage/repository.js';
import { GENESIS_HASH, signHead, type LogEntry } from '../transparency/log-chain.js';
import type { DeclarationStore, StoredDeclaration, StoredSpotCheck } from './declaration-store.js';
import type { FeedItem } from './feed.js';
import type { RegistryEntry, RegistryQuery } from './registry-view.js';

export interface DeclarationServiceDeps {
  store: DeclarationStore;
  repo: Repository;
  runs: RunService;
  catalog: ProfileCatalog;
  /** The deployment's keys (DatabaseKeySource), or a fixed ring in tests. */
  keys: KeySource | KeyRing;
  issuerName: string;
  samsvarVersion: string;
  now?: () => Date;
  /** Level A declarations one vendor may issue per 24 hours (default {@link DEFAULT_LEVEL_A_PER_DAY}). */
  levelAPerDay?: number;
}

/**
 * Level A issuance costs the vendor nothing (no test run), so without a bound one vendor could fill
 * the registry and the log; twenty a day is far more than a vendor's releases need.
 */
export const DEFAULT_LEVEL_A_PER_DAY = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

const notFound = (what: string, id: string) => new SamsvarError('not_found', `${what} '${id}' not found`);

/** A status change nobody triggered, found by a read or by the periodic sweep and written to the log once. */
export interface StatusChange {
  declarationId: string;
  from: DeclarationStatus;
  to: DeclarationStatus;
  reason?: string;
  logSeq: number;
}

export interface SelfDeclarationRequest extends IssuanceDetails {
  profiles: Array<{ profile: string; direction: Direction }>;
  documents: UploadedDocument[];
}

/**
 * A laboratory's countersignature lifts a declaration to C; otherwise it stands at the level it was
 * signed with. An administrator's countersignature (possible before re-tests were required) lifts nothing.
 */
function effectiveLevel(s: StoredDeclaration): DeclarationContent['assuranceLevel'] {
  return s.countersignatures.some((c) => c.confirmedBy.startsWith('lab:')) ? 'C' : s.content.assuranceLevel;
}

function principalName(p: Principal): string {
  return p.role === 'vendor' ? `vendor:${p.vendorId}` : p.name;
}

/**
 * Declarations from issuance to revocation, the registry over them, spot checks and waivers. Checks access for every call; knows nothing of HTTP.
 */
export class DeclarationService {
  private readonly keys: KeySource;
  private readonly now: () => Date;

  constructor(private readonly deps: DeclarationServiceDeps) {
    this.keys = 'ring' in deps.keys ? deps.keys : fixedKeySource(deps.keys);
    this.now = deps.now ?? (() => new Date());
  }

  /** Every key that ever signed, the current one first. */
  async jwks() {
    return (await this.keys.ring()).jwks;
  }

  // --- issuing ---------------------------------------------------------------------------------

  /** What the run says about itself, in the declaration's terms; the run service enforces that the vendor owns it. */
  private async runOutcome(p: Principal, runId: string): Promise<{ outcome: RunOutcome; vendorId: string }> {
    if (p.role !== 'vendor') throw new SamsvarError('forbidden', 'only the vendor whose run it is can issue its declaration');
    const run = await this.deps.runs.getRun(p, runId);
    const vendor = await this.deps.repo.getVendor(p.vendorId);
    if (!vendor) throw notFound('vendor', p.vendorId);
    const overrides = await this.deps.repo.profileStatuses();
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
        }
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
          ...(loaded?.manifest.specification ? { specification: loaded.manifest.specification } : {}),
          // A profile changed since the run opened is not what the run tested: treat it as retired for this run.
          status: !loaded ? 'retired' : loaded.sha256 !== ps.sha256 ? 'retired' : effectiveStatus(loaded, overrides),
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
      const e = await this.settledEntry(s, now0);
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
    const version = await this.deps.repo.getSystemVersion(versionId);
    if (!version || version.vendorId !== p.vendorId || version.systemId !== systemId) throw notFound('system version', versionId);
    const vendor = await this.deps.repo.getVendor(p.vendorId);
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
    const overrides = await this.deps.repo.profileStatuses();
    const profiles = req.profiles.map(({ profile, direction }) => {
      const loaded = this.deps.catalog.get(profile);
      if (!loaded)
        throw new SamsvarError('unprocessable', `unknown profile '${profile}'; GET /api/v1/profiles lists them`, { field: 'profiles' });
      return {
        direction,
        profile: {
          profile,
          version: loaded.manifest.version,
          title: loaded.manifest.title,
          profileSha256: loaded.sha256,
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

  // --- registry and status ---------------------------------------------------------------------

  /**
   * Every declaration with its current status. Status changes nobody triggered (expiry,
   * supersession, a missed spot check) are noticed here and written to the log once.
   */
  async entries(): Promise<RegistryEntry[]> {
    return (await this.evaluate()).entries;
  }

  /**
   * What the periodic sweep runs: notices expiry, supersession and missed spot-check deadlines
   * and logs them, so the log and the feeds show them without anyone reading first. Returns the
   * changes this call logged (none when another sweep or a read got there first).
   */
  async sweep(): Promise<StatusChange[]> {
    return (await this.evaluate()).changes;
  }

  /** What standing status needs to know of the profiles: retired versions, changed content, re-test deadlines. */
  private async profileRules(): Promise<Pick<StatusContext, 'isRetired' | 'retestOf' | 'contentChanged'>> {
    const overrides = await this.deps.repo.profileStatuses();
    const versions = await this.deps.repo.profileVersions();
    const versionRow = (profile: string, version: string) => versions.find((v) => v.profileId === profile && v.version === version);
    const isRetired = (profile: string, version: string) => {
      // A version the administrators manage has its own status; otherwise the catalog's profile (same version) speaks for it.
      const row = versionRow(profile, version);
      if (row) return row.status === 'retired';
      const loaded = this.deps.catalog.get(profile);
      return loaded ? effectiveStatus(loaded, overrides) === 'retired' : false;
    };
    const contentChanged = (profile: string, version: string, sha256: string) => {
      const row = versionRow(profile, version);
      if (row) return row.sha256 !== sha256;
      const loaded = this.deps.catalog.get(profile);
      return !!loaded && loaded.manifest.version === version && loaded.sha256 !== sha256;
    };
    const retestOf = (profile: string, version: string) => {
      // The version activated last decides: published with a deadline and not the one tested, it asks for a re-test.
      const newest = versions
        .filter((v) => v.profileId === profile && v.activatedAt)
        .sort((a, b) => b.activatedAt!.localeCompare(a.activatedAt!))[0];
      return newest?.retestDeadline && newest.version !== version
        ? { version: newest.version, deadline: newest.retestDeadline }
        : undefined;
    };
    return { isRetired, retestOf, contentChanged };
  }

  private async evaluate(): Promise<{ entries: RegistryEntry[]; changes: StatusChange[] }> {
    const now = this.now();
    const changes = await this.closeMissedSpotChecks(now);
    const stored = await this.deps.store.listDeclarations();
    const { isRetired, retestOf, contentChanged } = await this.profileRules();
    const rules = { isRetired, retestOf, contentChanged };
    // Only declarations of the same system version can supersede each other.
    const versionKey = (d: DeclarationContent) => JSON.stringify([d.manufacturer.organisasjonsnummer, d.product.name, d.product.version]);
    const byVersion = new Map<string, StoredDeclaration[]>();
    for (const s of stored) {
      const key = versionKey(s.content);
      const group = byVersion.get(key);
      if (group) group.push(s);
      else byVersion.set(key, [s]);
    }
    const statusById = new Map<string, StatusAnswer>();
    for (const group of byVersion.values()) this.judgeVersion(group, now, rules, statusById);
    const verified = await this.deps.store.verifiedVendorIds();
    const entries: RegistryEntry[] = [];
    for (const s of stored) {
      const { entry, change } = await this.settle(s, statusById.get(s.id)!, verified, now);
      if (change) changes.push(change);
      entries.push(entry);
    }
    return { entries, changes };
  }

  /**
   * The status of every declaration of one system version in one pass, newest first: each is judged
   * against the newest declaration in force covering each of its profiles and directions (per
   * minimum level) and the newest in force of any profile, which is all the rules in status.ts look
   * at, so a version with n declarations costs n, not n². Declarations issued at the same instant
   * never supersede each other, so each instant's are judged before any of them is counted.
   */
  private judgeVersion(
    group: StoredDeclaration[],
    now: Date,
    rules: Pick<StatusContext, 'isRetired' | 'retestOf' | 'contentChanged'>,
    into: Map<string, StatusAnswer>,
  ): void {
    const sorted = [...group].sort((a, b) => b.content.issuedAt.localeCompare(a.content.issuedAt));
    const rank = { A: 0, B: 1, C: 2 } as const;
    // Index by the minimum level a superseder must have: newest in force covering a profile and direction, and newest of any.
    const covering = [
      new Map<string, SupersessionCandidate>(),
      new Map<string, SupersessionCandidate>(),
      new Map<string, SupersessionCandidate>(),
    ];
    const newest: Array<SupersessionCandidate | undefined> = [undefined, undefined, undefined];
    const coverKey = (p: { profile: string; direction: string }) => `${p.profile}\u0000${p.direction}`;
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j < sorted.length && sorted[j]!.content.issuedAt === sorted[i]!.content.issuedAt) j++;
      const judged: Array<{ s: StoredDeclaration; inForce: boolean }> = [];
      for (const s of sorted.slice(i, j)) {
        const level = effectiveLevel(s);
        const others: SupersessionCandidate[] = [];
        for (const p of s.content.conformsTo) {
          const o = covering[rank[level]]!.get(coverKey(p));
          if (o) others.push(o);
        }
        const any = newest[rank[level]];
        if (any) others.push(any);
        const status = declarationStatus(s.content, { now, revocation: s.revocation, level, others, ...rules });
        into.set(s.id, status);
        // In force: neither revoked, withdrawn nor expired; only such a declaration can supersede another.
        const inForce =
          s.loggedStatus !== 'expired' && standingStatus(s.content, { now, revocation: s.revocation, ...rules }).status === 'active';
        judged.push({ s, inForce });
      }
      for (const { s, inForce } of judged) {
        if (!inForce) continue;
        const level = effectiveLevel(s);
        const candidate: SupersessionCandidate = { content: s.content, level, inForce: true };
        for (let r = 0; r <= rank[level]; r++) {
          newest[r] ??= candidate;
          for (const p of s.content.conformsTo) if (!covering[r]!.has(coverKey(p))) covering[r]!.set(coverKey(p), candidate);
        }
      }
      i = j;
    }
  }

  /** Applies the logged history to a computed status and logs a change once; a revocation was logged when it was made. */
  private async settle(
    s: StoredDeclaration,
    computed: StatusAnswer,
    verified: Set<string>,
    now: Date,
  ): Promise<{ entry: RegistryEntry; change?: StatusChange }> {
    let status = computed;
    // Expiry is final: a profile reactivated or changed afterwards never makes the declaration active again.
    if (s.loggedStatus === 'expired' && status.status !== 'expired' && status.status !== 'revoked')
      status = {
        status: 'expired',
        reason: 'expired earlier (see the transparency log); a profile reactivated or changed since does not revive it',
        cause: { kind: 'expired-logged' },
      };
    let change: StatusChange | undefined;
    // Every change the registry computes is logged once, including a return to active.
    if (status.status !== 'revoked' && s.loggedStatus !== status.status && s.loggedStatus !== 'revoked') {
      const logged = await this.deps.store.recordStatusChange(s.id, s.loggedStatus, status.status, s.jwsSha256, status.reason, now);
      if (logged)
        change = {
          declarationId: s.id,
          from: s.loggedStatus,
          to: status.status,
          ...(status.reason ? { reason: status.reason } : {}),
          logSeq: logged.seq,
        };
    }
    return {
      entry: {
        declaration: s.content,
        status,
        assuranceLevel: effectiveLevel(s),
        manufacturerIdentity: verified.has(s.vendorId) ? 'verified' : 'unverified',
      },
      ...(change ? { change } : {}),
    };
  }

  /**
   * One declaration's status from only the declarations that can supersede it: for each profile and
   * direction it lists, the newest newer declaration in force of the same system version that
   * covers it, and the newest such declaration of any profile (the one it is superseded by). Given
   * those, the rules in status.ts decide exactly as over the whole registry; the lookups are
   * indexed and stop at the first declaration in force, so the cost does not follow the registry's size.
   */
  private async statusOf(
    s: StoredDeclaration,
    rules: Pick<StatusContext, 'isRetired' | 'retestOf' | 'contentChanged'>,
    now: Date,
  ): Promise<StatusAnswer> {
    const level = effectiveLevel(s);
    const standing = standingStatus(s.content, { now, revocation: s.revocation, ...rules });
    if (standing.status !== 'active') return standing;
    const d = s.content;
    const newestInForce = async (covering?: { profile: string; direction: string }): Promise<SupersessionCandidate | undefined> => {
      // Usually the newest is in force: read one, then ever larger pages past those that are not.
      for (let offset = 0, limit = 1; ; offset += limit, limit = Math.min(limit * 4, 256)) {
        const page = await this.deps.store.supersessionCandidates({
          orgNumber: d.manufacturer.organisasjonsnummer,
          systemName: d.product.name,
          systemVersion: d.product.version,
          issuedAfter: d.issuedAt,
          now: now.toISOString(),
          minLevel: level,
          ...(covering ? { covering } : {}),
          limit,
          offset,
        });
        const found = page.find((o) => o.id !== d.id && standingStatus(o.content, { now, ...rules }).status === 'active');
        // The query asked for at least this declaration's level, which is all supersession asks of the candidate's.
        if (found) return { content: found.content, level, inForce: true };
        if (page.length < limit) return undefined;
      }
    };
    // Nothing newer in force: not superseded. The newest in force covering everything it lists is the only candidate needed.
    const newest = await newestInForce();
    if (!newest) return standing;
    const others: SupersessionCandidate[] = [newest];
    const covers = (o: SupersessionCandidate, p: { profile: string; direction: string }) =>
      o.content.conformsTo.some((q) => q.profile === p.profile && q.direction === p.direction);
    for (const p of new Map(d.conformsTo.map((p) => [`${p.profile}\u0000${p.direction}`, p])).values()) {
      if (covers(newest, p)) continue;
      const o = await newestInForce({ profile: p.profile, direction: p.direction });
      // One profile and direction nobody newer covers: not superseded, whatever covers the rest.
      if (!o) return standing;
      others.push(o);
    }
    return declarationStatus(d, { now, revocation: s.revocation, level, others, ...rules });
  }

  /** One declaration with its current status, logging a change it notices; the cost does not grow with the registry. */
  private async settledEntry(s: StoredDeclaration, now: Date): Promise<RegistryEntry> {
    const status = await this.statusOf(s, await this.profileRules(), now);
    return (await this.settle(s, status, await this.deps.store.verifiedVendorIds(), now)).entry;
  }

  /**
   * One page of the registry, newest first, paged in the database: each entry's status comes from
   * the declarations that can supersede it, so a page costs the same however large the registry is.
   */
  async registryPage(limit: number, offset: number, query: RegistryQuery = {}): Promise<{ total: number; entries: RegistryEntry[] }> {
    const now = this.now();
    const { total, items } = await this.deps.store.declarationPage(limit, offset, { ...query, now: now.toISOString() });
    const rules = await this.profileRules();
    const verified = await this.deps.store.verifiedVendorIds();
    const entries: RegistryEntry[] = [];
    // The status lookups only read; the pool (PostgreSQL) may run them side by side. Changes are logged one by one.
    const statuses = await Promise.all(items.map((s) => this.statusOf(s, rules, now)));
    for (const [i, s] of items.entries()) {
      const { entry } = await this.settle(s, statuses[i]!, verified, now);
      // The database filtered by the recorded status; one that has changed since (now logged) is left out.
      if (!query.status || entry.status.status === query.status) entries.push(entry);
    }
    return { total, entries };
  }

  /** The registry's figures (front page, administrators' overview), counted in the database. */
  async counts(): Promise<{ declarations: number; active: number; systems: number }> {
    return this.deps.store.registryCounts(this.now().toISOString());
  }

  /** Which of these runs have a declaration. */
  async declaredRuns(runIds: readonly string[]): Promise<Set<string>> {
    return this.deps.store.declaredRuns(runIds);
  }

  async entry(id: string): Promise<{ entry: RegistryEntry; stored: StoredDeclaration }> {
    const stored = await this.deps.store.getDeclaration(id);
    if (!stored) throw notFound('declaration', id);
    const now = this.now();
    await this.closeMissedSpotChecks(now, id);
    // A missed spot check may just have revoked it.
    const current = (await this.deps.store.getDeclaration(id))!;
    return { entry: await this.settledEntry(current, now), stored: current };
  }

  async view(id: string, baseUrl: string): Promise<DeclarationView> {
    const { entry, stored } = await this.entry(id);
    return {
      declaration: stored.content,
      jws: stored.jws,
      jwsSha256: stored.jwsSha256,
      status: entry.status,
      assuranceLevel: entry.assuranceLevel,
      manufacturerIdentity: entry.manufacturerIdentity,
      // The service signed and stored these itself; the token goes along so others need not trust that.
      countersignatures: stored.countersignatures.map((c) => ({ ...decodeUnverified<CountersignatureContent>(c.jws)!, jws: c.jws })),
      baseUrl,
    };
  }

  async verify(jws: string): Promise<VerificationAnswer> {
    const { declaration: _d, ...answer } = await verifyDeclarationToken(jws, await this.jwks(), this.now(), async (d) => {
      const stored = await this.deps.store.getDeclarationByJwsSha256(declarationJwsSha256(jws));
      if (!stored || stored.id !== d.id) return undefined;
      return (await this.entry(stored.id)).entry.status;
    });
    return answer;
  }

  // --- administrators and laboratories ---------------------------------------------------------

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
    await this.deps.store.revoke(
      id,
      revocation,
      sha256Hex(canonicalJson({ declarationId: id, ...revocation })),
      actorOf(p),
      now,
      'withdrawn',
    );
    return (await this.deps.store.getDeclaration(id))!;
  }

  /** Revokes on behalf of `p` (an administrator, or a vendor whose spot-check answer failed), naming `by` as the revoker. */
  private async recordRevocation(p: Principal, id: string, reason: string, by: string): Promise<StoredDeclaration> {
    const stored = await this.deps.store.getDeclaration(id);
    if (!stored) throw notFound('declaration', id);
    const now = this.now();
    const revocation: Revocation = { at: now.toISOString(), reason, by };
    await this.deps.store.revoke(id, revocation, sha256Hex(canonicalJson({ declarationId: id, ...revocation })), actorOf(p), now);
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
    const { entry, stored } = await this.entry(id);
    if (entry.status.status !== 'active')
      throw new SamsvarError('conflict', `declaration ${id} is ${entry.status.status}; only an active declaration can be countersigned`);
    const retest = await this.labRetest(p, stored.content, input);
    const now = this.now();
    const key = (await this.keys.ring()).current;
    const content = buildCountersignature(stored.jws, stored.content, { name: p.name, role: p.role }, key, now, retest);
    const jws = await signCountersignature(content, key);
    await this.deps.store.addCountersignature(
      { id: `ks-${newId(12)}`, declarationId: id, jws, jwsSha256: sha256Hex(jws), confirmedBy: `${p.role}:${p.name}` },
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
    const { entry, stored } = await this.entry(declarationId);
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
    const run = await this.deps.runs.getRun(p, input.runId);
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
    const declared = d.testCases.map((t) => t.id);
    const chosen = input.testCases && input.testCases.length > 0 ? [...new Set(input.testCases)] : declared;
    const unknown = chosen.filter((t) => !declared.includes(t));
    if (unknown.length > 0) throw new SamsvarError('unprocessable', `the declaration lists no test case ${unknown.join(', ')}`);
    const results = new Map(run.profiles.flatMap((ps) => ps.testcases).map((tc) => [tc.id, tc]));
    const notPassed = chosen.filter((t) => results.get(t)?.verdict !== 'passed' || !results.get(t)?.latestSubmission);
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

  // --- waivers ---------------------------------------------------------------------------------

  async grantWaiver(
    p: Principal,
    runId: string,
    input: { ruleId: string; profile?: string; justification: string; deadline: string },
  ): Promise<Waiver> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator can grant a waiver');
    const run = await this.deps.runs.getRun(p, runId);
    if (input.profile && !run.profiles.some((ps) => ps.profile === input.profile)) {
      throw new SamsvarError('unprocessable', `run ${runId} does not test profile '${input.profile}'`);
    }
    const deadline = new Date(input.deadline);
    const now = this.now();
    if (Number.isNaN(deadline.getTime())) throw new SamsvarError('bad_request', 'deadline must be an ISO 8601 date-time');
    if (deadline <= now) throw new SamsvarError('unprocessable', 'the deadline must lie in the future');
    const waiver: Waiver = {
      id: `avvik-${newId(12)}`,
      runId,
      ruleId: input.ruleId,
      ...(input.profile ? { profile: input.profile } : {}),
      justification: input.justification,
      deadline: deadline.toISOString(),
      grantedBy: p.name,
      grantedAt: now.toISOString(),
    };
    await this.deps.store.addWaiver(waiver, actorOf(p));
    return waiver;
  }

  async waivers(p: Principal, runId: string): Promise<Waiver[]> {
    await this.deps.runs.getRun(p, runId); // access: a vendor sees only its own runs
    return this.deps.store.waiversOf(runId);
  }

  // --- spot checks -----------------------------------------------------------------------------

  async requestSpotCheck(p: Principal, declarationId: string, input: { testCases: unknown; deadline: unknown }): Promise<StoredSpotCheck> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator can order a spot check');
    const { entry } = await this.entry(declarationId);
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
    await this.closeMissedSpotChecks(this.now(), declarationId);
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
      .filter((tc) => tc.verdict === 'passed')
      .map((tc) => tc.id);
    const answer = { runId, at: now.toISOString(), passedTestCases };
    const outcome = spotCheckOutcome({ ...sc, answer }, now);
    if (outcome.state === 'open') throw new Error('an answered spot check cannot be open');
    if (await this.deps.store.closeSpotCheck(sc.id, answer, outcome.state, actorOf(p), now)) {
      if (outcome.state !== 'passed' && !stored.revocation) await this.recordRevocation(p, stored.id, outcome.reason, 'stikkprøve');
    }
    return (await this.deps.store.spotCheck(sc.id))!;
  }

  /** Closes spot checks whose deadline passed unanswered (of one declaration, or all), revoking what they checked. */
  private async closeMissedSpotChecks(now: Date, declarationId?: string): Promise<StatusChange[]> {
    const changes: StatusChange[] = [];
    for (const sc of await this.deps.store.openSpotChecks(declarationId)) {
      const outcome = spotCheckOutcome(sc, now);
      if (outcome.state !== 'missed') continue;
      if (!(await this.deps.store.closeSpotCheck(sc.id, undefined, 'missed', 'system', now))) continue;
      const stored = await this.deps.store.getDeclaration(sc.declarationId);
      if (stored && !stored.revocation) {
        const revocation: Revocation = { at: now.toISOString(), reason: outcome.reason, by: 'stikkprøve' };
        const logged = await this.deps.store.revoke(
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

  // --- transparency log and feeds --------------------------------------------------------------

  /** A page of the log with a freshly signed head; the head is read first, so it never covers less than the page. */
  async logPage(after: number, limit: number): Promise<{ entries: LogEntry[]; head: { jws: string; size: number; hash: string } }> {
    await this.entries(); // log any pending status change before showing the log
    const last = await this.deps.store.lastLogEntry();
    const size = last?.seq ?? 0;
    const hash = last?.hash ?? GENESIS_HASH;
    const jws = await signHead({ size, lastHash: hash }, (await this.keys.ring()).current, this.now());
    const entries = (await this.deps.store.logPage(after, limit)).filter((e) => e.seq <= size);
    return { entries, head: { jws, size, hash } };
  }

  async logEntry(seq: number): Promise<LogEntry> {
    const e = await this.deps.store.logEntry(seq);
    if (!e) throw notFound('log entry', String(seq));
    return e;
  }

  /**
   * The newest log entries with their declarations: one page of the log and the declarations it
   * names, so a feed costs the same however large the registry is. Changes nobody triggered
   * (expiry, supersession) enter the log, and so the feed, when a read or the sweep notices them.
   */
  async feedItems(limit = 200): Promise<FeedItem[]> {
    const log = await this.deps.store.recentLog(limit);
    const byId = new Map(
      (await this.deps.store.declarationsByIds(log.map((e) => e.declarationId).filter(Boolean))).map((s) => [s.id, s.content]),
    );
    return log.flatMap((entry) => {
      const declaration = byId.get(entry.declarationId);
      return declaration ? [{ entry, declaration }] : [];
    });
  }

  get clock(): () => Date {
    return this.now;
  }
}
