import { describe, expect, it } from 'vitest';
import { checkCapabilities } from '../../src/live/capability-check.js';
import type { CapabilityRequirement } from '../../src/testcases/testcase.js';

const PATIENT = 'http://hl7.no/fhir/ig/StructureDefinition/no-basis-Patient';
const requirement: CapabilityRequirement = {
  fhirVersion: '4.0.1',
  format: 'json',
  resources: [{ type: 'Patient', profiles: [PATIENT], interactions: ['read', 'search-type'], searchParams: ['identifier'] }],
};

function statement(over: Record<string, unknown> = {}, resource: Record<string, unknown> = {}) {
  return {
    resourceType: 'CapabilityStatement',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        resource: [
          {
            type: 'Patient',
            supportedProfile: [`${PATIENT}|2.2.3`],
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [{ name: 'identifier', type: 'token' }],
            ...resource,
          },
        ],
      },
    ],
    ...over,
  };
}

const ruleIds = (s: unknown) => checkCapabilities(s, requirement).map((f) => f.ruleId);

describe('checkCapabilities', () => {
  it('accepts a statement that declares everything, a versioned supportedProfile included', () => {
    expect(checkCapabilities(statement(), requirement)).toEqual([]);
  });

  it('accepts the profile in resource.profile and the JSON format in its other spellings', () => {
    for (const format of ['json', 'application/json', 'application/json+fhir', 'application/fhir+json; fhirVersion=4.0']) {
      expect(ruleIds(statement({ format: ['xml', format] }, { supportedProfile: undefined, profile: PATIENT }))).toEqual([]);
    }
  });

  it('names the wrong FHIR version', () => {
    const [f] = checkCapabilities(statement({ fhirVersion: '3.0.2' }), requirement);
    expect(f).toMatchObject({
      ruleId: 'LIVE-CAP-FHIRVERSION',
      severity: 'error',
      layer: 'testcase',
      path: 'CapabilityStatement.fhirVersion',
    });
    expect(f!.message).toMatch(/"3.0.2".*requires 4.0.1/);
  });

  it('finds a missing format, profile, interaction and search parameter', () => {
    expect(ruleIds(statement({ format: ['xml'] }, { supportedProfile: [], interaction: [{ code: 'read' }], searchParam: [] }))).toEqual([
      'LIVE-CAP-FORMAT',
      'LIVE-CAP-PROFILE',
      'LIVE-CAP-INTERACTION',
      'LIVE-CAP-SEARCHPARAM',
    ]);
  });

  it('finds a resource type the server does not offer', () => {
    const f = checkCapabilities(statement({}, { type: 'Practitioner' }), requirement);
    expect(f.map((x) => x.ruleId)).toEqual(['LIVE-CAP-RESOURCE']);
    expect(f[0]!.message).toMatch(/does not declare the resource type Patient/);
  });

  it('requires a server-mode rest entry', () => {
    expect(ruleIds(statement({ rest: [{ mode: 'client' }] }))).toEqual(['LIVE-CAP-REST']);
  });

  it('says what came instead of a CapabilityStatement', () => {
    const [f] = checkCapabilities({ resourceType: 'OperationOutcome' }, requirement);
    expect(f).toMatchObject({ ruleId: 'LIVE-CAP-TYPE' });
    expect(f!.message).toMatch(/returned a OperationOutcome/);
  });

  it('survives hostile shapes without throwing', () => {
    for (const s of [
      null,
      42,
      'x',
      [],
      { resourceType: 'CapabilityStatement', rest: 'x' },
      { resourceType: 'CapabilityStatement', rest: [null, { mode: 'server', resource: [null, 1] }] },
    ]) {
      expect(() => checkCapabilities(s, requirement)).not.toThrow();
      expect(checkCapabilities(s, requirement).length).toBeGreaterThan(0);
    }
  });
});
