import { describe, expect, it } from 'vitest';
import { evaluateFhirPathAssertions } from '../../src/testcases/fhir-assertions.js';

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '13856700174' }],
  name: [{ family: 'Testesen', given: ['Kari'] }],
  gender: 'female',
};

describe('FHIRPath assertions', () => {
  it('hold when the result is non-empty and has no false: an existing element or a true comparison', () => {
    const findings = evaluateFhirPathAssertions(patient, [
      { id: 'FNR', fhirpath: "identifier.where(system = 'urn:oid:2.16.578.1.12.4.1.4.1')", message: 'm' },
      { id: 'GENDER', fhirpath: "gender = 'female'", message: 'm' },
    ]);
    expect(findings).toEqual([]);
  });

  it('fail on an empty result or false, as a testcase finding at the given path', () => {
    const findings = evaluateFhirPathAssertions(patient, [
      { id: 'DNR', fhirpath: "identifier.where(system = 'urn:oid:2.16.578.1.12.4.1.4.2')", message: 'no D-nummer', path: 'Patient.identifier' },
      { id: 'MALE', fhirpath: "gender = 'male'", message: 'not male', severity: 'warning' },
    ]);
    expect(findings).toEqual([
      { ruleId: 'DNR', severity: 'error', layer: 'testcase', message: 'no D-nummer', path: 'Patient.identifier' },
      { ruleId: 'MALE', severity: 'warning', layer: 'testcase', message: 'not male', path: 'Patient' },
    ]);
  });

  it('use the R4 model, so choice types and type tests work', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 5, unit: 'mg' } };
    expect(evaluateFhirPathAssertions(obs, [{ id: 'Q', fhirpath: 'value is Quantity and value.value > 4', message: 'm' }])).toEqual([]);
  });

  it('report an expression that fails at run time as a failure of that assertion', () => {
    const [f] = evaluateFhirPathAssertions(patient, [{ id: 'ERR', fhirpath: "name.given.toInteger() + 'x'", message: 'm' }]);
    expect(f.ruleId).toBe('ERR');
  });
});
