import type { CountersignatureContent, DeclarationContent } from '../declarations/declaration.js';
import { declarationJwsSha256 } from '../declarations/declaration-signing.js';
import type { DeclarationView } from '../declarations/render/declaration-view.js';
import {
  declarationStatus,
  standingStatus,
  type StatusAnswer,
  type StatusContext,
  type SupersessionCandidate,
} from '../declarations/status.js';
import { verifyDeclarationToken, type VerificationAnswer } from '../declarations/verification.js';
import { effectiveStatus } from '../runs/profile-lifecycle.js';
import { decodeUnverified } from '../signing/jws.js';
import type { DueRow, StoredDeclaration } from './declaration-store.js';
import type { RegistryEntry, RegistryQuery } from './registry-view.js';
import { DeclarationPart, effectiveLevel, notFound, type StatusChange } from './declaration-part.js';
import { closeMissedSpotChecks } from './missed-spot-checks.js';

/** The registry over the declarations: their current status, settled and logged once. */
export class DeclarationRegistry extends DeclarationPart {
  /** Every key that ever signed, the current one first. */
  async jwks() {
    return (await this.keys.ring()).jwks;
  }

  /**
   * Every declaration with its current status. Status changes nobody triggered (expiry,
   * supersession, a missed spot check) are noticed here and written to the log once.
   */
  async entries(): Promise<RegistryEntry[]> {
    return (await this.evaluate()).entries;
  }

  /**
   * What the periodic sweep and every read of the log run: logs the status changes due by now
   * (expiry, supersession, a declaration back after the one superseding it stopped being in force,
   * a retired or changed profile, a passed re-test or spot-check deadline), so the log and the feeds
   * show them without anyone reading the declarations first. Only the declarations the status
   * queue (storage/status-due.ts) holds as due are evaluated, so the cost follows what changed,
   * not the registry's size. Returns the changes this call logged (none when another sweep or a
   * read got there first).
   */
  async sweep(): Promise<StatusChange[]> {
    const now = this.now();
    const changes: StatusChange[] = [];
    // A row is evaluated at most once per call, so rounds end even if one stays queued.
    const read = new Set<string>();
    const key = (r: DueRow) => `${r.declarationId}\u0000${r.dueAt}\u0000${r.version}`;
    // A change logged here may make older declarations due at once (a new row version); they are evaluated in the next round.
    for (;;) {
      const rows = (await this.deps.store.dueRows(now.toISOString(), 100)).filter((r) => !read.has(key(r)));
      if (rows.length === 0) return changes;
      for (const r of rows) read.add(key(r));
      // Read after the rows: a profile change marked before them is evaluated with the rules it set.
      const rules = await this.profileRules();
      for (const id of new Set(rows.map((r) => r.declarationId))) changes.push(...(await this.settleDue(id, rules, now)));
      // Only now, so a reader stopped before this point leaves the rows for the next.
      await this.deps.store.settledDue(rows);
    }
  }

  /** Closes a missed spot check of one declaration, then logs a change of its status, if any. */
  private async settleDue(
    id: string,
    rules: Pick<StatusContext, 'isRetired' | 'retestOf' | 'contentChanged'>,
    now: Date,
  ): Promise<StatusChange[]> {
    const changes = await closeMissedSpotChecks(this.deps.store, now, id);
    const s = await this.deps.store.getDeclaration(id);
    // Revoked and expired are final.
    if (!s || s.loggedStatus === 'revoked' || s.loggedStatus === 'expired') return changes;
    const { change } = await this.settleStatus(s, await this.statusOf(s, rules, now), now);
    return change ? [...changes, change] : changes;
  }

  /** What standing status needs to know of the profiles: retired versions, changed content, re-test deadlines. */
  private async profileRules(): Promise<Pick<StatusContext, 'isRetired' | 'retestOf' | 'contentChanged'>> {
    const overrides = await this.deps.repo.profiles.profileStatuses();
    const versions = await this.deps.repo.profiles.profileVersions();
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
    const changes = await closeMissedSpotChecks(this.deps.store, now);
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

  /** Applies the logged history to a computed status and logs a change once, with the entry as the registry shows it. */
  private async settle(
    s: StoredDeclaration,
    computed: StatusAnswer,
    verified: Set<string>,
    now: Date,
  ): Promise<{ entry: RegistryEntry; change?: StatusChange }> {
    const { status, change } = await this.settleStatus(s, computed, now);
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

  /** Applies the logged history to a computed status and logs a change once; a revocation was logged when it was made. */
  private async settleStatus(
    s: StoredDeclaration,
    computed: StatusAnswer,
    now: Date,
  ): Promise<{ status: StatusAnswer; change?: StatusChange }> {
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
      const logged = await this.deps.store.recordStatusChange(
        s.id,
        s.loggedStatus,
        status.status,
        s.jwsSha256,
        status.reason,
        status.cause,
        now,
      );
      if (logged)
        change = {
          declarationId: s.id,
          from: s.loggedStatus,
          to: status.status,
          ...(status.reason ? { reason: status.reason } : {}),
          logSeq: logged.seq,
        };
    }
    return change ? { status, change } : { status };
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
  async settledEntry(s: StoredDeclaration, now: Date): Promise<RegistryEntry> {
    const status = await this.statusOf(s, await this.profileRules(), now);
    return (await this.settle(s, status, await this.deps.store.verifiedVendorIds(), now)).entry;
  }

  /**
   * One page of the registry, newest first, paged in the database: each entry's status comes from
   * the declarations that can supersede it, so a page costs the same however large the registry is.
   */
  async registryPage(limit: number, offset: number, query: RegistryQuery = {}): Promise<{ total: number; entries: RegistryEntry[] }> {
    const now = this.now();
    // A spot check whose deadline passed unanswered revokes its declaration, as reading that one does: before the search sees it.
    await closeMissedSpotChecks(this.deps.store, now);
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

  /**
   * A page of system versions (by system name) with a declaration of any of these profiles in one
   * of these statuses, and those declarations with their current status: what a kravsett's
   * coverage is judged from. Declarations of other profiles are never read, and each status comes
   * from the few declarations that can supersede it, so the cost follows the page, not the registry.
   * One whose status changed since it was recorded (now logged) is left out.
   */
  async coveragePage(
    profiles: readonly string[],
    statuses: ReadonlyArray<'active' | 'revoked'>,
    limit: number,
    offset: number,
  ): Promise<{ total: number; entries: RegistryEntry[] }> {
    const now = this.now();
    await closeMissedSpotChecks(this.deps.store, now);
    const { total, items } = await this.deps.store.coveragePage({ profiles, statuses, now: now.toISOString(), limit, offset });
    const rules = await this.profileRules();
    const verified = await this.deps.store.verifiedVendorIds();
    const computed = await Promise.all(items.map((s) => this.statusOf(s, rules, now)));
    const entries: RegistryEntry[] = [];
    for (const [i, s] of items.entries()) {
      const { entry } = await this.settle(s, computed[i]!, verified, now);
      if ((statuses as readonly string[]).includes(entry.status.status)) entries.push(entry);
    }
    return { total, entries };
  }

  /** The registry's figures (front page, administrators' overview), counted in the database. */
  async counts(): Promise<{ declarations: number; active: number; systems: number }> {
    const now = this.now();
    // A declaration whose spot check was missed is revoked, as its own page says: not counted as active until the sweep.
    await closeMissedSpotChecks(this.deps.store, now);
    return this.deps.store.registryCounts(now.toISOString());
  }

  /** Which of these runs have a declaration. */
  async declaredRuns(runIds: readonly string[]): Promise<Set<string>> {
    return this.deps.store.declaredRuns(runIds);
  }

  async entry(id: string): Promise<{ entry: RegistryEntry; stored: StoredDeclaration }> {
    const stored = await this.deps.store.getDeclaration(id);
    if (!stored) throw notFound('declaration', id);
    const now = this.now();
    await closeMissedSpotChecks(this.deps.store, now, id);
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
}
