import type { DeclarationContent } from '../declarations/declaration.js';
import type { RegistryEntry } from '../registry/registry-view.js';
import type { Requirement, RequirementSet } from './requirement-set.js';

export interface RequirementCoverage {
  requirement: Requirement;
  /** The active declaration that covers it, if any. */
  declarationId?: string;
}

export interface SystemCoverage {
  vendor: DeclarationContent['manufacturer'];
  system: string;
  version: string;
  requirements: RequirementCoverage[];
  mandatory: { covered: number; total: number };
  recommended: { covered: number; total: number };
  /** Every mandatory requirement is covered by an active declaration. */
  meetsMandatory: boolean;
}

function covers(d: DeclarationContent, r: Requirement): boolean {
  return d.conformsTo.some((p) => p.profile === r.profile && (r.direction === undefined || p.direction === r.direction));
}

/**
 * Coverage of a set per system version, from active declarations only: a revoked, expired or
 * superseded declaration covers nothing. Systems that cover nothing in the set are left out.
 */
export function coverage(set: RequirementSet, entries: readonly RegistryEntry[]): SystemCoverage[] {
  const active = entries.filter((e) => e.status.status === 'active').map((e) => e.declaration);
  const bySystem = new Map<string, DeclarationContent[]>();
  for (const d of active) {
    const key = JSON.stringify([d.manufacturer.organisasjonsnummer, d.product.name, d.product.version]);
    bySystem.set(key, [...(bySystem.get(key) ?? []), d]);
  }
  const result: SystemCoverage[] = [];
  for (const decls of bySystem.values()) {
    const requirements = set.requirements.map((requirement) => {
      const d = decls.find((x) => covers(x, requirement));
      return d ? { requirement, declarationId: d.id } : { requirement };
    });
    if (!requirements.some((r) => r.declarationId)) continue;
    const count = (level: Requirement['level']) => {
      const of = requirements.filter((r) => r.requirement.level === level);
      return { covered: of.filter((r) => r.declarationId).length, total: of.length };
    };
    const mandatory = count('mandatory');
    result.push({
      vendor: decls[0].manufacturer,
      system: decls[0].product.name,
      version: decls[0].product.version,
      requirements,
      mandatory,
      recommended: count('recommended'),
      meetsMandatory: mandatory.covered === mandatory.total,
    });
  }
  return result.sort(
    (a, b) =>
      Number(b.meetsMandatory) - Number(a.meetsMandatory) ||
      b.mandatory.covered - a.mandatory.covered ||
      b.recommended.covered - a.recommended.covered ||
      a.system.localeCompare(b.system, 'nb') ||
      a.version.localeCompare(b.version),
  );
}
