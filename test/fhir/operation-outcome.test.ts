import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { toOperationOutcome } from '../../src/fhir/fhir-validator.js';

describe('findings as a FHIR OperationOutcome', () => {
  it('maps severity, issue type, diagnostics, expression and position', () => {
    const findings: Finding[] = [
      {
        ruleId: 'FHIR-CARDINALITY-MIN',
        severity: 'error',
        layer: 'structure',
        message: 'Patient.identifier[0].value is required',
        path: 'Patient.identifier[0].value',
        line: 14,
        column: 5,
      },
      {
        ruleId: 'FHIR-BINDING-EXTENSIBLE',
        severity: 'warning',
        layer: 'terminology',
        message: 'not in the ValueSet',
        path: 'Encounter.class',
      },
      {
        ruleId: 'FHIR-INVARIANT-no-basis-fnr',
        severity: 'error',
        layer: 'invariant',
        message: 'control digit',
        path: 'Patient.identifier[0]',
      },
      { ruleId: 'SYNTAX-DEPTH', severity: 'error', layer: 'syntax', message: 'too deep', line: 1, column: 201 },
      { ruleId: 'FHIR-EXT-UNKNOWN', severity: 'warning', layer: 'profile', message: 'unknown extension', path: 'Patient.extension[0]' },
    ];
    const oo = toOperationOutcome(findings);
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue.map((i) => [i.severity, i.code])).toEqual([
      ['error', 'required'],
      ['warning', 'code-invalid'],
      ['error', 'invariant'],
      ['fatal', 'too-costly'],
      ['warning', 'extension'],
    ]);
    expect(oo.issue[0]).toMatchObject({
      diagnostics: 'Patient.identifier[0].value is required',
      expression: ['Patient.identifier[0].value'],
      details: { coding: [{ code: 'FHIR-CARDINALITY-MIN' }] },
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line', valueInteger: 14 },
        { url: 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col', valueInteger: 5 },
      ],
    });
    expect(oo.issue[3].expression).toBeUndefined();
  });

  it('says "no issues" rather than returning an OperationOutcome without issues (issue is 1..*)', () => {
    expect(toOperationOutcome([]).issue).toEqual([{ severity: 'information', code: 'informational', diagnostics: 'No issues found' }]);
  });
});
