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

export interface RegistryQuery {
  profile?: string;
  /** Vendor name (part of it, any case) or organisasjonsnummer. */
  vendor?: string;
  /** System name, part of it, any case. */
  system?: string;
  /** Free text over vendor, system, version and profiles. */
  q?: string;
  status?: StatusAnswer['status'];
}

const fold = (s: string) => s.normalize('NFKC').toLocaleLowerCase('nb');

function contains(haystack: string, needle: string): boolean {
  return fold(haystack).includes(fold(needle.trim()));
}

export function matchesQuery(e: RegistryEntry, query: RegistryQuery): boolean {
  const d = e.declaration;
  if (query.profile && !d.conformsTo.some((p) => p.profile === query.profile)) return false;
  if (query.vendor && !(d.manufacturer.organisasjonsnummer === query.vendor.trim() || contains(d.manufacturer.name, query.vendor)))
    return false;
  if (query.system && !contains(d.product.name, query.system)) return false;
  if (query.status && e.status.status !== query.status) return false;
  if (query.q) {
    const text = [
      d.id,
      d.manufacturer.name,
      d.manufacturer.organisasjonsnummer,
      d.product.name,
      d.product.version,
      ...d.conformsTo.flatMap((p) => [p.profile, p.title]),
    ].join(' ');
    if (
      !fold(query.q)
        .split(/\s+/)
        .filter(Boolean)
        .every((word) => fold(text).includes(word))
    )
      return false;
  }
  return true;
}

/** The public list: newest first, then by id so pages are stable. */
export function searchRegistry(entries: readonly RegistryEntry[], query: RegistryQuery): RegistryEntry[] {
  return entries
    .filter((e) => matchesQuery(e, query))
    .sort((a, b) => b.declaration.issuedAt.localeCompare(a.declaration.issuedAt) || a.declaration.id.localeCompare(b.declaration.id));
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
