// `samsvar validate` on FHIR JSON files with the shipped Norwegian profiles: the offline twin of
// what a live test does with each resource a server returns.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { main } from '../../src/cli/main.js';
import { badPatient, goodPatient, goodPractitioner } from '../live/fhir-fixture-server.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'validate-fhir-'));
  writeFileSync(path.join(dir, 'patient.json'), JSON.stringify(goodPatient, null, 2));
  writeFileSync(path.join(dir, 'bad-patient.json'), JSON.stringify(badPatient, null, 2));
  writeFileSync(path.join(dir, 'practitioner.json'), JSON.stringify(goodPractitioner, null, 2));
  writeFileSync(path.join(dir, 'broken.json'), '{"resourceType": "Patient", ');
});

async function validate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    env: { SAMSVAR_DATA: path.join(dir, 'data') },
    cwd: dir,
  };
  const code = await main(['validate', ...args], io);
  return { code, out, err };
}

describe('samsvar validate with FHIR profiles', () => {
  it('accepts a conformant patient against no-basis-patient', async () => {
    const { code, out } = await validate('patient.json', '--profile', 'no-basis-patient');
    expect(code).toBe(0);
    expect(out).toMatch(/patient\.json: VALID against no-basis-patient/);
  });

  it('reports each problem of a non-conformant patient with its position and FHIRPath', async () => {
    const { code, out } = await validate('bad-patient.json', '--profile', 'no-basis-patient', '--format', 'json');
    expect(code).toBe(1);
    const [result] = JSON.parse(out).results;
    expect(result).toMatchObject({ file: 'bad-patient.json', profile: 'no-basis-patient', format: 'fhir', valid: false });
    const errors = result.findings.filter((f: { severity: string }) => f.severity === 'error');
    expect(errors.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining(['Patient.gender', 'Patient.birthDate', 'Patient.fodselsdato']),
    );
    expect(errors.find((f: { path: string }) => f.path === 'Patient.identifier[0]')?.ruleId).toBe('FHIR-INVARIANT-no-basis-fnr');
    for (const f of errors) expect(f.line).toBeGreaterThan(0);
  });

  it('picks the profile from meta.profile when none is given', async () => {
    const { code, out } = await validate('patient.json', '--format', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(out).results[0]).toMatchObject({ profile: 'no-basis-patient', detection: expect.stringMatching(/meta\.profile/) });
  });

  it('validates a practitioner against no-basis-practitioner, and refuses it as a patient', async () => {
    expect((await validate('practitioner.json', '--profile', 'no-basis-practitioner')).code).toBe(0);
    const asPatient = await validate('practitioner.json', '--profile', 'no-basis-patient', '--format', 'json');
    expect(asPatient.code).toBe(1);
    expect(JSON.parse(asPatient.out).results[0].findings.map((f: { ruleId: string }) => f.ruleId)).toContain('FHIR-PROFILE-TYPE');
  });

  it('reports JSON that does not parse as a syntax finding, not a crash', async () => {
    const { code, out } = await validate('broken.json', '--profile', 'no-basis-patient', '--format', 'json');
    expect(code).toBe(1);
    expect(JSON.parse(out).results[0].findings[0]).toMatchObject({ severity: 'error', layer: 'syntax' });
  });
});
