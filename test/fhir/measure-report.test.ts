import { describe, expect, it } from 'vitest';
import type { FhirResource } from '../../src/fhir/conformance-store.js';
import { ConformanceStore } from '../../src/fhir/conformance-store.js';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { parseJson } from '../../src/fhir/json-parser.js';
import type { JsonObject } from '../../src/fhir/json-nodes.js';
import { checkMeasureReport } from '../../src/fhir/measure-report.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { catalogWith, check, profileOn } from './helpers.js';

const M_URL = 'http://samsvar.test/Measure/fall-risk';
const POP = 'http://terminology.hl7.org/CodeSystem/measure-population';
const GROUPS = 'http://samsvar.test/measure-group';
const AGE = 'http://samsvar.test/age-band';

const pop = (code: string) => ({ code: { coding: [{ system: POP, code }] } });
const concept = (system: string, code: string) => ({ coding: [{ system, code }] });

/** Share of home-care patients over 80 with a fall-risk assessment: one group per municipality area, stratified by age band. */
const measure = (scoring = 'proportion', more: Record<string, unknown> = {}) => ({
  resourceType: 'Measure',
  id: 'fall-risk',
  url: M_URL,
  status: 'active',
  scoring: concept('http://terminology.hl7.org/CodeSystem/measure-scoring', scoring),
  group: [
    {
      id: 'north',
      code: concept(GROUPS, 'north'),
      population: [pop('initial-population'), pop('denominator'), pop('numerator'), pop('measure-observation')],
      stratifier: [
        { id: 'band-80', code: concept(AGE, '80-89') },
        { id: 'band-90', code: concept(AGE, '90+') },
      ],
    },
    { id: 'south', code: concept(GROUPS, 'south'), population: [pop('initial-population')] },
  ],
  ...more,
});

const validator = (m: FhirResource = measure()) =>
  new FhirValidator(catalogWith([{ id: 'mr-any', sd: profileOn('MeasureReport', 'mr-any', []), extra: [m] }]));

const counted = (code: string, count: number) => ({ ...pop(code), count });
const north = (more: Record<string, unknown> = {}) => ({
  code: concept(GROUPS, 'north'),
  population: [counted('initial-population', 40), counted('denominator', 40), counted('numerator', 30)],
  measureScore: { value: 0.75 },
  stratifier: [{ code: [concept(AGE, '80-89')] }, { code: [concept(AGE, '90+')] }],
  ...more,
});
const south = { code: concept(GROUPS, 'south'), population: [counted('initial-population', 12)], measureScore: { value: 0.5 } };

const report = (group: unknown[], more: Record<string, unknown> = {}) => ({
  resourceType: 'MeasureReport',
  status: 'complete',
  type: 'summary',
  measure: M_URL,
  period: { start: '2026-01-01', end: '2026-06-30' },
  group,
  ...more,
});

async function findings(r: unknown, v = validator()) {
  const out = await check(v, r);
  return out.findings.filter((f) => f.ruleId.startsWith('FHIR-MR-'));
}
/** In document order, as the validator lists them. */
const shown = (fs: Awaited<ReturnType<typeof findings>>) => fs.map((f) => `${f.severity} ${f.ruleId} ${f.path}`);

describe('a MeasureReport is checked against its measure', () => {
  it('passes a report whose groups, populations, scores and stratifiers are the measure’s', async () => {
    expect(shown(await findings(report([north(), south])))).toEqual([]);
    // Groups are matched by code, not by place.
    expect(shown(await findings(report([south, north()])))).toEqual([]);
  });

  it('matches groups by code: an unknown, a repeated and a missing group are errors', async () => {
    const fs = await findings(report([north(), { ...south, code: concept(GROUPS, 'east') }, north()]));
    expect(shown(fs)).toEqual([
      'error FHIR-MR-GROUP MeasureReport',
      'error FHIR-MR-GROUP MeasureReport.group[1]',
      'error FHIR-MR-GROUP MeasureReport.group[2]',
    ]);
    expect(fs[0].message).toContain(`${GROUPS}#south`);
    expect(fs[1].message).toContain(`${GROUPS}#east`);
    expect(fs[1].line).toBeGreaterThan(1);
    // A data-collection report may leave groups out.
    expect(shown(await findings(report([{ ...north(), measureScore: undefined }], { type: 'data-collection' })))).toEqual([]);
  });

  it('pairs the only group of each by place, comparing codes only when both have one', async () => {
    const one = measure('proportion', { group: [measure().group[1]] });
    const v = validator(one);
    expect(shown(await findings(report([{ ...south, code: undefined }]), v))).toEqual([]);
    expect(shown(await findings(report([{ ...south, code: concept(GROUPS, 'north') }]), v))).toEqual([
      'error FHIR-MR-GROUP MeasureReport.group[0]',
    ]);
    expect(shown(await findings(report([{ ...south, code: { coding: [{ code: 'south' }] } }]), v))).toEqual([
      'error FHIR-MR-GROUP MeasureReport.group[0]',
    ]);
  });

  it('matches populations by code; the measure-observation population may be left out', async () => {
    const fs = await findings(
      report([
        north({
          population: [counted('initial-population', 40), counted('numerator', 3), counted('numerator', 3), counted('measure-score', 1)],
        }),
        south,
      ]),
    );
    expect(shown(fs)).toEqual([
      'error FHIR-MR-POPULATION MeasureReport.group[0]',
      'error FHIR-MR-POPULATION MeasureReport.group[0].population[2]',
      'error FHIR-MR-POPULATION MeasureReport.group[0].population[3]',
    ]);
    expect(fs[0].message).toContain(`${POP}#denominator`);
  });

  it('counts the subjects of a subject list, and wants counts but no subjects in other reports', async () => {
    const list = {
      resourceType: 'List',
      id: 'north-ip',
      status: 'current',
      mode: 'snapshot',
      entry: [1, 2, 3].map((i) => ({ item: { reference: `Patient/p${i}` } })),
    };
    const subjects = (count: number, reference: string) => ({ ...counted('initial-population', count), subjectResults: { reference } });
    // Populations without a count are not counted; one with a count and no subjects lists none.
    const listed = (p: unknown) =>
      report([north({ population: [p, pop('denominator'), pop('numerator')] }), { ...south, population: [pop('initial-population')] }], {
        type: 'subject-list',
        contained: [list],
      });
    expect(shown(await findings(listed(subjects(3, '#north-ip'))))).toEqual([]);
    const wrong = await findings(listed(subjects(40, '#north-ip')));
    expect(shown(wrong)).toEqual(['error FHIR-MR-POPULATION MeasureReport.group[0].population[0]']);
    expect(wrong[0].message).toBe('count is 40 but the subject list holds 3 subject(s)');
    expect(shown(await findings(listed(subjects(1, 'Group/g1'))))).toEqual([
      'information FHIR-MR-POPULATION MeasureReport.group[0].population[0]',
    ]);

    const summary = await findings(
      report([north({ population: [subjects(3, 'List/x'), pop('denominator'), counted('numerator', 30)] }), south]),
    );
    expect(shown(summary)).toEqual([
      'error FHIR-MR-POPULATION MeasureReport.group[0].population[0]',
      'warning FHIR-MR-POPULATION MeasureReport.group[0].population[1]',
    ]);
    // A count that is there but malformed is the definition's error, not a missing count.
    const malformed = await findings(
      report([north({ population: [pop('initial-population'), { ...pop('denominator'), count: 'x' }, counted('numerator', 3)] }), south]),
    );
    expect(shown(malformed)).toEqual(['warning FHIR-MR-POPULATION MeasureReport.group[0].population[0]']);
  });

  it('checks the score against the scoring: a proportion is a plain number from 0 to 1', async () => {
    const fs = await findings(
      report([north({ measureScore: { value: 75, unit: '%', code: '%' } }), { ...south, measureScore: undefined }]),
    );
    expect(shown(fs)).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore.value',
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore.unit',
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore.code',
      'error FHIR-MR-SCORE MeasureReport.group[1]',
    ]);
  });

  it('compares a proportion as written, and reads DEQM’s alternate score where the value is not a number', async () => {
    const written = (score: string) => JSON.stringify(report([north({ measureScore: { value: '@' } }), south])).replace('"@"', score);
    expect(shown(await findings(written('1.0000000000000000001')))).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore.value',
    ]);
    expect(shown(await findings(written('100e-2')))).toEqual([]);
    expect(shown(await findings(written('-0.0')))).toEqual([]);
    expect(shown(await findings(written('-1e-9')))).toEqual(['error FHIR-MR-SCORE MeasureReport.group[0].measureScore.value']);

    const days = {
      extension: [
        {
          url: 'http://hl7.org/fhir/us/davinci-deqm/StructureDefinition/extension-alternateScoreType',
          valueDuration: { value: 3, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
        },
      ],
    };
    // A value is there as the HL7 validator's JSON parser reads one: null is none, a string or only `_value` is one.
    expect(shown(await findings(written('null')))).toEqual(['error FHIR-MR-SCORE MeasureReport.group[0].measureScore']);
    expect(shown(await findings(written('"1.5"')))).toEqual(['error FHIR-MR-SCORE MeasureReport.group[0].measureScore.value']);
    const onlyExtension = { _value: { extension: [{ url: 'http://samsvar.test/StructureDefinition/note', valueString: 'x' }] } };
    expect(shown(await findings(report([north({ measureScore: onlyExtension }), south])))).toEqual([]);
    const cv = validator(measure('continuous-variable'));
    expect(shown(await findings(report([north({ measureScore: days }), { ...south, measureScore: days }]), cv))).toEqual([]);
    expect(shown(await findings(report([north({ measureScore: {} }), { ...south, measureScore: days }]), cv))).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore',
    ]);
  });

  it('forbids a score for a cohort and in a data-collection report', async () => {
    expect(shown(await findings(report([north(), south]), validator(measure('cohort'))))).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore',
      'error FHIR-MR-SCORE MeasureReport.group[1].measureScore',
    ]);
    expect(shown(await findings(report([north()], { type: 'data-collection' })))).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore',
    ]);
  });

  it('wants a ratio’s unit, and the one the measure fixes', async () => {
    const perThousand = {
      url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit',
      valueCoding: { system: 'http://unitsofmeasure.org', code: '/10*3' },
    };
    const scored = (measureScore: unknown) => report([north({ measureScore }), { ...south, measureScore }]);
    expect(shown(await findings(scored({ value: 4.2 }), validator(measure('ratio'))))).toEqual([
      'warning FHIR-MR-SCORE MeasureReport.group[0].measureScore',
      'warning FHIR-MR-SCORE MeasureReport.group[1].measureScore',
    ]);
    const fixed = validator(measure('ratio', { extension: [perThousand] }));
    expect(shown(await findings(scored({ value: 4.2, system: 'http://unitsofmeasure.org', code: '/10*3' }), fixed))).toEqual([]);
    const other = await findings(scored({ value: 4.2, system: 'http://unitsofmeasure.org', code: '%' }), fixed);
    expect(shown(other)).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore.code',
      'error FHIR-MR-SCORE MeasureReport.group[1].measureScore.code',
    ]);
    expect(other[0].message).toContain('http://unitsofmeasure.org#/10*3');
    // The system is compared on its own: a wrong code in a wrong system is two problems.
    expect(shown(await findings(scored({ value: 4.2, system: 'http://samsvar.test/units', code: '%' }), fixed))).toEqual([
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore',
      'error FHIR-MR-SCORE MeasureReport.group[0].measureScore.code',
      'error FHIR-MR-SCORE MeasureReport.group[1].measureScore',
      'error FHIR-MR-SCORE MeasureReport.group[1].measureScore.code',
    ]);
  });

  it('matches stratifiers by code, or by text where neither has codings', async () => {
    const fs = await findings(
      report([north({ stratifier: [{}, { code: [concept(AGE, '70-79')] }, { code: [concept(AGE, '80-89')] }] }), south]),
    );
    expect(shown(fs)).toEqual([
      'error FHIR-MR-STRATIFIER MeasureReport.group[0]',
      'error FHIR-MR-STRATIFIER MeasureReport.group[0].stratifier[0]',
      'error FHIR-MR-STRATIFIER MeasureReport.group[0].stratifier[1]',
    ]);
    expect(fs[0].message).toContain('(id band-90)');
    const byText = measure('proportion', {
      group: [{ ...measure().group[0], stratifier: [{ code: { text: 'alder' } }] }, measure().group[1]],
    });
    expect(shown(await findings(report([north({ stratifier: [{ code: [{ text: 'alder' }] }] }), south]), validator(byText)))).toEqual([]);
  });

  it('says what it cannot check: a measure not loaded, a contained one, a scoring it does not know', async () => {
    expect(shown(await findings(report([north()], { measure: 'http://samsvar.test/Measure/other' })))).toEqual([
      'warning FHIR-MR-MEASURE MeasureReport',
    ]);
    const own = { ...measure(), url: undefined, id: 'own' };
    expect(
      shown(await findings(report([north(), south], { measure: '#own', contained: [own] }), validator({ resourceType: 'Basic' }))),
    ).toEqual([]);
    expect(shown(await findings(report([north(), south]), validator(measure('adherence'))))).toEqual([
      'information FHIR-MR-MEASURE MeasureReport.measure',
    ]);
  });

  it('lists at most 200 problems, counts the rest in one finding, and grows linearly', async () => {
    const many = report([north({ population: Array.from({ length: 5000 }, () => pop('no-such')) }), south]);
    const fs = await findings(many);
    expect(fs).toHaveLength(201);
    const rest = fs.filter((f) => f.message.includes('more problems against its measure than the 200 listed'));
    expect(rest.map((f) => `${f.severity} ${f.ruleId}`)).toEqual(['error FHIR-MR-POPULATION']);
    const v = validator();
    const wide = (n: number) => ({
      ...measure(),
      group: Array.from({ length: n }, (_, i) => ({ code: concept(GROUPS, `g${i}`), population: [pop('initial-population')] })),
    });
    const run = async (n: number) =>
      check(
        v,
        report(
          Array.from({ length: n }, (_, i) => ({
            code: concept(GROUPS, `g${n - 1 - i}`),
            population: [counted('initial-population', 1)],
            measureScore: { value: 1 },
          })),
          { measure: '#wide', contained: [{ ...wide(n), id: 'wide', url: undefined }] },
        ),
      );
    expect(await growthRatio(run, 300)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });

  /**
   * The module alone, not the whole validation: validating thousands of groups or Lists costs far
   * more than a quadratic lookup among them, which would then hide in the ratio.
   */
  describe('grows linearly in both resources, the rule code alone', () => {
    const walk = { store: new ConformanceStore(), add: () => undefined };
    const ratioOf = (make: (n: number) => unknown, n: number) => {
      const run = (size: number) => {
        const parsed = parseJson(new TextEncoder().encode(JSON.stringify(make(size))));
        if (!parsed.ok) throw new Error('not JSON');
        return () => checkMeasureReport(walk, parsed.root as JsonObject, 'MeasureReport');
      };
      const small = run(n);
      const large = run(n * 8);
      return growthRatio((size) => (size === n ? small() : large()), n);
    };
    const codings = (n: number, from: number) => ({
      coding: Array.from({ length: n }, (_, i) => ({ system: GROUPS, code: `c${from + i}` })),
    });
    const own = (m: Record<string, unknown>) => ({ ...m, id: 'own', url: undefined });

    it('with the codings of the only group of each', async () => {
      const make = (n: number) =>
        report([{ code: codings(n, n), population: [counted('initial-population', 1)], measureScore: { value: 1 } }], {
          measure: '#own',
          contained: [own({ ...measure(), group: [{ code: codings(n, 0), population: [pop('initial-population')] }] })],
        });
      expect(await ratioOf(make, 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    });

    it('with the groups of a report and the measure’s extensions', async () => {
      const unit = {
        url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit',
        valueCoding: { system: 'http://unitsofmeasure.org', code: '1' },
      };
      const make = (n: number) =>
        report(
          Array.from({ length: n }, (_, i) => ({
            code: concept(GROUPS, `g${i}`),
            population: [counted('initial-population', 1)],
            measureScore: { value: 1, system: 'http://unitsofmeasure.org', code: '1' },
          })),
          {
            measure: '#own',
            contained: [
              own({
                ...measure('ratio'),
                extension: [...Array.from({ length: n }, (_, i) => ({ url: `http://samsvar.test/x${i}`, valueString: 'x' })), unit],
                group: Array.from({ length: n }, (_, i) => ({ code: concept(GROUPS, `g${i}`), population: [pop('initial-population')] })),
              }),
            ],
          },
        );
      expect(await ratioOf(make, 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    });

    it('with the subject lists of a subject-list report and their entries', async () => {
      const lists = (n: number, entries: number) =>
        Array.from({ length: n }, (_, i) => ({
          resourceType: 'List',
          id: `l${i}`,
          entry: Array.from({ length: entries }, () => ({ item: { reference: 'Patient/p' } })),
        }));
      // Each population its own code, so that each is matched and its subjects counted.
      const populations = (n: number, ref: (i: number) => string) =>
        Array.from({ length: n }, (_, i) => ({ code: concept(POP, `p${i}`), count: 1, subjectResults: { reference: ref(i) } }));
      const subjectList = (n: number, ref: (i: number) => string, contained: unknown[]) =>
        report([{ code: concept(GROUPS, 'north'), population: populations(n, ref), measureScore: { value: 1 } }], {
          type: 'subject-list',
          measure: '#own',
          contained: [
            own({
              ...measure(),
              group: [
                { code: concept(GROUPS, 'north'), population: Array.from({ length: n }, (_, i) => ({ code: concept(POP, `p${i}`) })) },
              ],
            }),
            ...contained,
          ],
        });
      const many = (n: number) => subjectList(n, (i) => `#l${i}`, lists(n, 1));
      const long = (n: number) => subjectList(n, () => '#l0', lists(1, n));
      expect(await ratioOf(many, 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
      expect(await ratioOf(long, 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    });
  });
});
