import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/fhir/json-parser.js';
import { checkQuestionnaire } from '../../src/fhir/questionnaire-rules.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { baseValidator, check } from './helpers.js';

const v = baseValidator();
const when = (question: string) => [{ question, operator: 'exists', answerBoolean: true }];
const form = (item: unknown[]) => ({ resourceType: 'Questionnaire', status: 'active', item });

async function enableWhenFindings(item: unknown[]) {
  const r = await check(v, form(item));
  return r.findings.filter((f) => f.ruleId === 'FHIR-Q-ENABLEWHEN').map((f) => `${f.severity} ${f.path}: ${f.message}`);
}

describe('a Questionnaire: what its enableWhen conditions name', () => {
  it('passes conditions on earlier items, also those in other groups and the enclosing group itself', async () => {
    expect(
      await enableWhenFindings([
        { linkId: 'a', type: 'boolean' },
        {
          linkId: 'g',
          type: 'group',
          item: [
            { linkId: 'b', type: 'string', enableWhen: when('a') },
            { linkId: 'c', type: 'string', enableWhen: when('b') },
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('reports an item that is not in the questionnaire, the item itself, and an item inside it', async () => {
    expect(
      await enableWhenFindings([
        { linkId: 'a', type: 'boolean', enableWhen: when('nowhere') },
        { linkId: 'b', type: 'boolean', enableWhen: when('b') },
        { linkId: 'g', type: 'group', enableWhen: when('inner'), item: [{ linkId: 'inner', type: 'boolean' }] },
      ]),
    ).toEqual([
      "error Questionnaire.item[0]: enableWhen of item 'a' names 'nowhere', which is no item of this questionnaire",
      "error Questionnaire.item[1]: enableWhen of item 'b' names 'b', the item itself",
      "error Questionnaire.item[2]: enableWhen of item 'g' names 'inner', an item inside it: an item cannot depend on its own sub-items",
    ]);
  });

  it('warns of a condition on an item that comes later', async () => {
    const fs = await enableWhenFindings([
      { linkId: 'a', type: 'string', enableWhen: when('b') },
      { linkId: 'b', type: 'boolean' },
    ]);
    expect(fs).toEqual([expect.stringMatching(/^warning Questionnaire.item\[0\]: enableWhen of item 'a' names 'b', which comes after it/)]);
  });

  it('reads deep and long questionnaires, with a linkId repeated throughout, in linear time', async () => {
    const questionnaire = (n: number) => {
      let deep: Record<string, unknown> = { linkId: 'same', type: 'boolean', enableWhen: when('top') };
      for (let i = 0; i < 60; i++) deep = { linkId: `d${i}`, type: 'group', item: [deep] };
      const long = Array.from({ length: n }, () => ({ linkId: 'same', type: 'string', enableWhen: when('same') }));
      return form([{ linkId: 'top', type: 'boolean' }, deep, ...long]);
    };
    // The rules alone, without the rest of validation, whose cost per item would hide theirs.
    const rulesOn = (n: number) => {
      const parsed = parseJson(new TextEncoder().encode(JSON.stringify(questionnaire(n))));
      if (!parsed.ok) throw new Error('not parsed');
      let count = 0;
      return () => checkQuestionnaire({ add: () => count++ }, parsed.root as never, 'Questionnaire');
    };
    const prepared = new Map([8000, 64000].map((n) => [n, rulesOn(n)]));
    expect(await growthRatio((n) => prepared.get(n)!(), 8000)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
