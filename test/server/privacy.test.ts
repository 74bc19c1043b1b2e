import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPersonNumber } from '../../src/identifiers/norwegian-ids.js';
import { dialectsUnderTest } from '../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../support/service.js';
import { withAttachment } from '../helpers/kith-messages.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import type { RunTestData } from '../../src/core/run-test-data.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';

/** A fødselsnummer with valid control digits and an ordinary month: what a real person's looks like. */
function realLookingNumber(): string {
  for (let i = 0; i < 10_000; i++) {
    const n = `150385${String(i).padStart(5, '0')}`;
    const c = checkPersonNumber(n);
    if (c.ok && !c.synthetic) return n;
  }
  throw new Error('none found');
}

for (const dialect of dialectsUnderTest()) {
  describe(`privacy: an artifact with a probable real person's number is never stored (${dialect.name})`, () => {
    let t: TestService;
    beforeAll(async () => {
      t = await startTestService(dialect);
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('answers 422 without echoing the number, stores nothing, and takes the same message with a synthetic number', async () => {
      const { token } = await registerVendor(t);
      const system = (await (await t.call('POST', '/api/v1/systems', { token, json: { name: 'Journalen EPJ' } })).json()) as { id: string };
      const version = (await (
        await t.call('POST', `/api/v1/systems/${system.id}/versions`, { token, json: { version: '1.0.0', herId: '8999911' } })
      ).json()) as { id: string };
      const run = (await (
        await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: version.id, profiles: [PROFILE] } })
      ).json()) as { id: string; testData: RunTestData };
      const testcases = (await (await t.call('GET', `/api/v1/testcases?profile=${PROFILE}`)).json()) as { id: string; kind: string }[];
      const submit = testcases.find((tc) => tc.kind === 'submit')!;
      const synthetic = withAttachment(runMessage(FORESPORSEL_TEMPLATE, run.testData));
      const fnr = run.testData.patient.fnr;
      const real = realLookingNumber();

      const refused = await t.call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${submit.id}`, {
        token,
        body: synthetic.replaceAll(fnr, real),
        contentType: 'application/xml',
      });
      expect(refused.status).toBe(422);
      const text = await refused.text();
      expect(text).not.toContain(real);
      expect(JSON.parse(text)).toMatchObject({
        code: 'unprocessable',
        findings: [expect.objectContaining({ ruleId: 'ID-PERSON-REAL', layer: 'privacy' })],
      });
      const status = (await (await t.call('GET', `/api/v1/runs/${run.id}`, { token })).json()) as {
        profiles: { testcases: { id: string; submissions: number }[] }[];
      };
      expect(status.profiles[0]!.testcases.find((tc) => tc.id === submit.id)!.submissions).toBe(0);

      const accepted = await t.call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${submit.id}`, {
        token,
        body: synthetic,
        contentType: 'application/xml',
      });
      expect(accepted.status).toBe(201);
      expect(((await accepted.json()) as { verdict: string }).verdict).toBe('passed');
    });
  });
}
