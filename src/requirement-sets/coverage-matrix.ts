import type { RegistryEntry } from '../registry/registry-view.js';
import type { Requirement, RequirementSet } from './requirement-set.js';

/**
 * What the registry says about one requirement for one system version:
 * - tested: an active declaration at level B or C covers it;
 * - documented: only an active level A declaration (documentation, no test) covers it;
 * - revoked: no active declaration covers it, but a revoked one did;
 * - missing: nothing covers it (superseded and expired declarations count as nothing).
 * Level A is never counted as tested.
 */
export type CoverageMark = 'tested' | 'documented' | 'revoked' | 'missing';

export interface MatrixCell {
  requirement: Requirement;
  mark: CoverageMark;
  /** The declaration behind the mark (none for missing). */
  declarationId?: string;
}

export interface MatrixRow {
  vendor: { name: string; organisasjonsnummer: string };
  system: string;
  version: string;
  cells: MatrixCell[];
  /** Mandatory requirements with the mark `tested`, of all mandatory ones. */
  mandatoryTested: { covered: number; total: number };
}

function covers(e: RegistryEntry, r: Requirement): boolean {
  return e.declaration.conformsTo.some((p) => p.profile === r.profile && (r.direction === undefined || p.direction === r.direction));
}

const newestFirst = (a: RegistryEntry, b: RegistryEntry) => b.declaration.issuedAt.localeCompare(a.declaration.issuedAt);

/** The mark of one requirement from one system version's declarations: the same rule for the page, the JSON and the annex. */
export function markFor(entries: readonly RegistryEntry[], r: Requirement): MatrixCell {
  const relevant = entries.filter((e) => covers(e, r)).sort(newestFirst);
  const active = relevant.filter((e) => e.status.status === 'active');
  const tested = active.find((e) => e.assuranceLevel !== 'A');
  if (tested) return { requirement: r, mark: 'tested', declarationId: tested.declaration.id };
  if (active[0]) return { requirement: r, mark: 'documented', declarationId: active[0].declaration.id };
  const revoked = relevant.find((e) => e.status.status === 'revoked');
  if (revoked) return { requirement: r, mark: 'revoked', declarationId: revoked.declaration.id };
  return { requirement: r, mark: 'missing' };
}

/**
 * Systems × requirements for a kravsett: one row per system version among `entries` with a
 * declaration that touches the set, the rows with most mandatory requirements tested first.
 * Superseded and expired declarations mark nothing, so the caller may leave them out.
 */
export function coverageMatrix(set: RequirementSet, entries: readonly RegistryEntry[]): MatrixRow[] {
  const profiles = new Set(set.requirements.map((r) => r.profile));
  const bySystem = new Map<string, RegistryEntry[]>();
  for (const e of entries) {
    const d = e.declaration;
    if (!d.conformsTo.some((p) => profiles.has(p.profile))) continue;
    const key = JSON.stringify([d.manufacturer.organisasjonsnummer, d.product.name, d.product.version]);
    bySystem.set(key, [...(bySystem.get(key) ?? []), e]);
  }
  const rows: MatrixRow[] = [];
  for (const group of bySystem.values()) {
    const d = group[0]!.declaration;
    const cells = set.requirements.map((r) => markFor(group, r));
    const mandatory = cells.filter((c) => c.requirement.level === 'mandatory');
    rows.push({
      vendor: d.manufacturer,
      system: d.product.name,
      version: d.product.version,
      cells,
      mandatoryTested: { covered: mandatory.filter((c) => c.mark === 'tested').length, total: mandatory.length },
    });
  }
  return rows.sort(
    (a, b) =>
      b.mandatoryTested.covered - a.mandatoryTested.covered ||
      a.system.localeCompare(b.system, 'nb') ||
      a.version.localeCompare(b.version, 'nb'),
  );
}
