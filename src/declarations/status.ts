import type { DeclarationContent, DeclarationStatus, Revocation } from './declaration.js';
import { osloDay } from '../core/oslo-day.js';

export interface StatusContext {
  now: Date;
  revocation?: Revocation;
  /** Every other declaration known to the registry (the one asked about may be among them). */
  others: readonly DeclarationContent[];
  /** The superseding declaration's id (null: none) as {@link supersessionInGroup} found it; computed from `others` when absent. */
  supersededBy?: string | null;
  /** Whether a profile version is retired in this installation's catalog. */
  isRetired(profile: string, version: string): boolean;
}

/** Why a declaration is not active, as data, so each language can word it (the API's `reason` is English). */
export type StatusCause =
  | { kind: 'revoked'; at: string; by: string; reason: string }
  | { kind: 'expired'; at: string; deviation?: { ruleId: string; profile: string } }
  | { kind: 'retired'; profiles: string[] }
  | { kind: 'superseded'; by: string };

export interface StatusAnswer {
  status: DeclarationStatus;
  reason?: string;
  cause?: StatusCause;
  /** For `superseded`: the newest declaration that covers this one's profiles. */
  supersededBy?: string;
}

function sameSystem(a: DeclarationContent, b: DeclarationContent): boolean {
  return a.manufacturer.organisasjonsnummer === b.manufacturer.organisasjonsnummer && a.product.name === b.product.name;
}

const LEVEL_RANK = { A: 0, B: 1, C: 2 } as const;

/**
 * A declaration is superseded once newer declarations for the same system (any version) together
 * cover every profile and direction it lists; until then the older one still speaks for the rest.
 * Only a declaration of at least the same level supersedes: an untested level A declaration must
 * not push a tested one out of the registry.
 */
export function supersedingDeclarations(d: DeclarationContent, others: readonly DeclarationContent[]): DeclarationContent[] {
  const newer = others.filter((o) => o.id !== d.id && sameSystem(o, d) && o.issuedAt > d.issuedAt && LEVEL_RANK[o.assuranceLevel] >= LEVEL_RANK[d.assuranceLevel]);
  const covered = d.conformsTo.every((p) => newer.some((o) => o.conformsTo.some((q) => q.profile === p.profile && q.direction === p.direction)));
  return covered ? newer.sort((a, b) => b.issuedAt.localeCompare(a.issuedAt)) : [];
}

/**
 * What supersedes what among the declarations of one system, in one pass from newest to oldest:
 * the same answers as {@link supersedingDeclarations} for each, at a cost linear in the group's
 * size and the profiles it lists (not its square: a vendor may have thousands of declarations).
 */
export function supersessionInGroup(group: readonly DeclarationContent[]): Map<string, string | null> {
  const byNewest = [...group].sort((a, b) => b.issuedAt.localeCompare(a.issuedAt));
  // Per minimum level: the (profile, direction) pairs newer declarations of at least that level cover, and the newest of them.
  const covered = [new Set<string>(), new Set<string>(), new Set<string>()];
  const newest: Array<DeclarationContent | undefined> = [undefined, undefined, undefined];
  const result = new Map<string, string | null>();
  const pair = (p: { profile: string; direction: string }) => `${p.profile}\u0000${p.direction}`;
  for (let i = 0; i < byNewest.length; ) {
    // Declarations issued at the same instant do not supersede each other: settle them before adding them.
    let j = i;
    while (j < byNewest.length && byNewest[j]!.issuedAt === byNewest[i]!.issuedAt) j++;
    const batch = byNewest.slice(i, j);
    for (const d of batch) {
      const rank = LEVEL_RANK[d.assuranceLevel];
      const by = newest[rank] && d.conformsTo.every((p) => covered[rank]!.has(pair(p))) ? newest[rank]!.id : null;
      result.set(d.id, by);
    }
    for (const d of batch) {
      for (let r = 0; r <= LEVEL_RANK[d.assuranceLevel]; r++) {
        for (const p of d.conformsTo) covered[r]!.add(pair(p));
        newest[r] ??= d;
      }
    }
    i = j;
  }
  return result;
}

/** Current status, most serious first: revoked, then expired, then superseded, else active. */
export function declarationStatus(d: DeclarationContent, ctx: StatusContext): StatusAnswer {
  if (ctx.revocation) {
    const { at, by, reason } = ctx.revocation;
    return { status: 'revoked', reason: `revoked on ${osloDay(at)} by ${by}: ${reason}`, cause: { kind: 'revoked', at, by, reason } };
  }
  if (new Date(d.expiresAt) <= ctx.now) {
    const deviation = d.deviations.find((x) => x.deadline === d.expiresAt);
    return {
      status: 'expired',
      reason: deviation
        ? `expired on ${osloDay(d.expiresAt)}: the deadline for deviation ${deviation.ruleId} (${deviation.profile}) passed`
        : `expired on ${osloDay(d.expiresAt)}`,
      cause: { kind: 'expired', at: d.expiresAt, ...(deviation ? { deviation: { ruleId: deviation.ruleId, profile: deviation.profile } } : {}) },
    };
  }
  const retired = d.conformsTo.filter((p) => ctx.isRetired(p.profile, p.version));
  if (retired.length > 0) {
    const profiles = [...new Set(retired.map((p) => `${p.profile} ${p.version}`))];
    return { status: 'expired', reason: `expired: profile version ${profiles.join(', ')} was retired`, cause: { kind: 'retired', profiles } };
  }
  const by = ctx.supersededBy !== undefined ? ctx.supersededBy : (supersedingDeclarations(d, ctx.others)[0]?.id ?? null);
  if (by) return { status: 'superseded', reason: `superseded by ${by}`, cause: { kind: 'superseded', by }, supersededBy: by };
  return { status: 'active' };
}
