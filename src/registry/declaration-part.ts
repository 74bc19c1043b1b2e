import type { Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { sha256Hex } from '../core/sha256.js';
import type { DeclarationContent, DeclarationStatus, Revocation } from '../declarations/declaration.js';
import { canonicalJson } from '../signing/canonical-json.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { RunService } from '../runs/run-service.js';
import { fixedKeySource, type KeyRing, type KeySource } from '../signing/key-store.js';
import type { Repository } from '../storage/repository.js';
import { parseConfirmedBy } from './confirmed-by.js';
import type { DeclarationStore, StoredDeclaration } from './declaration-store.js';

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

/** A status change nobody triggered, found by a read or by the periodic sweep and written to the log once. */
export interface StatusChange {
  declarationId: string;
  from: DeclarationStatus;
  to: DeclarationStatus;
  reason?: string;
  logSeq: number;
}

/**
 * What the log's revocation entry names as its subject: the revocation as it was always hashed
 * (declaration, time, reason, who), so a spot check's reason kept as data changes no subject.
 */
export function revocationSha256(declarationId: string, r: Pick<Revocation, 'at' | 'reason' | 'by'>): string {
  return sha256Hex(canonicalJson({ declarationId, at: r.at, reason: r.reason, by: r.by }));
}

/**
 * A laboratory's countersignature lifts a declaration to C; otherwise it stands at the level it was
 * signed with. An administrator's countersignature (possible before re-tests were required) lifts nothing.
 */
export function effectiveLevel(s: StoredDeclaration): DeclarationContent['assuranceLevel'] {
  return s.countersignatures.some((c) => parseConfirmedBy(c.confirmedBy)?.role === 'lab') ? 'C' : s.content.assuranceLevel;
}

export function principalName(p: Principal): string {
  return p.role === 'vendor' ? `vendor:${p.vendorId}` : p.name;
}

export const notFound = (what: string, id: string) => new SamsvarError('not_found', `${what} '${id}' not found`);

/** What each part of the declaration service works with: its dependencies, the signing keys, the clock. */
export interface DeclarationContext {
  deps: DeclarationServiceDeps;
  keys: KeySource;
  now: () => Date;
}

export function declarationContext(deps: DeclarationServiceDeps): DeclarationContext {
  return { deps, keys: 'ring' in deps.keys ? deps.keys : fixedKeySource(deps.keys), now: deps.now ?? (() => new Date()) };
}

/** The base of each part: the same dependencies, keys and clock as the others. */
export abstract class DeclarationPart {
  protected readonly deps: DeclarationServiceDeps;
  protected readonly keys: KeySource;
  protected readonly now: () => Date;

  constructor(ctx: DeclarationContext) {
    this.deps = ctx.deps;
    this.keys = ctx.keys;
    this.now = ctx.now;
  }
}
