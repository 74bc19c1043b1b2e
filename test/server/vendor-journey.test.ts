import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { buildAppRec, TEST_SYSTEM_HER_ID, withAttachment } from '../helpers/kith-messages.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import type { RunTestData } from '../../src/core/run-test-data.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';

interface RunBody {
  id: string;
  status: string;
  testData: RunTestData;
  profiles: { profile: string; status: string; testcases: { id: string; kind: string; verdict: string | null; submissions: number }[] }[];
}

for (const dialect of dialectsUnderTest()) {
  describe(`a vendor's journey to a passed Dialogmelding forespørsel, over HTTP on ${dialect.name}`, () => {
    let t: TestService;
    beforeAll(async () => {
      t = await startTestService(dialect);
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('registers, adds a system and version, opens a run and submits until every test case passes', async () => {
      expect((await t.call('GET', '/healthz')).status).toBe(200);

      const vendor = await registerVendor(t);
      const token = vendor.token;

      const sys = await t.call('POST', '/api/v1/systems', { token, json: { name: 'Journalen EPJ', description: 'Fastlegejournal' } });
      expect(sys.status).toBe(201);
      const system = (await sys.json()) as { id: string };
      const ver = await t.call('POST', `/api/v1/systems/${system.id}/versions`, {
        token,
        json: { version: '4.2.0', releasedAt: '2026-11-01', herId: TEST_SYSTEM_HER_ID },
      });
      expect(ver.status).toBe(201);
      const version = (await ver.json()) as { id: string };
      const systems = (await (await t.call('GET', '/api/v1/systems', { token })).json()) as { id: string; versions: { id: string }[] }[];
      expect(systems).toEqual([expect.objectContaining({ id: system.id, versions: [expect.objectContaining({ id: version.id })] })]);

      const tcRes = await t.call('GET', `/api/v1/testcases?profile=${PROFILE}`);
      const testcases = (await tcRes.json()) as { id: string; kind: 'submit' | 'receive' }[];
      expect(testcases.length).toBeGreaterThanOrEqual(3);
      expect(testcases.some((tc) => tc.kind === 'receive')).toBe(true);

      const runRes = await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: version.id, profiles: [PROFILE] } });
      expect(runRes.status).toBe(201);
      const run = (await runRes.json()) as RunBody;
      expect(run.profiles[0]).toMatchObject({ profile: PROFILE, status: 'not_started' });
      // The run fixed its test data: its own synthetic patient (month + 80) and both parties.
      expect(run.testData).toMatchObject({ runId: run.id, samsvarParty: { herId: '8999901' }, systemParty: { herId: TEST_SYSTEM_HER_ID } });
      expect(Number(run.testData.patient.fnr.slice(2, 4))).toBeGreaterThan(80);

      // The receive test case: fetch the generated message, "import" it, answer with an AppRec.
      const receive = testcases.find((tc) => tc.kind === 'receive')!;
      const msgRes = await t.call('GET', `/api/v1/runs/${run.id}/testcases/${receive.id}/message`, { token });
      expect(msgRes.status).toBe(200);
      const msgId = msgRes.headers.get('x-samsvar-msgid')!;
      const generated = await msgRes.text();
      expect(generated).toContain(`<MsgId>${msgId}</MsgId>`);
      // Fetching again gives the same message: the AppRec check refers to this MsgId.
      expect(await (await t.call('GET', `/api/v1/runs/${run.id}/testcases/${receive.id}/message`, { token })).text()).toBe(generated);

      // The generated message goes from samsvar's party to the system's.
      expect(generated).toContain(`<Id>${TEST_SYSTEM_HER_ID}</Id>`);

      // What the vendor's system sends: a forespørsel of its own per test case (fresh MsgId), from its party to samsvar's, with a PDF attachment.
      const outgoing = () => withAttachment(runMessage(FORESPORSEL_TEMPLATE, run.testData));

      // A first, wrong AppRec (answers another message): failed, and the profile is failing.
      const wrong = await t.call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${receive.id}`, {
        token,
        body: buildAppRec({ originalMsgId: '00000000-0000-4000-8000-000000000000', status: '1' }),
        contentType: 'application/xml',
      });
      expect(wrong.status).toBe(201);
      const wrongBody = (await wrong.json()) as { verdict: string; findings: { severity: string }[] };
      expect(wrongBody.verdict).toBe('failed');
      expect(wrongBody.findings.some((f) => f.severity === 'error')).toBe(true);
      let status = (await (await t.call('GET', `/api/v1/runs/${run.id}`, { token })).json()) as RunBody;
      expect(status.profiles[0]!.status).toBe('failing');

      const submissionIds: string[] = [];
      for (const tc of testcases) {
        // The system answers in AppRec 1.1, which a receive test case accepts as well as 1.0.
        const body = tc.kind === 'receive' ? buildAppRec({ originalMsgId: msgId, status: '1', version: '1.1' }) : outgoing();
        const res = await t.call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${tc.id}`, {
          token,
          body,
          contentType: 'application/xml; charset=utf-8',
        });
        expect(res.status).toBe(201);
        const answer = (await res.json()) as {
          id: string;
          testcase: string;
          verdict: string;
          validation: { profile: string };
          findings: { severity: string; ruleId: string; message: string }[];
        };
        expect({
          testcase: answer.testcase,
          verdict: answer.verdict,
          errors: answer.findings.filter((f) => f.severity === 'error'),
        }).toEqual({ testcase: tc.id, verdict: 'passed', errors: [] });
        if (tc.kind === 'receive') expect(answer.validation.profile).toBe('apprec-1.1');
        submissionIds.push(answer.id);
      }

      status = (await (await t.call('GET', `/api/v1/runs/${run.id}`, { token })).json()) as RunBody;
      expect(status.status).toBe('passed');
      expect(status.profiles[0]!.status).toBe('passed');
      expect(status.profiles[0]!.testcases.every((tc) => tc.verdict === 'passed')).toBe(true);
      expect(status.profiles[0]!.testcases.find((tc) => tc.id === receive.id)!.submissions).toBe(2);

      // A submission reads back with the artifact byte for byte.
      const back = await t.call('GET', `/api/v1/runs/${run.id}/submissions/${submissionIds[0]}`, { token });
      const backBody = (await back.json()) as { artifact: string; artifactSha256: string; verdict: string };
      expect(backBody.verdict).toBe('passed');
      const raw = await t.call('GET', `/api/v1/runs/${run.id}/submissions/${submissionIds[0]}/artifact`, { token });
      const rawText = await raw.text();
      expect(Buffer.from(backBody.artifact, 'base64').toString('utf8')).toBe(rawText);
      // A submitted XML message could carry XHTML with a script: a browser must never run it on this origin.
      expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
      expect(raw.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);

      // Every change is in the audit log, which the administrator reads.
      const audit = (await (await t.call('GET', '/api/v1/audit?limit=1000', { token: ADMIN_TOKEN })).json()) as {
        items: { action: string; actor: string }[];
      };
      const mine = audit.items.filter((e) => e.actor === `vendor:${vendor.id}`).map((e) => e.action);
      expect(mine).toEqual(
        expect.arrayContaining(['system.create', 'system_version.create', 'run.open', 'message.generate', 'submission.create']),
      );
      expect(mine.filter((a) => a === 'submission.create')).toHaveLength(testcases.length + 1);
    });
  });
}
