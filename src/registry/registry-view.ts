import type { AssuranceLevel, DeclarationContent } from '../declarations/declaration.js';
import type { StatusAnswer } from '../declarations/status.js';

/** Shown with every level A entry, so a buyer never takes it for a tested declaration. */
export const LEVEL_A_NOTICE =
  'Level A: self-declared by the vendor on the strength of its own documentation; samsvar has not tested the system.';

/** One line of the public registry: the declaration as signed, its current status and effective level. */
export interface RegistryEntry {
  declaration: DeclarationContent;
  status: StatusAnswer;
  /** C once a valid countersignature exists, otherwise the signed level. */
  assuranceLevel: AssuranceLevel;
  /** The vendor's identity now: `unverified` until an administrator checked it against Enhetsregisteret. */
  manufacturerIdentity?: 'verified' | 'unverified';
}

/** A registry search; the database filters and pages it (DeclarationStore.declarationPage). */
export interface RegistryQuery {
  profile?: string;
  /** Any of these profiles: the pages' filter by standard. */
  profilesAnyOf?: readonly string[];
  /** Vendor name (part of it, any case) or organisasjonsnummer. */
  vendor?: string;
  /** System name, part of it, any case. */
  system?: string;
  /** Free text over vendor, system, version and profiles: every word must occur. */
  q?: string;
  status?: StatusAnswer['status'];
  /** Effective level: C once a laboratory confirmed it. */
  level?: AssuranceLevel;
}

/** What the registry API shows per declaration: enough to choose, with links to the full renderings. */
export function registrySummary(e: RegistryEntry, baseUrl: string) {
  const d = e.declaration;
  return {
    id: d.id,
    status: e.status.status,
    ...(e.status.reason ? { statusReason: e.status.reason } : {}),
    ...(e.status.retestRequired ? { retestRequired: e.status.retestRequired } : {}),
    ...(e.status.supersededBy ? { supersededBy: e.status.supersededBy } : {}),
    assuranceLevel: e.assuranceLevel,
    ...(e.assuranceLevel === 'A' ? { levelNotice: LEVEL_A_NOTICE } : {}),
    vendor: { ...d.manufacturer, identity: e.manufacturerIdentity ?? 'unverified' },
    system: { name: d.product.name, version: d.product.version },
    profiles: d.conformsTo.map((p) => ({ id: p.profile, version: p.version, direction: p.direction })),
    deviations: d.deviations.length,
    issuedAt: d.issuedAt,
    expiresAt: d.expiresAt,
    links: {
      json: `${baseUrl}/api/v1/declarations/${d.id}`,
      jws: `${baseUrl}/api/v1/declarations/${d.id}.jws`,
      html: `${baseUrl}/api/v1/declarations/${d.id}.html`,
      pdf: `${baseUrl}/api/v1/declarations/${d.id}.pdf`,
      fhir: `${baseUrl}/api/v1/declarations/${d.id}.fhir.json`,
    },
  };
}
