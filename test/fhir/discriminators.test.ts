import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { splitPath } from '../../src/fhir/plain-values.js';
import { catalogWith, check, errors, findingOf, profileOn } from './helpers.js';

const OFFICIAL = 'http://samsvar.test/StructureDefinition/official';
const official = {
  resourceType: 'StructureDefinition',
  id: 'official',
  url: OFFICIAL,
  name: 'Official',
  status: 'active',
  kind: 'complex-type',
  abstract: false,
  type: 'Extension',
  context: [{ type: 'element', expression: 'Address' }],
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Extension', path: 'Extension', max: '1' },
      { id: 'Extension.url', path: 'Extension.url', fixedUri: OFFICIAL },
      { id: 'Extension.value[x]', path: 'Extension.value[x]', min: 1, type: [{ code: 'boolean' }] },
    ],
  },
};

const profile = profileOn('Patient', 'test-discriminators', [
  {
    id: 'Patient.generalPractitioner',
    path: 'Patient.generalPractitioner',
    slicing: { discriminator: [{ type: 'type', path: 'resolve()' }], rules: 'closed' },
  },
  {
    id: 'Patient.generalPractitioner:lege',
    path: 'Patient.generalPractitioner',
    sliceName: 'lege',
    max: '1',
    type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Practitioner'] }],
  },
  {
    id: 'Patient.generalPractitioner:kontor',
    path: 'Patient.generalPractitioner',
    sliceName: 'kontor',
    max: '1',
    type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Organization'] }],
  },
  {
    id: 'Patient.address',
    path: 'Patient.address',
    slicing: { discriminator: [{ type: 'value', path: `extension('${OFFICIAL}').value` }], rules: 'open' },
  },
  { id: 'Patient.address:offisiell', path: 'Patient.address', sliceName: 'offisiell', min: 1, max: '1' },
  {
    id: 'Patient.address:offisiell.extension:official',
    path: 'Patient.address.extension',
    sliceName: 'official',
    min: 1,
    type: [{ code: 'Extension', profile: [OFFICIAL] }],
  },
  { id: 'Patient.address:offisiell.extension:official.value[x]', path: 'Patient.address.extension.value[x]', fixedBoolean: true },
  { id: 'Patient.address:offisiell.city', path: 'Patient.address.city', min: 1 },
]);

let v: FhirValidator;
beforeAll(() => {
  v = new FhirValidator(catalogWith([{ id: 'test-discriminators', sd: profile, extra: [official] }]));
});

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const patient = (more: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  text,
  address: [{ extension: [{ url: OFFICIAL, valueBoolean: true }], city: 'Bergen' }, { city: 'Oslo' }],
  ...more,
});

describe('discriminator paths', () => {
  it('splits FHIRPath on dots outside parentheses and quotes', () => {
    expect(splitPath("extension('http://a.b/c').value")).toEqual(["extension('http://a.b/c')", 'value']);
    expect(splitPath('code.coding.system')).toEqual(['code', 'coding', 'system']);
    expect(splitPath('$this')).toEqual(['$this']);
  });

  it("slices by an extension's value: extension('url').value", async () => {
    expect(errors(await check(v, patient(), 'test-discriminators'))).toEqual([]);
    const noCity = patient({ address: [{ extension: [{ url: OFFICIAL, valueBoolean: true }] }] });
    expect(findingOf(await check(v, noCity, 'test-discriminators'), 'FHIR-CARDINALITY-MIN').path).toBe('Patient.address[0].city');
    const noOfficial = patient({ address: [{ city: 'Oslo' }] });
    expect(findingOf(await check(v, noOfficial, 'test-discriminators'), 'FHIR-CARDINALITY-MIN').message).toContain("slice 'offisiell'");
  });

  it('slices references by the type of what they resolve to: resolve()', async () => {
    const ok = patient({ generalPractitioner: [{ reference: 'Practitioner/1' }, { reference: 'Organization/2' }] });
    expect(errors(await check(v, ok, 'test-discriminators'))).toEqual([]);
    const f = findingOf(
      await check(v, patient({ generalPractitioner: [{ reference: 'PractitionerRole/3' }] }), 'test-discriminators'),
      'FHIR-SLICE-NOMATCH',
    );
    expect(f.message).toContain('PractitionerRole');
    expect(f.message).toMatch(/nearest is slice '(lege|kontor)'/);
  });
});

describe('slices that leave a discriminator open', () => {
  const MEANING = 'http://terminology.hl7.org/CodeSystem/referencerange-meaning';
  const RACE = 'http://terminology.hl7.org/CodeSystem/v3-Race';
  const NOT_LOADED = 'http://samsvar.test/StructureDefinition/not-loaded-extension';
  const ranges = profileOn('Observation', 'test-open-discriminators', [
    {
      id: 'Observation.referenceRange',
      path: 'Observation.referenceRange',
      slicing: {
        discriminator: [
          { type: 'pattern', path: 'type' },
          { type: 'pattern', path: 'appliesTo' },
        ],
        rules: 'open',
      },
    },
    { id: 'Observation.referenceRange:normal', path: 'Observation.referenceRange', sliceName: 'normal', min: 1, max: '1' },
    {
      id: 'Observation.referenceRange:normal.type',
      path: 'Observation.referenceRange.type',
      min: 1,
      patternCodeableConcept: { coding: [{ system: MEANING, code: 'normal' }] },
    },
    {
      id: 'Observation.referenceRange:normal.appliesTo',
      path: 'Observation.referenceRange.appliesTo',
      min: 1,
      patternCodeableConcept: { coding: [{ system: RACE, code: '1002-5' }] },
    },
    // Names a type but no group it applies to: any appliesTo, or none, fits.
    { id: 'Observation.referenceRange:treatment', path: 'Observation.referenceRange', sliceName: 'treatment', min: 1, max: '1' },
    {
      id: 'Observation.referenceRange:treatment.type',
      path: 'Observation.referenceRange.type',
      min: 1,
      patternCodeableConcept: { coding: [{ system: MEANING, code: 'treatment' }] },
    },
    {
      id: 'Observation.extension',
      path: 'Observation.extension',
      slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' },
    },
    {
      id: 'Observation.extension:device',
      path: 'Observation.extension',
      sliceName: 'device',
      min: 1,
      type: [{ code: 'Extension', profile: [NOT_LOADED] }],
    },
  ]);
  let open: FhirValidator;
  beforeAll(() => {
    open = new FhirValidator(catalogWith([{ id: 'test-open-discriminators', sd: ranges }]), { unknownExtensions: 'warning' });
  });
  const range = (code: string, appliesTo?: string) => ({
    type: { coding: [{ system: MEANING, code }] },
    ...(appliesTo ? { appliesTo: [{ coding: [{ system: RACE, code: appliesTo }] }] } : {}),
    low: { value: 1, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  });
  const observation = (referenceRange: unknown[], url = NOT_LOADED) => ({
    resourceType: 'Observation',
    text,
    extension: [{ url, valueString: 'x' }],
    status: 'final',
    code: { text: 'glukose' },
    referenceRange,
  });

  it('lets a value the slice does not constrain be anything, as the HL7 validator does', async () => {
    const withGroup = observation([range('normal', '1002-5'), range('treatment', '2106-3')]);
    expect(errors(await check(open, withGroup, 'test-open-discriminators'))).toEqual([]);
    const withoutGroup = observation([range('normal', '1002-5'), range('treatment')]);
    expect(errors(await check(open, withoutGroup, 'test-open-discriminators'))).toEqual([]);
  });

  it('lets a slice that forbids the discriminator element (max 0) match by its absence, whatever binding the base gives it (HL7 case slicing-kn)', async () => {
    const telecoms = profileOn('Patient', 'test-telecom-slices', [
      {
        id: 'Patient.telecom',
        path: 'Patient.telecom',
        slicing: {
          discriminator: [
            { type: 'value', path: 'system' },
            { type: 'value', path: 'use' },
          ],
          rules: 'closed',
        },
      },
      { id: 'Patient.telecom:mobil', path: 'Patient.telecom', sliceName: 'mobil', max: '1' },
      { id: 'Patient.telecom:mobil.system', path: 'Patient.telecom.system', fixedCode: 'phone' },
      { id: 'Patient.telecom:mobil.use', path: 'Patient.telecom.use', fixedCode: 'mobile' },
      { id: 'Patient.telecom:epost', path: 'Patient.telecom', sliceName: 'epost', max: '1' },
      { id: 'Patient.telecom:epost.system', path: 'Patient.telecom.system', fixedCode: 'email' },
      { id: 'Patient.telecom:epost.use', path: 'Patient.telecom.use', max: '0' },
    ]);
    const t = new FhirValidator(catalogWith([{ id: 'test-telecom-slices', sd: telecoms }]));
    const patientWith = (...telecom: unknown[]) => ({ resourceType: 'Patient', text, telecom });
    const mobil = { system: 'phone', value: '+4799999999', use: 'mobile' };
    expect(errors(await check(t, patientWith(mobil, { system: 'email', value: 'kari@example.no' }), 'test-telecom-slices'))).toEqual([]);
    const withUse = await check(t, patientWith(mobil, { system: 'email', value: 'kari@example.no', use: 'home' }), 'test-telecom-slices');
    expect(findingOf(withUse, 'FHIR-SLICE-NOMATCH').message).toContain('use is present, the slice forbids it');
  });

  it('still tells the slices apart by the values they do constrain', async () => {
    const r = await check(open, observation([range('normal', '2106-3'), range('treatment')]), 'test-open-discriminators');
    expect(findingOf(r, 'FHIR-CARDINALITY-MIN').message).toContain("slice 'normal'");
  });

  it('matches an extension slice by the url of the extension it names, even when that definition is not loaded', async () => {
    const named = await check(open, observation([range('normal', '1002-5'), range('treatment')]), 'test-open-discriminators');
    expect(errors(named)).toEqual([]);
    const r = await check(
      open,
      observation([range('normal', '1002-5'), range('treatment')], 'http://samsvar.test/other'),
      'test-open-discriminators',
    );
    expect(findingOf(r, 'FHIR-CARDINALITY-MIN').message).toContain("slice 'device'");
  });
});
