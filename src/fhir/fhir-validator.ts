// PLACEHOLDER until the FHIR engine lands (issue 3): replaced by the real validator.
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { FormatResult } from '../engine/engine.js';

export class FhirValidator {
  constructor(readonly catalog: ProfileCatalog) {}
  async validate(_input: Uint8Array, profile?: string): Promise<FormatResult> {
    return { profile: profile ?? null, detection: 'none', findings: [{ ruleId: 'FHIR-UNSUPPORTED', severity: 'error', layer: 'syntax', message: 'FHIR validation is not available yet' }] };
  }
}
