import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_TESTCASES_DIR } from '../../src/core/paths.js';
import { Engine } from '../../src/engine/engine.js';
import { HostAllowlist } from '../../src/live/host-allowlist.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { testcaseSuite } from '../../src/runs/testcase-suite-adapter.js';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { goodPatient, startFhirFixture, TEST_FNR, type FhirFixture } from '../live/fhir-fixture-server.js';
import { dialectsUnderTest } from '../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../support/service.js';
import { systemVersion } from './declaration-helpers.js';

const LIVE = 'fhir-live-patient-read-search';
const ISSUANCE = { placeOfIssue: 'Bodø', signatory: { name: 'Kari Nordmann', function: 'daglig leder' } };

for (const dialect of dialectsUnderTest()) {
  describe(`live test cases in a run on ${dialect.name}`, () => {
    let fx: FhirFixture;
    let t: TestService;
    let vendor: { id: string; token: string };
    let runId: string;

    beforeAll(async () => {
      fx = await startFhirFixture({ token: 'riktig-token' });
      const catalog = loadCatalog({ importedDir: mkdtempSync(path.join(tmpdir(), 'no-imported-')) });
      // no-basis-patient with its live test case only, so that a live run alone can pass the profile.
      const dir = mkdtempSync(path.join(tmpdir(), 'live-tcs-'));
      copyFileSync(path.join(SHIPPED_TESTCASES_DIR, `${LIVE}.json`), path.join(dir, `${LIVE}.json`));
      const engine = new Engine(catalog);
      const suite = testcaseSuite(loadTestcases(dir, catalog), {
        engine: { catalog, validate: (b, o) => engine.validate(b, o), evaluate: (tc, b, c) => evaluateSubmission(tc, b, engine, c) },
        liveHosts: HostAllowlist.parse(`127.0.0.1:${fx.port}`),
      });
      const modules = await declarationModules({ dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-keys-')) });
      t = await startTestService(dialect, {}, { catalog, testcases: suite, routeModules: modules });
      vendor = await registerVendor(t, 'Levende API AS');
      const versionId = await systemVersion(t, vendor.token, 'PasientAPI', '1.0');
      const run = await t.call('POST', '/api/v1/runs', {
        token: vendor.token,
        json: { systemVersionId: versionId, profiles: ['no-basis-patient'] },
      });
      runId = ((await run.json()) as { id: string }).id;
    });
    afterAll(async () => {
      await t?.stop();
      await fx?.close();
    });

    const live = (json: unknown, token = vendor.token) => t.call('POST', `/api/v1/runs/${runId}/testcases/${LIVE}/live`, { token, json });

    it('lists the live test case with its kind, implied direction, optionality and parameters', async () => {
      const tc = (await (await t.call('GET', `/api/v1/testcases/${LIVE}`)).json()) as Record<string, unknown>;
      expect(tc).toMatchObject({ id: LIVE, kind: 'live', direction: 'send', optional: true, requirements: [] });
      expect((tc.parameters as { name: string }[]).map((p) => p.name)).toEqual(['patientId', 'fnr']);
    });

    it('refuses a host the operator has not allowed, before any request is made', async () => {
      const before = fx.requests.length;
      const res = await live({
        baseUrl: `http://127.0.0.2:${fx.port}/good/fhir`,
        parameters: { patientId: goodPatient.id, fnr: TEST_FNR },
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/SAMSVAR_FHIR_ALLOWED_HOSTS does not name 127\.0\.0\.2/);
      expect(fx.requests.length).toBe(before);
    });

    it('refuses an artifact submitted for a live test case: samsvar runs it itself', async () => {
      const res = await t.call('POST', `/api/v1/runs/${runId}/submissions?testcase=${LIVE}`, {
        token: vendor.token,
        body: JSON.stringify(goodPatient),
        contentType: 'application/fhir+json',
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/is a live test case/);
    });

    it("runs against the vendor's API, stores the record like a submission, and counts in the run and the declaration", async () => {
      const failing = await live({
        baseUrl: fx.base('bad'),
        token: 'riktig-token',
        parameters: { patientId: goodPatient.id, fnr: TEST_FNR },
      });
      expect(failing.status).toBe(201);
      expect(((await failing.json()) as { verdict: string }).verdict).toBe('failed');

      const res = await live({ baseUrl: fx.base('good'), token: 'riktig-token', parameters: { patientId: goodPatient.id, fnr: TEST_FNR } });
      expect(res.status).toBe(201);
      const sub = (await res.json()) as {
        id: string;
        testcase: string;
        verdict: string;
        contentType: string;
        artifactSha256: string;
        validation: { live: { baseUrl: string } };
      };
      expect(sub).toMatchObject({ testcase: LIVE, verdict: 'passed', contentType: 'application/vnd.samsvar.live-run+json' });
      expect(sub.validation.live.baseUrl).toBe(fx.base('good'));

      // The artifact is the record of the run: every request and its answer, never the token.
      const artifact = await (await t.call('GET', `/api/v1/runs/${runId}/submissions/${sub.id}/artifact`, { token: vendor.token })).text();
      expect(JSON.parse(artifact)).toMatchObject({ verdict: 'passed', testcase: { id: LIVE } });
      expect(artifact).not.toContain('riktig-token');

      const view = (await (await t.call('GET', `/api/v1/runs/${runId}`, { token: vendor.token })).json()) as {
        status: string;
        profiles: { testcases: { id: string; kind: string; verdict: string; submissions: number }[] }[];
      };
      expect(view.status).toBe('passed');
      expect(view.profiles[0]!.testcases).toEqual([expect.objectContaining({ id: LIVE, kind: 'live', verdict: 'passed', submissions: 2 })]);

      const decl = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(decl.status).toBe(201);
      const { declaration } = (await decl.json()) as {
        declaration: {
          conformsTo: { profile: string; direction: string }[];
          testCases: { id: string; direction: string; evidence: { sha256: string }[] }[];
        };
      };
      expect(declaration.conformsTo).toEqual([expect.objectContaining({ profile: 'no-basis-patient', direction: 'send' })]);
      expect(declaration.testCases).toEqual([
        { id: LIVE, profile: 'no-basis-patient', direction: 'send', evidence: [expect.objectContaining({ sha256: sub.artifactSha256 })] },
      ]);
    });
  });
}
