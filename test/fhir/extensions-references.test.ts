import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { catalogWith, check, errors, extensionOn, findingOf, profileOn, rules } from './helpers.js';

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const CITIZENSHIP = 'http://hl7.org/fhir/StructureDefinition/patient-citizenship';
const BIRTHPLACE = 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace';
const KOMMUNE = 'http://samsvar.test/StructureDefinition/kommune';

/** A simple extension of our own: a kommunenummer (4 digits) on Patient or Address. */
const kommune = extensionOn('kommune', [{ type: 'element', expression: 'Address' }], {
  min: 1,
  type: [{ code: 'string' }],
  constraint: [{ key: 'test-kommune', severity: 'error', human: 'A kommunenummer has 4 digits', expression: "matches('^[0-9]{4}$')" }],
});

const patientProfile = profileOn('Patient', 'test-patient', [
  { id: 'Patient.extension', path: 'Patient.extension', slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } },
  {
    id: 'Patient.extension:citizenship',
    path: 'Patient.extension',
    sliceName: 'citizenship',
    min: 1,
    max: '1',
    type: [{ code: 'Extension', profile: [CITIZENSHIP] }],
  },
  {
    id: 'Patient.generalPractitioner',
    path: 'Patient.generalPractitioner',
    type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Practitioner'] }],
  },
]);

let v: FhirValidator;
beforeAll(() => {
  v = new FhirValidator(catalogWith([{ id: 'test-patient', sd: patientProfile, extra: [kommune] }]));
});

const citizenship = {
  url: CITIZENSHIP,
  extension: [{ url: 'code', valueCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:3166', code: 'NO' }] } }],
};
const patient = (more: Record<string, unknown> = {}) => ({ resourceType: 'Patient', text, extension: [citizenship], ...more });

describe('extensions', () => {
  it('applies the extension definition of a slice', async () => {
    expect(errors(await check(v, patient(), 'test-patient'))).toEqual([]);
    const bad = patient({ extension: [{ url: CITIZENSHIP, extension: [{ url: 'code', valueString: 'NO' }] }] });
    expect(rules(await check(v, bad, 'test-patient'))).toContain('FHIR-STRUCTURE-UNKNOWN');
  });

  it('requires the extension slice the profile makes mandatory', async () => {
    const f = findingOf(await check(v, patient({ extension: undefined }), 'test-patient'), 'FHIR-CARDINALITY-MIN');
    expect(f.message).toContain("slice 'citizenship'");
  });

  it('applies a known extension found by its URL, outside any slice', async () => {
    const ok = patient({ extension: [citizenship, { url: BIRTHPLACE, valueAddress: { city: 'Bergen' } }] });
    expect(errors(await check(v, ok, 'test-patient'))).toEqual([]);
    const wrongType = patient({ extension: [citizenship, { url: BIRTHPLACE, valueString: 'Bergen' }] });
    const f = findingOf(await check(v, wrongType, 'test-patient'), 'FHIR-STRUCTURE-UNKNOWN');
    expect(f.path).toBe('Patient.extension[1].valueString');
  });

  it('applies the extension definitions shipped with a profile, with their invariants', async () => {
    const address = (value: string) => patient({ address: [{ city: 'Bergen', extension: [{ url: KOMMUNE, valueString: value }] }] });
    expect(errors(await check(v, address('4601'), 'test-patient'))).toEqual([]);
    expect(findingOf(await check(v, address('46O1'), 'test-patient'), 'FHIR-INVARIANT-test-kommune').path).toBe(
      'Patient.address[0].extension[0].valueString',
    );
  });

  it('refuses an extension where its context does not allow it', async () => {
    const r = await check(v, patient({ extension: [citizenship, { url: KOMMUNE, valueString: '4601' }] }), 'test-patient');
    const f = findingOf(r, 'FHIR-EXT-CONTEXT');
    expect(f.message).toContain('Address');
  });

  it('refuses an extension whose definition is not loaded, as the HL7 validator does, and still checks its shape', async () => {
    const r = await check(
      v,
      patient({ extension: [citizenship, { url: 'https://fhir.leverandor.no/ukjent', valueString: 'x' }] }),
      'test-patient',
    );
    expect(findingOf(r, 'FHIR-EXT-UNKNOWN')).toMatchObject({ severity: 'error', path: 'Patient.extension[1]' });
    const both = await check(
      v,
      patient({
        extension: [
          citizenship,
          { url: 'https://fhir.leverandor.no/ukjent', valueString: 'x', extension: [{ url: 'a', valueString: 'b' }] },
        ],
      }),
      'test-patient',
    );
    expect(rules(both)).toContain('FHIR-INVARIANT-ext-1');
  });

  it('only warns about an extension at an example URL (example.org), which no package can define, as the HL7 validator accepts it', async () => {
    const r = await check(
      v,
      patient({ extension: [citizenship, { url: 'http://example.org/fhir/ukjent', valueString: 'x' }] }),
      'test-patient',
    );
    expect(findingOf(r, 'FHIR-EXT-UNKNOWN')).toMatchObject({ severity: 'warning', path: 'Patient.extension[1]' });
    expect(findingOf(r, 'FHIR-EXT-UNKNOWN').message).toContain('an example URL');
    expect(errors(r)).toEqual([]);
    // A look-alike is not an example domain.
    const lookalike = await check(
      v,
      patient({ extension: [citizenship, { url: 'http://notexample.org/x', valueString: 'x' }] }),
      'test-patient',
    );
    expect(findingOf(lookalike, 'FHIR-EXT-UNKNOWN').severity).toBe('error');
    // The HL7 validator's own list: example.org and acme.com, not every RFC 2606 domain.
    for (const [url, severity] of [
      ['https://example.com/StructureDefinition/x', 'error'],
      ['http://acme.com/fhir/x', 'warning'],
    ]) {
      const r2 = await check(v, patient({ extension: [citizenship, { url, valueString: 'x' }] }), 'test-patient');
      expect(findingOf(r2, 'FHIR-EXT-UNKNOWN').severity, url).toBe(severity);
    }
  });

  it('only warns about an unknown extension when the deployment says so', async () => {
    const lenient = new FhirValidator(v.catalog, { unknownExtensions: 'warning' });
    const r = await check(
      lenient,
      patient({ extension: [citizenship, { url: 'http://example.org/ukjent', valueString: 'x' }] }),
      'test-patient',
    );
    expect(findingOf(r, 'FHIR-EXT-UNKNOWN').severity).toBe('warning');
    expect(errors(r)).toEqual([]);
  });

  it("only warns about HL7's own extensions beyond R4 (the extensions pack), which are not loaded", async () => {
    const r = await check(
      v,
      patient({
        extension: [citizenship, { url: 'http://hl7.org/fhir/StructureDefinition/patient-fictional-extension', valueString: 'x' }],
      }),
      'test-patient',
    );
    expect(findingOf(r, 'FHIR-EXT-UNKNOWN')).toMatchObject({ severity: 'warning' });
  });

  it('refuses an extension whose url is not absolute (HL7 cases patient-extension-bad, -bad2); the parts of a complex extension are named relatively', async () => {
    for (const url of ['kommune', '']) {
      const f = findingOf(await check(v, patient({ extension: [citizenship, { url, valueString: 'x' }] }), 'test-patient'), 'FHIR-EXT-URL');
      expect(f).toMatchObject({ severity: 'error', path: 'Patient.extension[1].url' });
      expect(f.message).toContain('is not an absolute URL');
    }
    // citizenship's own parts (code, period) are relative, and fine.
    expect(rules(await check(v, patient(), 'test-patient'))).not.toContain('FHIR-EXT-URL');
  });

  it('refuses a part of a complex extension that its definition does not name (HL7 case patient-extension-complex-bad2)', async () => {
    const misspelt = { ...citizenship, extension: [...citizenship.extension, { url: 'kode', valueString: 'NO' }] };
    const f = findingOf(await check(v, patient({ extension: [misspelt] }), 'test-patient'), 'FHIR-EXT-URL');
    expect(f).toMatchObject({ severity: 'error', path: 'Patient.extension[0].extension[1].url' });
    expect(f.message).toBe(
      `Sub-extension url 'kode' is not defined by the extension ${CITIZENSHIP}|4.0.1; its parts are named by the urls its definition fixes`,
    );
    // The parts of an extension no loaded definition describes are not judged.
    const unknown = { url: 'http://example.org/fhir/StructureDefinition/x', extension: [{ url: 'anything', valueString: 'y' }] };
    expect(rules(await check(v, patient({ extension: [citizenship, unknown] }), 'test-patient'))).not.toContain('FHIR-EXT-URL');
  });

  it('refuses a version on an extension url', async () => {
    const r = await check(v, patient({ extension: [{ ...citizenship, url: `${CITIZENSHIP}|4.0.1` }] }), 'test-patient');
    expect(rules(r)).toContain('FHIR-EXT-URL');
  });

  it('refuses an extension on the resource id', async () => {
    const r = await check(
      v,
      patient({
        id: 'p1',
        _id: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
      }),
      'test-patient',
    );
    expect(findingOf(r, 'FHIR-EXT-CONTEXT').message).toContain('resource id');
  });
});

describe('references', () => {
  it('accepts a reference to an allowed target type', async () => {
    expect(errors(await check(v, patient({ generalPractitioner: [{ reference: 'Practitioner/123' }] }), 'test-patient'))).toEqual([]);
    expect(
      errors(
        await check(
          v,
          patient({ generalPractitioner: [{ reference: 'https://fhir.example.no/R4/Practitioner/123/_history/2' }] }),
          'test-patient',
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a target type the profile does not allow', async () => {
    const f = findingOf(
      await check(v, patient({ generalPractitioner: [{ reference: 'Organization/1' }] }), 'test-patient'),
      'FHIR-REF-TYPE',
    );
    expect(f).toMatchObject({ path: 'Patient.generalPractitioner[0]', severity: 'error' });
    expect(f.message).toContain('allows only Practitioner');
  });

  it('uses Reference.type when the reference is logical', async () => {
    expect(
      rules(await check(v, patient({ generalPractitioner: [{ type: 'Organization', identifier: { value: '1' } }] }), 'test-patient')),
    ).toContain('FHIR-REF-TYPE');
  });

  it('resolves contained and Bundle-internal targets to their resource type', async () => {
    const contained = patient({
      generalPractitioner: [{ reference: '#o' }],
      contained: [{ resourceType: 'Organization', id: 'o', name: 'Legekontoret' }],
    });
    expect(rules(await check(v, contained, 'test-patient'))).toContain('FHIR-REF-TYPE');
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', resource: { resourceType: 'Organization', text, name: 'x' } },
        {
          fullUrl: 'urn:uuid:1c3151bd-1cbf-4d64-b04d-cd9187a4c6e0',
          resource: patient({ generalPractitioner: [{ reference: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0' }] }),
        },
      ],
    };
    const r = await check(v, bundle, 'test-patient');
    expect(findingOf(r, 'FHIR-REF-TYPE').path).toBe('Bundle.entry[1].resource.generalPractitioner[0]');
  });

  it('resolves Type/id from an entry whose fullUrl is a URN to the entry urn:uuid:id, whose type must be the one named (HL7 case bad-bundle-reference-type-4)', async () => {
    const id = '5d9588d8-3cd6-4b32-8fb7-ad13694e069d';
    const collection = (held: Record<string, unknown>) => ({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:54fc3e09-e279-4b74-a8ff-2649ec968642',
          resource: patient({ generalPractitioner: [{ reference: `Practitioner/${id}` }] }),
        },
        { fullUrl: `urn:uuid:${id}`, resource: { text, ...held } },
      ],
    });
    const lege = { resourceType: 'Practitioner', name: [{ family: 'Lege' }] };
    expect(errors(await check(v, collection(lege), 'test-patient'))).toEqual([]);
    const f = findingOf(
      await check(v, collection({ resourceType: 'Organization', name: 'Legekontoret' }), 'test-patient'),
      'FHIR-BUNDLE-REF',
    );
    expect(f).toMatchObject({ severity: 'error', path: 'Bundle.entry[0].resource.generalPractitioner[0].reference' });
    expect(f.message).toBe(
      `Bundle.entry[0].resource.generalPractitioner[0].reference 'Practitioner/${id}' names a Practitioner, but the entry it resolves to (entry[1], urn:uuid:${id}: the referring entry's URN base with its id) holds an Organization`,
    );
  });
});

describe("a reference's target profile", () => {
  // A fastlege in this profile must carry an identifier (an HPR-nummer, say).
  const lege = profileOn('Practitioner', 'test-lege', [{ id: 'Practitioner.identifier', path: 'Practitioner.identifier', min: 1 }]);
  const LEGE = lege.url;
  const PATIENT = 'http://samsvar.test/StructureDefinition/test-listed-patient';
  const listed = profileOn('Patient', 'test-listed-patient', [
    { id: 'Patient.generalPractitioner', path: 'Patient.generalPractitioner', type: [{ code: 'Reference', targetProfile: [LEGE] }] },
    { id: 'Patient.link.other', path: 'Patient.link.other', type: [{ code: 'Reference', targetProfile: [PATIENT] }] },
  ]);
  let t: FhirValidator;
  beforeAll(() => {
    t = new FhirValidator(
      catalogWith([{ id: 'test-listed-patient', sd: listed, extra: [{ ...lege, resourceType: 'StructureDefinition' }] }]),
    );
  });
  const hpr = { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144889' };
  const uuid = (n: number) => `urn:uuid:${n.toString(16).padStart(8, '0')}-1cbf-4d64-b04d-cd9187a4c6e0`;
  const bundleOf = (...resources: unknown[]) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource, i) => ({ fullUrl: uuid(i), resource })),
  });
  const listedPatient = (more: Record<string, unknown> = {}) => ({ resourceType: 'Patient', text, ...more });
  const practitioner = (more: Record<string, unknown> = {}) => ({
    resourceType: 'Practitioner',
    text,
    name: [{ family: 'Lege' }],
    ...more,
  });

  it('must hold for a contained target: a fastlege without an identifier is not the lege the profile asks for', async () => {
    const bad = listedPatient({ contained: [practitioner({ id: 'gp' })], generalPractitioner: [{ reference: '#gp' }] });
    const f = findingOf(await check(t, bad, 'test-listed-patient'), 'FHIR-REF-PROFILE');
    expect(f).toMatchObject({ severity: 'error', path: 'Patient.generalPractitioner[0]' });
    expect(f.message).toContain(LEGE);
    expect(f.message).toContain('Practitioner.identifier is required at least 1 time');
    const good = listedPatient({ contained: [practitioner({ id: 'gp', identifier: [hpr] })], generalPractitioner: [{ reference: '#gp' }] });
    expect(errors(await check(t, good, 'test-listed-patient'))).toEqual([]);
  });

  it('must hold for a target in the same Bundle, and the target reports its own faults only where it sits', async () => {
    const bad = bundleOf(listedPatient({ generalPractitioner: [{ reference: uuid(1) }] }), practitioner());
    const r = await check(t, bad, 'test-listed-patient');
    expect(findingOf(r, 'FHIR-REF-PROFILE').path).toBe('Bundle.entry[0].resource.generalPractitioner[0]');
    expect(findingOf(r, 'FHIR-REF-PROFILE').message).toContain(`${uuid(1)} (the Bundle's entry[1])`);
    // The Practitioner claims no profile, so as an entry it is checked against the base definition only.
    expect(errors(r)).toEqual(['FHIR-REF-PROFILE']);
    const good = bundleOf(listedPatient({ generalPractitioner: [{ reference: uuid(1) }] }), practitioner({ identifier: [hpr] }));
    expect(errors(await check(t, good, 'test-listed-patient'))).toEqual([]);
  });

  it('cannot be checked, and so is not passed, when it is not loaded and the instance holds the target', async () => {
    const missing = profileOn('Patient', 'test-missing-target', [
      {
        id: 'Patient.generalPractitioner',
        path: 'Patient.generalPractitioner',
        type: [{ code: 'Reference', targetProfile: ['http://samsvar.test/StructureDefinition/not-loaded-lege'] }],
      },
    ]);
    const m = new FhirValidator(catalogWith([{ id: 'test-missing-target', sd: missing }]));
    const held = listedPatient({ contained: [practitioner({ id: 'gp' })], generalPractitioner: [{ reference: '#gp' }] });
    const f = findingOf(await check(m, held, 'test-missing-target'), 'FHIR-REF-PROFILE-UNKNOWN');
    expect(f).toMatchObject({ severity: 'error', path: 'Patient.generalPractitioner[0]' });
    expect(f.message).toContain("the contained Practitioner '#gp'");
    expect(f.message).toContain('not-loaded-lege: not loaded, so the target could not be checked');
    // A target outside the instance is not judged, as with a loaded target profile.
    const outside = listedPatient({ generalPractitioner: [{ reference: 'Practitioner/1' }] });
    expect(errors(await check(m, outside, 'test-missing-target'))).toEqual([]);
  });

  it('follows a chain of references only so far, so that a hostile Bundle cannot exhaust the stack, and says so', async () => {
    // 1,500 patients, each linked to the next: every link's target must conform to the profile, whose links' targets must too, …
    const claim = { meta: { profile: [PATIENT] } };
    const chain = Array.from({ length: 1500 }, (_, i) =>
      listedPatient({
        ...claim,
        ...(i + 1 < 1500 ? { link: [{ other: { reference: uuid(i + 1) }, type: 'seealso' }] } : {}),
        // One patient far down the chain has a fastlege without an identifier.
        ...(i === 700 ? { contained: [practitioner({ id: 'gp' })], generalPractitioner: [{ reference: '#gp' }] } : {}),
      }),
    );
    const r = await check(t, bundleOf(...chain));
    expect(r.findings.filter((f) => f.ruleId === 'FHIR-REF-PROFILE').map((f) => f.path)).toContain(
      'Bundle.entry[700].resource.generalPractitioner[0]',
    );
    expect(findingOf(r, 'FHIR-REF-PROFILE-DEPTH')).toMatchObject({ severity: 'information' });
    expect(findingOf(r, 'FHIR-REF-PROFILE-DEPTH').message).toContain('followed 16 targets deep');
  });

  it('is not judged for a target outside the instance', async () => {
    const external = listedPatient({ generalPractitioner: [{ reference: 'https://fhir.example.no/R4/Practitioner/1' }] });
    expect(errors(await check(t, external, 'test-listed-patient'))).toEqual([]);
  });

  it('ends where references go round in a circle: patients linked to each other conform', async () => {
    const a = listedPatient({ link: [{ other: { reference: uuid(1) }, type: 'seealso' }] });
    const b = listedPatient({ link: [{ other: { reference: uuid(0) }, type: 'seealso' }] });
    const both = bundleOf(a, b);
    const claim = { meta: { profile: [PATIENT] } };
    expect(errors(await check(t, both, 'test-listed-patient'))).toEqual([]);
    expect(errors(await check(t, bundleOf({ ...a, ...claim }, { ...b, ...claim })))).toEqual([]);
  });
});
