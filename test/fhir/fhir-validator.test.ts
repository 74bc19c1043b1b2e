import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { Engine } from '../../src/engine/engine.js';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { loadCatalog, loadProfileDir, ProfileCatalog } from '../../src/profiles/catalog.js';
import { bytes, catalogWith, check, errors, findingOf, profileOn, rules } from './helpers.js';

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const strict = profileOn('Patient', 'test-strict', [{ id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 }]);

let catalog: ProfileCatalog;
let engine: Engine;
beforeAll(() => {
  catalog = catalogWith([{ id: 'test-strict', sd: strict }]);
  engine = new Engine(catalog);
});

describe('choosing the profile', () => {
  it('uses the profile given, and says so', async () => {
    const r = await engine.validate(bytes({ resourceType: 'Patient', text }), { profile: 'test-strict' });
    expect(r).toMatchObject({ format: 'fhir', profile: 'test-strict', detection: 'given', valid: false });
    expect(rules(r)).toEqual(['FHIR-CARDINALITY-MIN']);
  });

  it('follows a meta.profile claim that names a catalog profile', async () => {
    const r = await engine.validate(bytes({ resourceType: 'Patient', text, meta: { profile: [strict.url] } }));
    expect(r.profile).toBe('test-strict');
    expect(r.detection).toBe(`from meta.profile claim ${strict.url}`);
    expect(rules(r)).toEqual(['FHIR-CARDINALITY-MIN']);
  });

  it('checks every profile the resource claims, naming the result after the first, and says what the base finds once', async () => {
    // HL7 validator case ai6: two claimed profiles, and only the second one's rule is broken.
    const withName = profileOn('Patient', 'test-name', [{ id: 'Patient.name', path: 'Patient.name', min: 1 }]);
    const withIdentifier = profileOn('Patient', 'test-identifier', [{ id: 'Patient.identifier', path: 'Patient.identifier', min: 1 }]);
    const both = new Engine(
      catalogWith([
        { id: 'test-name', sd: withName },
        { id: 'test-identifier', sd: withIdentifier },
      ]),
    );
    const patient = {
      resourceType: 'Patient',
      text,
      meta: { profile: [withName.url, withIdentifier.url] },
      name: [{ family: 'Testesen' }],
    };
    const r = await both.validate(bytes(patient));
    expect(r).toMatchObject({ profile: 'test-name', detection: `from meta.profile claim ${withName.url}`, valid: false });
    expect(rules(r)).toEqual(['FHIR-CARDINALITY-MIN']);
    expect(findingOf(r, 'FHIR-CARDINALITY-MIN').path).toBe('Patient.identifier');
    expect(findingOf(r, 'FHIR-CARDINALITY-MIN').message).toContain('identifier');
    // With the profile given (as in a run), the other claims are checked too.
    const given = await both.validate(bytes(patient), { profile: 'test-name' });
    expect(given).toMatchObject({ profile: 'test-name', detection: 'given', valid: false });
    expect(rules(given)).toEqual(['FHIR-CARDINALITY-MIN']);
    // An unknown element is reported once, not once per claimed profile.
    expect(rules(await both.validate(bytes({ ...patient, identifier: [{ value: '1' }], fodselsdato: '1990-04-01' })))).toEqual([
      'FHIR-STRUCTURE-UNKNOWN',
    ]);
  });

  it('falls back to the base definition and warns about a claim it cannot follow', async () => {
    const r = await engine.validate(
      bytes({ resourceType: 'Patient', text, meta: { profile: ['http://example.org/StructureDefinition/ukjent'] } }),
    );
    expect(r.profile).toBeNull();
    expect(r.detection).toContain('validated against the base FHIR R4 Patient');
    expect(findingOf(r, 'FHIR-PROFILE-UNKNOWN')).toMatchObject({ severity: 'warning', path: 'Patient.meta.profile[0]', line: 9 });
    expect(r.valid).toBe(true);
  });

  it('sniffs FHIR JSON by its first byte', async () => {
    const r = await engine.validate(bytes('  {"resourceType":"Patient","gender":"kvinne"}'));
    expect(r.format).toBe('fhir');
    expect(rules(r)).toContain('FHIR-BINDING-REQUIRED');
  });
});

describe('hostile input is a finding, never a crash', () => {
  let v: FhirValidator;
  beforeAll(() => {
    v = new FhirValidator(catalog, { limits: { maxBytes: 10_000, maxDepth: 50 } });
  });

  it.each([
    ['nesting beyond the limit', '{"resourceType":"Patient","extension":' + '['.repeat(60) + ']'.repeat(60) + '}', 'SYNTAX-DEPTH'],
    [
      'input beyond the size limit',
      JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: `<div>${'x'.repeat(20_000)}</div>` } }),
      'SYNTAX-SIZE',
    ],
    ['duplicate keys', '{"resourceType":"Patient","resourceType":"Group"}', 'SYNTAX-JSON-DUPLICATE-KEY'],
    ['truncated JSON', '{"resourceType":"Patient","name":[{"family":"N', 'SYNTAX-JSON'],
    ['a prototype-polluting key', '{"resourceType":"Patient","__proto__":{"admin":true}}', 'FHIR-STRUCTURE-UNKNOWN'],
    ['a JSON string', '"Patient"', 'FHIR-STRUCTURE-RESOURCETYPE'],
  ])('%s', async (_what, input, ruleId) => {
    const r = await v.validate(bytes(input));
    expect(rules(r)).toContain(ruleId);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('does work linear in the length of a huge array of elements', async () => {
    const validator = new FhirValidator(catalog);
    const many = (n: number) => ({
      resourceType: 'Patient',
      text,
      identifier: Array.from({ length: n }, (_, i) => ({ system: 'urn:x', value: String(i) })),
    });
    expect(await growthRatio((n) => check(validator, many(n)), 2500)).toBeLessThan(LINEAR_RATIO_LIMIT);
    const r = await check(validator, many(20_000));
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('a profile that cannot be loaded', () => {
  const broken = profileOn('Patient', 'test-broken', [{ id: 'Patient.fodselsnummer', path: 'Patient.fodselsnummer', min: 1 }]);

  it('fails when it is used, naming the reason, while the other profiles keep working', async () => {
    const v = new FhirValidator(
      catalogWith([
        { id: 'test-broken', sd: broken },
        { id: 'test-strict', sd: strict },
      ]),
    );
    expect(v.problemWith('test-broken')?.detail).toContain('Patient.fodselsnummer');
    await expect(v.validate(bytes({ resourceType: 'Patient' }), 'test-broken')).rejects.toMatchObject({ code: 'profile_invalid' });
    expect(rules(await check(v, { resourceType: 'Patient', text }, 'test-strict'))).toEqual(['FHIR-CARDINALITY-MIN']);
  });

  it('is reported as a finding when a contained resource claims it', async () => {
    const v = new FhirValidator(catalogWith([{ id: 'test-broken', sd: broken }]));
    const r = await check(v, {
      resourceType: 'Observation',
      text,
      status: 'final',
      code: { text: 'x' },
      subject: { reference: '#p' },
      contained: [{ resourceType: 'Patient', id: 'p', meta: { profile: [broken.url] } }],
    });
    expect(findingOf(r, 'FHIR-PROFILE-INVALID').message).toContain('Patient.fodselsnummer');
  });
});

describe('a resource with a flood of findings', () => {
  it('answers with at most 1,000 findings, errors first, and says how many were left out', async () => {
    const engine = new Engine(loadCatalog({ importedDir: '/nonexistent-samsvar-data' }));
    const identifiers = Array.from({ length: 20_000 }, (_, i) => ({
      system: 'urn:oid:2.16.578.1.12.4.1.4.1',
      value: `1234567${String(i).padStart(4, '0')}`,
    }));
    const patient = {
      resourceType: 'Patient',
      meta: { profile: ['http://hl7.no/fhir/StructureDefinition/no-basis-Patient'] },
      identifier: identifiers,
    };
    const r = await engine.validate(new TextEncoder().encode(JSON.stringify(patient)), { format: 'fhir', profile: 'no-basis-patient' });
    expect(r.valid).toBe(false);
    expect(r.findings.length).toBe(1001);
    expect(r.findings.at(-1)).toMatchObject({ ruleId: 'FINDINGS-LIMIT', severity: 'information' });
    expect(r.findings.slice(0, 1000).every((f) => f.severity === 'error')).toBe(true);
  });
});

describe("a FHIR profile's conformance resources in XML", () => {
  it('reads a StructureDefinition written in FHIR XML and validates against it', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'samsvar-fhir-xml-'));
    const url = 'http://samsvar.test/StructureDefinition/test-xml-patient';
    writeFileSync(
      path.join(root, 'sd.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<StructureDefinition xmlns="http://hl7.org/fhir">
  <id value="test-xml-patient"/>
  <url value="${url}"/>
  <name value="TestXmlPatient"/>
  <status value="active"/>
  <kind value="resource"/>
  <abstract value="false"/>
  <type value="Patient"/>
  <baseDefinition value="http://hl7.org/fhir/StructureDefinition/Patient"/>
  <derivation value="constraint"/>
  <differential>
    <element id="Patient">
      <path value="Patient"/>
    </element>
    <element id="Patient.birthDate">
      <path value="Patient.birthDate"/>
      <min value="1"/>
    </element>
  </differential>
</StructureDefinition>`,
    );
    writeFileSync(
      path.join(root, 'profile.json'),
      JSON.stringify({ id: 'test-xml-patient', version: '1.0.0', title: 'x', kind: 'fhir', url, resources: ['sd.xml'] }),
    );
    const catalog = new ProfileCatalog();
    catalog.add(loadProfileDir(root, 'imported'));
    const v = new FhirValidator(catalog);
    expect(errors(await check(v, { resourceType: 'Patient', text, birthDate: '1990-01-01' }, 'test-xml-patient'))).toEqual([]);
    expect(findingOf(await check(v, { resourceType: 'Patient', text }, 'test-xml-patient'), 'FHIR-CARDINALITY-MIN').path).toBe(
      'Patient.birthDate',
    );
    writeFileSync(path.join(root, 'sd.xml'), '<StructureDefinition xmlns="http://hl7.org/fhir"><id value="x"/>');
    const broken = new ProfileCatalog();
    broken.add(loadProfileDir(root, 'imported'));
    await expect(check(new FhirValidator(broken), { resourceType: 'Patient', text }, 'test-xml-patient')).rejects.toThrow(
      /sd.xml is not FHIR XML: Not well-formed XML/,
    );
  });
});
