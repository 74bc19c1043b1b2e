import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSteps } from '../../src/live/resolve-steps.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { loadTestcaseFile, loadTestcases } from '../../src/testcases/load-testcases.js';
import type { LiveTestcase, Testcase } from '../../src/testcases/testcase.js';

const minimal = (over: Partial<LiveTestcase> = {}): LiveTestcase => ({
  id: 'fhir-live-test',
  kind: 'live',
  profile: 'no-basis-patient',
  title: 'Test',
  description: 'A test of a FHIR API, described so that a vendor can act on it',
  parameters: [{ name: 'patientId', description: 'id of the test patient' }],
  steps: [{ read: { type: 'Patient', id: '{{patientId}}' } }],
  ...over,
});

const live = (all: Testcase[]) => all.filter((t): t is LiveTestcase => t.kind === 'live');

/** Writes a test case file named by its id (or `name`) and loads it as the service does. */
function load(raw: unknown, name = (raw as { id: string }).id): Testcase {
  const dir = mkdtempSync(path.join(tmpdir(), 'live-tc-'));
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, typeof raw === 'string' ? raw : JSON.stringify(raw));
  return loadTestcaseFile(file);
}

describe('shipped live test cases', () => {
  it('are at least two, each valid, optional, and with a description a vendor can act on', () => {
    const all = live(loadTestcases());
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const tc of all) {
      expect(tc.description.length).toBeGreaterThan(100);
      expect(tc.capability?.fhirVersion).toBe('4.0.1');
      // A system can produce no-basis resources without serving a FHIR API: the live test informs, it does not hold back.
      expect(tc.optional).toBe(true);
    }
    expect(all.map((t) => t.id)).toContain('fhir-live-patient-read-search');
  });

  it('name shipped FHIR profiles, and require of the server the canonical URL of that profile', () => {
    const catalog = loadCatalog({ importedDir: mkdtempSync(path.join(tmpdir(), 'no-imported-')) });
    for (const tc of live(loadTestcases(undefined, catalog))) {
      const manifest = catalog.require(tc.profile).manifest;
      expect(manifest.kind).toBe('fhir');
      const declared = (tc.capability?.resources ?? []).flatMap((r) => r.profiles ?? []);
      expect(declared).toContain(manifest.kind === 'fhir' ? manifest.url : '');
    }
  });
});

describe('loading a live test case', () => {
  it('loads with the one test case loader, its id being its file name', () => {
    expect(load(minimal({ id: 'own-test' }))).toMatchObject({ id: 'own-test', kind: 'live' });
    expect(() => load(minimal({ id: 'own-test' }), 'other-name')).toThrow(/the id 'own-test' must equal the file name/);
  });

  it('reports what is wrong with a malformed file', () => {
    expect(() => load('{ not json', 'bad')).toThrow(/not valid JSON/);
    expect(() => loadTestcaseFile(path.join(tmpdir(), 'missing-live-test.json'))).toThrow(/cannot read test case/);
    expect(() => load({ ...minimal(), kind: 'conformance' })).toThrow(
      /is not a valid test case: testcase\.kind must be "submit", "receive" or "live"/,
    );
    expect(() => load({ ...minimal(), steps: [{ delete: { type: 'Patient', id: '1' } }] })).toThrow(/not a valid test case/);
  });

  it('refuses placeholders that are not declared parameters', () => {
    expect(() => load(minimal({ steps: [{ read: { type: 'Patient', id: '{{pasientId}}' } }] }))).toThrow(/step 1 uses \{\{pasientId\}\}/);
  });

  it('refuses a parameter pattern that is not a regular expression', () => {
    expect(() => load(minimal({ parameters: [{ name: 'patientId', description: 'd', pattern: '([' }] }))).toThrow(/invalid pattern/);
  });

  it('refuses an XML profile: live tests validate FHIR resources', () => {
    const catalog = loadCatalog({ importedDir: mkdtempSync(path.join(tmpdir(), 'no-imported-')) });
    const dir = mkdtempSync(path.join(tmpdir(), 'live-tc-'));
    writeFileSync(path.join(dir, 'x-live.json'), JSON.stringify(minimal({ id: 'x-live', profile: 'apprec-1.0' })));
    expect(() => loadTestcaseFile(path.join(dir, 'x-live.json'), catalog)).toThrow(
      /live test cases validate FHIR resources, but profile apprec-1.0 is XML/,
    );
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
    expect(steps[1]).toMatchObject({
      kind: 'search',
      params: { identifier: 'urn:oid:2.16.578.1.12.4.1.4.1|01819010001', _count: ['1'] },
      minResults: 1,
    });
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
