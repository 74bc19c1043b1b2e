import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { catalogWith, check, profileOn } from './helpers.js';

const LIB = 'http://samsvar.test/Library/fall-risk-logic';
const GROUPS = 'http://samsvar.test/measure-group';
const POP = 'http://terminology.hl7.org/CodeSystem/measure-population';

const library = {
  resourceType: 'Library',
  id: 'fall-risk-logic',
  url: LIB,
  status: 'active',
  type: { coding: [{ code: 'logic-library' }] },
};
const validator = () => new FhirValidator(catalogWith([{ id: 'm-any', sd: profileOn('Measure', 'm-any', []), extra: [library] }]));

const measure = (more: Record<string, unknown>) => ({
  resourceType: 'Measure',
  url: 'http://samsvar.test/Measure/fall-risk',
  status: 'active',
  ...more,
});
const population = (code?: string) => ({
  ...(code ? { code: { coding: [{ system: POP, code }] } } : {}),
  criteria: { language: 'text/fhirpath', expression: 'true' },
});
const cql = { criteria: { language: 'text/cql.identifier', expression: 'Age Band' } };

async function findings(m: unknown) {
  const r = await check(validator(), m);
  return r.findings.filter((f) => f.ruleId.startsWith('FHIR-MEASURE-')).map((f) => `${f.severity} ${f.ruleId} ${f.path}`);
}

describe('a Measure carries what reports are matched by', () => {
  it('passes a measure with one group (which needs no code), coded populations and a library for its CQL', async () => {
    expect(
      await findings(
        measure({
          library: [LIB],
          group: [{ population: [population('initial-population'), population('numerator')], stratifier: [cql] }],
        }),
      ),
    ).toEqual([]);
  });

  it('warns where a report could not be matched: no group, uncoded groups, populations and stratifiers among several', async () => {
    expect(await findings(measure({}))).toEqual(['warning FHIR-MEASURE-GROUP Measure']);
    expect(
      await findings(
        measure({
          group: [
            { code: { coding: [{ system: GROUPS, code: 'north' }] }, population: [population('initial-population'), population()] },
            { stratifier: [{ code: { text: 'alder' } }, {}] },
          ],
        }),
      ),
    ).toEqual([
      'warning FHIR-MEASURE-GROUP Measure.group[0].population[1]',
      'warning FHIR-MEASURE-GROUP Measure.group[1]',
      'warning FHIR-MEASURE-GROUP Measure.group[1]',
      'warning FHIR-MEASURE-GROUP Measure.group[1].stratifier[1]',
    ]);
  });

  it('requires a loaded library for CQL criteria, and says which libraries it does not have', async () => {
    const m = measure({ library: ['http://samsvar.test/Library/elsewhere'], group: [{ population: [population()], stratifier: [cql] }] });
    expect(await findings(m)).toEqual([
      'information FHIR-MEASURE-LIBRARY Measure.library[0]',
      'error FHIR-MEASURE-LIBRARY Measure.group[0].stratifier[0].criteria',
    ]);
  });
});
