import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_TESTCASES_DIR } from '../../src/core/paths.js';
import { Engine } from '../../src/engine/engine.js';
import { HostAllowlist } from '../../src/live/host-allowlist.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { testcaseSuite } from '../../src/runs/testcase-suite-adapter.js';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { webPages } from '../../src/web/web-pages.js';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { goodPatient, startFhirFixture, TEST_FNR, type FhirFixture } from '../live/fhir-fixture-server.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { fhirServerStatus, registerVerifiedFhirApi, type FhirServerStatus } from '../support/fhir-server.js';
import { systemVersion } from './declaration-helpers.js';

const LIVE = 'fhir-live-patient-read-search';
const ISSUANCE = { placeOfIssue: 'Bodø', signatory: { name: 'Kari Nordmann', function: 'daglig leder' } };

for (const dialect of dialectsUnderTest()) {
  describe(`live test cases in a run on ${dialect.name}`, () => {
    let fx: FhirFixture;
    /** A second server, claimed by the vendor but not verified as its own until a test does so. */
    let unproven: FhirFixture;
    let t: TestService;
    let vendor: { id: string; token: string };
    let runId: string;
    let declarationId: string;

    /**
     * A system version of the vendor with its FHIR API registered (or none), its server verified
     * as the vendor's unless `verify` is false, and a run of it on no-basis-patient.
     */
    async function versionAndRun(
      token: string,
      system: string,
      fhirBaseUrl?: string,
      { verify = true } = {},
    ): Promise<{ versionId: string; systemId: string; runId: string }> {
      const versionId = await systemVersion(t, token, system, '1.0');
      const systemId = ((await (await t.call('GET', '/api/v1/systems', { token })).json()) as { id: string; name: string }[]).find(
        (s) => s.name === system,
      )!.id;
      if (fhirBaseUrl && verify) await registerVerifiedFhirApi(t, token, { systemId, versionId }, fhirBaseUrl, fx);
      else if (fhirBaseUrl) {
        const put = await t.call('PUT', `/api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url`, {
          token,
          json: { fhirBaseUrl },
        });
        expect(put.status).toBe(200);
      }
      const run = await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: versionId, profiles: ['no-basis-patient'] } });
      return { versionId, systemId, runId: ((await run.json()) as { id: string }).id };
    }

    beforeAll(async () => {
      fx = await startFhirFixture({ token: 'riktig-token' });
      unproven = await startFhirFixture({ token: 'riktig-token' });
      const catalog = loadCatalog({ importedDir: mkdtempSync(path.join(tmpdir(), 'no-imported-')) });
      // no-basis-patient with its live test case only, so that a live run alone can pass the profile;
      // required here (shipped, it is optional), so that a live run that stops counting holds the profile back.
      const dir = mkdtempSync(path.join(tmpdir(), 'live-tcs-'));
      const shipped = JSON.parse(readFileSync(path.join(SHIPPED_TESTCASES_DIR, `${LIVE}.json`), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(dir, `${LIVE}.json`), JSON.stringify({ ...shipped, optional: false }));
      const engine = new Engine(catalog);
      const suite = testcaseSuite(loadTestcases(dir, catalog), {
        engine: { catalog, validate: (b, o) => engine.validate(b, o), evaluate: (tc, b, c) => evaluateSubmission(tc, b, engine, c) },
        liveHosts: HostAllowlist.parse(`127.0.0.1:${fx.port},127.0.0.1:${unproven.port}`),
      });
      const declarations = await declarationFeature({ dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-keys-')) });
      t = await startTestService(
        dialect,
        {},
        { catalog, testcases: suite, routeModules: declarations.modules, pages: webPages(declarations.feature) },
      );
      vendor = await registerVendor(t, 'Levende API AS');
      ({ runId } = await versionAndRun(vendor.token, 'PasientAPI', fx.base('good')));
    });
    afterAll(async () => {
      await t?.stop();
      await fx?.close();
      await unproven?.close();
    });

    const PARAMETERS = { patientId: goodPatient.id, fnr: TEST_FNR };
    const live = (json: unknown, token = vendor.token, run = runId) =>
      t.call('POST', `/api/v1/runs/${run}/testcases/${LIVE}/live`, { token, json });
    const runView = async (run: string) =>
      (await (await t.call('GET', `/api/v1/runs/${run}`, { token: vendor.token })).json()) as {
        systemVersionId: string;
        system: { id: string };
        status: string;
        profiles: { testcases: { id: string; kind: string; verdict: string; outcome: string; reason?: string; submissions: number }[] }[];
      };

    /** The vendor moves the FHIR API of the version of the first run (PasientAPI 1.0). */
    async function moveRegisteredApi(fhirBaseUrl: string): Promise<void> {
      const { system, systemVersionId } = await runView(runId);
      const moved = await t.call('PUT', `/api/v1/systems/${system.id}/versions/${systemVersionId}/fhir-base-url`, {
        token: vendor.token,
        json: { fhirBaseUrl },
      });
      expect(moved.status).toBe(200);
    }

    it('lists the live test case with its kind, implied direction, optionality and parameters', async () => {
      const tc = (await (await t.call('GET', `/api/v1/testcases/${LIVE}`)).json()) as Record<string, unknown>;
      expect(tc).toMatchObject({ id: LIVE, kind: 'live', direction: 'send', optional: false, requirements: [] });
      expect((tc.parameters as { name: string }[]).map((p) => p.name)).toEqual(['patientId', 'fnr']);
    });

    it('refuses a registered host the operator has not allowed, before any request is made: neither its challenge nor a live test', async () => {
      const {
        runId: elsewhere,
        systemId,
        versionId,
      } = await versionAndRun(vendor.token, 'UtenforAPI', `http://127.0.0.2:${fx.port}/good/fhir`, { verify: false });
      const before = fx.requests.length;
      const verify = await t.call('POST', `/api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url/verify`, {
        token: vendor.token,
      });
      expect(verify.status).toBe(422);
      expect(((await verify.json()) as { detail: string }).detail).toMatch(
        /samsvar does not fetch http:\/\/127\.0\.0\.2:\d+\/\.well-known\/samsvar-challenge\/\S+: SAMSVAR_FHIR_ALLOWED_HOSTS does not name 127\.0\.0\.2/,
      );
      const res = await live({ parameters: PARAMETERS }, vendor.token, elsewhere);
      expect(res.status).toBe(422);
      expect(((await res.json()) as { field: string }).field).toBe('fhirBaseUrl');
      expect(fx.requests.length).toBe(before);
    });

    it("refuses to test a server that is not the system version's own: another vendor's API is no evidence for this system", async () => {
      const other = await registerVendor(t, 'Annen Leverandør AS');
      const { runId: otherRun } = await versionAndRun(other.token, 'LånteAPI');
      const before = fx.requests.length;
      const res = await live({ baseUrl: fx.base('good'), token: 'riktig-token', parameters: PARAMETERS }, other.token, otherRun);
      expect(res.status).toBe(422);
      const problem = (await res.json()) as { detail: string; field: string };
      expect(problem.field).toBe('baseUrl');
      expect(problem.detail).toMatch(/has no FHIR base URL registered.*fhirBaseUrl/);
      expect(fx.requests.length).toBe(before);
    });

    it("does not let another vendor register a vendor's FHIR server as its own, however the URL is written", async () => {
      const other = await registerVendor(t, 'Tredje Leverandør AS');
      const systemId = (
        (await (await t.call('POST', '/api/v1/systems', { token: other.token, json: { name: 'Kopi' } })).json()) as { id: string }
      ).id;
      const good = fx.base('good');
      // The same server under another path or scheme is the same server: it answers for the other path too.
      const server = new URL(good);
      const variants = [
        good,
        `${good}/`,
        good.replace('http://', 'HTTP://'),
        `${good}/x/..`,
        `http://${server.host}/proxied${server.pathname}`,
        `https://${server.host}${server.pathname}`,
      ];
      for (const [i, fhirBaseUrl] of variants.entries()) {
        const res = await t.call('POST', `/api/v1/systems/${systemId}/versions`, {
          token: other.token,
          json: { version: `v-${i}`, fhirBaseUrl },
        });
        expect(res.status).toBe(409);
        expect((await res.json()) as { field: string; detail: string }).toMatchObject({
          field: 'fhirBaseUrl',
          detail: expect.stringMatching(/verified as another vendor's/),
        });
      }
    });

    it('refuses a base URL other than the registered one, before contacting it', async () => {
      const before = fx.requests.length;
      const res = await live({ baseUrl: fx.base('plain-json'), parameters: PARAMETERS });
      expect(res.status).toBe(422);
      const problem = (await res.json()) as { detail: string; field: string };
      expect(problem).toMatchObject({ field: 'baseUrl' });
      expect(problem.detail).toContain(`is not the FHIR API registered for system version 1.0 (${fx.base('good')})`);
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

    it("runs against the vendor's registered API, stores the record like a submission, and counts in the run and the declaration", async () => {
      const failing = await live({ token: 'riktig-token', parameters: { ...PARAMETERS, patientId: 'finnes-ikke' } });
      expect(failing.status).toBe(201);
      expect(((await failing.json()) as { verdict: string }).verdict).toBe('failed');

      // The registered base URL, written as the vendor likes, is the same API.
      const res = await live({ baseUrl: `${fx.base('good')}/`, token: 'riktig-token', parameters: PARAMETERS });
      expect(res.status).toBe(201);
      const sub = (await res.json()) as {
        id: string;
        testcase: string;
        verdict: string;
        contentType: string;
        artifactSha256: string;
        findings: { ruleId: string; severity: string }[];
        validation: { live: { baseUrl: string } };
      };
      expect(sub).toMatchObject({ testcase: LIVE, verdict: 'passed', contentType: 'application/vnd.samsvar.live-run+json' });
      expect(sub.validation.live.baseUrl).toBe(fx.base('good'));
      // The fixture names no software: the server does not say it is PasientAPI 1.0, which the reviewer sees, but an honest server may not either.
      expect(sub.findings).toContainEqual(expect.objectContaining({ ruleId: 'LIVE-CAP-SOFTWARE', severity: 'warning' }));

      // The artifact is the record of the run: every request and its answer, never the token.
      const artifact = await (await t.call('GET', `/api/v1/runs/${runId}/submissions/${sub.id}/artifact`, { token: vendor.token })).text();
      expect(JSON.parse(artifact)).toMatchObject({ verdict: 'passed', testcase: { id: LIVE }, baseUrl: fx.base('good') });
      expect(artifact).not.toContain('riktig-token');

      const view = await runView(runId);
      expect(view.status).toBe('passed');
      expect(view.profiles[0]!.testcases).toEqual([expect.objectContaining({ id: LIVE, kind: 'live', verdict: 'passed', submissions: 2 })]);

      const decl = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(decl.status).toBe(201);
      const { id, declaration } = (await decl.json()) as {
        id: string;
        declaration: {
          conformsTo: { profile: string; direction: string }[];
          testCases: { id: string; direction: string; evidence: { sha256: string }[] }[];
        };
      };
      declarationId = id;
      expect(declaration.conformsTo).toEqual([expect.objectContaining({ profile: 'no-basis-patient', direction: 'send' })]);
      expect(declaration.testCases).toEqual([
        { id: LIVE, profile: 'no-basis-patient', direction: 'send', evidence: [expect.objectContaining({ sha256: sub.artifactSha256 })] },
      ]);
    });

    it("does not countersign a laboratory's re-test whose live run was against an API the version no longer registers", async () => {
      const lab = (
        (await (await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Testlab' } })).json()) as {
          token: string;
        }
      ).token;
      const retest = await t.call('POST', `/api/v1/declarations/${declarationId}/retests`, { token: lab });
      expect(retest.status).toBe(201);
      const labRun = ((await retest.json()) as { id: string }).id;
      // The laboratory, too, tests the API the vendor registered for the version.
      const ran = await live({ token: 'riktig-token', parameters: PARAMETERS }, lab, labRun);
      expect(((await ran.json()) as { verdict: string }).verdict).toBe('passed');
      await moveRegisteredApi(fx.base('plain-json'));

      const countersigned = await t.call('POST', `/api/v1/declarations/${declarationId}/countersign`, {
        token: lab,
        json: { runId: labRun },
      });
      expect(countersigned.status).toBe(422);
      expect(((await countersigned.json()) as { detail: string }).detail).toMatch(/has not passed fhir-live-patient-read-search/);
    });

    it('does not pass a spot check with a live run against an API the version no longer registers', async () => {
      const order = await t.call('POST', `/api/v1/declarations/${declarationId}/spot-checks`, {
        token: ADMIN_TOKEN,
        json: { testCases: [LIVE], deadline: new Date(Date.now() + 7 * 86_400_000).toISOString() },
      });
      expect(order.status).toBe(201);
      const spot = (await order.json()) as { id: string };
      const answer = await t.call('POST', '/api/v1/runs', {
        token: vendor.token,
        json: { systemVersionId: (await runView(runId)).systemVersionId, profiles: ['no-basis-patient'] },
      });
      const answerRun = ((await answer.json()) as { id: string }).id;
      expect(((await (await live({ parameters: PARAMETERS }, vendor.token, answerRun)).json()) as { verdict: string }).verdict).toBe(
        'passed',
      );
      await moveRegisteredApi(fx.base('wrong-id'));

      const answered = await t.call('POST', `/api/v1/spot-checks/${spot.id}/answer`, { token: vendor.token, json: { runId: answerRun } });
      expect(((await answered.json()) as { outcome: string }).outcome).toBe('failed');
      expect(((await (await t.call('GET', `/api/v1/declarations/${declarationId}`)).json()) as { status: string }).status).toBe('revoked');
    });

    it('stops counting a passed live test once the version registers another API, until it is run there', async () => {
      const first = fx.base('plain-json');
      const { versionId, systemId, runId: moving } = await versionAndRun(vendor.token, 'FlytteAPI', first);
      expect(((await (await live({ parameters: PARAMETERS }, vendor.token, moving)).json()) as { verdict: string }).verdict).toBe('passed');
      expect((await runView(moving)).status).toBe('passed');

      const moved = await t.call('PUT', `/api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url`, {
        token: vendor.token,
        json: { fhirBaseUrl: fx.base('good') },
      });
      expect(moved.status).toBe(200);
      expect(await moved.json()).toMatchObject({ id: versionId, fhirBaseUrl: fx.base('good') });
      // The move is on record with the API it replaces.
      const audit = (await (await t.call('GET', '/api/v1/audit?limit=1000', { token: ADMIN_TOKEN })).json()) as {
        items: { action: string; objectId: string; details: unknown }[];
      };
      expect(
        audit.items.filter((e) => e.action === 'system_version.fhir_base_url' && e.objectId === versionId).map((e) => e.details),
      ).toEqual([
        { from: null, to: first },
        { from: first, to: fx.base('good') },
      ]);

      const after = await runView(moving);
      expect(after.status).toBe('failing');
      expect(after.profiles[0]!.testcases[0]).toMatchObject({ verdict: 'passed', outcome: 'failed' });
      expect(after.profiles[0]!.testcases[0]!.reason).toContain(
        `no longer counts: it ran against ${first}, but the FHIR API registered for system version 1.0 is ${fx.base('good')}`,
      );
      // The vendor's page says so in bokmål, without the API's English reason.
      const signIn = await fetch(`${t.url}/leverandor/logg-inn`, {
        method: 'POST',
        body: new URLSearchParams({ token: vendor.token }),
        redirect: 'manual',
      });
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const page = await (await fetch(`${t.url}/leverandor/kjoringer/${moving}`, { headers: { cookie } })).text();
      expect(page).toContain(
        'testen ble kjørt mot et annet FHIR-API enn det som nå er registrert på systemversjonen, så den teller ikke. Kjør den på nytt',
      );
      expect(page).not.toContain('no longer counts');
      const refused = await t.call('POST', `/api/v1/runs/${moving}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { detail: string }).detail).toContain(
        `test case ${LIVE} no longer counts: it ran against ${first}`,
      );

      // What was tested at an API counts again once that API is registered again: the record names it.
      const put = (fhirBaseUrl: string) =>
        t.call('PUT', `/api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url`, { token: vendor.token, json: { fhirBaseUrl } });
      expect((await put(`${first}/`)).status).toBe(200);
      expect((await runView(moving)).status).toBe('passed');
      expect((await put(fx.base('good'))).status).toBe(200);

      expect(((await (await live({ parameters: PARAMETERS }, vendor.token, moving)).json()) as { verdict: string }).verdict).toBe('passed');
      expect((await runView(moving)).status).toBe('passed');
    });

    describe('proof that the vendor controls the server of its registered API', () => {
      let ids: { systemId: string; versionId: string; runId: string };
      let status: FhirServerStatus;
      const verify = () =>
        t.call('POST', `/api/v1/systems/${ids.systemId}/versions/${ids.versionId}/fhir-base-url/verify`, { token: vendor.token });

      beforeAll(async () => {
        const {
          versionId,
          systemId,
          runId: run,
        } = await versionAndRun(vendor.token, 'BevisAPI', unproven.base('good'), {
          verify: false,
        });
        ids = { versionId, systemId, runId: run };
        status = await fhirServerStatus(t, vendor.token, systemId, versionId);
      });

      it('gives the vendor a random token to serve at the challenge URL of its server, and nobody else', async () => {
        expect(status).toEqual({
          fhirBaseUrl: unproven.base('good'),
          server: `127.0.0.1:${unproven.port}`,
          verified: false,
          challenge: {
            url: `${unproven.origin}/.well-known/samsvar-challenge/${status.challenge.token}`,
            token: status.challenge.token,
            answer: `${status.challenge.token}.${createHash('sha256').update(`samsvar-fhir-server-vendor\0${vendor.id}`).digest('base64url')}`,
          },
        });
        // 32 random bytes, base64url: 256 bits nobody can guess.
        expect(status.challenge.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const other = await registerVendor(t, 'Nysgjerrig Leverandør AS');
        const peek = await t.call('GET', `/api/v1/systems/${ids.systemId}/versions/${ids.versionId}/fhir-base-url`, {
          token: other.token,
        });
        expect(peek.status).toBe(404);
      });

      it("runs no live test against a server not verified as the vendor's, before contacting it", async () => {
        const res = await live({ token: 'riktig-token', parameters: PARAMETERS }, vendor.token, ids.runId);
        expect(res.status).toBe(422);
        const problem = (await res.json()) as { field: string; detail: string };
        expect(problem.field).toBe('fhirBaseUrl');
        expect(problem.detail).toContain(`the FHIR server 127.0.0.1:${unproven.port} registered for system version 1.0 is not verified`);
        expect(problem.detail).toContain(`POST /api/v1/systems/${ids.systemId}/versions/${ids.versionId}/fhir-base-url/verify`);
        expect(unproven.requests).toEqual([]);
      });

      it('does not verify a server that does not serve the answer, saying what it fetched and what came back', async () => {
        const { url, token, answer } = status.challenge;
        const missing = await verify();
        expect(missing.status).toBe(422);
        expect((await missing.json()) as { field: string; detail: string }).toMatchObject({
          field: 'fhirBaseUrl',
          detail: expect.stringContaining(
            `is not verified: ${url} answered HTTP 404, not 200 with the answer; serve ${answer} as the whole body of ${url}`,
          ),
        });

        unproven.serveChallenge(token, { body: 'noe annet' });
        const wrong = (await (await verify()).json()) as { detail: string };
        expect(wrong.detail).toContain(`${url} answered HTTP 200, but its body is not the answer ${answer}`);

        // A server that echoes its path (the token is the URL's last segment) proves nothing.
        unproven.serveChallenge(token, { body: token });
        expect((await verify()).status).toBe(422);

        // Whoever answers at another origin, even on the same machine, proves nothing about this server.
        const elsewhere = url.replace('127.0.0.1', 'localhost');
        unproven.serveChallenge(token, { redirect: elsewhere });
        const redirected = (await (await verify()).json()) as { detail: string };
        expect(redirected.detail).toContain(`redirects (HTTP 302) to ${elsewhere}, which is not followed: it is another origin`);

        expect((await fhirServerStatus(t, vendor.token, ids.systemId, ids.versionId)).verified).toBe(false);
        expect(unproven.requests.map((r) => r.url)).toEqual(Array(4).fill(new URL(url).pathname));
      });

      it('verifies a server that serves the answer, on record, and then runs and counts its live tests', async () => {
        // Before: another vendor registering the unverified server is no proof, and does not lock the vendor out.
        const squatter = await registerVendor(t, 'Først Ute AS');
        const squatterSystem = (
          (await (await t.call('POST', '/api/v1/systems', { token: squatter.token, json: { name: 'Lånt' } })).json()) as { id: string }
        ).id;
        const squatted = await t.call('POST', `/api/v1/systems/${squatterSystem}/versions`, {
          token: squatter.token,
          json: { version: '1', fhirBaseUrl: unproven.base('good') },
        });
        expect(squatted.status).toBe(201);
        const squatterVersion = ((await squatted.json()) as { id: string }).id;
        unproven.serveChallenge(status.challenge.token, { body: status.challenge.answer });
        // The server serves the vendor's answer, not the squatter's: the squatter's verification fails.
        const notTheirs = await t.call('POST', `/api/v1/systems/${squatterSystem}/versions/${squatterVersion}/fhir-base-url/verify`, {
          token: squatter.token,
        });
        expect(notTheirs.status).toBe(422);
        const res = await verify();
        expect(res.status).toBe(200);
        const verified = (await res.json()) as FhirServerStatus;
        expect(verified).toMatchObject({ verified: true, verifiedAt: expect.any(String), challenge: status.challenge });
        const audit = (await (await t.call('GET', '/api/v1/audit?limit=1000', { token: ADMIN_TOKEN })).json()) as {
          items: { action: string; actor: string; objectId: string; details: unknown }[];
        };
        expect(audit.items.filter((e) => e.action === 'fhir_endpoint.verified' && e.objectId === verified.server)).toEqual([
          expect.objectContaining({ actor: `vendor:${vendor.id}`, details: { baseUrl: unproven.base('good') } }),
        ]);

        const ran = await live({ token: 'riktig-token', parameters: PARAMETERS }, vendor.token, ids.runId);
        expect(ran.status).toBe(201);
        expect(((await ran.json()) as { verdict: string }).verdict).toBe('passed');
        expect((await runView(ids.runId)).status).toBe('passed');

        // Verified, the server is the vendor's: the squatter's version cannot verify it, and no other vendor can register it.
        const late = await t.call('POST', `/api/v1/systems/${squatterSystem}/versions/${squatterVersion}/fhir-base-url/verify`, {
          token: squatter.token,
        });
        expect(late.status).toBe(409);
        const other = await registerVendor(t, 'Etternøler AS');
        const systemId = (
          (await (await t.call('POST', '/api/v1/systems', { token: other.token, json: { name: 'Etter' } })).json()) as { id: string }
        ).id;
        const claim = await t.call('POST', `/api/v1/systems/${systemId}/versions`, {
          token: other.token,
          json: { version: '1', fhirBaseUrl: unproven.base('good') },
        });
        expect(claim.status).toBe(409);
      });

      it('stops counting a live test passed on a server stored as not verified (before the challenge existed), until it is verified', async () => {
        // As migration 1040 leaves a claim made before it: with a token, not verified.
        await t.service.ctx.database.db
          .updateTable('fhir_endpoints')
          .set({ verified_at: null })
          .where('server', '=', `127.0.0.1:${unproven.port}`)
          .execute();
        const after = await runView(ids.runId);
        expect(after.status).toBe('failing');
        expect(after.profiles[0]!.testcases[0]).toMatchObject({ verdict: 'passed', outcome: 'failed' });
        expect(after.profiles[0]!.testcases[0]!.reason).toContain(
          `no longer counts: the FHIR server 127.0.0.1:${unproven.port} registered for system version 1.0 is not verified`,
        );
        const refused = await t.call('POST', `/api/v1/runs/${ids.runId}/declaration`, { token: vendor.token, json: ISSUANCE });
        expect(refused.status).toBe(422);
        expect(((await refused.json()) as { detail: string }).detail).toContain(`test case ${LIVE} no longer counts: the FHIR server`);

        // The vendor's page says so in bokmål, and offers the proof.
        const signIn = await fetch(`${t.url}/leverandor/logg-inn`, {
          method: 'POST',
          body: new URLSearchParams({ token: vendor.token }),
          redirect: 'manual',
        });
        const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
        const page = await (await fetch(`${t.url}/leverandor/kjoringer/${ids.runId}`, { headers: { cookie } })).text();
        expect(page).toContain('FHIR-serveren til systemversjonen er ikke bekreftet som deres, så testen teller ikke');
        expect(page).not.toContain('no longer counts');

        expect((await verify()).status).toBe(200);
        expect((await runView(ids.runId)).status).toBe('passed');
      });

      it("refuses a laboratory's re-test against a server not verified as the vendor's, before contacting it", async () => {
        const decl = await t.call('POST', `/api/v1/runs/${ids.runId}/declaration`, { token: vendor.token, json: ISSUANCE });
        expect(decl.status).toBe(201);
        const lab = (
          (await (await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Bevislab' } })).json()) as {
            token: string;
          }
        ).token;
        const retest = await t.call('POST', `/api/v1/declarations/${((await decl.json()) as { id: string }).id}/retests`, { token: lab });
        const labRun = ((await retest.json()) as { id: string }).id;
        await t.service.ctx.database.db
          .updateTable('fhir_endpoints')
          .set({ verified_at: null })
          .where('server', '=', `127.0.0.1:${unproven.port}`)
          .execute();
        const before = unproven.requests.length;
        const res = await live({ token: 'riktig-token', parameters: PARAMETERS }, lab, labRun);
        expect(res.status).toBe(422);
        expect((await res.json()) as { field: string }).toMatchObject({ field: 'fhirBaseUrl' });
        expect(unproven.requests.length).toBe(before);
        expect((await verify()).status).toBe(200);
      });
    });
  });
}
