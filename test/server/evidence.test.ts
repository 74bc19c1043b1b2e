import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES_DIR } from '../../src/core/paths.js';
import type { RunTestData } from '../../src/core/run-test-data.js';
import { dialectsUnderTest } from '../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../support/service.js';
import { buildAppRec, TEST_SYSTEM_HER_ID, withAttachment } from '../helpers/kith-messages.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';

const FORESPORSEL = 'dialogmelding-1.1-foresporsel';
const SEND = `${FORESPORSEL}-send`;
const RECEIVE = `${FORESPORSEL}-mottak`;

interface Answer {
  verdict: 'passed' | 'failed';
  findings: { ruleId: string; severity: string; message: string; messageNb?: string; line?: number; xpath?: string; path?: string }[];
}

const shipped = (rel: string) => readFileSync(path.join(SHIPPED_PROFILES_DIR, rel));

for (const dialect of dialectsUnderTest()) {
  describe(`evidence bound to the run, over HTTP on ${dialect.name}`, () => {
    let t: TestService;
    let token: string;
    let versionId: string;

    beforeAll(async () => {
      t = await startTestService(dialect);
      token = (await registerVendor(t)).token;
      const sys = (await (await t.call('POST', '/api/v1/systems', { token, json: { name: 'Bevis-EPJ' } })).json()) as { id: string };
      const ver = await t.call('POST', `/api/v1/systems/${sys.id}/versions`, {
        token,
        json: { version: '1.0', herId: TEST_SYSTEM_HER_ID },
      });
      expect(ver.status).toBe(201);
      expect(await ver.json()).toMatchObject({ herId: TEST_SYSTEM_HER_ID });
      versionId = ((await (await t.call('GET', `/api/v1/systems/${sys.id}`, { token })).json()) as { versions: { id: string }[] })
        .versions[0]!.id;
    });
    afterAll(async () => {
      await t?.stop();
    });

    async function openRun(profiles: string[], version = versionId): Promise<{ id: string; testData: RunTestData }> {
      const res = await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: version, profiles } });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; testData: RunTestData };
    }

    async function submit(runId: string, testcase: string, body: string | Uint8Array, contentType = 'application/xml'): Promise<Answer> {
      const res = await t.call('POST', `/api/v1/runs/${runId}/submissions?testcase=${testcase}`, {
        token,
        body: body as BodyInit,
        contentType,
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Answer;
    }

    const errors = (a: Answer) => [...new Set(a.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();

    it("gives each run its own test data: a synthetic patient no other run has, samsvar's party and the system's", async () => {
      const a = await openRun([FORESPORSEL]);
      const b = await openRun([FORESPORSEL]);
      for (const run of [a, b]) {
        expect(run.testData).toMatchObject({
          runId: run.id,
          samsvarParty: { herId: '8999901' },
          systemParty: { herId: TEST_SYSTEM_HER_ID },
        });
        expect(Number(run.testData.patient.fnr.slice(2, 4))).toBeGreaterThan(80);
        expect(Number(run.testData.patient.hnr.slice(2, 4))).toBeGreaterThan(40);
      }
      expect(a.testData.patient.fnr).not.toBe(b.testData.patient.fnr);
      const again = (await (await t.call('GET', `/api/v1/runs/${a.id}`, { token })).json()) as { testData: RunTestData };
      expect(again.testData).toEqual(a.testData);
    });

    it("refuses a run of message profiles for a version without a HER-id, and samsvar's own HER-id as the system's", async () => {
      const sys = (await (await t.call('POST', '/api/v1/systems', { token, json: { name: 'Uten HER-id' } })).json()) as { id: string };
      const bare = (await (await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token, json: { version: '1' } })).json()) as {
        id: string;
        herId: string | null;
      };
      expect(bare.herId).toBeNull();
      const refused = await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: bare.id, profiles: [FORESPORSEL] } });
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/no HER-id/);
      // A FHIR-only run sends no message, so it needs none.
      expect(
        (await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: bare.id, profiles: ['no-basis-patient'] } })).status,
      ).toBe(201);
      const samsvars = await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token, json: { version: '2', herId: '8999901' } });
      expect(samsvars.status).toBe(422);
      expect(((await samsvars.json()) as { detail: string }).detail).toMatch(/samsvar's own test party/);
    });

    it("passes a message the system sent in the run: its patient, its party to samsvar's, fresh MsgId, GenDate now", async () => {
      const run = await openRun([FORESPORSEL]);
      const ok = await submit(run.id, SEND, withAttachment(runMessage(FORESPORSEL_TEMPLATE, run.testData)));
      expect(errors(ok)).toEqual([]);
      expect(ok.verdict).toBe('passed');
    });

    it('refuses the shipped example messages as evidence, saying why', async () => {
      const run = await openRun(['apprec-1.0', FORESPORSEL]);
      const apprec = await submit(run.id, 'apprec-1.0-ok', shipped('apprec-1.0/examples/valid/ok.xml'));
      expect(apprec.verdict).toBe('failed');
      expect(errors(apprec)).toEqual(expect.arrayContaining(['EVIDENCE-SHIPPED', 'RUN-SENDER', 'RUN-RECEIVER', 'RUN-GENDATE']));
      expect(apprec.findings.find((f) => f.ruleId === 'EVIDENCE-SHIPPED')!.message).toMatch(
        /profiles\/apprec-1\.0\/examples\/valid\/ok\.xml, shipped with samsvar/,
      );
      // Re-indented, the bytes differ; the MsgId still gives it away.
      const reindented = shipped('dialogmelding-1.1-foresporsel/examples/valid/foresporsel-helseopplysninger.xml')
        .toString('utf8')
        .replaceAll('  ', '\t');
      const msg = await submit(run.id, SEND, reindented);
      expect(errors(msg)).toEqual(expect.arrayContaining(['EVIDENCE-SHIPPED', 'RUN-PATIENT']));
      expect(msg.findings.find((f) => f.ruleId === 'EVIDENCE-SHIPPED')).toMatchObject({ xpath: '/MsgHead/MsgInfo/MsgId' });
    });

    it('refuses a shipped FHIR example, re-indented and renumbered, as evidence', async () => {
      const run = await openRun(['no-basis-patient']);
      const example = JSON.parse(shipped('no-basis-patient/examples/valid/patient-fnr.json').toString('utf8')) as Record<string, unknown>;
      const copy = JSON.stringify({ ...example, id: 'min-pasient' }, null, 4);
      const answer = await submit(run.id, 'no-basis-patient-fnr', copy, 'application/fhir+json');
      expect(answer.verdict).toBe('failed');
      expect(errors(answer)).toEqual(expect.arrayContaining(['EVIDENCE-SHIPPED', 'RUN-PATIENT']));
      // The run's own patient passes.
      const own = {
        ...example,
        id: 'egen',
        identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: run.testData.patient.fnr }],
        birthDate: run.testData.patient.dateOfBirth,
        name: [{ family: run.testData.patient.familyName, given: [run.testData.patient.givenName] }],
      };
      const passed = await submit(run.id, 'no-basis-patient-fnr', JSON.stringify(own), 'application/fhir+json');
      expect(errors(passed)).toEqual([]);
    });

    it('refuses an artifact already submitted in another run, by SHA-256 and by MsgId', async () => {
      const first = await openRun([FORESPORSEL]);
      const message = withAttachment(runMessage(FORESPORSEL_TEMPLATE, first.testData));
      expect((await submit(first.id, SEND, message)).verdict).toBe('passed');
      // Submitted again to the same test case of the same run: a re-submission, still passed.
      expect((await submit(first.id, SEND, message)).verdict).toBe('passed');

      const second = await openRun([FORESPORSEL]);
      const replay = await submit(second.id, SEND, message);
      expect(replay.verdict).toBe('failed');
      expect(errors(replay)).toEqual(expect.arrayContaining(['EVIDENCE-REPLAYED', 'EVIDENCE-MSGID-SEEN']));
      expect(replay.findings.find((f) => f.ruleId === 'EVIDENCE-REPLAYED')!.message).toContain(
        `another run (${first.id}, test case ${SEND})`,
      );
      // The same MsgId with the second run's data and other bytes: still not new.
      const msgId = /<MsgId>([^<]+)<\/MsgId>/.exec(message)![1]!;
      const sameId = await submit(second.id, SEND, withAttachment(runMessage(FORESPORSEL_TEMPLATE, second.testData, { msgId })));
      expect(errors(sameId)).toEqual(['EVIDENCE-MSGID-SEEN']);
      // Nor may one message count for two test cases of a run.
      const twice = await submit(first.id, `${FORESPORSEL}-vedlegg`, message);
      expect(errors(twice)).toEqual(expect.arrayContaining(['EVIDENCE-REPLAYED', 'EVIDENCE-MSGID-SEEN']));
    });

    it('refuses a message from another party, to another party, about another patient or from before the run', async () => {
      const run = await openRun([FORESPORSEL]);
      const wrongSender = await submit(
        run.id,
        SEND,
        withAttachment(runMessage(FORESPORSEL_TEMPLATE, run.testData, { senderHerId: '8999955' })),
      );
      expect(errors(wrongSender)).toEqual(['RUN-SENDER']);
      expect(wrongSender.findings.find((f) => f.ruleId === 'RUN-SENDER')).toMatchObject({ xpath: '/MsgHead/MsgInfo/Sender' });
      const wrongReceiver = await submit(
        run.id,
        SEND,
        withAttachment(runMessage(FORESPORSEL_TEMPLATE, run.testData, { receiverHerId: '8999966' })),
      );
      expect(errors(wrongReceiver)).toEqual(['RUN-RECEIVER']);
      const other = await openRun([FORESPORSEL]);
      const otherPatient = await submit(
        run.id,
        SEND,
        withAttachment(runMessage(FORESPORSEL_TEMPLATE, { ...run.testData, patient: other.testData.patient })),
      );
      expect(errors(otherPatient)).toEqual(['RUN-PATIENT']);
      expect(otherPatient.findings.find((f) => f.ruleId === 'RUN-PATIENT')!.messageNb).toContain(run.testData.patient.fnr);
      const early = await submit(
        run.id,
        SEND,
        withAttachment(
          runMessage(FORESPORSEL_TEMPLATE, run.testData, {
            genDate: osloDateTime(new Date(Date.parse(run.testData.openedAt) - 3_600_000)),
          }),
        ),
      );
      expect(errors(early)).toEqual(['RUN-GENDATE']);
    });

    it("refuses samsvar's generated message sent back as the system's own", async () => {
      const run = await openRun([FORESPORSEL]);
      const generated = await (await t.call('GET', `/api/v1/runs/${run.id}/testcases/${RECEIVE}/message`, { token })).text();
      const answer = await submit(run.id, SEND, withAttachment(generated));
      expect(errors(answer)).toEqual(expect.arrayContaining(['EVIDENCE-MSGID-SEEN', 'RUN-SENDER', 'RUN-RECEIVER']));
      expect(answer.findings.find((f) => f.ruleId === 'EVIDENCE-MSGID-SEEN')!.message).toMatch(/samsvar generated/);
    });

    it("judges a receive test case's AppRec by its parties: from the generated message's receiver, to its sender", async () => {
      const run = await openRun([FORESPORSEL]);
      const res = await t.call('GET', `/api/v1/runs/${run.id}/testcases/${RECEIVE}/message`, { token });
      const msgId = res.headers.get('x-samsvar-msgid')!;
      // The shipped OK AppRec with only OriginalMsgId changed (the attempt in issue 9).
      const doctored = shipped('apprec-1.0/examples/valid/ok.xml')
        .toString('utf8')
        .replace(/(<OriginalMsgId>[\s\S]*?<Id>)[^<]*(<\/Id>)/, `$1${msgId}$2`);
      const fromShipped = await submit(run.id, RECEIVE, doctored);
      expect(fromShipped.verdict).toBe('failed');
      expect(errors(fromShipped)).toEqual(
        expect.arrayContaining(['EVIDENCE-SHIPPED', 'RCV-APPREC-SENDER', 'RCV-APPREC-RECEIVER', 'RUN-GENDATE']),
      );
      const wrongFrom = await submit(run.id, RECEIVE, buildAppRec({ originalMsgId: msgId, status: '1', senderHer: '8999955' }));
      expect(errors(wrongFrom)).toEqual(['RCV-APPREC-SENDER']);
      const wrongTo = await submit(run.id, RECEIVE, buildAppRec({ originalMsgId: msgId, status: '1', receiverHer: '8999966' }));
      expect(errors(wrongTo)).toEqual(['RCV-APPREC-RECEIVER']);
      const right = await submit(run.id, RECEIVE, buildAppRec({ originalMsgId: msgId, status: '1' }));
      expect(errors(right)).toEqual([]);
      expect(right.verdict).toBe('passed');
    });
  });
}
