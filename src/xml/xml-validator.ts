// PLACEHOLDER: the real XML validator is being written (issue 2).
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { FormatResult } from '../engine/engine.js';

export class XmlValidator {
  constructor(readonly catalog: ProfileCatalog) {}
  validate(_input: Uint8Array, profile?: string): FormatResult {
    return { profile: profile ?? null, detection: 'none', findings: [] };
  }
}
