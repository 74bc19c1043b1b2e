import type { AssuranceLevel, DeclarationContent, DeclarationStatus, Revocation } from './declaration.js';
import type { SpotCheckReason } from './spot-checks.js';
import { osloDay } from '../core/oslo-day.js';

/**
 * Another declaration as supersession sees it: its effective level (C once a laboratory
 * confirmed it) and whether it is in force (neither revoked, withdrawn nor expired). A bare
 * content counts at its signed level and is in force until its expiry.
 */
export interface SupersessionCandidate {
  content: DeclarationContent;
  level: AssuranceLevel;
  inForce: boolean;
}

export interface StatusContext {
  now: Date;
  revocation?: Revocation;
  /** The declaration's effective level (C when countersigned); its signed level when absent. */
  level?: AssuranceLevel;
  /** Every other declaration known to the registry (the one asked about may be among them). */
  others: ReadonlyArray<DeclarationContent | SupersessionCandidate>;
  /** Whether a profile version is retired in this installation's catalog. */
  isRetired(profile: string, version: string): boolean;
  /** When a newer version of the profile was published with a re-test deadline: that version and the deadline. */
  retestOf?(profile: string, version: string): { version: string; deadline: string } | undefined;
  /** Whether the installation now holds other content than `sha256` under this profile id and version. */
  contentChanged?(profile: string, version: string, sha256: string): boolean;
}

/** A profile the declaration lists whose newer version must be tested by the deadline. */
export interface RetestRequired {
  profile: string;
  version: string;
  newVersion: string;
  deadline: string;
}

/** Who a revocation names when the manufacturer withdrew its own declaration. */
export const WITHDRAWN_BY = 'produsenten';

/** Why a declaration is not active, as data, so each language can word it (the API's `reason` is English). */
export type StatusCause =
  | { kind: 'revoked'; at: string; by: string; reason: string; spotCheck?: SpotCheckReason }
  | { kind: 'withdrawn'; at: string; reason: string }
  | { kind: 'expired'; at: string; deviation?: { ruleId: string; profile: string } }
  | { kind: 'retired'; profiles: string[] }
  | { kind: 'retest-missed'; deadline: string; profiles: string[] }
  | { kind: 'content-changed'; profiles: string[] }
  /** Expired earlier (logged); a profile reactivated or changed since does not bring it back. */
  | { kind: 'expired-logged' }
  | { kind: 'superseded'; by: string };

export interface StatusAnswer {
  status: DeclarationStatus;
  reason?: string;
  cause?: StatusCause;
  /** For `superseded`: the newest declaration that covers this one's profiles. */
  supersededBy?: string;
  /** Active, but a newer profile version must be tested before the deadline or the declaration expires. */
  retestRequired?: RetestRequired[];
}

function sameSystemVersion(a: DeclarationContent, b: DeclarationContent): boolean {
  return (
    a.manufacturer.organisasjonsnummer === b.manufacturer.organisasjonsnummer &&
    a.product.name === b.product.name &&
    a.product.version === b.product.version
  );
}

const LEVEL_RANK = { A: 0, B: 1, C: 2 } as const;

function candidate(o: DeclarationContent | SupersessionCandidate, now: Date): SupersessionCandidate {
  return 'content' in o ? o : { content: o, level: o.assuranceLevel, inForce: new Date(o.expiresAt) > now };
}

/**
 * The rules of supersession (README, "Status and supersession"): a declaration is superseded once
 * newer declarations in force for the same system version together cover every profile and
 * direction it lists, each of at least its effective level. A declaration of another version
 * never supersedes (7.1 does not replace 7.2, nor 7.3 a 7.2 still in use); a lower level never
 * pushes out a higher one (a B does not replace a laboratory-confirmed C: the vendor withdraws
 * the C first); a revoked, withdrawn or expired declaration supersedes nothing.
 */
export function supersedingDeclarations(
  d: DeclarationContent,
  others: StatusContext['others'],
  now: Date,
  level: AssuranceLevel = d.assuranceLevel,
): DeclarationContent[] {
  const newer = others
    .map((o) => candidate(o, now))
    .filter(
      (o) =>
        o.content.id !== d.id &&
        o.inForce &&
        sameSystemVersion(o.content, d) &&
        o.content.issuedAt > d.issuedAt &&
        LEVEL_RANK[o.level] >= LEVEL_RANK[level],
    )
    .map((o) => o.content);
  const covered = d.conformsTo.every((p) =>
    newer.some((o) => o.conformsTo.some((q) => q.profile === p.profile && q.direction === p.direction)),
  );
  return covered ? newer.sort((a, b) => b.issuedAt.localeCompare(a.issuedAt)) : [];
}

/** Why a revoked declaration is revoked: withdrawn by its manufacturer, or revoked by someone (a spot check's reason as data). */
export function revocationCause({ at, by, reason, spotCheck }: Revocation): StatusCause {
  if (by === WITHDRAWN_BY) return { kind: 'withdrawn', at, reason };
  return { kind: 'revoked', at, by, reason, ...(spotCheck ? { spotCheck } : {}) };
}

/** Status without supersession: revoked or withdrawn, expired, or (as far as this tells) active. */
export function standingStatus(d: DeclarationContent, ctx: Omit<StatusContext, 'others' | 'level'>): StatusAnswer {
  if (ctx.revocation) {
    const { at, by, reason } = ctx.revocation;
    return {
      status: 'revoked',
      reason:
        by === WITHDRAWN_BY
          ? `withdrawn by the manufacturer on ${osloDay(at)}: ${reason}`
          : `revoked on ${osloDay(at)} by ${by}: ${reason}`,
      cause: revocationCause(ctx.revocation),
    };
  }
  if (new Date(d.expiresAt) <= ctx.now) {
    const deviation = d.deviations.find((x) => x.deadline === d.expiresAt);
    return {
      status: 'expired',
      reason: deviation
        ? `expired on ${osloDay(d.expiresAt)}: the deadline for deviation ${deviation.ruleId} (${deviation.profile}) passed`
        : `expired on ${osloDay(d.expiresAt)}`,
      cause: {
        kind: 'expired',
        at: d.expiresAt,
        ...(deviation ? { deviation: { ruleId: deviation.ruleId, profile: deviation.profile } } : {}),
      },
    };
  }
  // What the tests applied: each listed profile version and those it uses (msghead-1.2 under a
  // Dialogmelding), whose lifecycle and content the declaration follows alike.
  const applied = d.conformsTo.flatMap((p) => [p, ...(p.uses ?? [])]);
  const retired = applied.filter((p) => ctx.isRetired(p.profile, p.version));
  if (retired.length > 0) {
    const profiles = [...new Set(retired.map((p) => `${p.profile} ${p.version}`))];
    return {
      status: 'expired',
      reason: `expired: profile version ${profiles.join(', ')} was retired`,
      cause: { kind: 'retired', profiles },
    };
  }
  // A version names one content: what was tested is gone if the content under that version changed.
  const changed = applied.filter((p) => ctx.contentChanged?.(p.profile, p.version, p.profileSha256));
  if (changed.length > 0) {
    const profiles = [...new Set(changed.map((p) => `${p.profile} ${p.version}`))];
    return {
      status: 'expired',
      reason: `expired: the content of profile version ${profiles.join(', ')} changed since it was tested`,
      cause: { kind: 'content-changed', profiles },
    };
  }
  const retests: RetestRequired[] = [];
  for (const p of applied) {
    const r = ctx.retestOf?.(p.profile, p.version);
    if (r && !retests.some((x) => x.profile === p.profile))
      retests.push({ profile: p.profile, version: p.version, newVersion: r.version, deadline: r.deadline });
  }
  const missed = retests.filter((r) => new Date(r.deadline) <= ctx.now).sort((a, b) => a.deadline.localeCompare(b.deadline));
  if (missed.length > 0) {
    const profiles = missed.map((r) => `${r.profile} ${r.newVersion}`);
    return {
      status: 'expired',
      reason: `expired on ${osloDay(missed[0]!.deadline)}: not re-tested against ${profiles.join(', ')} by the deadline`,
      cause: { kind: 'retest-missed', deadline: missed[0]!.deadline, profiles },
    };
  }
  return retests.length ? { status: 'active', retestRequired: retests } : { status: 'active' };
}

/** Current status, most serious first: revoked (or withdrawn), then expired, then superseded, else active. */
export function declarationStatus(d: DeclarationContent, ctx: StatusContext): StatusAnswer {
  const standing = standingStatus(d, ctx);
  if (standing.status !== 'active') return standing;
  const newer = supersedingDeclarations(d, ctx.others, ctx.now, ctx.level);
  if (newer.length > 0)
    return {
      status: 'superseded',
      reason: `superseded by ${newer[0].id}`,
      cause: { kind: 'superseded', by: newer[0].id },
      supersededBy: newer[0].id,
    };
  return standing;
}
