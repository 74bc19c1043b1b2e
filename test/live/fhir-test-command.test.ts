import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { main } from '../../src/cli/main.js';
import { goodPatient, startFhirFixture, TEST_FNR, type FhirFixture } from './fhir-fixture-server.js';

let fx: FhirFixture;
beforeAll(async () => {
  fx = await startFhirFixture({ token: 'riktig-token' });
});
afterAll(async () => {
  await fx.close();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    env: { SAMSVAR_DATA: mkdtempSync(path.join(tmpdir(), 'samsvar-data-')) },
    cwd: process.cwd(),
  };
  const code = await main(['fhir-test', ...args], io);
  return { code, out, err };
}

const patient = ['--testcase', 'fhir-live-patient-read-search', '--param', `patientId=${goodPatient.id}`, '--param', `fnr=${TEST_FNR}`];

describe('samsvar fhir-test', () => {
  it('exits 0 and prints each step and the verdict for a conformant server', async () => {
    const { code, out } = await cli(fx.base('good'), ...patient);
    expect(code).toBe(0);
    expect(out).toMatch(/step 0 CapabilityStatement \(GET \[base\]\/metadata\): PASSED/);
    expect(out).toMatch(/GET .*\/good\/fhir\/Patient\/pasient-1 → 200 in \d+ ms/);
    expect(out).toMatch(/Patient\/pasient-1 against no-basis-patient: valid/);
    expect(out).toMatch(/verdict: PASSED \(0 error\(s\)/);
  });

  it('exits 1 and lists the findings for a non-conformant server', async () => {
    const { code, out } = await cli(fx.base('bad'), ...patient);
    expect(code).toBe(1);
    expect(out).toMatch(
      /error +LIVE-CAP-FHIRVERSION \[testcase\] at CapabilityStatement\.fhirVersion: The server declares FHIR version "3\.0\.2"/,
    );
    expect(out).toMatch(/Patient\/pasient-1 against no-basis-patient: invalid/);
    expect(out).toMatch(/error +FHIR-\S+ \[terminology\] at Patient\.gender/);
    expect(out).toMatch(/verdict: FAILED/);
  });

  it('writes the result as JSON with --format json', async () => {
    const { code, out } = await cli(fx.base('good'), ...patient, '--format', 'json');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ verdict: 'passed', testcase: { id: 'fhir-live-patient-read-search', profile: 'no-basis-patient' } });
    expect(result.steps).toHaveLength(3);
  });

  it('sends the token from --token or SAMSVAR_FHIR_TOKEN', async () => {
    expect((await cli(fx.base('auth'), ...patient)).code).toBe(1);
    expect((await cli(fx.base('auth'), ...patient, '--token', 'riktig-token')).code).toBe(0);
  });

  it('allows the base URL host only: a redirect elsewhere fails unless --allow-host names it', async () => {
    const { code, out } = await cli(fx.base('redirect-localhost'), ...patient);
    expect(code).toBe(1);
    expect(out).toMatch(/LIVE-REDIRECT .*host localhost:\d+ is not in the allowlist/);
    expect((await cli(fx.base('redirect-localhost'), ...patient, '--allow-host', `localhost:${fx.port}`)).code).toBe(0);
  });

  it('lists the shipped live test cases with the parameters they take', async () => {
    const { code, out } = await cli('--list');
    expect(code).toBe(0);
    expect(out).toMatch(/fhir-live-patient-read-search +\(profile no-basis-patient\)/);
    expect(out).toMatch(/--param fnr=01819010001 +testpasientens syntetiske fødselsnummer/);
  });

  it.each([
    [[], /give exactly one FHIR base URL/],
    [['http://127.0.0.1:1/fhir'], /--testcase is required/],
    [['not a url', '--testcase', 'fhir-live-patient-read-search'], /is not a URL/],
    [['http://127.0.0.1:1/fhir', '--testcase', 'nope'], /unknown live test case 'nope'/],
    [['http://127.0.0.1:1/fhir', '--testcase', 'fhir-live-patient-read-search'], /needs parameter patientId/],
    [['http://127.0.0.1:1/fhir', ...patient, '--param', 'x'], /--param must be name=value/],
    [['http://127.0.0.1:1/fhir', ...patient, '--format', 'xml'], /--format must be text or json/],
    [['http://127.0.0.1:1/fhir', ...patient, '--timeout=0'], /--timeout must be a positive whole number/],
    [['http://127.0.0.1:1/fhir', ...patient, '--timeout', '-5'], /argument is ambiguous/],
    [['http://127.0.0.1:1/fhir', ...patient, '--allow-host', 'http://x'], /host pattern 'http:\/\/x' is not valid/],
    [['ftp://127.0.0.1/fhir', ...patient], /ftp: URLs are not fetched/],
    [['http://127.0.0.1:1/fhir', ...patient, '--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 with a reason for bad usage %j', async (args, message) => {
    const { code, err } = await cli(...(args as string[]));
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
