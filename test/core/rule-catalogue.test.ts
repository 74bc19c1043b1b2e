import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { findingsLimitNotice, ruleFinding, ruleInfo, RULES } from '../../src/core/rule-catalogue.js';

describe('the rule catalogue', () => {
  it("builds a finding with the rule's layer, default severity and clause", () => {
    expect(ruleFinding('RCV-STATUS', 'm', { line: 3, column: 5, xpath: '/AppRec/Status' })).toEqual({
      ruleId: 'RCV-STATUS',
      severity: 'error',
      layer: 'testcase',
      message: 'm',
      line: 3,
      column: 5,
      xpath: '/AppRec/Status',
      reference: 'Applikasjonskvittering 1.0, Status (kodeverk 8258)',
    });
  });

  it('lets one finding differ where its check says so (a manifest lowering a rule to a warning)', () => {
    expect(ruleFinding('ID-PERSON-REAL', 'm', { severity: 'warning' })).toMatchObject({ severity: 'warning', layer: 'identifier' });
    expect(findingsLimitNotice(5, 'structure')).toMatchObject({ ruleId: 'FINDINGS-LIMIT', severity: 'information', layer: 'structure' });
  });

  it("knows FHIR invariants by their prefix and nothing of a profile's own rules", () => {
    expect(ruleInfo('FHIR-INVARIANT-no-basis-fnr')).toMatchObject({ layer: 'invariant', severity: 'error' });
    expect(ruleInfo('MH-0003')).toBeUndefined();
    expect(ruleInfo('toString')).toBeUndefined();
  });

  it('holds every engine rule id the README names, so documentation and code name the same rules', () => {
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const named = new Set(
      [...readme.matchAll(/\b((?:SYNTAX|CODELIST|ID|FHIR|LIVE|FINDINGS|PROFILE|RCV)-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b/g)].map((m) => m[1]!),
    );
    // Families the README abbreviates (LIVE-CAP-TYPE/-FHIRVERSION/…) and the invariant prefix are not single ids.
    const missing = [...named].filter(
      (id) => !id.startsWith('FHIR-INVARIANT') && ruleInfo(id) === undefined && !Object.keys(RULES).some((k) => k.startsWith(`${id}-`)),
    );
    expect(missing).toEqual([]);
  });
});
