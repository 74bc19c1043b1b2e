import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { catalogWith, check, profileOn } from './helpers.js';

const Q_URL = 'http://samsvar.test/Questionnaire/intake';
const EXT = 'http://hl7.org/fhir/StructureDefinition/';
const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const UCUM = 'http://unitsofmeasure.org';

/** A questionnaire the response holds itself (`questionnaire: '#own'`), for the cases that need a form of their own. */
const ownForm = (item: unknown[], more: Record<string, unknown> = {}) => ({
  resourceType: 'Questionnaire',
  id: 'own',
  status: 'active',
  ...more,
  item,
});

/** A small intake form: each test answers it, rightly or wrongly. */
const questionnaire = {
  resourceType: 'Questionnaire',
  id: 'intake',
  url: Q_URL,
  status: 'active',
  item: [
    {
      linkId: 'name',
      text: 'Navn',
      type: 'string',
      required: true,
      maxLength: 10,
      extension: [{ url: `${EXT}minLength`, valueInteger: 2 }],
    },
    {
      linkId: 'age',
      text: 'Alder',
      type: 'integer',
      extension: [
        { url: `${EXT}minValue`, valueInteger: 0 },
        { url: `${EXT}maxValue`, valueInteger: 130 },
      ],
    },
    { linkId: 'smoker', text: 'Røyker', type: 'boolean' },
    {
      linkId: 'packs',
      text: 'Pakker per dag',
      type: 'decimal',
      required: true,
      enableWhen: [{ question: 'smoker', operator: '=', answerBoolean: true }],
      extension: [{ url: `${EXT}maxDecimalPlaces`, valueInteger: 1 }],
    },
    {
      linkId: 'symptoms',
      text: 'Symptomer',
      type: 'choice',
      repeats: true,
      answerOption: [
        { valueCoding: { system: 'http://samsvar.test/symptom', code: 'cough' } },
        { valueCoding: { system: 'http://samsvar.test/symptom', code: 'fever' } },
        {
          valueCoding: { system: 'http://samsvar.test/symptom', code: 'none' },
          extension: [{ url: `${EXT}questionnaire-optionExclusive`, valueBoolean: true }],
        },
      ],
    },
    { linkId: 'phone', text: 'Telefon', type: 'string', extension: [{ url: `${EXT}regex`, valueString: '[0-9]{8}' }] },
    { linkId: 'visit', text: 'Besøk', type: 'date', extension: [{ url: `${EXT}minValue`, valueDate: '2026-01-01' }] },
    {
      linkId: 'contact',
      text: 'Pårørende',
      type: 'group',
      required: true,
      item: [{ linkId: 'contact-name', text: 'Navn', type: 'string', required: true }],
    },
    { linkId: 'info', text: 'Takk', type: 'display' },
  ],
};

const validator = () =>
  new FhirValidator(catalogWith([{ id: 'qr-any', sd: profileOn('QuestionnaireResponse', 'qr-any', []), extra: [questionnaire] }]));

type Answer = Record<string, unknown>;
const item = (linkId: string, ...answer: Answer[]) => ({ linkId, ...(answer.length ? { answer } : {}) });
const contact = { linkId: 'contact', item: [item('contact-name', { valueString: 'Kari' })] };
const response = (items: unknown[], more: Record<string, unknown> = {}) => ({
  resourceType: 'QuestionnaireResponse',
  questionnaire: Q_URL,
  status: 'completed',
  item: items,
  ...more,
});

async function findings(items: unknown[], more: Record<string, unknown> = {}, v = validator()) {
  const r = await check(v, response(items, more));
  return r.findings.filter((f) => f.ruleId.startsWith('FHIR-QR-') || f.ruleId === 'FHIR-INVARIANT');
}

const shown = (fs: Awaited<ReturnType<typeof findings>>) => fs.map((f) => `${f.severity} ${f.ruleId} ${f.path}`);

describe('a QuestionnaireResponse is checked against its questionnaire', () => {
  it('passes when every answer fits its item', async () => {
    const fs = await findings([
      item('name', { valueString: 'Ola' }),
      item('age', { valueInteger: 40 }),
      item('smoker', { valueBoolean: true }),
      item('packs', { valueDecimal: 1.5 }),
      item(
        'symptoms',
        { valueCoding: { system: 'http://samsvar.test/symptom', code: 'cough' } },
        { valueCoding: { system: 'http://samsvar.test/symptom', code: 'fever' } },
      ),
      item('phone', { valueString: '12345678' }),
      item('visit', { valueDate: '2026-03-01' }),
      contact,
    ]);
    expect(shown(fs)).toEqual([]);
  });

  it('reports a linkId the questionnaire lacks, and one given at the wrong level', async () => {
    const fs = await findings([
      item('name', { valueString: 'Ola' }),
      item('shoe-size', { valueInteger: 42 }),
      item('contact-name', { valueString: 'Kari' }),
      contact,
    ]);
    expect(shown(fs)).toEqual(['error FHIR-QR-ITEM QuestionnaireResponse.item[1]', 'error FHIR-QR-ITEM QuestionnaireResponse.item[2]']);
    expect(fs[0].message).toContain("LinkId 'shoe-size'");
    expect(fs[1].message).toContain('wrong place');
    expect(fs[0].line).toBeGreaterThan(1);
  });

  it('requires the required items of a completed response, and only warns while it is in progress', async () => {
    const missing = [item('age', { valueInteger: 40 }), contact];
    expect(shown(await findings(missing))).toEqual(['error FHIR-QR-ITEM QuestionnaireResponse']);
    expect(shown(await findings(missing, { status: 'in-progress' }))).toEqual(['warning FHIR-QR-ITEM QuestionnaireResponse']);
    expect(shown(await findings([item('name'), contact]))).toEqual(['error FHIR-QR-ITEM QuestionnaireResponse.item[0]']);
  });

  it('requires a required group to hold items, and its required items', async () => {
    const fs = await findings([item('name', { valueString: 'Ola' }), { linkId: 'contact' }]);
    expect(fs.map((f) => `${f.severity} ${f.path}: ${f.message}`)).toEqual([
      "error QuestionnaireResponse.item[1]: Required group 'contact' has no items",
      "error QuestionnaireResponse.item[1]: Required item 'contact-name' has no answer",
    ]);
  });

  it('reports an answer of another type than its item, naming the type it must have', async () => {
    const fs = await findings([item('name', { valueString: 'Ola' }), item('age', { valueString: 'forty' }), contact]);
    expect(shown(fs)).toEqual(['error FHIR-QR-ANSWER QuestionnaireResponse.item[1].answer[0].valueString']);
    expect(fs[0].message).toContain('must be valueInteger');
  });

  it('allows one answer to an item that does not repeat, and one item per linkId', async () => {
    const fs = await findings([
      item('name', { valueString: 'Ola' }, { valueString: 'Per' }),
      item('age', { valueInteger: 1 }),
      item('age', { valueInteger: 2 }),
      contact,
    ]);
    expect(shown(fs)).toEqual([
      'error FHIR-QR-ANSWER QuestionnaireResponse.item[0].answer[1]',
      'error FHIR-QR-ITEM QuestionnaireResponse.item[2]',
    ]);
  });

  it('keeps answers within the limits the items set: value range, length, decimal places, format, dates', async () => {
    const fs = await findings([
      item('name', { valueString: 'O' }),
      item('age', { valueInteger: 131 }),
      item('smoker', { valueBoolean: true }),
      item('packs', { valueDecimal: 1.25 }),
      item('phone', { valueString: '1234' }),
      item('visit', { valueDate: '2025-12-31' }),
      contact,
    ]);
    expect(fs.map((f) => f.message.replace(/ to '.*/, ''))).toEqual([
      "The answer 'O'",
      'The answer 131',
      'The answer 1.25',
      "The answer '1234'",
      'The answer 2025-12-31',
    ]);
    expect(fs.every((f) => f.severity === 'error' && f.ruleId === 'FHIR-QR-ANSWER')).toBe(true);
    expect((await findings([item('name', { valueString: 'Olaolaolaola' }), contact]))[0]?.message).toContain('maximum length, 10');
  });

  it('takes coded answers from the options only, and an exclusive option alone', async () => {
    const sym = (code: string) => ({ valueCoding: { system: 'http://samsvar.test/symptom', code } });
    const unknown = await findings([item('name', { valueString: 'Ola' }), item('symptoms', sym('rash')), contact]);
    expect(shown(unknown)).toEqual(['error FHIR-QR-ANSWER QuestionnaireResponse.item[1].answer[0].valueCoding']);
    const exclusive = await findings([item('name', { valueString: 'Ola' }), item('symptoms', sym('none'), sym('cough')), contact]);
    expect(exclusive.map((f) => f.message)).toEqual([expect.stringContaining('exclusive option')]);
    expect(await findings([item('name', { valueString: 'Ola' }), item('symptoms', sym('none')), contact])).toEqual([]);
  });

  it('follows enableWhen: an item switched off takes no answers, and is not required', async () => {
    const off = await findings([
      item('name', { valueString: 'Ola' }),
      item('smoker', { valueBoolean: false }),
      item('packs', { valueDecimal: 1 }),
      contact,
    ]);
    expect(shown(off)).toEqual(['error FHIR-QR-ITEM QuestionnaireResponse.item[2]']);
    expect(off[0].message).toContain('not enabled');
    expect(await findings([item('name', { valueString: 'Ola' }), item('smoker', { valueBoolean: false }), contact])).toEqual([]);
    const on = await findings([item('name', { valueString: 'Ola' }), item('smoker', { valueBoolean: true }), contact]);
    expect(on.map((f) => f.message)).toEqual(["Required item 'packs' has no answer"]);
  });

  it('reports answers to groups and display items, and questions holding items outside their answers', async () => {
    const fs = await findings([
      item('name', { valueString: 'Ola' }),
      { linkId: 'age', item: [item('smoker', { valueBoolean: false })] },
      { ...contact, answer: [{ valueString: 'x' }] },
      { linkId: 'info', answer: [{ valueString: 'x' }] },
    ]);
    expect(shown(fs)).toEqual([
      'error FHIR-QR-ITEM QuestionnaireResponse.item[1]',
      'error FHIR-QR-ANSWER QuestionnaireResponse.item[2].answer[0]',
      'error FHIR-QR-ANSWER QuestionnaireResponse.item[3].answer[0]',
    ]);
  });

  it('keeps the items in the order of the questionnaire', async () => {
    const fs = await findings([item('age', { valueInteger: 3 }), item('name', { valueString: 'Ola' }), contact]);
    expect(shown(fs)).toEqual(['error FHIR-QR-ITEM QuestionnaireResponse.item[1]']);
    expect(fs[0].message).toContain('out of order');
  });

  it('says when the questionnaire is not loaded, or not named, instead of passing silently', async () => {
    const v = validator();
    const unknown = await check(v, response([item('x')], { questionnaire: 'http://samsvar.test/Questionnaire/other' }));
    expect(unknown.findings.filter((f) => f.ruleId === 'FHIR-QR-QUESTIONNAIRE').map((f) => f.severity)).toEqual(['warning']);
    const none = await check(v, { resourceType: 'QuestionnaireResponse', status: 'completed' });
    expect(none.findings.filter((f) => f.ruleId === 'FHIR-QR-QUESTIONNAIRE').map((f) => f.severity)).toEqual(['information']);
  });

  it('reads a contained questionnaire, and runs its regular expressions in linear time', async () => {
    const own = { ...questionnaire, id: 'own', url: undefined };
    const fs = await findings(
      [item('name', { valueString: 'Ola' }), item('age', { valueString: 'x' }), item('phone', { valueString: 'not a number' }), contact],
      { questionnaire: '#own', contained: [own] },
    );
    expect(shown(fs)).toEqual([
      'error FHIR-QR-ANSWER QuestionnaireResponse.item[1].answer[0].valueString',
      'error FHIR-QR-ANSWER QuestionnaireResponse.item[2].answer[0].valueString',
    ]);
    // A backtracking engine takes exponential time here: 28 characters took over a second.
    const hostile = {
      ...own,
      item: [{ linkId: 'x', type: 'string', extension: [{ url: `${EXT}regex`, valueString: '([A-Za-z]+ ?)*' }] }],
    };
    const run = (n: number) => findings([item('x', { valueString: `${'a'.repeat(n)}!` })], { questionnaire: '#own', contained: [hostile] });
    expect((await run(40)).map((f) => f.message)).toEqual([expect.stringContaining('expected format')]);
    expect(await growthRatio(run, 20_000)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });

  it('says so when a regex is not one it can run, instead of dropping the check', async () => {
    const own = {
      ...questionnaire,
      id: 'own',
      url: undefined,
      item: [{ linkId: 'x', type: 'string', extension: [{ url: `${EXT}regex`, valueString: '(a)\\1' }] }],
    };
    const fs = await findings([item('x', { valueString: 'aa' })], { questionnaire: '#own', contained: [own] });
    expect(fs.map((f) => `${f.severity} ${f.message}`)).toEqual([
      expect.stringMatching(/^warning The regex .* is not one samsvar can run/),
    ]);
    const long = { ...own, item: [{ linkId: 'x', type: 'string', extension: [{ url: `${EXT}regex`, valueString: 'a'.repeat(5000) }] }] };
    const tooLong = await findings([item('x', { valueString: 'aa' })], { questionnaire: '#own', contained: [long] });
    expect(tooLong.map((f) => `${f.severity} ${f.message.length < 400}`)).toEqual(['warning true']);
  });

  it('evaluates an enableWhen expression of a loaded questionnaire', async () => {
    const form = {
      ...questionnaire,
      url: 'http://samsvar.test/Questionnaire/expr',
      item: [
        { linkId: 'a', type: 'boolean' },
        {
          linkId: 'b',
          type: 'string',
          required: true,
          extension: [
            {
              url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression',
              valueExpression: { language: 'text/fhirpath', expression: "%resource.item.where(linkId='a').answer.value = true" },
            },
          ],
        },
      ],
    };
    const v = new FhirValidator(catalogWith([{ id: 'qr-any', sd: profileOn('QuestionnaireResponse', 'qr-any', []), extra: [form] }]));
    const q = { questionnaire: 'http://samsvar.test/Questionnaire/expr' };
    expect(shown(await findings([item('a', { valueBoolean: true })], q, v))).toEqual(['error FHIR-QR-ITEM QuestionnaireResponse']);
    expect(shown(await findings([item('a', { valueBoolean: false })], q, v))).toEqual([]);
    expect(shown(await findings([item('a', { valueBoolean: false }), item('b', { valueString: 'x' })], q, v))).toEqual([
      'error FHIR-QR-ITEM QuestionnaireResponse.item[1]',
    ]);
  });

  it('reads que-12 as its text says: two enableWhen conditions need an enableBehavior', async () => {
    const twoConditions = {
      resourceType: 'Questionnaire',
      status: 'active',
      item: [
        { linkId: 'a', type: 'boolean' },
        {
          linkId: 'b',
          type: 'string',
          enableWhen: [
            { question: 'a', operator: 'exists', answerBoolean: true },
            { question: 'a', operator: '=', answerBoolean: true },
          ],
        },
      ],
    };
    const r = await check(validator(), twoConditions);
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([expect.stringContaining('que-12')]);
  });

  it("warns when the response was authored outside the questionnaire's effective period", async () => {
    const form = {
      ...questionnaire,
      url: 'http://samsvar.test/Questionnaire/period',
      effectivePeriod: { start: '2026-01-01', end: '2026-06' },
    };
    const v = new FhirValidator(catalogWith([{ id: 'qr-any', sd: profileOn('QuestionnaireResponse', 'qr-any', []), extra: [form] }]));
    const answers = [item('name', { valueString: 'Ola' }), contact];
    const at = (authored: string) => findings(answers, { questionnaire: form.url, authored }, v);
    expect(shown(await at('2026-06-30T12:00:00Z'))).toEqual([]);
    expect(shown(await at('2026-07-01'))).toEqual(['warning FHIR-QR-QUESTIONNAIRE QuestionnaireResponse.authored']);
    expect(shown(await at('2025-12-31T23:00:00Z'))).toEqual(['warning FHIR-QR-QUESTIONNAIRE QuestionnaireResponse.authored']);
  });

  it('reads a malformed contained questionnaire without failing: lists that are none are left out', async () => {
    const broken = { resourceType: 'Questionnaire', id: 'bad', status: 'active', item: { linkId: 'x', type: 'string' } };
    const alsoBroken = {
      resourceType: 'Questionnaire',
      id: 'worse',
      status: 'active',
      contained: 'none',
      item: [
        null,
        'text',
        { linkId: 'x', type: 'choice', answerOption: [null, { valueCoding: 'c' }], enableWhen: 'always', extension: 7, item: {} },
      ],
    };
    const odd = {
      resourceType: 'Questionnaire',
      id: 'odd',
      status: 'active',
      item: [
        {
          linkId: 'x',
          type: 'open-choice',
          answerOption: [{ valueCoding: null }],
          extension: [{ url: `${EXT}questionnaire-unitOption`, valueCoding: null }],
        },
      ],
    };
    const prototypeName = { resourceType: 'Questionnaire', id: 'proto', status: 'active', item: [{ linkId: 'x', type: 'constructor' }] };
    for (const [id, c] of [
      ['bad', broken],
      ['worse', alsoBroken],
      ['odd', odd],
      ['proto', prototypeName],
    ] as const) {
      const r = await check(
        validator(),
        response([item('x', { valueCoding: { code: 'c' } })], { questionnaire: `#${id}`, contained: [c] }),
      );
      expect(r.findings.length).toBeGreaterThan(0);
      expect(r.findings.every((f) => typeof f.message === 'string')).toBe(true);
    }
  });

  it('reads enableWhen as the HL7 validator does: a condition without a system matches any, dates by the moment they start', async () => {
    const form = ownForm([
      { linkId: 'a', type: 'choice' },
      { linkId: 'b', type: 'string', enableWhen: [{ question: 'a', operator: '=', answerCoding: { code: 'y' } }] },
      { linkId: 'c', type: 'dateTime' },
      { linkId: 'd', type: 'string', enableWhen: [{ question: 'c', operator: '>=', answerDateTime: '2026-01-01T00:00:00Z' }] },
    ]);
    const fs = await findings(
      [
        item('a', { valueCoding: { system: 'http://samsvar.test/s', code: 'y' } }),
        item('b', { valueString: 'x' }),
        item('c', { valueDateTime: '2025-12-31T23:30:00-02:00' }),
        item('d', { valueString: 'x' }),
      ],
      { questionnaire: '#own', contained: [form] },
    );
    expect(shown(fs)).toEqual([]);
  });

  it('keeps dateTime limits in time zones', async () => {
    const form = ownForm([
      { linkId: 't', type: 'dateTime', extension: [{ url: `${EXT}minValue`, valueDateTime: '2026-01-01T00:00:00Z' }] },
    ]);
    const at = async (when: string) =>
      shown(await findings([item('t', { valueDateTime: when })], { questionnaire: '#own', contained: [form] }));
    expect(await at('2025-12-31T23:30:00-02:00')).toEqual([]);
    expect(await at('2026-01-01T00:30:00+02:00')).toEqual(['error FHIR-QR-ANSWER QuestionnaireResponse.item[0].answer[0].valueDateTime']);
  });

  it('scopes enableWhen to the answer its items sit under', async () => {
    const form = ownForm([
      {
        linkId: 'p',
        type: 'string',
        repeats: true,
        item: [
          { linkId: 'c1', type: 'boolean' },
          { linkId: 'c2', type: 'string', enableWhen: [{ question: 'c1', operator: 'exists', answerBoolean: false }] },
        ],
      },
    ]);
    const fs = await findings(
      [
        {
          linkId: 'p',
          answer: [
            { valueString: 'first', item: [item('c2', { valueString: 'x' })] },
            { valueString: 'second', item: [item('c1', { valueBoolean: true })] },
          ],
        },
      ],
      { questionnaire: '#own', contained: [form] },
    );
    expect(shown(fs)).toEqual([]);
  });

  it('does not warn of a missing answer to an item that enableWhen switches off, in progress or not', async () => {
    const fs = await findings([item('name', { valueString: 'Ola' }), item('smoker', { valueBoolean: false }), item('packs'), contact], {
      status: 'in-progress',
    });
    expect(shown(fs)).toEqual([]);
  });

  it('checks against the version a response names, and only that version', async () => {
    const v1 = { ...questionnaire, version: '1.0' };
    const v = new FhirValidator(catalogWith([{ id: 'qr-any', sd: profileOn('QuestionnaireResponse', 'qr-any', []), extra: [v1] }]));
    const answers = [item('name', { valueString: 'Ola' }), contact];
    expect(shown(await findings(answers, { questionnaire: `${Q_URL}|1.0` }, v))).toEqual([]);
    expect(shown(await findings(answers, { questionnaire: `${Q_URL}|2.0` }, v))).toEqual([
      'warning FHIR-QR-QUESTIONNAIRE QuestionnaireResponse.questionnaire',
    ]);
  });

  it('lists at most 200 problems of one response, and counts the rest: a repeating group of n required items answered n times', async () => {
    const form = (n: number) =>
      ownForm([
        {
          linkId: 'g',
          type: 'group',
          repeats: true,
          item: Array.from({ length: n }, (_, i) => ({ linkId: `r${i}`, type: 'string', required: true })),
        },
      ]);
    const run = (n: number) =>
      check(
        validator(),
        response(
          Array.from({ length: n }, (_, i) => ({ linkId: 'g', item: [item(`r${i}`, { valueString: 'x' })] })),
          { questionnaire: '#own', contained: [form(n)] },
        ),
      );
    const r = await run(100);
    const qr = r.findings.filter((f) => f.ruleId.startsWith('FHIR-QR-'));
    expect(qr).toHaveLength(201);
    const rest = qr.filter((f) => f.message.includes('more problems against its questionnaire than the 200 listed'));
    expect(rest.map((f) => `${f.severity} ${f.path}`)).toEqual(['error QuestionnaireResponse']);
    expect(await growthRatio(run, 150)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });

  it('compares quantity answers with their limits in UCUM, and takes only the unit options offered', async () => {
    const form = ownForm([
      {
        linkId: 'dist',
        type: 'quantity',
        extension: [
          { url: `${SDC}sdc-questionnaire-minQuantity`, valueQuantity: { value: 1, system: UCUM, code: 'km' } },
          { url: `${SDC}sdc-questionnaire-maxQuantity`, valueQuantity: { value: 5, system: UCUM, code: 'km' } },
          { url: `${EXT}questionnaire-unitOption`, valueCoding: { system: UCUM, code: 'm' } },
          { url: `${EXT}questionnaire-unitOption`, valueCoding: { system: UCUM, code: 'km' } },
          { url: `${EXT}questionnaire-unitOption`, valueCoding: { system: UCUM, code: '[mi_i]' } },
        ],
      },
    ]);
    const answer = async (quantity: Record<string, unknown>) =>
      (await findings([item('dist', { valueQuantity: quantity })], { questionnaire: '#own', contained: [form] })).map((f) => f.message);
    expect(await answer({ value: 2500, system: UCUM, code: 'm' })).toEqual([]);
    expect(await answer({ value: 2, system: UCUM, code: '[mi_i]' })).toEqual([]);
    expect(await answer({ value: 500, system: UCUM, code: 'm' })).toEqual([expect.stringContaining('less than its minimum')]);
    expect(await answer({ value: 4, system: UCUM, code: '[mi_i]' })).toEqual([expect.stringContaining('greater than its maximum')]);
    expect(await answer({ value: 3, system: UCUM, code: 'kg' })).toEqual([
      expect.stringContaining('the units measure different things'),
      expect.stringContaining('the units measure different things'),
      expect.stringContaining("not one of the item's unit options"),
    ]);
    expect(await answer({ value: 3, unit: 'km' })).toEqual([
      expect.stringContaining('both need a coded unit'),
      expect.stringContaining('both need a coded unit'),
      expect.stringContaining("not one of the item's unit options"),
    ]);
  });

  it('leaves quantities it cannot convert unjudged: arbitrary units, and unit codes too long to be UCUM', async () => {
    const form = ownForm([
      {
        linkId: 'iu',
        type: 'quantity',
        extension: [{ url: `${SDC}sdc-questionnaire-maxQuantity`, valueQuantity: { value: 1, system: UCUM, code: '[IU]/mL' } }],
      },
    ]);
    const answer = async (code: string) =>
      (await findings([item('iu', { valueQuantity: { value: 5, system: UCUM, code } })], { questionnaire: '#own', contained: [form] })).map(
        (f) => f.message,
      );
    expect(await answer('[IU]/L')).toEqual([]);
    // ucum-lhc's parser is quadratic in a code's length: 100 KB took seconds.
    const run = (n: number) => answer('g.'.repeat(n));
    expect(await run(5_000)).toEqual([]);
    expect(await growthRatio(run, 5_000)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });

  it('compares a time with a plain date on its own calendar day', async () => {
    const form = ownForm([{ linkId: 't', type: 'dateTime', extension: [{ url: `${EXT}minValue`, valueDate: '2026-01-01' }] }], {
      effectivePeriod: { start: '2026-06-01' },
    });
    const at = async (when: string, authored = '2026-06-01T00:30:00+02:00') =>
      shown(await findings([item('t', { valueDateTime: when })], { questionnaire: '#own', contained: [form], authored }));
    expect(await at('2026-01-01T00:30:00+01:00')).toEqual([]);
    expect(await at('2025-12-31T23:30:00-05:00')).toEqual(['error FHIR-QR-ANSWER QuestionnaireResponse.item[0].answer[0].valueDateTime']);
    expect(await at('2026-01-02T00:00:00Z', '2026-05-31T23:59:00+02:00')).toEqual([
      'warning FHIR-QR-QUESTIONNAIRE QuestionnaireResponse.authored',
    ]);
  });

  it('grows linearly with the number of items and conditions', async () => {
    const v = validator();
    const form = (n: number) => ({
      resourceType: 'Questionnaire',
      id: 'big',
      status: 'active',
      item: Array.from({ length: n }, (_, i) => ({
        linkId: `q${i}`,
        type: 'integer',
        enableWhen: i ? [{ question: `q${i - 1}`, operator: 'exists', answerBoolean: true }] : undefined,
      })),
    });
    const run = async (n: number) => {
      const qr = response(
        Array.from({ length: n }, (_, i) => item(`q${i}`, { valueInteger: i })),
        { questionnaire: '#big', contained: [form(n)] },
      );
      await check(v, qr);
    };
    expect(await growthRatio(run, 500)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
