import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { catalogWith, check, errors, findingOf, profileOn, rules } from './helpers.js';

const CS = 'http://samsvar.test/CodeSystem/hastegrad';
const VS = 'http://samsvar.test/ValueSet/hastegrad';
const codeSystem = {
  resourceType: 'CodeSystem',
  url: CS,
  name: 'Hastegrad',
  status: 'active',
  content: 'complete',
  concept: [
    { code: 'akutt', display: 'Akutt', concept: [{ code: 'livstruende', display: 'Livstruende' }] },
    { code: 'haster', display: 'Haster' },
    { code: 'planlagt', display: 'Planlagt' },
  ],
};
const valueSet = {
  resourceType: 'ValueSet',
  url: VS,
  name: 'Hastegrad',
  status: 'active',
  compose: { include: [{ system: CS }], exclude: [{ system: CS, concept: [{ code: 'planlagt' }] }] },
};
const akuttTree = {
  resourceType: 'ValueSet',
  url: `${VS}-akutt`,
  name: 'HastegradAkutt',
  status: 'active',
  compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'akutt' }] }] },
};

const bind = (strength: string, valueSet: string, element = 'ServiceRequest.priority') => ({
  id: element,
  path: element,
  binding: { strength, valueSet },
});
const profile = (id: string, elements: Record<string, unknown>[]) => ({
  id,
  sd: profileOn('ServiceRequest', id, elements),
  extra: [codeSystem, valueSet, akuttTree],
});

let v: FhirValidator;
beforeAll(() => {
  v = new FhirValidator(
    catalogWith([
      profile('test-required', [bind('required', VS, 'ServiceRequest.category')]),
      profile('test-extensible', [bind('extensible', VS, 'ServiceRequest.category')]),
      profile('test-preferred', [bind('preferred', VS, 'ServiceRequest.category')]),
      profile('test-filter', [bind('required', `${VS}-akutt`, 'ServiceRequest.category')]),
    ]),
  );
});

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const request = (...codes: string[]) => ({
  resourceType: 'ServiceRequest',
  text,
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p1' },
  category: [
    { coding: codes.map((code) => ({ system: code.startsWith('x:') ? 'http://other.test' : CS, code: code.replace(/^x:/, '') })) },
  ],
});

describe('terminology bindings against local ValueSets and CodeSystems', () => {
  it('accepts a code in the ValueSet, including nested concepts', async () => {
    expect(errors(await check(v, request('haster'), 'test-required'))).toEqual([]);
    expect(errors(await check(v, request('livstruende'), 'test-required'))).toEqual([]);
  });

  it('a required binding is an error, with the ValueSet named', async () => {
    const f = findingOf(await check(v, request('planlagt'), 'test-required'), 'FHIR-BINDING-REQUIRED');
    expect(f).toMatchObject({ severity: 'error', layer: 'terminology', path: 'ServiceRequest.category[0]' });
    expect(f.message).toContain(VS);
    expect(f.message).toContain('planlagt');
  });

  it('an extensible binding is a warning, a preferred one information', async () => {
    expect(findingOf(await check(v, request('x:foo'), 'test-extensible'), 'FHIR-BINDING-EXTENSIBLE').severity).toBe('warning');
    expect(findingOf(await check(v, request('x:foo'), 'test-preferred'), 'FHIR-BINDING-PREFERRED').severity).toBe('information');
  });

  it('one coding from the ValueSet satisfies a CodeableConcept', async () => {
    expect(errors(await check(v, request('x:foo', 'akutt'), 'test-required'))).toEqual([]);
  });

  it('evaluates is-a filters over the code system hierarchy', async () => {
    expect(errors(await check(v, request('livstruende'), 'test-filter'))).toEqual([]);
    expect(rules(await check(v, request('haster'), 'test-filter'))).toContain('FHIR-BINDING-REQUIRED');
  });

  it('reports a code that its (complete) code system does not define, whatever the binding', async () => {
    const f = findingOf(await check(v, request('akkut'), 'test-preferred'), 'FHIR-CODE-UNKNOWN');
    expect(f.message).toContain("'akkut'");
  });

  it('checks the bindings of the base definitions (code elements)', async () => {
    const r = await check(v, { ...request('haster'), status: 'aktiv' }, 'test-required');
    expect(findingOf(r, 'FHIR-BINDING-REQUIRED').path).toBe('ServiceRequest.status');
  });

  it('does not judge codes from code systems it does not hold (no terminology server is asked)', async () => {
    const r = await check(v, {
      resourceType: 'Condition',
      text,
      subject: { reference: 'Patient/p' },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '22298006' }] },
    });
    expect(errors(r)).toEqual([]);
  });
});

describe('Coding.system names a code system', () => {
  it('refuses a local reference and the URL of a ValueSet, as the HL7 validator does (mr-covid-bnd1)', async () => {
    const v = new FhirValidator(new (await import('../../src/profiles/catalog.js')).ProfileCatalog());
    const obs = (system: string) => ({
      resourceType: 'Observation',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      status: 'final',
      code: { coding: [{ system, code: 'x1' }] },
    });
    expect(findingOf(await check(v, obs('Measure/senger')), 'FHIR-CODE-SYSTEM').message).toContain('absolute URI');
    expect(findingOf(await check(v, obs('http://hl7.org/fhir/ValueSet/measure-type')), 'FHIR-CODE-SYSTEM').message).toContain(
      'names a ValueSet',
    );
    expect(rules(await check(v, obs('urn:oid:2.16.578.1.12.4.1.1.9999')))).not.toContain('FHIR-CODE-SYSTEM');
  });
});
