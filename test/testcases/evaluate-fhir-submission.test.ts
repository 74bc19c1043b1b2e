import { describe, expect, it } from 'vitest';
import { checkOrgNumber, checkPersonNumber, mod11ControlDigit } from '../../src/identifiers/norwegian-ids.js';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { randomSource, syntheticFodselsnummer } from '../../src/testcases/synthetic-data.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { shippedEngine } from './helpers.js';

const FHIR_PROFILES = ['no-basis-patient', 'no-basis-practitioner', 'no-basis-organization', 'no-documentreference-sharing'];
const engine = shippedEngine(FHIR_PROFILES);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => testcases.find((t) => t.id === id)!;

const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';
const DNR = 'urn:oid:2.16.578.1.12.4.1.4.2';
const fnr = syntheticFodselsnummer(randomSource('fhir-fixtures'));

/** The same person's D-nummer: day + 40, control digits recomputed (individual number varied until both exist). */
function dnummer(): string {
  const day = String(Number(fnr.fnr.slice(0, 2)) + 40);
  for (let i = 0; i < 500; i++) {
    const nine = `${day}${fnr.fnr.slice(2, 6)}${String(i).padStart(3, '0')}`;
    const d = [...nine].map(Number);
    const k1 = mod11ControlDigit(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    const k2 = k1 === null ? null : mod11ControlDigit([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k1 !== null && k2 !== null) return `${nine}${k1}${k2}`;
  }
  throw new Error('no D-nummer');
}

function orgnr(first8: string): string {
  const k = mod11ControlDigit([...first8].map(Number), [3, 2, 7, 6, 5, 4, 3, 2]);
  if (k === null) throw new Error('no control digit');
  return `${first8}${k}`;
}

const ORGNR = orgnr('99887766');

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: FNR, value: fnr.fnr }],
  name: [{ family: 'Testesen', given: ['Kari'] }],
  birthDate: fnr.dateOfBirth,
  telecom: [{ system: 'phone', value: '+4799999999' }],
  address: [{ use: 'home', line: ['Testveien 1'], postalCode: '0150', city: 'Oslo' }],
  generalPractitioner: [{ reference: 'Practitioner/lege-1' }],
};

const practitioner = {
  resourceType: 'Practitioner',
  identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9999801' }],
  active: true,
  name: [{ family: 'Testlege', given: ['Tea'] }],
  telecom: [{ system: 'email', value: 'tea.testlege@example.org' }],
  qualification: [{ code: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9060', code: 'LE', display: 'Lege' }] } }],
};

const organization = {
  resourceType: 'Organization',
  identifier: [
    { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: ORGNR },
    { system: 'urn:oid:2.16.578.1.12.4.1.2', value: '8999921' },
  ],
  active: true,
  name: 'Hjemmetjenesten, Testkommune',
  partOf: { reference: 'Organization/testkommune' },
  address: [{ line: ['Rådhusgata 1'], postalCode: '9999', city: 'Testby' }],
};

const documentReference = {
  resourceType: 'DocumentReference',
  status: 'current',
  type: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A03-2', display: 'Epikrise' }] },
  subject: { reference: 'Patient/p1', identifier: { system: FNR, value: fnr.fnr } },
  date: '2026-11-26T10:00:00+01:00',
  author: [{ reference: 'Practitioner/lege-1' }],
  custodian: { reference: 'Organization/sykehus-1' },
  content: [{ attachment: { contentType: 'application/pdf', url: 'https://dokumenter.example.org/epikrise/1', title: 'Epikrise', size: 48213, hash: 'Hy5S0c1lMm3Zr1w+0lG4D8CZzFQ=' } }],
};

const without = <T extends object>(r: T, ...keys: string[]): T => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k))) as T;

const table: Record<string, { good: object; bad: object; fails: string[] }> = {
  'no-basis-patient-fnr': { good: patient, bad: without(patient, 'birthDate'), fails: ['TC-PAT-BIRTHDATE'] },
  'no-basis-patient-dnr': {
    good: { ...patient, identifier: [{ system: DNR, value: dnummer() }] },
    bad: patient,
    fails: ['TC-PAT-DNR'],
  },
  'no-basis-patient-adresse': { good: patient, bad: without(patient, 'generalPractitioner', 'telecom'), fails: ['TC-PAT-GP', 'TC-PAT-PHONE'] },
  'no-basis-practitioner-hpr': { good: practitioner, bad: { ...practitioner, name: [{ family: 'Testlege' }] }, fails: ['TC-PRAC-NAME'] },
  'no-basis-practitioner-kvalifikasjon': { good: practitioner, bad: without(practitioner, 'qualification'), fails: ['TC-PRAC-QUALIFICATION'] },
  'no-basis-practitioner-kontakt': { good: practitioner, bad: { ...practitioner, active: false }, fails: ['TC-PRAC-ACTIVE'] },
  'no-basis-organization-orgnr': { good: organization, bad: { ...organization, identifier: organization.identifier.slice(1) }, fails: ['TC-ORG-ENH'] },
  'no-basis-organization-herid': { good: organization, bad: { ...organization, identifier: organization.identifier.slice(0, 1) }, fails: ['TC-ORG-HER'] },
  'no-basis-organization-avdeling': { good: organization, bad: without(organization, 'partOf'), fails: ['TC-ORG-PARTOF'] },
  'no-documentreference-sharing-epikrise': {
    good: documentReference,
    bad: { ...documentReference, content: [{ attachment: { ...documentReference.content[0].attachment, contentType: 'text/plain' } }] },
    fails: ['TC-DOC-PDF'],
  },
  'no-documentreference-sharing-forfatter': { good: documentReference, bad: without(documentReference, 'custodian'), fails: ['TC-DOC-CUSTODIAN'] },
  'no-documentreference-sharing-innhold': {
    good: documentReference,
    bad: { ...documentReference, content: [{ attachment: { contentType: 'application/pdf', url: 'https://dokumenter.example.org/epikrise/1' } }] },
    fails: ['TC-DOC-TITLE', 'TC-DOC-INTEGRITY'],
  },
};

const bytes = (o: object) => Buffer.from(JSON.stringify(o, null, 2));

describe.skipIf(!engine)('FHIR submit test cases', () => {
  it('use valid synthetic identifiers in the fixtures', () => {
    expect(checkPersonNumber(fnr.fnr)).toMatchObject({ ok: true, synthetic: true });
    expect(checkPersonNumber(dnummer())).toMatchObject({ ok: true, kind: 'dnr' });
    expect(checkOrgNumber(ORGNR).ok).toBe(true);
  });

  it('every shipped FHIR test case has a known-good and a known-bad resource here, and each profile has three', () => {
    const ids = testcases.filter((t) => t.kind === 'submit' && FHIR_PROFILES.includes(t.profile)).map((t) => t.id);
    expect(Object.keys(table).sort()).toEqual(ids.sort());
    for (const p of FHIR_PROFILES) expect(testcases.filter((t) => t.profile === p).length, p).toBeGreaterThanOrEqual(3);
  });

  it.each(Object.entries(table))('%s passes with a good resource', async (id, c) => {
    const result = await evaluateSubmission(byId(id), bytes(c.good), engine!);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
  });

  it.each(Object.entries(table))('%s fails with a bad resource, naming the assertion', async (id, c) => {
    const result = await evaluateSubmission(byId(id), bytes(c.bad), engine!);
    expect(result.verdict).toBe('failed');
    const named = result.findings.filter((f) => f.layer === 'testcase');
    for (const ruleId of c.fails) expect(named.map((f) => f.ruleId)).toContain(ruleId);
    for (const f of named) expect(f.path).toMatch(/^(Patient|Practitioner|Organization|DocumentReference)\b/);
  });

  it('fails a resource the profile refuses (bad fødselsnummer control digits) even when the assertions hold', async () => {
    const broken = { ...patient, identifier: [{ system: FNR, value: `${fnr.fnr.slice(0, 10)}${(Number(fnr.fnr[10]) + 1) % 10}` }] };
    const result = await evaluateSubmission(byId('no-basis-patient-fnr'), bytes(broken), engine!);
    expect(result.verdict).toBe('failed');
    expect(result.validation.valid).toBe(false);
  });

  it('fails JSON that does not parse with the engine\'s syntax finding and no assertion findings', async () => {
    const result = await evaluateSubmission(byId('no-basis-patient-fnr'), Buffer.from('{"resourceType": "Patient", '), engine!);
    expect(result.verdict).toBe('failed');
    expect(result.findings.some((f) => f.layer === 'syntax')).toBe(true);
    expect(result.findings.some((f) => f.layer === 'testcase')).toBe(false);
  });
});
