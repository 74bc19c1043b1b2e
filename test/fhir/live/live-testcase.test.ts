import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/profiles/catalog.js';
import { findLiveTestcase, listLiveTestcases, loadLiveTestcase, parseLiveTestcase, resolveSteps, type LiveTestcase } from '../../../src/fhir/live/live-testcase.js';

const minimal = (over: Partial<LiveTestcase> = {}): LiveTestcase => ({
  id: 'fhir-live-test',
  kind: 'live',
  profile: 'no-basis-patient',
  title: 'Test',
  description: 'A test',
  parameters: [{ name: 'patientId', description: 'id of the test patient' }],
  steps: [{ read: { type: 'Patient', id: '{{patientId}}' } }],
  ...over,
});

describe('shipped live test cases', () => {
  it('are at least two, each valid and with a description a vendor can act on', () => {
    const all = listLiveTestcases();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const tc of all) {
      expect(tc.description.length).toBeGreaterThan(100);
      expect(tc.capability?.fhirVersion).toBe('4.0.1');
    }
    expect(all.map((t) => t.id)).toContain('fhir-live-patient-read-search');
  });

  it('name shipped FHIR profiles, and require of the server the canonical URL of that profile', () => {
    const catalog = loadCatalog({ importedDir: mkdtempSync(path.join(tmpdir(), 'no-imported-')) });
    for (const tc of listLiveTestcases()) {
      const manifest = catalog.require(tc.profile).manifest;
      expect(manifest.kind).toBe('fhir');
      const declared = (tc.capability?.resources ?? []).flatMap((r) => r.profiles ?? []);
      expect(declared).toContain(manifest.kind === 'fhir' ? manifest.url : '');
    }
  });

  it('are found by id, or a test case file by its path', () => {
    expect(findLiveTestcase('fhir-live-practitioner-read-search').profile).toBe('no-basis-practitioner');
    const dir = mkdtempSync(path.join(tmpdir(), 'live-tc-'));
    const file = path.join(dir, 'own.json');
    writeFileSync(file, JSON.stringify(minimal({ id: 'own-test' })));
    expect(findLiveTestcase(file).id).toBe('own-test');
    expect(() => findLiveTestcase('no-such-test')).toThrow(/unknown live test case 'no-such-test'; known: .*fhir-live-patient-read-search/);
  });
});

describe('loading a live test case', () => {
  it('reports what is wrong with a malformed file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'live-tc-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadLiveTestcase(bad)).toThrow(/is not valid JSON/);
    expect(() => loadLiveTestcase(path.join(dir, 'missing.json'))).toThrow(/cannot read live test case/);
    expect(() => parseLiveTestcase({ ...minimal(), kind: 'conformance' }, 'x.json')).toThrow(/x.json is not a valid live test case: \/kind/);
    expect(() => parseLiveTestcase({ ...minimal(), steps: [{ delete: { type: 'Patient', id: '1' } }] }, 'x.json')).toThrow(/not a valid live test case/);
  });

  it('refuses placeholders that are not declared parameters', () => {
    expect(() => parseLiveTestcase(minimal({ steps: [{ read: { type: 'Patient', id: '{{pasientId}}' } }] }), 'x.json')).toThrow(/step 1 uses \{\{pasientId\}\}/);
  });

  it('refuses a parameter pattern that is not a regular expression', () => {
    expect(() => parseLiveTestcase(minimal({ parameters: [{ name: 'patientId', description: 'd', pattern: '([' }] }), 'x.json')).toThrow(/invalid pattern/);
  });
});

describe('resolving steps with the vendor parameters', () => {
  const tc = minimal({
    parameters: [
      { name: 'patientId', description: 'id of the test patient' },
      { name: 'fnr', description: 'fødselsnummer', pattern: '\\d{11}', example: '01819010001' },
    ],
    steps: [
      { read: { type: 'Patient', id: '{{patientId}}' } },
      { search: { type: 'Patient', params: { identifier: 'urn:oid:2.16.578.1.12.4.1.4.1|{{ fnr }}', _count: ['1'] } } },
    ],
  });

  it('fills placeholders, names steps and defaults a search to at least one result', () => {
    const steps = resolveSteps(tc, { patientId: 'p-1', fnr: '01819010001' });
    expect(steps[0]).toEqual({ kind: 'read', type: 'Patient', id: 'p-1', profile: 'no-basis-patient', title: 'read Patient/p-1' });
    expect(steps[1]).toMatchObject({ kind: 'search', params: { identifier: 'urn:oid:2.16.578.1.12.4.1.4.1|01819010001', _count: ['1'] }, minResults: 1 });
  });

  it('names missing parameters with their description and example', () => {
    expect(() => resolveSteps(tc, { patientId: 'p-1' })).toThrow(/needs parameter fnr \(fødselsnummer, e\.g\. 01819010001\)/);
  });

  it('refuses unknown parameters, so that a typo does not go unnoticed', () => {
    expect(() => resolveSteps(tc, { patientId: 'p', fnr: '01819010001', fnrr: '1' })).toThrow(/has no parameter fnrr/);
  });

  it('checks values against the declared pattern', () => {
    expect(() => resolveSteps(tc, { patientId: 'p', fnr: '0181901000' })).toThrow(/fnr '0181901000' does not match \\d\{11\}/);
  });

  it('refuses ids that would leave the resource path', () => {
    for (const id of ['../admin', '..', 'a/b', 'a?b=c', 'x'.repeat(65)]) {
      expect(() => resolveSteps(tc, { patientId: id, fnr: '01819010001' })).toThrow(/is not a FHIR resource id/);
    }
  });

  it('refuses control characters in values', () => {
    expect(() => resolveSteps(tc, { patientId: 'p\r\nX-Evil: 1', fnr: '01819010001' })).toThrow(/without control characters/);
  });
});
