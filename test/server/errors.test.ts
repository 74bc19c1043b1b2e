import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { revalidationFeature } from '../../src/server/routes/revalidation-feature.js';
import { webPages } from '../../src/web/web-pages.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, validOrgNumber, type TestService } from '../support/service.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
const sqlite = dialectsUnderTest()[0]!;

async function problem(res: Response, status: number, code: string): Promise<{ detail: string; type: string }> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const body = (await res.json()) as { status: number; code: string; type: string; title: string; detail: string };
  expect(body).toMatchObject({ status, code, type: `https://samsvar.no/problems/${code}` });
  expect(body.detail.length).toBeGreaterThan(10);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return body;
}

describe('error statuses answer application/problem+json with a stable code', () => {
  let t: TestService;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let runA: string;
  let versionA: string;

  beforeAll(async () => {
    t = await startTestService(sqlite, { maxBodyBytes: 64 * 1024 });
    a = await registerVendor(t, 'Vendor A');
    b = await registerVendor(t, 'Vendor B');
    const sys = (await (await t.call('POST', '/api/v1/systems', { token: a.token, json: { name: 'A-EPJ' } })).json()) as { id: string };
    versionA = (
      (await (
        await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token: a.token, json: { version: '1', herId: '8999911' } })
      ).json()) as { id: string }
    ).id;
    runA = (
      (await (
        await t.call('POST', '/api/v1/runs', { token: a.token, json: { systemVersionId: versionA, profiles: [PROFILE] } })
      ).json()) as { id: string }
    ).id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('400 for a body that is not JSON, breaks the schema, or a missing query parameter', async () => {
    await problem(await t.call('POST', '/api/v1/vendors', { body: '{"orgNumber": ', contentType: 'application/json' }), 400, 'bad_request');
    const extra = await problem(
      await t.call('POST', '/api/v1/systems', { token: a.token, json: { name: 'x', colour: 'red' } }),
      400,
      'bad_request',
    );
    expect(extra.detail).toContain("unknown property 'colour'");
    const missing = await problem(
      await t.call('POST', `/api/v1/runs/${runA}/submissions`, { token: a.token, body: '<a/>', contentType: 'application/xml' }),
      400,
      'bad_request',
    );
    expect(missing.detail).toContain('testcase');
    await problem(
      await t.call('POST', '/api/v1/vendors', { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), contentType: 'application/json' }),
      400,
      'bad_request',
    );
  });

  it('401 without a token or with an unknown one', async () => {
    await problem(await t.call('GET', '/api/v1/systems'), 401, 'unauthorized');
    await problem(await t.call('GET', '/api/v1/systems', { token: 'smv_not-a-real-token' }), 401, 'unauthorized');
    await problem(await t.call('GET', '/api/v1/systems', { headers: { authorization: 'Basic dXNlcjpwdw==' } }), 401, 'unauthorized');
  });

  it('403 for the wrong role: a vendor on admin routes, an administrator on vendor routes', async () => {
    await problem(await t.call('GET', '/api/v1/vendors', { token: a.token }), 403, 'forbidden');
    await problem(await t.call('GET', '/api/v1/audit', { token: a.token }), 403, 'forbidden');
    await problem(
      await t.call('POST', `/api/v1/profiles/${PROFILE}/status`, { token: a.token, json: { status: 'retired' } }),
      403,
      'forbidden',
    );
    await problem(await t.call('POST', '/api/v1/systems', { token: ADMIN_TOKEN, json: { name: 'x' } }), 403, 'forbidden');
    expect((await t.call('GET', '/api/v1/vendors', { token: ADMIN_TOKEN })).status).toBe(200);
  });

  it("404 for another vendor's run, system version, submission and generated message, exactly as for a missing one", async () => {
    const other = await problem(await t.call('GET', `/api/v1/runs/${runA}`, { token: b.token }), 404, 'not_found');
    const missing = await problem(await t.call('GET', '/api/v1/runs/no-such-run', { token: b.token }), 404, 'not_found');
    expect(other.detail.replace(runA, 'X')).toBe(missing.detail.replace('no-such-run', 'X'));
    await problem(
      await t.call('POST', '/api/v1/runs', { token: b.token, json: { systemVersionId: versionA, profiles: [PROFILE] } }),
      404,
      'not_found',
    );
    await problem(
      await t.call('POST', `/api/v1/runs/${runA}/submissions?testcase=${PROFILE}-send`, {
        token: b.token,
        body: '<a/>',
        contentType: 'application/xml',
      }),
      404,
      'not_found',
    );
    await problem(await t.call('GET', `/api/v1/runs/${runA}/testcases/${PROFILE}-mottak/message`, { token: b.token }), 404, 'not_found');
    await problem(await t.call('GET', '/api/v1/profiles/no-such-profile'), 404, 'not_found');
    await problem(await t.call('GET', '/api/v1/nowhere'), 404, 'not_found');
    // The owner and an administrator do see the run.
    expect((await t.call('GET', `/api/v1/runs/${runA}`, { token: a.token })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/runs/${runA}`, { token: ADMIN_TOKEN })).status).toBe(200);
  });

  it('409 for a second registration of the same organisasjonsnummer', async () => {
    const org = validOrgNumber();
    expect((await t.call('POST', '/api/v1/vendors', { json: { orgNumber: org, name: 'X', email: 'x@example.no' } })).status).toBe(201);
    await problem(await t.call('POST', '/api/v1/vendors', { json: { orgNumber: org, name: 'Y', email: 'y@example.no' } }), 409, 'conflict');
  });

  it('413 for a body over the limit, declared or streamed, without reading it all', async () => {
    const big = '<a>' + 'x'.repeat(100 * 1024) + '</a>';
    await problem(await t.call('POST', '/api/v1/validate', { body: big, contentType: 'application/xml' }), 413, 'payload_too_large');

    // A chunked upload with no Content-Length: 256 MB offered, refused after the first 64 KB.
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x78);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 256 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await t.call('POST', `/api/v1/runs/${runA}/submissions?testcase=${PROFILE}-send`, {
      token: a.token,
      body: stream,
      contentType: 'application/xml',
    });
    await problem(res, 413, 'payload_too_large');
    expect(pulled).toBeLessThan(64 * 1024 * 1024);
  });

  it('415 for a content type the route does not take', async () => {
    await problem(
      await t.call('POST', '/api/v1/vendors', { body: 'orgNumber=974760673', contentType: 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
    await problem(
      await t.call('POST', `/api/v1/runs/${runA}/submissions?testcase=${PROFILE}-send`, {
        token: a.token,
        body: '<a/>',
        contentType: 'text/plain',
      }),
      415,
      'unsupported_media_type',
    );
    // An XML test case answered with a FHIR resource.
    await problem(
      await t.call('POST', `/api/v1/runs/${runA}/submissions?testcase=${PROFILE}-send`, {
        token: a.token,
        body: '{"resourceType":"Patient"}',
        contentType: 'application/fhir+json',
      }),
      415,
      'unsupported_media_type',
    );
  });

  it('422 for requests that are well-formed but make no sense', async () => {
    const bad = await problem(
      await t.call('POST', '/api/v1/vendors', { json: { orgNumber: '974760674', name: 'X', email: 'x@example.no' } }),
      422,
      'unprocessable',
    );
    expect(bad.detail).toContain('organisasjonsnummer');
    await problem(
      await t.call('POST', '/api/v1/runs', { token: a.token, json: { systemVersionId: versionA, profiles: ['no-such-profile'] } }),
      422,
      'unprocessable',
    );
    await problem(
      await t.call('POST', '/api/v1/runs', { token: a.token, json: { systemVersionId: versionA, profiles: [PROFILE, PROFILE] } }),
      422,
      'unprocessable',
    );
    // A test case of a profile the run does not test.
    await problem(
      await t.call('POST', `/api/v1/runs/${runA}/submissions?testcase=apprec-1.0-ok`, {
        token: a.token,
        body: '<a/>',
        contentType: 'application/xml',
      }),
      422,
      'unprocessable',
    );
    // The AppRec of a receive test case before its message was fetched.
    const early = await problem(
      await t.call('POST', `/api/v1/runs/${runA}/submissions?testcase=${PROFILE}-mottak`, {
        token: a.token,
        body: '<a/>',
        contentType: 'application/xml',
      }),
      422,
      'unprocessable',
    );
    expect(early.detail).toContain('/message');
  });

  it('a retired profile cannot be chosen for a new run, and an administrator can make it active again', async () => {
    const retire = await t.call('POST', `/api/v1/profiles/${PROFILE}/status`, {
      token: ADMIN_TOKEN,
      json: { status: 'retired', reason: 'replaced' },
    });
    expect(retire.status).toBe(200);
    expect(((await retire.json()) as { status: string }).status).toBe('retired');
    await problem(
      await t.call('POST', '/api/v1/runs', { token: a.token, json: { systemVersionId: versionA, profiles: [PROFILE] } }),
      422,
      'unprocessable',
    );
    expect((await t.call('POST', `/api/v1/profiles/${PROFILE}/status`, { token: ADMIN_TOKEN, json: { status: 'active' } })).status).toBe(
      200,
    );
    expect(
      (await t.call('POST', '/api/v1/runs', { token: a.token, json: { systemVersionId: versionA, profiles: [PROFILE] } })).status,
    ).toBe(201);
  });
});

describe('rate limiting of public validation', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(sqlite, { rateLimitPerMinute: 3 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('429 with Retry-After once a client exceeds its requests per minute', async () => {
    for (let i = 0; i < 3; i++)
      expect((await t.call('POST', '/api/v1/validate', { body: '<a/>', contentType: 'application/xml' })).status).toBe(200);
    const res = await t.call('POST', '/api/v1/validate', { body: '<a/>', contentType: 'application/xml' });
    await problem(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('hostile bodies get a clear answer, never a crash or a hang', () => {
  let t: TestService;
  let token: string;
  let run: string;
  beforeAll(async () => {
    t = await startTestService(sqlite);
    ({ token } = await registerVendor(t));
    const sys = (await (await t.call('POST', '/api/v1/systems', { token, json: { name: 'H' } })).json()) as { id: string };
    const ver = (await (
      await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token, json: { version: '1', herId: '8999911' } })
    ).json()) as { id: string };
    run = (
      (await (await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: ver.id, profiles: [PROFILE] } })).json()) as {
        id: string;
      }
    ).id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  const xxe = `<?xml version="1.0"?>\n<!DOCTYPE MsgHead [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">&x;</MsgHead>`;
  const laughs = `<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>\n<l>&h;</l>`;
  const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
  const badUtf8 = Buffer.concat([
    Buffer.from('<?xml version="1.0" encoding="UTF-8"?><MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">'),
    Buffer.from([0xc3, 0x28, 0xff]),
    Buffer.from('</MsgHead>'),
  ]);

  const expectRefusal = async (res: Response, ruleId: string) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { code: string; detail: string; findings: { ruleId: string; layer: string; line: number }[] };
    expect(problem.code).toBe('bad_request');
    expect(problem.detail).toMatch(/could not be read/);
    expect(problem.findings[0]).toMatchObject({ ruleId, layer: 'syntax' });
    expect(JSON.stringify(problem)).not.toContain('root:x:0:0');
  };

  for (const [name, body, ruleId] of [
    ['an external entity (XXE)', xxe, 'SYNTAX-DOCTYPE'],
    ['a billion laughs', laughs, 'SYNTAX-DOCTYPE'],
    ['100 000 nested elements', deep, 'SYNTAX-DEPTH'],
    ['invalid UTF-8', badUtf8, 'SYNTAX-ENCODING'],
  ] as const) {
    it(`${name}: refused with 400 and the syntax finding as the reason, by public validation and by submission; nothing stored`, async () => {
      await expectRefusal(await t.call('POST', '/api/v1/validate', { body, contentType: 'application/xml' }), ruleId);
      await expectRefusal(
        await t.call('POST', `/api/v1/runs/${run}/submissions?testcase=${PROFILE}-send`, { token, body, contentType: 'application/xml' }),
        ruleId,
      );
      const status = (await (await t.call('GET', `/api/v1/runs/${run}`, { token })).json()) as {
        profiles: { testcases: { latestSubmission: unknown; submissions: number }[] }[];
      };
      expect(status.profiles.flatMap((p) => p.testcases).every((tc) => tc.latestSubmission === null && tc.submissions === 0)).toBe(true);
      expect((await t.call('GET', '/healthz')).status).toBe(200);
    });
  }

  it('a JSON request body nested a million levels deep is a 400, and so is a deep FHIR resource', async () => {
    const deepArray = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const res = await t.call('POST', '/api/v1/vendors', { body: deepArray, contentType: 'application/json' });
    expect(res.status).toBe(400);
    const deepResource = '{"resourceType":"Patient","x":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}';
    await expectRefusal(
      await t.call('POST', '/api/v1/validate', { body: deepResource, contentType: 'application/fhir+json' }),
      'SYNTAX-DEPTH',
    );
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });

  it("a resource in FHIR's XML format is validated as FHIR, and its hostile forms are refused as any XML's", async () => {
    const patient = '<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>';
    for (const contentType of ['application/fhir+xml', 'application/xml']) {
      const res = await t.call('POST', '/api/v1/validate', { body: patient, contentType });
      expect(res.status, contentType).toBe(200);
      expect(await res.json()).toMatchObject({ format: 'fhir', valid: true });
    }
    const entities = `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY x SYSTEM "file:///etc/passwd">]><Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>`;
    await expectRefusal(
      await t.call('POST', '/api/v1/validate', { body: entities, contentType: 'application/fhir+xml' }),
      'SYNTAX-DOCTYPE',
    );
    const deep = `<Patient xmlns="http://hl7.org/fhir">${'<contact>'.repeat(100_000)}${'</contact>'.repeat(100_000)}</Patient>`;
    await expectRefusal(await t.call('POST', '/api/v1/validate', { body: deep, contentType: 'application/fhir+xml' }), 'SYNTAX-DEPTH');
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });

  it('a FHIR body that is not JSON is refused with the syntax finding', async () => {
    const res = await t.call('POST', '/api/v1/validate', { body: '{"resourceType": "Patient", ', contentType: 'application/fhir+json' });
    await expectRefusal(res, 'SYNTAX-JSON');
  });
});

describe('a NUL in a path or query parameter', () => {
  for (const dialect of dialectsUnderTest()) {
    it(`is refused with 400 before it reaches the database (PostgreSQL text cannot hold it), on ${dialect.name}`, async () => {
      const declarations = await declarationFeature(
        { dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-nul-')) },
        { env: { SAMSVAR_PUBLIC_URL: 'https://samsvar.test', SAMSVAR_SWEEP_SECONDS: '0' } },
      );
      const revalidations = revalidationFeature();
      const t = await startTestService(
        dialect,
        {},
        { routeModules: declarations.modules, pages: webPages(declarations.feature, revalidations.feature) },
      );
      try {
        for (const url of [
          '/api/v1/registry?q=journal%00omsorg',
          '/api/v1/registry?vendor=%00%00%00',
          '/api/v1/registry?profile=%00',
          '/api/v1/declarations/d%00',
          '/register?system=omsorg%00',
        ]) {
          const body = await problem(await t.call('GET', url), 400, 'bad_request');
          expect(body.detail, url).toMatch(/NUL/);
        }
        // Nor in a JSON body or a form: refused, naming where, instead of a 500 from the database.
        const vendor = await problem(
          await t.call('POST', '/api/v1/vendors', { json: { orgNumber: '974760673', name: 'Omsorg\u0000 AS', email: 'post@example.no' } }),
          400,
          'bad_request',
        );
        expect(vendor.detail).toContain('/name');
        const form = await t.call('POST', '/leverandor/registrer', {
          body: new TextEncoder().encode('orgnr=974760673&navn=Omsorg%00+AS&epost=post%40example.no'),
          contentType: 'application/x-www-form-urlencoded',
          headers: { accept: 'text/html', origin: t.url },
        });
        expect(form.status).toBe(400);
        expect(await form.text()).toContain('Skjemaet kunne ikke leses');
        // A person following such a link in a browser gets the pages' not-found page, in bokmål.
        const page = await t.call('GET', '/register?system=omsorg%00', { headers: { accept: 'text/html' } });
        expect(page.status).toBe(404);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await page.text()).toContain('lang="nb"');
        // A search without one is answered as ever.
        expect((await t.call('GET', '/api/v1/registry?q=journal%2500omsorg')).status).toBe(200);
      } finally {
        await t.stop();
      }
    });
  }
});
