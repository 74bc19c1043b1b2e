import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDef } from '../../src/server/api-router.js';
import { createApp } from '../../src/server/app.js';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { PROFILE, run, systemVersion } from './declaration-helpers.js';

type Caller = 'anonymous' | 'vendorA' | 'vendorB' | 'lab' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'vendorA', 'vendorB', 'lab', 'admin'];
const ALLOWED: Record<RouteDef['auth'], Caller[]> = {
  public: CALLERS,
  vendor: ['vendorA', 'vendorB'],
  admin: ['admin'],
  admin_or_lab: ['admin', 'lab'],
  any: ['vendorA', 'vendorB', 'lab', 'admin'],
};
/** Path prefixes whose {id} is one of vendor A's own objects: vendor B must find nothing there. */
const VENDOR_OWNED = [
  /^\/api\/v1\/runs\/\{id\}/,
  /^\/api\/v1\/systems\/\{id\}/,
  /^\/api\/v1\/spot-checks\/\{id\}/,
  /^\/api\/v1\/declarations\/\{id\}\/(documents|spot-checks)/,
];
/**
 * Routes open to several roles whose service narrows the roles further (403 from the domain): a
 * run's submissions and live tests are the vendor's (or a laboratory's own runs), a re-test is a laboratory's.
 */
const NARROWED: Record<string, Caller[]> = {
  'post /api/v1/runs/{id}/submissions': ['lab', 'admin'],
  'post /api/v1/runs/{id}/testcases/{testcase}/live': ['lab', 'admin'],
  'post /api/v1/declarations/{id}/retests': ['admin'],
};
/** Routes that change what the others read: called last, so every other row sees the same state. */
const LAST = ['/api/v1/admin/signing-key/rotate', '/api/v1/declarations/{id}/revoke', '/api/v1/profiles/{id}/status'];
const pdf = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');

for (const dialect of dialectsUnderTest()) {
  describe(`access control over every route × caller on ${dialect.name}`, () => {
    let t: TestService;
    let routes: Array<RouteDef & { full: string }>;
    const tokens: Partial<Record<Caller, string>> = { admin: ADMIN_TOKEN };
    const values: Record<string, string> = {};
    const bodies: Record<string, unknown> = {};

    beforeAll(async () => {
      const modules = await declarationModules({ dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-acl-')) }, {});
      t = await startTestService(dialect, {}, { routeModules: modules });
      const { api } = createApp(t.service.ctx, modules);
      routes = api.routes.map((r) => ({ ...r, full: api.fullPath(r) }));
      const a = await registerVendor(t, 'Leverandør A');
      const b = await registerVendor(t, 'Leverandør B');
      tokens.vendorA = a.token;
      tokens.vendorB = b.token;
      tokens.lab = (
        (await (await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Testlab' } })).json()) as {
          token: string;
        }
      ).token;
      // Vendor A's objects: a system, a version, a passed run with submissions, a declaration of level B and one of level A, a spot check.
      const version = await systemVersion(t, a.token, 'A-Journal', '1.0');
      const systems = (await (await t.call('GET', '/api/v1/systems', { token: a.token })).json()) as { id: string }[];
      const runId = await run(t, a.token, version);
      const runView = (await (await t.call('GET', `/api/v1/runs/${runId}`, { token: a.token })).json()) as {
        testcases?: { id: string; latest?: { id: string } }[];
      } & Record<string, unknown>;
      const declB = (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: a.token, json: ISSUANCE })).json()) as {
        id: string;
        declaration: { testCases: { id: string }[] };
      };
      const version2 = await systemVersion(t, a.token, 'A-Journal', '2.0');
      const declA = (await (
        await t.call('POST', `/api/v1/systems/${systems[0]!.id}/versions/${version2}/declaration`, {
          token: a.token,
          json: {
            profiles: [{ profile: PROFILE, direction: 'send' }],
            documents: [{ name: 'r.pdf', mediaType: 'application/pdf', content: pdf }],
            ...ISSUANCE,
          },
        })
      ).json()) as { id: string; declaration: { documentation: { sha256: string }[] } };
      const spot = (await (
        await t.call('POST', `/api/v1/declarations/${declB.id}/spot-checks`, {
          token: ADMIN_TOKEN,
          json: { testCases: [declB.declaration.testCases[0]!.id], deadline: new Date(Date.now() + 7 * 86_400_000).toISOString() },
        })
      ).json()) as { id: string };
      const testcases = (await (await t.call('GET', `/api/v1/testcases?profile=${PROFILE}`)).json()) as { id: string; kind: string }[];
      const submissions = JSON.stringify(runView).match(/"submissionId":"([A-Za-z0-9]+)"|"latestSubmission":\{"id":"([A-Za-z0-9]+)"/);
      Object.assign(values, {
        run: runId,
        system: systems[0]!.id,
        version: version2,
        declaration: declB.id,
        declarationA: declA.id,
        sha256: declA.declaration.documentation[0]!.sha256,
        spot: spot.id,
        testcase: testcases.find((tc) => tc.kind === 'receive')!.id,
        submitTestcase: testcases.find((tc) => tc.kind !== 'receive')!.id,
        sid: submissions?.[1] ?? submissions?.[2] ?? 'none',
      });
      // Bodies valid enough that the ownership check, not the body check, decides vendor B's answer.
      Object.assign(bodies, {
        'post /api/v1/systems/{id}/versions': { version: '9.9' },
        'put /api/v1/systems/{id}/versions/{version}/fhir-base-url': { fhirBaseUrl: 'https://fhir.a-journal.example/r4' },
        'post /api/v1/runs/{id}/declaration': ISSUANCE,
        'post /api/v1/spot-checks/{id}/answer': { runId },
        'post /api/v1/runs/{id}/testcases/{testcase}/live': { baseUrl: 'https://fhir.example.no/r4' },
        'post /api/v1/systems/{id}/versions/{version}/declaration': {
          profiles: [{ profile: PROFILE, direction: 'send' }],
          documents: [{ name: 'r.pdf', mediaType: 'application/pdf', content: pdf }],
          ...ISSUANCE,
        },
      });
    });
    afterAll(async () => {
      await t?.stop();
    });

    function pathFor(r: RouteDef & { full: string }): string {
      return r.full.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (name === 'id') {
          if (r.full.startsWith('/api/v1/runs/')) return values.run!;
          if (r.full.startsWith('/api/v1/systems/')) return values.system!;
          if (r.full.startsWith('/api/v1/spot-checks/')) return values.spot!;
          if (r.full.includes('/documents/')) return values.declarationA!;
          if (r.full.startsWith('/api/v1/declarations/')) return values.declaration!;
          if (r.full.startsWith('/api/v1/profiles/')) return PROFILE;
          if (r.full.startsWith('/api/v1/testcases/')) return values.submitTestcase!;
          return 'no-such-object';
        }
        return { version: values.version, sha256: values.sha256, testcase: values.testcase, sid: values.sid, seq: '1' }[name] ?? 'x';
      });
    }

    async function call(r: RouteDef & { full: string }, caller: Caller): Promise<Response> {
      const query =
        r.full.endsWith('/submissions') && r.method === 'post'
          ? `?testcase=${values.submitTestcase}`
          : r.full === '/api/v1/testcases'
            ? `?profile=${PROFILE}`
            : '';
      const token = caller === 'anonymous' ? undefined : tokens[caller];
      const key = `${r.method} ${r.full}`;
      if (r.rawBody)
        return t.call(r.method.toUpperCase(), `${pathFor(r)}${query}`, { token, body: '<a/>', contentType: r.rawBody.mediaTypes[0] });
      if (r.jsonBody) return t.call(r.method.toUpperCase(), `${pathFor(r)}${query}`, { token, json: bodies[key] ?? {} });
      return t.call(r.method.toUpperCase(), `${pathFor(r)}${query}`, { token });
    }

    it('answers each caller on each route as its declared access requires, and never shows vendor A’s objects to vendor B', async () => {
      const ordered = [...routes.filter((r) => !LAST.includes(r.full)), ...routes.filter((r) => LAST.includes(r.full))];
      expect(ordered.length).toBeGreaterThan(45);
      const wrong: string[] = [];
      let checks = 0;
      for (const r of ordered) {
        for (const caller of CALLERS) {
          const res = await call(r, caller);
          const text = await res.text();
          checks++;
          const allowed = ALLOWED[r.auth].includes(caller) && !(NARROWED[`${r.method} ${r.full}`] ?? []).includes(caller);
          const at = `${r.method.toUpperCase()} ${r.full} as ${caller}: ${res.status}`;
          if (res.status >= 500) wrong.push(`${at} (server error)`);
          else if (!allowed && caller === 'anonymous' && res.status !== 401) wrong.push(`${at}, expected 401`);
          else if (!allowed && caller !== 'anonymous' && res.status !== 403) wrong.push(`${at}, expected 403`);
          else if (allowed && (res.status === 401 || res.status === 403)) wrong.push(`${at}, expected access`);
          else if (allowed && caller === 'vendorB' && VENDOR_OWNED.some((p) => p.test(r.full))) {
            if (res.status < 400) wrong.push(`${at}, vendor B reached vendor A's object`);
            else if (r.method === 'get' || bodies[`${r.method} ${r.full}`] || r.rawBody) {
              if (res.status !== 404) wrong.push(`${at}, expected 404 (another vendor's object does not exist for B)`);
            }
            if (text.includes(values.run!) && !r.full.includes('{id}')) wrong.push(`${at}, answer names vendor A's run`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(checks).toBe(ordered.length * CALLERS.length);
    });
  });
}
