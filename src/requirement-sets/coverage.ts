import type { DeclarationContent } from '../declarations/declaration.js';
import type { RegistryEntry } from '../registry/registry-view.js';
import { markFor } from './coverage-matrix.js';
import type { Requirement, RequirementSet } from './requirement-set.js';

export interface RequirementCoverage {
  requirement: Requirement;
  /**
   * `tested`: an active level B or C declaration covers it; `documented`: only an active level A
   * declaration does (the vendor's own documentation, which samsvar did not test); `missing`: none.
   */
  mark: 'tested' | 'documented' | 'missing';
  /** The declaration behind the mark: the newest tested one, else the newest level A one. */
  declarationId?: string;
}

export interface CoverageCount {
  tested: number;
  /** Covered only by level A: never counted as tested. */
  documented: number;
  total: number;
}

export interface SystemCoverage {
  vendor: DeclarationContent['manufacturer'];
  system: string;
  version: string;
  requirements: RequirementCoverage[];
  mandatory: CoverageCount;
  recommended: CoverageCount;
  /** Every mandatory requirement is covered by an active level B or C declaration; level A alone never meets one. */
  meetsMandatory: boolean;
}

/**
 * Coverage of a set per system version, from active declarations only: a revoked, expired or
 * superseded declaration covers nothing. Systems that cover nothing in the set are left out.
 */
export function coverage(set: RequirementSet, entries: readonly RegistryEntry[]): SystemCoverage[] {
  const bySystem = new Map<string, RegistryEntry[]>();
  for (const e of entries) {
    if (e.status.status !== 'active') continue;
    const d = e.declaration;
    const key = JSON.stringify([d.manufacturer.organisasjonsnummer, d.product.name, d.product.version]);
    bySystem.set(key, [...(bySystem.get(key) ?? []), e]);
  }
  const result: SystemCoverage[] = [];
  for (const group of bySystem.values()) {
    const requirements = set.requirements.map((r): RequirementCoverage => {
      const { mark, declarationId } = markFor(group, r);
      // Only active declarations are here, so nothing is marked revoked.
      return mark === 'tested' || mark === 'documented' ? { requirement: r, mark, declarationId } : { requirement: r, mark: 'missing' };
    });
    if (requirements.every((r) => r.mark === 'missing')) continue;
    const count = (level: Requirement['level']): CoverageCount => {
      const of = requirements.filter((r) => r.requirement.level === level);
      return {
        tested: of.filter((r) => r.mark === 'tested').length,
        documented: of.filter((r) => r.mark === 'documented').length,
        total: of.length,
      };
    };
    const mandatory = count('mandatory');
    const d = group[0]!.declaration;
    result.push({
      vendor: d.manufacturer,
      system: d.product.name,
      version: d.product.version,
      requirements,
      mandatory,
      recommended: count('recommended'),
      meetsMandatory: mandatory.tested === mandatory.total,
    });
  }
  return result.sort(
    (a, b) =>
      Number(b.meetsMandatory) - Number(a.meetsMandatory) ||
      b.mandatory.tested - a.mandatory.tested ||
      b.mandatory.documented - a.mandatory.documented ||
      b.recommended.tested - a.recommended.tested ||
      a.system.localeCompare(b.system, 'nb') ||
      a.version.localeCompare(b.version),
  );
}
