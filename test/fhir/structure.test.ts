import { beforeAll, describe, expect, it } from 'vitest';
import type { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { baseValidator, check, errors, findingOf, rules } from './helpers.js';

let v: FhirValidator;
beforeAll(() => {
  v = baseValidator();
});

const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const patient = (more: Record<string, unknown> = {}) => ({ resourceType: 'Patient', id: 'p1', text: narrative, ...more });

describe('base R4 structure', () => {
  it('accepts a correct Patient without findings', async () => {
    const r = await check(
      v,
      patient({ name: [{ family: 'Nordmann', given: ['Kari'] }], gender: 'female', birthDate: '1972-03-13', active: true }),
    );
    expect(r.findings).toEqual([]);
    expect(r.profile).toBeNull();
    expect(r.detection).toContain('base FHIR R4 Patient');
  });

  it('reports an unknown element with its FHIRPath and position', async () => {
    const r = await check(v, patient({ fodselsdato: '1972-03-13' }));
    const f = findingOf(r, 'FHIR-STRUCTURE-UNKNOWN');
    expect(f).toMatchObject({ severity: 'error', layer: 'structure', path: 'Patient.fodselsdato', line: 8, column: 3 });
    expect(f.message).toContain("'fodselsdato'");
  });

  it('reports unknown elements inside data types and backbone elements', async () => {
    const r = await check(v, patient({ name: [{ family: 'N', surname: 'x' }], contact: [{ gender: 'male', phone: '123' }] }));
    expect(r.findings.filter((f) => f.ruleId === 'FHIR-STRUCTURE-UNKNOWN').map((f) => f.path)).toEqual([
      'Patient.name[0].surname',
      'Patient.contact[0].phone',
    ]);
  });

  it('requires arrays for repeating elements and single values otherwise', async () => {
    const r = await check(v, patient({ name: { family: 'N' }, gender: ['female'] }));
    expect(r.findings.filter((f) => f.ruleId === 'FHIR-STRUCTURE-ARRAY').map((f) => f.path)).toEqual(['Patient.name', 'Patient.gender']);
  });

  it('refuses empty arrays and empty objects', async () => {
    const r = await check(v, patient({ identifier: [], maritalStatus: {} }));
    expect(rules(r)).toContain('FHIR-STRUCTURE-EMPTY');
    expect(findingOf(r, 'FHIR-INVARIANT-ele-1').path).toBe('Patient.maritalStatus');
  });

  it.each([
    ['active', 'true', 'JSON boolean'],
    ['birthDate', '13.03.1972', 'not a valid date'],
    ['birthDate', 19720313, 'JSON string'],
    ['id', 'has space', 'not a valid id'],
    ['deceasedDateTime', '2020-01-01T10:00:00', 'not a valid dateTime'],
    ['multipleBirthInteger', 1.5, 'not a whole number'],
    ['gender', ' female', 'not a valid code'],
    ['implicitRules', 'has space', 'not a valid uri'],
  ])('checks the primitive %s = %j', async (key, value, message) => {
    const r = await check(v, patient({ [key]: value }));
    const f = findingOf(r, 'FHIR-STRUCTURE-PRIMITIVE');
    expect(f.path).toBe(`Patient.${key}`);
    expect(f.message).toContain(message);
  });

  it('requires a uri that names an identifier to name a valid one, as the HL7 validator does', async () => {
    const uri = async (value: string) => {
      const r = await check(v, patient({ implicitRules: value }));
      return r.findings.filter((f) => f.ruleId === 'FHIR-STRUCTURE-PRIMITIVE').map((f) => f.message.replace(/^.*" /, ''));
    };
    expect(await uri('urn:uuid:3f2a9c1e-5b7d-4e8f-a012-3456789abcde')).toEqual([]);
    expect(await uri('urn:uuid:3f2a9c1e-5b7d-4e8f-a012-3456789abcde#part')).toEqual([]);
    expect(await uri('urn:oid:2.16.578.1.12.4.1.1.9034')).toEqual([]);
    expect(await uri('urn:uuid:3F2A9C1E-5B7D-4E8F-A012-3456789ABCDE')).toEqual([expect.stringContaining('lowercase hex digits')]);
    expect(await uri('urn:uuid:3f2a9c1e-5b7d-4e8f-a012-3456789abcdeff')).toEqual([expect.stringContaining('lowercase hex digits')]);
    // A leading zero in an OID arc is left alone: the published no-basis Endpoint profile has one.
    expect(await uri('urn:oid:2.16.578.1.12.4.1.1.0000')).toEqual([]);
    expect(await uri('oid:2.16.578')).toEqual([expect.stringContaining('lacks its urn: prefix')]);
    // A canonical may name a version after |.
    const vs = {
      resourceType: 'ValueSet',
      status: 'active',
      url: 'http://samsvar.test/vs',
      compose: { include: [{ valueSet: ['urn:oid:2.16.578.1|1.0'] }] },
    };
    expect((await check(v, vs)).findings.filter((f) => f.ruleId === 'FHIR-STRUCTURE-PRIMITIVE')).toEqual([]);
  });

  it('requires a canonical reference to be an absolute URL or a #fragment, as the HL7 validator does', async () => {
    const canonical = async (value: string) => {
      const vs = {
        resourceType: 'ValueSet',
        status: 'active',
        url: 'http://samsvar.test/vs',
        compose: { include: [{ valueSet: [value] }] },
      };
      return (await check(v, vs)).findings.filter((f) => f.ruleId === 'FHIR-STRUCTURE-PRIMITIVE').map((f) => f.message);
    };
    for (const ok of [
      'http://samsvar.test/ValueSet/x|2.0',
      'urn:oid:2.16.578.1.12.4.1.1.9034',
      'urn:uuid:3f2a9c1e-5b7d-4e8f-a012-3456789abcde',
      '#own',
    ])
      expect(await canonical(ok)).toEqual([]);
    for (const bad of ['ValueSet/x', 'x', 'HTTP://samsvar.test/x', 'http:', 'urn:'])
      expect(await canonical(bad)).toEqual([expect.stringContaining('not an absolute URL')]);
    // A uri may be relative.
    expect(errors(await check(v, patient({ implicitRules: 'rules/local' })))).toEqual([]);
  });

  it('accepts FHIR date and time forms of every precision', async () => {
    for (const d of ['1972', '1972-03', '1972-03-13']) expect(errors(await check(v, patient({ birthDate: d })))).toEqual([]);
    for (const t of ['2020', '2020-01-01', '2020-01-01T10:00:00+01:00', '2020-01-01T10:00:00.123Z'])
      expect(errors(await check(v, patient({ deceasedDateTime: t })))).toEqual([]);
  });

  it('checks resourceType and refuses what is not a resource', async () => {
    expect(rules(await check(v, { id: 'x' }))).toEqual(['FHIR-STRUCTURE-RESOURCETYPE']);
    expect(findingOf(await check(v, { resourceType: 'Pasient' }), 'FHIR-STRUCTURE-RESOURCETYPE').message).toContain(
      "'Pasient' is not a FHIR R4 resource type",
    );
    expect(rules(await check(v, [1, 2]))).toEqual(['FHIR-STRUCTURE-RESOURCETYPE']);
  });

  it('resolves choice types by their suffix and names the allowed ones', async () => {
    expect(errors(await check(v, patient({ deceasedBoolean: false })))).toEqual([]);
    const r = await check(v, patient({ deceasedString: 'yes' }));
    const f = findingOf(r, 'FHIR-STRUCTURE-UNKNOWN');
    expect(f.message).toContain('deceasedBoolean, deceasedDateTime');
  });

  it('counts two values of one choice element against its max', async () => {
    const r = await check(v, patient({ deceasedBoolean: false, deceasedDateTime: '2020' }));
    expect(findingOf(r, 'FHIR-CARDINALITY-MAX').path).toBe('Patient.deceased');
  });

  it('refuses a string longer than 1 MB in any string element, an element id too, but not in an attachment or narrative', async () => {
    const mb = 1024 * 1024;
    const location = (positionId: string, description = 'Legevakt') => ({
      resourceType: 'Location',
      id: 'l1',
      text: narrative,
      description,
      position: { id: positionId, longitude: 10.75, latitude: 59.91 },
    });
    const tooLong = findingOf(await check(v, location('a'.repeat(mb + 1))), 'FHIR-STRUCTURE-PRIMITIVE');
    expect(tooLong).toMatchObject({ severity: 'error', path: 'Location.position.id' });
    expect(tooLong.message).toContain('longer than FHIR allows a string, 1 MB');
    // Counted in bytes of UTF-8: 600,000 × "ø" (2 bytes each) is over, 1 MB of ASCII exactly is not.
    expect(errors(await check(v, location('p', 'ø'.repeat(600_000))))).toEqual(['FHIR-STRUCTURE-PRIMITIVE']);
    expect(errors(await check(v, location('p', 'a'.repeat(mb))))).toEqual([]);
    const photo = { contentType: 'image/png', data: 'QUJD'.repeat(mb / 2) };
    expect(errors(await check(v, patient({ photo: [photo] })))).toEqual([]);
  });

  it('validates primitive extensions in _name companions', async () => {
    const ok = await check(
      v,
      patient({
        birthDate: '1972',
        _birthDate: {
          extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1972-03-13T10:00:00+01:00' }],
        },
      }),
    );
    expect(errors(ok)).toEqual([]);
    const bad = await check(v, patient({ _birthDate: { foo: 1 } }));
    expect(findingOf(bad, 'FHIR-STRUCTURE-UNKNOWN').path).toBe('Patient.birthDate.foo');
    expect(findingOf(await check(v, patient({ _nonsense: {} })), 'FHIR-STRUCTURE-UNKNOWN').path).toBe('Patient._nonsense');
  });

  it('validates contained resources against their own definition', async () => {
    const r = await check(v, {
      resourceType: 'Observation',
      text: narrative,
      status: 'final',
      code: { text: 'puls' },
      subject: { reference: '#p' },
      contained: [{ resourceType: 'Patient', id: 'p', gender: 'kvinne' }],
    });
    const f = findingOf(r, 'FHIR-BINDING-REQUIRED');
    expect(f.path).toBe('Observation.contained[0].gender');
  });

  it('reports a local reference to a contained resource that is not there', async () => {
    const r = await check(v, {
      resourceType: 'Observation',
      text: narrative,
      status: 'final',
      code: { text: 'puls' },
      subject: { reference: '#nope' },
    });
    expect(rules(r)).toContain('FHIR-REF-CONTAINED');
  });

  it('validates every entry of a Bundle', async () => {
    const r = await check(v, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:9d1f6f62-8b4e-4b8a-9f55-4f7d8c0b6d10', resource: patient() },
        { fullUrl: 'urn:uuid:4b7c1e0a-2f3d-4c5e-8a9b-0c1d2e3f4a5b', resource: { resourceType: 'Patient', gender: 'kvinne' } },
      ],
    });
    expect(errors(r)).toEqual(['FHIR-BINDING-REQUIRED']);
    expect(findingOf(r, 'FHIR-BINDING-REQUIRED').path).toBe('Bundle.entry[1].resource.gender');
  });
});

describe('primitive checks on hostile strings', () => {
  it('checks base64Binary with work linear in its length (the specification regex backtracks exponentially)', async () => {
    const v = baseValidator();
    const binary = (n: number) => ({ resourceType: 'Binary', contentType: 'text/plain', data: `${'AAAA '.repeat(n)}!` });
    expect(await growthRatio((n) => check(v, binary(n)), 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    const r = await check(v, binary(5000));
    expect(findingOf(r, 'FHIR-STRUCTURE-PRIMITIVE').message).toContain('not valid base64');
    expect(errors(await check(v, { resourceType: 'Binary', contentType: 'text/plain', data: 'SGVp IGRlZw==' }))).toEqual([]);
  });
});
