import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/core/json-schema.js';
import { dialectsUnderTest } from '../support/databases.js';
import { startTestService, type TestService } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('test cases open to vendors: how each is judged, and the format they are written in', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(dialectsUnderTest()[0]!);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("shows a submit test case's assertions with their XPath, context and messages, publicly", async () => {
    const res = await t.call('GET', '/api/v1/testcases/apprec-1.0-avvist');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      judgement: { profiles: string[]; assertions: Record<string, unknown>[]; namespaces: Record<string, string> };
    };
    const file = JSON.parse(readFileSync(path.join(ROOT, 'testcases/apprec-1.0-avvist.json'), 'utf8')) as {
      expect: { assertions: { id: string; xpath: string; message: string }[] };
    };
    expect(body.judgement.profiles).toEqual(['apprec-1.0']);
    expect(body.judgement.assertions.map((a) => a.id)).toEqual(file.expect.assertions.map((a) => a.id));
    expect(body.judgement.assertions[0]).toMatchObject({
      language: 'xpath',
      xpath: file.expect.assertions[0]!.xpath,
      context: '/',
      message: file.expect.assertions[0]!.message,
      severity: 'error',
    });
    expect(body.judgement.assertions[2]).toMatchObject({ context: '/ar:AppRec/ar:Error', optional: true, actual: '@V' });
    expect(body.judgement.namespaces.ar).toBe('http://www.kith.no/xmlstds/apprec/2004-11-21');
  });

  it('shows what a receive test case expects of the AppRec and which message it sends', async () => {
    const body = (await (await t.call('GET', '/api/v1/testcases/dialogmelding-1.0-avvik-mottak')).json()) as {
      kind: string;
      judgement: { profiles: string[]; apprec: { status: string[]; errorCodes: string[] }; message: { messageType: string } };
    };
    expect(body.kind).toBe('receive');
    expect(body.judgement.profiles).toEqual(expect.arrayContaining(['apprec-1.0', 'apprec-1.1']));
    expect(body.judgement.apprec.status.length).toBeGreaterThan(0);
    expect(body.judgement.message.messageType).toBe('DIALOG_AVVIK');
  });

  it("shows a FHIR test case's FHIRPath assertions and a live test case's steps", async () => {
    const fhir = readdirSync(path.join(ROOT, 'testcases')).find(
      (f) => f.endsWith('.json') && readFileSync(path.join(ROOT, 'testcases', f), 'utf8').includes('"fhirpath"'),
    )!;
    const body = (await (await t.call('GET', `/api/v1/testcases/${fhir.replace(/\.json$/, '')}`)).json()) as {
      judgement: { assertions: { language: string; fhirpath: string }[] };
    };
    expect(body.judgement.assertions.some((a) => a.language === 'fhirpath' && a.fhirpath.length > 0)).toBe(true);
    const live = (await (await t.call('GET', '/api/v1/testcases/fhir-live-patient-read-search')).json()) as {
      judgement: { steps: unknown[]; capability: unknown };
    };
    expect(live.judgement.steps.length).toBe(2);
    expect(live.judgement.capability).toMatchObject({ fhirVersion: '4.0.1' });
  });

  it('serves testcase.schema.json, identical to the file in the repository, and every shipped test case passes it', async () => {
    const res = await t.call('GET', '/api/v1/testcase.schema.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/schema+json');
    const served = (await res.json()) as Record<string, unknown>;
    expect(served).toEqual(JSON.parse(readFileSync(path.join(ROOT, 'schemas/testcase.schema.json'), 'utf8')));
    const validate = compileSchema(served);
    for (const f of readdirSync(path.join(ROOT, 'testcases')).filter((n) => n.endsWith('.json'))) {
      expect(validate(JSON.parse(readFileSync(path.join(ROOT, 'testcases', f), 'utf8'))), f).toBe(true);
    }
    expect(
      validate({
        id: 'x-1',
        profile: 'apprec-1.0',
        kind: 'submit',
        title: 't',
        description: 'a long enough description',
        expect: {},
        direction: 'send',
      }),
    ).toBe(false);
  });
});
