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

describe('profiles written the older way, and choice elements named by their bare name', () => {
  // Communication.payload.content[x]: one slice per type, discriminated by the type of `content`.
  const byContentType = profileOn('Communication', 'test-payload-types', [
    { path: 'Communication.payload', slicing: { discriminator: [{ type: 'type', path: 'content' }], rules: 'closed' } },
    // No ids: each child belongs to the slice its path last named, as in profiles written before R4.
    { path: 'Communication.payload', sliceName: 'tekst', max: '1' },
    { path: 'Communication.payload.content[x]', type: [{ code: 'string' }] },
    { path: 'Communication.payload', sliceName: 'vedlegg' },
    { path: 'Communication.payload.content[x]', type: [{ code: 'Attachment' }] },
  ]);
  const v = new FhirValidator(catalogWith([{ id: 'test-payload-types', sd: byContentType }]));
  const communication = (payload: unknown[]) => ({ resourceType: 'Communication', text, status: 'completed', payload });

  it('matches a type discriminator on a choice element by the type its JSON name carries', async () => {
    const ok = communication([{ contentString: 'Hei' }, { contentAttachment: { contentType: 'text/plain', data: 'SGVp' } }]);
    expect(errors(await check(v, ok, 'test-payload-types'))).toEqual([]);
    const twoTexts = communication([{ contentString: 'Hei' }, { contentString: 'igjen' }]);
    expect(findingOf(await check(v, twoTexts, 'test-payload-types'), 'FHIR-CARDINALITY-MAX').message).toContain("slice 'tekst'");
    const reference = communication([{ contentReference: { reference: 'Patient/1' } }]);
    expect(findingOf(await check(v, reference, 'test-payload-types'), 'FHIR-SLICE-NOMATCH').path).toBe('Communication.payload[0]');
  });
});

describe('a profile discriminator', () => {
  const CODES = 'http://samsvar.test/CodeSystem/maalinger';
  const observationOf = (id: string, code: string) =>
    profileOn('Observation', id, [
      { id: 'Observation.code', path: 'Observation.code', fixedCodeableConcept: { coding: [{ system: CODES, code }] } },
    ]);
  const puls = observationOf('test-puls', 'puls');
  const vekt = observationOf('test-vekt', 'vekt');
  const bundleProfile = profileOn('Bundle', 'test-maalinger', [
    { id: 'Bundle.entry', path: 'Bundle.entry', slicing: { discriminator: [{ type: 'profile', path: 'resource' }], rules: 'closed' } },
    { id: 'Bundle.entry:puls', path: 'Bundle.entry', sliceName: 'puls', min: 1, max: '1' },
    { id: 'Bundle.entry:puls.resource', path: 'Bundle.entry.resource', type: [{ code: 'Observation', profile: [puls.url] }] },
    { id: 'Bundle.entry:vekt', path: 'Bundle.entry', sliceName: 'vekt', min: 1, max: '1' },
    { id: 'Bundle.entry:vekt.resource', path: 'Bundle.entry.resource', type: [{ code: 'Observation', profile: [vekt.url] }] },
  ]);
  const v = new FhirValidator(catalogWith([{ id: 'test-maalinger', sd: bundleProfile, extra: [puls as never, vekt as never] }]));
  const observation = (code: string) => ({
    resourceType: 'Observation',
    text,
    status: 'final',
    code: { coding: [{ system: CODES, code }] },
  });
  const bundle = (...codes: string[]) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: codes.map((c, i) => ({ fullUrl: `urn:uuid:0c3b8f0e-5d8e-4c7a-9a55-7e0d6f1b2c3${i}`, resource: observation(c) })),
  });

  it('tells apart resources of one type by the profile each conforms to', async () => {
    expect(errors(await check(v, bundle('vekt', 'puls'), 'test-maalinger'))).toEqual([]);
    const twoPulses = await check(v, bundle('puls', 'puls'), 'test-maalinger');
    expect(findingOf(twoPulses, 'FHIR-CARDINALITY-MAX').message).toContain("slice 'puls'");
    expect(findingOf(twoPulses, 'FHIR-CARDINALITY-MIN').message).toContain("slice 'vekt'");
    const other = findingOf(await check(v, bundle('vekt', 'puls', 'temperatur'), 'test-maalinger'), 'FHIR-SLICE-NOMATCH');
    expect(other.path).toBe('Bundle.entry[2]');
    expect(other.message).toContain('does not conform to');
  });
});

describe('a type discriminator through resolve() on a local reference', () => {
  const list = profileOn('List', 'test-list-types', [
    { id: 'List.entry', path: 'List.entry', slicing: { discriminator: [{ type: 'type', path: 'item.resolve()' }], rules: 'closed' } },
    { id: 'List.entry:tilstand', path: 'List.entry', sliceName: 'tilstand', min: 1, max: '1' },
    {
      id: 'List.entry:tilstand.item',
      path: 'List.entry.item',
      type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Condition'] }],
    },
    { id: 'List.entry:maaling', path: 'List.entry', sliceName: 'maaling', min: 1, max: '1' },
    {
      id: 'List.entry:maaling.item',
      path: 'List.entry.item',
      type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Observation'] }],
    },
  ]);
  const v = new FhirValidator(catalogWith([{ id: 'test-list-types', sd: list }]));
  const contained = [
    { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/1' } },
    { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'puls' } },
  ];
  const withEntries = (...refs: string[]) => ({
    resourceType: 'List',
    text,
    contained,
    status: 'current',
    mode: 'working',
    entry: refs.map((reference) => ({ item: { reference } })),
  });

  it('takes the type of the contained resource a "#id" names', async () => {
    expect(errors(await check(v, withEntries('#c1', '#o1'), 'test-list-types'))).toEqual([]);
    const twice = await check(v, withEntries('#c1', '#c1', '#o1'), 'test-list-types');
    expect(findingOf(twice, 'FHIR-CARDINALITY-MAX').message).toContain("slice 'tilstand'");
  });
});

describe('a profile discriminator on a data type', () => {
  const codingFrom = (id: string, system: string) => ({
    ...profileOn('Coding', id, [{ id: 'Coding.system', path: 'Coding.system', min: 1, fixedUri: system }]),
    kind: 'complex-type',
  });
  const icpc = codingFrom('test-coding-icpc', 'urn:oid:2.16.578.1.12.4.1.1.7170');
  const icd = codingFrom('test-coding-icd', 'urn:oid:2.16.578.1.12.4.1.1.7110');
  const condition = profileOn('Condition', 'test-condition-codings', [
    { id: 'Condition.code', path: 'Condition.code', min: 1 },
    {
      id: 'Condition.code.coding',
      path: 'Condition.code.coding',
      slicing: { discriminator: [{ type: 'profile', path: '$this' }], rules: 'closed' },
    },
    {
      id: 'Condition.code.coding:icpc',
      path: 'Condition.code.coding',
      sliceName: 'icpc',
      min: 1,
      max: '1',
      type: [{ code: 'Coding', profile: [icpc.url] }],
    },
    {
      id: 'Condition.code.coding:icd',
      path: 'Condition.code.coding',
      sliceName: 'icd',
      max: '1',
      type: [{ code: 'Coding', profile: [icd.url] }],
    },
  ]);
  const v = new FhirValidator(catalogWith([{ id: 'test-condition-codings', sd: condition, extra: [icpc as never, icd as never] }]));
  const conditionWith = (...systems: string[]) => ({
    resourceType: 'Condition',
    text,
    subject: { reference: 'Patient/1' },
    code: { coding: systems.map((system, i) => ({ system, code: `K${i}` })) },
  });

  it('tells codings apart by the Coding profile each conforms to', async () => {
    expect(errors(await check(v, conditionWith('urn:oid:2.16.578.1.12.4.1.1.7170'), 'test-condition-codings'))).toEqual([]);
    const both = conditionWith('urn:oid:2.16.578.1.12.4.1.1.7110', 'urn:oid:2.16.578.1.12.4.1.1.7170');
    expect(errors(await check(v, both, 'test-condition-codings'))).toEqual([]);
    const other = findingOf(
      await check(v, conditionWith('urn:oid:2.16.578.1.12.4.1.1.7170', 'http://snomed.info/sct'), 'test-condition-codings'),
      'FHIR-SLICE-NOMATCH',
    );
    expect(other.path).toBe('Condition.code.coding[1]');
    expect(other.message).toContain('does not conform to');
  });
});
