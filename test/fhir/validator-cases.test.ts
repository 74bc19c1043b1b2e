/**
 * Cases of the HL7 validator's own R4 test suite (FHIR/fhir-test-cases), each re-written in
 * test/fhir/validator-cases/ with samsvar's synthetic data: the fact under test carries over, with
 * the number of errors the HL7 Java validator reports for the original. samsvar must reach the same
 * verdict; where it counts errors differently, the fixture says why (`countDiffers`).
 * `npm run fidelity` compares against the full suite when a checkout of it is at hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseValidator, check } from './helpers.js';

interface ValidatorCase {
  case: string;
  module: string;
  fact: string;
  javaErrors: number;
  samsvarErrors: string[];
  countDiffers?: string;
  resource: unknown;
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'validator-cases');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ValidatorCase);

describe('the HL7 validator R4 cases: samsvar reaches the validator verdict', () => {
  const v = baseValidator();
  it.each(cases.map((c) => [`${c.case} (${c.module}): ${c.fact}`, c] as const))('%s', async (_, c) => {
    const r = await check(v, c.resource);
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors.length > 0, JSON.stringify(errors, null, 1)).toBe(c.javaErrors > 0);
    expect(errors.map((f) => f.ruleId).sort()).toEqual(c.samsvarErrors);
    if (!c.countDiffers) expect(errors.length).toBe(c.javaErrors);
  });
});
