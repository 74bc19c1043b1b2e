import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { runLiveTest, type LiveRunOptions } from '../../src/live/live-runner.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { parseTestcase } from '../../src/testcases/testcase-schema.js';
import type { LiveTestcase } from '../../src/testcases/testcase.js';

const findLiveTestcase = (id: string) => loadTestcases().find((t) => t.id === id) as LiveTestcase;
/** A variant of a shipped live test case, checked by the test case schema as a file would be. */
function parseLiveTestcase(raw: Partial<LiveTestcase>, where: string): LiveTestcase {
  const { source: _source, ...rest } = raw;
  return parseTestcase(JSON.parse(JSON.stringify(rest)), where) as LiveTestcase;
}
import { loadCatalog } from '../../src/profiles/catalog.js';
import { goodPatient, goodPractitioner, SLOW_MS, startFhirFixture, TEST_FNR, TEST_HPR, type FhirFixture } from './fhir-fixture-server.js';

let fx: FhirFixture;
let engine: Engine;
beforeAll(async () => {
  fx = await startFhirFixture({ token: 'riktig-token' });
  engine = new Engine(loadCatalog({ importedDir: mkdtempSync(path.join(tmpdir(), 'no-imported-')) }));
});
afterAll(async () => {
  await fx.close();
});

const patientTest = () => findLiveTestcase('fhir-live-patient-read-search');
const patientParams = { patientId: goodPatient.id, fnr: TEST_FNR };
const options = (variant: string, over: Partial<LiveRunOptions> = {}): LiveRunOptions => ({
  baseUrl: fx.base(variant),
  parameters: patientParams,
  engine,
  allowHosts: `127.0.0.1:${fx.port}`,
  timeoutMs: 2000,
  ...over,
});

describe('runLiveTest against a conformant server', () => {
  it('passes the shipped patient test: capabilities, read and search, every patient valid', async () => {
    const result = await runLiveTest(patientTest(), options('good'));
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
    expect(result.steps.map((s) => [s.index, s.kind, s.outcome])).toEqual([
      [0, 'capabilities', 'passed'],
      [1, 'read', 'passed'],
      [2, 'search', 'passed'],
    ]);
    expect(result.steps[1]!.resources).toMatchObject([{ reference: 'Patient/pasient-1', profile: 'no-basis-patient', valid: true }]);
    expect(result.steps[2]!.exchanges[0]!.url).toBe(
      `${fx.base('good')}/Patient?identifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C${TEST_FNR}`,
    );
    expect(result.resourcesValidated).toBe(2);
  });

  it('passes the shipped practitioner test', async () => {
    const result = await runLiveTest(
      findLiveTestcase('fhir-live-practitioner-read-search'),
      options('good', { parameters: { practitionerId: goodPractitioner.id, hpr: TEST_HPR } }),
    );
    expect(result.verdict).toBe('passed');
    expect(result.resourcesValidated).toBe(2);
  });

  it('reads the CapabilityStatement for what the server says it is when the system under test is named, also without a capability requirement', async () => {
    const tc = parseLiveTestcase({ ...patientTest(), capability: undefined }, 'no-capability.json');
    expect((await runLiveTest(tc, options('good'))).steps.map((s) => s.kind)).toEqual(['read', 'search']);
    const result = await runLiveTest(tc, options('good', { system: { name: 'PasientAPI', version: '1.0' } }));
    expect(result.steps[0]!.kind).toBe('capabilities');
    expect(result.findings.filter((f) => f.step === 0).map((f) => [f.ruleId, f.severity])).toEqual([['LIVE-CAP-SOFTWARE', 'warning']]);
    expect(result.verdict).toBe('passed');
  });

  it('sends the token to a server that requires one', async () => {
    const result = await runLiveTest(patientTest(), options('auth', { token: 'riktig-token' }));
    expect(result.verdict).toBe('passed');
  });

  it('follows search result pages, and counts matches over all of them', async () => {
    const tc = parseLiveTestcase(
      {
        ...patientTest(),
        capability: undefined,
        steps: [
          {
            search: {
              type: 'Patient',
              params: { identifier: `urn:oid:2.16.578.1.12.4.1.4.1|{{fnr}}`, _count: '1' },
              expect: { minResults: 2 },
            },
          },
        ],
      },
      'paging',
    );
    const result = await runLiveTest(tc, options('good'));
    expect(result.verdict).toBe('passed');
    expect(result.steps[0]!.exchanges).toHaveLength(2);
    expect(result.steps[0]!.resources).toHaveLength(2);
  });

  it('validates no more than maxResources and says so', async () => {
    const tc = parseLiveTestcase(
      {
        ...patientTest(),
        capability: undefined,
        steps: [
          { read: { type: 'Patient', id: '{{patientId}}' } },
          { search: { type: 'Patient', params: { identifier: '{{fnr}}', _count: '1' }, expect: { minResults: 1 } } },
        ],
      },
      'cap',
    );
    const result = await runLiveTest(tc, options('good', { maxResources: 1 }));
    expect(result.resourcesValidated).toBe(1);
    expect(result.steps[1]!.notValidated).toBe(1);
    expect(result.steps[1]!.exchanges).toHaveLength(1); // no next page once the cap is reached
    expect(result.findings.find((f) => f.ruleId === 'LIVE-CAP-REACHED')).toMatchObject({ severity: 'information', step: 2 });
    expect(result.verdict).toBe('passed');
  });
});

describe('runLiveTest against a non-conformant server', () => {
  it('fails with testcase findings for the capabilities and search, and engine findings for the resource', async () => {
    const result = await runLiveTest(patientTest(), options('bad'));
    expect(result.verdict).toBe('failed');
    const byStep = (i: number) => result.steps[i]!.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
    expect(byStep(0)).toEqual([
      'LIVE-CAP-FHIRVERSION',
      'LIVE-CAP-FORMAT',
      'LIVE-CAP-PROFILE',
      'LIVE-CAP-INTERACTION',
      'LIVE-CAP-SEARCHPARAM',
    ]);
    expect(result.steps[0]!.findings.every((f) => f.layer === 'testcase' && f.step === 0)).toBe(true);
    // The engine's findings for the returned patient, each tied to the step and the resource.
    const read = result.steps[1]!;
    expect(read.outcome).toBe('failed');
    expect(read.resources[0]).toMatchObject({ reference: 'Patient/pasient-1', valid: false });
    const paths = read.findings.filter((f) => f.severity === 'error').map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate']));
    expect(read.findings.every((f) => f.resource === 'Patient/pasient-1' && f.line === undefined)).toBe(true);
    expect(byStep(2)).toEqual(['LIVE-SEARCH-BUNDLE']);
    expect(result.findings).toHaveLength(result.steps.reduce((n, s) => n + s.findings.length, 0));
  });

  it('fails a read that returns another resource than asked for', async () => {
    const result = await runLiveTest(patientTest(), options('wrong-id'));
    expect(result.steps[1]!.findings.map((f) => f.ruleId)).toContain('LIVE-READ-ID');
    expect(result.verdict).toBe('failed');
  });

  it('does not validate a resource nested absurdly deep, and says why', async () => {
    const result = await runLiveTest(patientTest(), options('deep'));
    expect(result.steps[1]!.findings.map((f) => f.ruleId)).toEqual(['LIVE-TOO-DEEP']);
    expect(result.steps[1]!.resources[0]).toMatchObject({ reference: 'Patient/pasient-1', valid: false });
  });

  it('fails a search that finds nothing, telling the vendor to check its test data', async () => {
    const result = await runLiveTest(patientTest(), options('good', { parameters: { patientId: goodPatient.id, fnr: '01819010192' } }));
    const f = result.steps[2]!.findings.find((x) => x.ruleId === 'LIVE-SEARCH-COUNT');
    expect(f?.message).toMatch(/found 0 Patient resource\(s\); this test expects at least 1\. Check that the test data/);
    expect(result.verdict).toBe('failed');
  });

  it("fails every step of a server that needs a token it did not get, with the server's reason", async () => {
    const result = await runLiveTest(patientTest(), options('auth'));
    expect(result.steps.map((s) => s.findings[0]?.ruleId)).toEqual(['LIVE-HTTP-STATUS', 'LIVE-HTTP-STATUS', 'LIVE-HTTP-STATUS']);
    expect(result.verdict).toBe('failed');
  });

  it('fails on a redirect out of the allowlist and on a next link out of it', async () => {
    const out = await runLiveTest(patientTest(), options('redirect-out'));
    expect(out.steps.map((s) => s.findings[0]?.ruleId)).toEqual(['LIVE-REDIRECT', 'LIVE-REDIRECT', 'LIVE-REDIRECT']);
    const next = await runLiveTest(patientTest(), options('next-out'));
    expect(next.steps[2]!.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['LIVE-HOST-REFUSED']);
    expect(next.verdict).toBe('failed');
  });

  it('bounds the whole run by its time limit', async () => {
    expect(SLOW_MS).toBeGreaterThan(500);
    const result = await runLiveTest(patientTest(), options('slow', { timeoutMs: 300, totalTimeoutMs: 500 }));
    const ruleIds = result.steps.flatMap((s) => s.findings.map((f) => f.ruleId));
    // The first call times out; by the last step the run's own limit has passed.
    expect(ruleIds).toHaveLength(3);
    expect(ruleIds[0]).toBe('LIVE-TIMEOUT');
    expect(ruleIds[2]).toBe('LIVE-DEADLINE');
    expect(result.findings.find((f) => f.ruleId === 'LIVE-DEADLINE')!.message).toMatch(/time limit of 500 ms passed/);
  });

  it('fails a server that answers HTML', async () => {
    const result = await runLiveTest(patientTest(), options('html'));
    expect(result.steps.map((s) => s.findings[0]?.ruleId)).toEqual(['LIVE-NOT-JSON', 'LIVE-NOT-JSON', 'LIVE-NOT-JSON']);
  });

  it('warns about Content-Type application/json, but passes what validates', async () => {
    const result = await runLiveTest(patientTest(), options('plain-json'));
    const warnings = result.findings.filter((f) => f.ruleId === 'LIVE-CONTENT-TYPE');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({ severity: 'warning', layer: 'testcase' });
    expect(warnings[0]!.message).toMatch(/application\/json; FHIR R4 uses application\/fhir\+json/);
    expect(result.verdict).toBe('passed');
  });
});

describe('runLiveTest refuses to start', () => {
  it('when the base URL is not allowlisted', async () => {
    await expect(runLiveTest(patientTest(), options('good', { allowHosts: '' }))).rejects.toMatchObject({ code: 'forbidden' });
    expect(fx.requests.some((r) => r.url.startsWith('/never'))).toBe(false);
  });

  it('when the base URL name resolves to loopback and is allowed only by a wildcard', async () => {
    const resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(
      runLiveTest(
        patientTest(),
        options('good', { baseUrl: `http://fhir.vendor.test:${fx.port}/good/fhir`, allowHosts: '*.vendor.test', resolver }),
      ),
    ).rejects.toThrow(/resolves to 127\.0\.0\.1 \(loopback\)/);
  });

  it('when parameters are missing or the profile is unknown or not FHIR', async () => {
    await expect(runLiveTest(patientTest(), options('good', { parameters: {} }))).rejects.toMatchObject({ code: 'bad_request' });
    const unknown = parseLiveTestcase({ ...patientTest(), profile: 'no-such-profile' }, 'x');
    await expect(runLiveTest(unknown, options('good'))).rejects.toMatchObject({ code: 'not_found' });
    const xml = parseLiveTestcase({ ...patientTest(), profile: 'apprec-1.0' }, 'x');
    await expect(runLiveTest(xml, options('good'))).rejects.toThrow(/is an XML profile/);
  });

  it('when the base URL is not a URL or carries a query', async () => {
    await expect(runLiveTest(patientTest(), options('good', { baseUrl: 'fhir.example.no' }))).rejects.toThrow(/is not a URL/);
    await expect(runLiveTest(patientTest(), options('good', { baseUrl: `${fx.base('good')}?x=1` }))).rejects.toThrow(/query or fragment/);
  });
});
