import { describe, expect, it } from 'vitest';
import { checkCapabilities, checkIdentity } from '../../src/live/capability-check.js';
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

describe('checkIdentity: does the server say it is the system version under test', () => {
  const system = { name: 'DIPS Arena', version: '24.1' };
  const BASE = 'https://fhir.dips.example/r4';
  const identity = (over: Record<string, unknown>) =>
    checkIdentity(statement(over), system, BASE).map((f) => [f.ruleId, f.severity, f.path, f.message]);

  it('accepts the registered name and release, in the spelling and detail a server gives them', () => {
    expect(identity({ software: { name: 'DIPS Arena', version: '24.1' }, implementation: { description: 'x', url: BASE } })).toEqual([]);
    expect(identity({ software: { name: 'dips  arena FHIR API', version: '24.1.0.123' }, implementation: { url: `${BASE}/` } })).toEqual(
      [],
    );
    expect(identity({ software: { name: 'Arena', version: '24.1-hotfix2' } })).toEqual([]);
  });

  it('warns when the server names other software or another release: an honest server may name its framework, so it does not fail', () => {
    expect(identity({ software: { name: 'HAPI FHIR Server', version: '7.2.0' } })).toEqual([
      [
        'LIVE-CAP-SOFTWARE',
        'warning',
        'CapabilityStatement.software',
        'The CapabilityStatement says it is HAPI FHIR Server 7.2.0; the system version under test is DIPS Arena 24.1',
      ],
    ]);
    expect(identity({ software: { name: 'DIPS Arena', version: '24.10' } })[0]?.[0]).toBe('LIVE-CAP-SOFTWARE');
    expect(identity({})[0]?.[3]).toBe('The CapabilityStatement names no software; the system version under test is DIPS Arena 24.1');
  });

  it('warns when implementation.url names another base URL than the one tested', () => {
    expect(identity({ software: system, implementation: { url: 'https://hapi.fhir.org/baseR4' } })).toEqual([
      [
        'LIVE-CAP-IMPLEMENTATION',
        'warning',
        'CapabilityStatement.implementation.url',
        `The CapabilityStatement gives https://hapi.fhir.org/baseR4 as its base URL; the API tested is ${BASE}`,
      ],
    ]);
  });

  it('leaves a missing CapabilityStatement to checkCapabilities', () => {
    expect(checkIdentity({ resourceType: 'Patient' }, system, BASE)).toEqual([]);
  });
});
