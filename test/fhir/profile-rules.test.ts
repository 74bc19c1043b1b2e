import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { catalogWith, check, errors, findingOf, profileOn, rules } from './helpers.js';

const LOINC = 'http://loinc.org';
const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const category = (code: string) => ({ coding: [{ system: CAT, code }] });

/** A blood-pressure-like profile exercising cardinality, fixed and pattern values and every kind of slicing. */
const bp = profileOn('Observation', 'test-bp', [
  { id: 'Observation.status', path: 'Observation.status', fixedCode: 'final' },
  {
    id: 'Observation.category',
    path: 'Observation.category',
    min: 1,
    slicing: { discriminator: [{ type: 'pattern', path: '$this' }], ordered: true, rules: 'closed' },
  },
  {
    id: 'Observation.category:vital',
    path: 'Observation.category',
    sliceName: 'vital',
    min: 1,
    max: '1',
    patternCodeableConcept: category('vital-signs'),
  },
  {
    id: 'Observation.category:survey',
    path: 'Observation.category',
    sliceName: 'survey',
    min: 0,
    max: '1',
    patternCodeableConcept: category('survey'),
  },
  { id: 'Observation.code', path: 'Observation.code', patternCodeableConcept: { coding: [{ system: LOINC, code: '85354-9' }] } },
  { id: 'Observation.subject', path: 'Observation.subject', min: 1 },
  { id: 'Observation.note', path: 'Observation.note', max: '0' },
  {
    id: 'Observation.value[x]',
    path: 'Observation.value[x]',
    slicing: { discriminator: [{ type: 'type', path: '$this' }], ordered: false, rules: 'closed' },
  },
  { id: 'Observation.value[x]:valueQuantity', path: 'Observation.value[x]', sliceName: 'valueQuantity', type: [{ code: 'Quantity' }] },
  { id: 'Observation.referenceRange.low', path: 'Observation.referenceRange.low', min: 1 },
  {
    id: 'Observation.component',
    path: 'Observation.component',
    slicing: { discriminator: [{ type: 'value', path: 'code.coding.code' }], ordered: false, rules: 'open' },
  },
  { id: 'Observation.component:systolic', path: 'Observation.component', sliceName: 'systolic', min: 1, max: '1' },
  { id: 'Observation.component:systolic.code.coding.code', path: 'Observation.component.code.coding.code', fixedCode: '8480-6' },
  { id: 'Observation.component:systolic.value[x]', path: 'Observation.component.value[x]', min: 1, type: [{ code: 'Quantity' }] },
]);

let v: FhirValidator;
beforeAll(() => {
  v = new FhirValidator(catalogWith([{ id: 'test-bp', sd: bp }]));
});

const good = () => ({
  resourceType: 'Observation',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">BP</div>' },
  status: 'final',
  category: [category('vital-signs')],
  code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }], text: 'BT' },
  subject: { reference: 'Patient/p1' },
  // A blood pressure is a vital sign, so the R4 bp profile applies too (UCUM units, a time, both components).
  effectiveDateTime: '2026-03-02T08:15:00+01:00',
  component: [
    {
      code: { coding: [{ system: LOINC, code: '8480-6' }] },
      valueQuantity: { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: LOINC, code: '8462-4' }] },
      valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  ],
});

describe('a profile generated from a differential', () => {
  it('accepts a conforming resource', async () => {
    const r = await check(v, good(), 'test-bp');
    expect(r.findings.map((f) => f.ruleId).sort()).toEqual(['FHIR-VITALSIGNS', 'TERMINOLOGY-NOT-CHECKED']);
    expect(r).toMatchObject({ profile: 'test-bp', profileVersion: '1.0.0', detection: 'given' });
    expect(r.profileSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('cardinality', () => {
    it('reports a missing required element at its parent', async () => {
      const { subject: _s, ...noSubject } = good();
      const f = findingOf(await check(v, noSubject, 'test-bp'), 'FHIR-CARDINALITY-MIN');
      expect(f).toMatchObject({ path: 'Observation.subject', line: 1, column: 1 });
    });

    it('reports an element the profile forbids (max 0)', async () => {
      const f = findingOf(await check(v, { ...good(), note: [{ text: 'x' }] }, 'test-bp'), 'FHIR-CARDINALITY-MAX');
      expect(f.message).toContain('not allowed');
    });

    it('applies to elements inside backbone elements', async () => {
      const r = await check(v, { ...good(), referenceRange: [{ text: 'normal' }] }, 'test-bp');
      expect(findingOf(r, 'FHIR-CARDINALITY-MIN').path).toBe('Observation.referenceRange[0].low');
    });

    it('applies to slices and to elements inside slices', async () => {
      const noSystolic = { ...good(), component: [good().component[1]] };
      expect(findingOf(await check(v, noSystolic, 'test-bp'), 'FHIR-CARDINALITY-MIN').message).toContain("slice 'systolic'");
      const systolicWithoutValue = { ...good(), component: [{ code: good().component[0].code }] };
      const r = await check(v, systolicWithoutValue, 'test-bp');
      expect(r.findings.filter((f) => f.ruleId === 'FHIR-CARDINALITY-MIN').map((f) => f.path)).toContain('Observation.component[0].value');
    });
  });

  describe('fixed and pattern values', () => {
    it('requires the exact fixed value', async () => {
      const f = findingOf(await check(v, { ...good(), status: 'preliminary' }, 'test-bp'), 'FHIR-FIXED');
      expect(f).toMatchObject({ path: 'Observation.status', layer: 'profile' });
      expect(f.message).toContain("'final'");
    });

    it('accepts extra content around a pattern and refuses a missing part', async () => {
      const extra = {
        ...good(),
        code: {
          coding: [
            { system: 'urn:oid:2.16.578.1.12.4.1.1.7010', code: 'BT' },
            { system: LOINC, code: '85354-9' },
          ],
        },
      };
      expect(errors(await check(v, extra, 'test-bp'))).toEqual([]);
      const wrong = { ...good(), code: { coding: [{ system: LOINC, code: '8867-4' }] } };
      expect(findingOf(await check(v, wrong, 'test-bp'), 'FHIR-PATTERN').path).toBe('Observation.code');
    });
  });

  describe('slicing', () => {
    it('names the nearest slice and why an element matched none in a closed slicing (pattern discriminator)', async () => {
      const r = await check(v, { ...good(), category: [category('vital-signs'), category('laboratory')] }, 'test-bp');
      const f = findingOf(r, 'FHIR-SLICE-NOMATCH');
      expect(f.path).toBe('Observation.category[1]');
      expect(f.message).toMatch(/nearest is slice '(vital|survey)'/);
      expect(f.message).toContain('laboratory');
    });

    it('enforces the order of ordered slices', async () => {
      const r = await check(v, { ...good(), category: [category('survey'), category('vital-signs')] }, 'test-bp');
      expect(findingOf(r, 'FHIR-SLICE-ORDER').path).toBe('Observation.category[1]');
    });

    it('slices a choice element by type and refuses other types when closed', async () => {
      // (The R4 bp profile, which applies to every blood pressure, forbids a value on the panel itself: not this profile's slicing.)
      expect(rules(await check(v, { ...good(), valueQuantity: { value: 1 } }, 'test-bp'))).not.toContain('FHIR-SLICE-NOMATCH');
      const f = findingOf(await check(v, { ...good(), valueString: 'high' }, 'test-bp'), 'FHIR-SLICE-NOMATCH');
      expect(f.message).toContain("nearest is slice 'valueQuantity'");
      expect(f.message).toContain('type string');
      expect(f.message).toContain('Quantity');
    });

    it('matches value discriminators and leaves other elements alone in an open slicing', async () => {
      const r = await check(v, { ...good(), component: [...good().component, { code: { text: 'puls' }, valueString: 'x' }] }, 'test-bp');
      expect(errors(r)).toEqual([]);
    });

    it('checks a slice member against the slice (a value discriminator on a fixed code)', async () => {
      const twoSystolic = { ...good(), component: [good().component[0], good().component[0]] };
      const f = findingOf(await check(v, twoSystolic, 'test-bp'), 'FHIR-CARDINALITY-MAX');
      expect(f.message).toContain("slice 'systolic'");
    });
  });

  it('refuses a profile for another resource type', async () => {
    const r = await check(v, { resourceType: 'Patient' }, 'test-bp');
    expect(rules(r)).toEqual(['FHIR-PROFILE-TYPE']);
  });

  it('validates the matching entries of a Bundle against the profile, entry by entry', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:0f8e2a4c-1b3d-4e5f-9a7b-8c6d4e2f0a1b', resource: good() },
        { fullUrl: 'urn:uuid:1a9f3b5d-2c4e-4f60-8b8c-9d7e5f3a1b2c', resource: { ...good(), status: 'amended' } },
        { fullUrl: 'urn:uuid:2b0a4c6e-3d5f-4071-9c9d-0e8f6a4b2c3d', resource: { resourceType: 'Patient' } },
      ],
    };
    const r = await check(v, bundle, 'test-bp');
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => `${f.ruleId} ${f.path}`)).toEqual([
      'FHIR-FIXED Bundle.entry[1].resource.status',
    ]);
  });
});

describe('the resources an element holds', () => {
  const CORE = 'http://hl7.org/fhir/StructureDefinition/';
  const manifestBundle = profileOn('Bundle', 'test-manifest-bundle', [
    {
      id: 'Bundle.entry.resource',
      path: 'Bundle.entry.resource',
      min: 1,
      type: [{ code: 'Resource', profile: [`${CORE}DocumentManifest`] }],
    },
  ]);
  let v: FhirValidator;
  beforeAll(() => {
    v = new FhirValidator(catalogWith([{ id: 'test-manifest-bundle', sd: manifestBundle }]));
  });
  const bundle = (resource: Record<string, unknown>) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ fullUrl: 'urn:uuid:1d9f6a4e-2b43-4c55-9c1e-0b5c1b0e7a11', resource }],
  });
  const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

  it('refuses a resource of another type than the profile on the element allows', async () => {
    const f = findingOf(await check(v, bundle({ resourceType: 'Patient', text }), 'test-manifest-bundle'), 'FHIR-STRUCTURE-RESOURCETYPE');
    expect(f).toMatchObject({ severity: 'error', path: 'Bundle.entry[0].resource' });
    expect(f.message).toContain('allows only DocumentManifest');
    const manifest = { resourceType: 'DocumentManifest', text, status: 'current', content: [{ reference: 'Binary/1' }] };
    expect(errors(await check(v, bundle(manifest), 'test-manifest-bundle'))).toEqual([]);
  });
});

describe('a data type profile the definition names', () => {
  const IKNR = 'https://fhir.example.de/StructureDefinition/identifier-iknr';
  const org = profileOn('Organization', 'test-org-iknr', [
    { id: 'Organization.identifier', path: 'Organization.identifier', type: [{ code: 'Identifier', profile: [IKNR] }] },
  ]);
  let v: FhirValidator;
  beforeAll(() => {
    v = new FhirValidator(catalogWith([{ id: 'test-org-iknr', sd: org }]));
  });
  const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

  it('is an error when it is not loaded, as in the HL7 validator: the value cannot be checked against it', async () => {
    const r = await check(
      v,
      { resourceType: 'Organization', text, name: 'Apotek', identifier: [{ system: 'urn:x', value: '1' }] },
      'test-org-iknr',
    );
    const f = findingOf(r, 'FHIR-PROFILE-INVALID');
    expect(f).toMatchObject({ severity: 'error', path: 'Organization.identifier[0]' });
    expect(f.message).toContain(IKNR);
    expect(errors(await check(v, { resourceType: 'Organization', text, name: 'Apotek' }, 'test-org-iknr'))).toEqual([]);
  });
});

describe('an element whose type allows several data type profiles', () => {
  const withUse = {
    ...profileOn('Address', 'test-address-use', [{ id: 'Address.use', path: 'Address.use', min: 1 }]),
    kind: 'complex-type',
  };
  const withType = {
    ...profileOn('Address', 'test-address-type', [{ id: 'Address.type', path: 'Address.type', min: 1 }]),
    kind: 'complex-type',
  };
  const patientProfile = profileOn('Patient', 'test-patient-addresses', [
    { id: 'Patient.address', path: 'Patient.address', type: [{ code: 'Address', profile: [withUse.url, withType.url] }] },
  ]);
  let v: FhirValidator;
  beforeAll(() => {
    v = new FhirValidator(
      catalogWith([{ id: 'test-patient-addresses', sd: patientProfile, extra: [withUse as never, withType as never] }]),
    );
  });
  const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
  const patient = (address: Record<string, unknown>) => ({ resourceType: 'Patient', text, address: [{ city: 'Bodø', ...address }] });

  it('accepts a value that meets any one of them, the second as well as the first', async () => {
    expect(errors(await check(v, patient({ use: 'home' }), 'test-patient-addresses'))).toEqual([]);
    expect(errors(await check(v, patient({ type: 'postal' }), 'test-patient-addresses'))).toEqual([]);
  });

  it('refuses a value that meets none, and shows what the first requires', async () => {
    const r = await check(v, patient({}), 'test-patient-addresses');
    expect(findingOf(r, 'FHIR-PROFILE-NOMATCH')).toMatchObject({ severity: 'error', path: 'Patient.address[0]' });
    expect(findingOf(r, 'FHIR-CARDINALITY-MIN').path).toBe('Patient.address[0].use');
  });
});

describe('a constraint on what every type of a choice has (effective[x].extension)', () => {
  const ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
  const statement = profileOn('MedicationStatement', 'test-statement-effective', [
    {
      id: 'MedicationStatement.effective[x].extension',
      path: 'MedicationStatement.effective[x].extension',
      max: '1',
      type: [{ code: 'Extension', profile: [ABSENT] }],
    },
  ]);
  let v: FhirValidator;
  beforeAll(() => {
    v = new FhirValidator(catalogWith([{ id: 'test-statement-effective', sd: statement }]));
  });
  const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
  const withPeriod = (extensions: number) => ({
    resourceType: 'MedicationStatement',
    text,
    status: 'active',
    medicationCodeableConcept: { text: 'Paracet' },
    subject: { reference: 'Patient/1' },
    effectivePeriod: {
      start: '2026-11-01',
      extension: Array.from({ length: extensions }, () => ({ url: ABSENT, valueCode: 'unknown' })),
    },
  });

  it('applies it, and the value keeps the children of the type it is', async () => {
    expect(errors(await check(v, withPeriod(1), 'test-statement-effective'))).toEqual([]);
    expect(findingOf(await check(v, withPeriod(2), 'test-statement-effective'), 'FHIR-CARDINALITY-MAX').path).toBe(
      'MedicationStatement.effectivePeriod.extension',
    );
  });
});
