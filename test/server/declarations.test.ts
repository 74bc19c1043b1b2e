import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { runCli } from '../helpers/cli-run.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';

/** Signed into every declaration: configured, never taken from a request's Host header. */
const PUBLIC_URL = 'https://samsvar.example';
import { ISSUANCE } from '../declarations/fixtures.js';
import { confirmByLab, labRetest, PROFILE, run, systemVersion } from './declaration-helpers.js';

const DAY = 24 * 3600 * 1000;

/** Ed25519 over the JWS signing input with node's crypto and the served JWK only: shares no code with samsvar. */
function independentlyVerifies(jws: string, jwks: { keys: { kid: string; x: string }[] }): boolean {
  const [h, p, s] = jws.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8'));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'EdDSA') return false;
  return nodeVerify(
    null,
    Buffer.from(`${h}.${p}`),
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }),
    Buffer.from(s!, 'base64url'),
  );
}

for (const dialect of dialectsUnderTest()) {
  describe(`signed declarations, registry and transparency log over HTTP on ${dialect.name}`, () => {
    let t: TestService;
    let offset = 0;
    let vendor: { id: string; token: string };
    let other: { id: string; token: string };
    let labToken: string;
    let runId: string;
    let declId: string;
    let jws: string;

    const get = async (p: string, token?: string) => t.call('GET', p, { token });
    const registry = async (q = '') =>
      (await (await get(`/api/v1/registry${q}`)).json()) as {
        total: number;
        items: { id: string; status: string; assuranceLevel: string; statusReason?: string }[];
      };
    const verify = async (token: string) =>
      (await (await t.call('POST', '/api/v1/declarations/verify', { body: token, contentType: 'application/jose' })).json()) as {
        valid: boolean;
        status?: string;
        kid?: string;
        reason?: string;
      };
    const logTypes = async () =>
      ((await (await get('/api/v1/log')).json()) as { entries: { type: string; declarationId: string }[] }).entries.map(
        (e) => `${e.type}:${e.declarationId}`,
      );

    beforeAll(async () => {
      const keysDir = mkdtempSync(path.join(tmpdir(), 'samsvar-keys-'));
      const modules = await declarationModules(
        { dataDir: keysDir },
        { env: { SAMSVAR_PUBLIC_URL: PUBLIC_URL }, now: () => new Date(Date.now() + offset) },
      );
      t = await startTestService(dialect, {}, { routeModules: modules });
      vendor = await registerVendor(t, 'Omsorg & Journal AS');
      other = await registerVendor(t, 'Konkurrent AS');
      const lab = await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Akkreditert Testlab AS' } });
      labToken = ((await lab.json()) as { token: string }).token;
      runId = await run(t, vendor.token, await systemVersion(t, vendor.token, 'OmsorgsJournal', '5.2.0'));
    });
    afterAll(async () => {
      await t?.stop();
    });

    it("refuses a declaration for another vendor's run with 404, and for a run without a passed profile with a reason", async () => {
      const theirs = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: other.token, json: ISSUANCE });
      expect(theirs.status).toBe(404);
      expect(theirs.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect((await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: ADMIN_TOKEN })).status).toBe(403);
      expect((await t.call('POST', `/api/v1/runs/${runId}/declaration`, { json: ISSUANCE })).status).toBe(401);

      const empty = await run(t, vendor.token, await systemVersion(t, vendor.token, 'OmsorgsJournal', '5.1.9'), { submit: false });
      const refused = await t.call('POST', `/api/v1/runs/${empty}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/no passed profile.*was not submitted/);
    });

    it('asks the vendor for the place of issue and who signs for the manufacturer, refusing a body without them', async () => {
      const missing = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: { placeOfIssue: 'Tromsø' } });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { detail: string }).detail).toBe("body lacks the required property 'signatory'");
      const blank = await t.call('POST', `/api/v1/runs/${runId}/declaration`, {
        token: vendor.token,
        json: { ...ISSUANCE, signatory: { name: '   ', function: 'daglig leder' } },
      });
      expect(blank.status).toBe(400);
      expect(((await blank.json()) as { detail: string }).detail).toMatch(/body\.signatory\.name must match pattern/);
      const extra = await t.call('POST', `/api/v1/runs/${runId}/declaration`, {
        token: vendor.token,
        json: { ...ISSUANCE, assuranceLevel: 'C' },
      });
      expect(((await extra.json()) as { detail: string }).detail).toBe("body has an unknown property 'assuranceLevel'");
      expect((await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token })).status).toBe(415);
    });

    it('issues a declaration from a passed run that verifies with an independent Ed25519 check against the JWKS', async () => {
      // A forged Host header must not put another issuer URL into the signed content.
      const res = await t.call('POST', `/api/v1/runs/${runId}/declaration`, {
        token: vendor.token,
        json: ISSUANCE,
        headers: { 'x-forwarded-host': 'evil.example', host: 'evil.example' },
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        id: string;
        status: string;
        assuranceLevel: string;
        jws: string;
        declaration: {
          issuer: { url: string };
          conformsTo: { profile: string; direction: string; profileSha256: string; uses?: unknown[] }[];
          manufacturer: { name: string };
          testCases: unknown[];
          validator: { version: string };
        };
      };
      expect(body).toMatchObject({
        status: 'active',
        assuranceLevel: 'B',
        declaration: { placeOfIssue: 'Tromsø', signatory: { name: 'Kari Nordmann', function: 'daglig leder' } },
      });
      expect(body.declaration.manufacturer.name).toBe('Omsorg & Journal AS');
      expect(body.declaration.issuer.url).toBe(PUBLIC_URL);
      expect(body.declaration.conformsTo.map((p) => `${p.profile}/${p.direction}`)).toEqual([`${PROFILE}/receive`, `${PROFILE}/send`]);
      expect(body.declaration.conformsTo[0]!.profileSha256).toMatch(/^[0-9a-f]{64}$/);
      // The Dialogmelding's tests also applied the Hodemelding rules of msghead-1.2: the declaration names that content too.
      const msghead = (await (await get('/api/v1/profiles/msghead-1.2')).json()) as { version: string; sha256: string };
      for (const p of body.declaration.conformsTo)
        expect(p.uses).toEqual([{ profile: 'msghead-1.2', version: msghead.version, profileSha256: msghead.sha256 }]);
      expect(body.declaration.testCases.length).toBeGreaterThanOrEqual(3);
      declId = body.id;
      jws = body.jws;

      const jwks = (await (await get('/.well-known/jwks.json')).json()) as { keys: { kid: string; x: string }[] };
      expect(independentlyVerifies(jws, jwks)).toBe(true);
      expect(await (await get(`/api/v1/declarations/${declId}.jws`)).text()).toBe(jws);
      expect(await verify(jws)).toMatchObject({ valid: true, status: 'active', kid: jwks.keys[0]!.kid });

      const again = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(again.status).toBe(409);
    });

    it('lists a declaration and an open run in the impact of the Hodemelding profile their Dialogmelding rests on, naming it', async () => {
      const impactOf = async (id: string) =>
        (await (await t.call('GET', `/api/v1/admin/profiles/${id}/impact`, { token: ADMIN_TOKEN })).json()) as {
          declarations: { id: string; through?: string[] }[];
          runs: { runId: string; through?: string[] }[];
        };
      const sv = (await (await get(`/api/v1/runs/${runId}`, vendor.token)).json()) as { systemVersionId: string };
      const open = await run(t, vendor.token, sv.systemVersionId, { submit: false });
      const msghead = await impactOf('msghead-1.2');
      expect(msghead.declarations).toContainEqual(expect.objectContaining({ id: declId, through: [PROFILE] }));
      expect(msghead.runs).toContainEqual(expect.objectContaining({ runId: open, through: [PROFILE] }));
      // A declared run is the declaration's, not listed again.
      expect(msghead.runs.map((r) => r.runId)).not.toContain(runId);
      const own = await impactOf(PROFILE);
      expect(own.declarations.find((d) => d.id === declId)).toEqual(expect.not.objectContaining({ through: expect.anything() }));
      expect(own.runs.find((r) => r.runId === open)).toEqual(expect.not.objectContaining({ through: expect.anything() }));
      // A profile nothing here rests on touches none of them.
      expect((await impactOf('apprec-1.0')).declarations.map((d) => d.id)).not.toContain(declId);
    });

    it('fails verification when one byte changes', async () => {
      const [h, p, s] = jws.split('.');
      const payload = Buffer.from(p!, 'base64url');
      payload[payload.length - 5] ^= 0x01;
      const altered = `${h}.${payload.toString('base64url')}.${s}`;
      const jwks = (await (await get('/.well-known/jwks.json')).json()) as { keys: { kid: string; x: string }[] };
      expect(independentlyVerifies(altered, jwks)).toBe(false);
      expect(await verify(altered)).toMatchObject({ valid: false, reason: expect.stringMatching(/signature/) });
      const asJson = await t.call('POST', '/api/v1/declarations/verify', { json: { jws: altered } });
      expect(((await asJson.json()) as { valid: boolean }).valid).toBe(false);
      expect((await t.call('POST', '/api/v1/declarations/verify', { json: { token: jws } })).status).toBe(400);
      expect((await t.call('POST', '/api/v1/declarations/verify', { body: jws, contentType: 'application/xml' })).status).toBe(415);
    });

    it('renders as HTML in bokmål, PDF with the verification URL, and a FHIR Bundle of TestReports', async () => {
      const html = await get(`/api/v1/declarations/${declId}.html`);
      expect(html.headers.get('content-type')).toMatch(/text\/html/);
      expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
      const page = await html.text();
      expect(page).toContain('Egenerklæring om samsvar');
      expect(page).toContain('<dt>Sted og dato</dt><dd>Tromsø,');
      expect(page).toContain('<dt>Signert for produsenten av</dt><dd>Kari Nordmann, daglig leder</dd>');
      expect(page).toContain('Omsorg &amp; Journal AS');
      expect(page).toContain('<div>med reglene i msghead-1.2 ');
      const pdf = Buffer.from(await (await get(`/api/v1/declarations/${declId}.pdf`)).arrayBuffer());
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.toString('latin1')).toContain(`/URI (${PUBLIC_URL}/api/v1/declarations/${declId})`);
      const fhir = await get(`/api/v1/declarations/${declId}.fhir.json`);
      expect(fhir.headers.get('content-type')).toBe('application/fhir+json');
      const bundle = (await fhir.json()) as { resourceType: string; entry: { resource: { resourceType: string; result: string } }[] };
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.entry.map((e) => `${e.resource.resourceType}:${e.resource.result}`)).toEqual(['TestReport:pass', 'TestReport:pass']);
      expect(JSON.stringify(bundle)).toMatch(
        /Passed against profile content sha256=[0-9a-f]{64} with msghead-1\.2 [^ ]+ sha256=[0-9a-f]{64}/,
      );
      // samsvar's own R4 validator accepts its own rendering.
      const checked = await t.call('POST', '/api/v1/validate', { body: JSON.stringify(bundle), contentType: 'application/fhir+json' });
      const verdict = (await checked.json()) as {
        valid?: boolean;
        verdict?: string;
        findings: { severity: string; ruleId: string; message: string; path?: string }[];
      };
      expect(verdict.findings.filter((f) => f.severity === 'error')).toEqual([]);
      // The check can fail: an id with `_`, as declaration ids once had, is refused.
      const underscored = {
        ...bundle,
        id: 'egn_gammel',
        entry: bundle.entry.map((e) => ({ ...e, resource: { ...e.resource, id: 'egn_gammel-1' } })),
      };
      const refused = (await (
        await t.call('POST', '/api/v1/validate', { body: JSON.stringify(underscored), contentType: 'application/fhir+json' })
      ).json()) as { findings: { severity: string; message: string }[] };
      expect(refused.findings.filter((f) => f.severity === 'error').length).toBeGreaterThan(0);
      expect((await get('/api/v1/declarations/egn-finnes-ikke.html')).status).toBe(404);
    });

    it('lists it in the public registry, searchable, and in the Atom and JSON feeds', async () => {
      expect((await registry('?vendor=omsorg')).items.map((i) => i.id)).toEqual([declId]);
      expect((await registry(`?profile=${PROFILE}&system=omsorgsjournal`)).total).toBe(1);
      expect((await registry('?vendor=konkurrent')).total).toBe(0);
      const atom = await (await get('/api/v1/registry/feed')).text();
      expect(XMLValidator.validate(atom)).toBe(true);
      expect(atom).toContain('Egenerklæring utstedt: OmsorgsJournal 5.2.0');
      const feed = (await (await t.call('GET', '/api/v1/registry/feed', { headers: { accept: 'application/feed+json' } })).json()) as {
        items: { _samsvar: { event: string } }[];
      };
      expect(feed.items[0]!._samsvar.event).toBe('issued');
      const feedJson = await get('/api/v1/registry/feed.json');
      expect(feedJson.headers.get('content-type')).toMatch(/application\/feed\+json/);
    });

    it('is countersigned to level C by a laboratory after its own re-test, never by a vendor or an administrator', async () => {
      expect((await t.call('POST', `/api/v1/declarations/${declId}/countersign`, { token: vendor.token, json: { runId } })).status).toBe(
        403,
      );
      // An administrator token gave C before re-tests were required; now it is refused.
      const byAdmin = await t.call('POST', `/api/v1/declarations/${declId}/countersign`, { token: ADMIN_TOKEN, json: { runId } });
      expect(byAdmin.status).toBe(403);
      expect(((await byAdmin.json()) as { detail: string }).detail).toMatch(/only by a test laboratory/);
      // The vendor's own run is no laboratory re-test.
      const vendorsRun = await t.call('POST', `/api/v1/declarations/${declId}/countersign`, { token: labToken, json: { runId } });
      expect(vendorsRun.status).toBe(422);
      expect(((await vendorsRun.json()) as { detail: string }).detail).toMatch(/not your laboratory's re-test/);
      // A re-test run the laboratory opened but did not complete confirms nothing, and only the laboratory submits to it.
      const open = (await (await t.call('POST', `/api/v1/declarations/${declId}/retests`, { token: labToken })).json()) as {
        id: string;
        labTokenId: string;
      };
      expect(open.labTokenId).toEqual(expect.any(String));
      expect(
        (
          await t.call('POST', `/api/v1/runs/${open.id}/submissions?testcase=x`, {
            token: vendor.token,
            body: '<x/>',
            contentType: 'application/xml',
          })
        ).status,
      ).toBe(403);
      const unfinished = await t.call('POST', `/api/v1/declarations/${declId}/countersign`, { token: labToken, json: { runId: open.id } });
      expect(unfinished.status).toBe(422);
      expect(((await unfinished.json()) as { detail: string }).detail).toMatch(/has not passed/);
      expect((await t.call('POST', `/api/v1/declarations/${declId}/retests`, { token: ADMIN_TOKEN })).status).toBe(403);

      const res = await confirmByLab(t, labToken, declId);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { assuranceLevel: string }).assuranceLevel).toBe('C');
      expect((await confirmByLab(t, labToken, declId)).status).toBe(409);
    });

    it('publishes the countersignature as a signed token, so level C is checked like the declaration, not taken on trust', async () => {
      const shown = (await (await get(`/api/v1/declarations/${declId}`)).json()) as {
        jwsSha256: string;
        countersignatures: { jws: string; declarationJwsSha256: string; confirmedBy: { name: string } }[];
      };
      const jwks = (await (await get('/.well-known/jwks.json')).json()) as { keys: { kid: string; x: string }[] };
      const [c] = shown.countersignatures;
      expect(c!.confirmedBy.name).toBe('Akkreditert Testlab AS');
      // The laboratory's own re-test is signed into the countersignature: which test cases, with which evidence.
      const retest = (c as unknown as { retest: { runId: string; testCases: { id: string; evidence: { sha256: string }[] }[] } }).retest;
      expect(retest.testCases.length).toBeGreaterThanOrEqual(3);
      expect(retest.testCases.every((tc) => /^[0-9a-f]{64}$/.test(tc.evidence[0]!.sha256))).toBe(true);
      const page = await (await get(`/api/v1/declarations/${declId}.html`)).text();
      expect(page).toContain('Akkreditert Testlab AS (testlaboratorium)');
      expect(page).toContain(`Kjørt på nytt: ${retest.testCases.map((tc) => tc.id).join(', ')}.`);
      expect(independentlyVerifies(c!.jws, jwks)).toBe(true);
      const payload = JSON.parse(Buffer.from(c!.jws.split('.')[1]!, 'base64url').toString('utf8')) as {
        declarationJwsSha256: string;
        assuranceLevel: string;
      };
      expect(payload).toMatchObject({ declarationJwsSha256: shown.jwsSha256, assuranceLevel: 'C' });
    });

    it('is not superseded by a declaration of another system version (the rules: test/server/declaration-rules.test.ts)', async () => {
      const newer = await run(t, vendor.token, await systemVersion(t, vendor.token, 'OmsorgsJournal', '5.3.0'));
      const res = await t.call('POST', `/api/v1/runs/${newer}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(res.status).toBe(201);
      const newId = ((await res.json()) as { id: string }).id;
      const reg = await registry('?system=OmsorgsJournal');
      expect(reg.items.map((i) => `${i.id}:${i.status}`)).toEqual([`${newId}:active`, `${declId}:active`]);
      expect(await verify(jws)).toMatchObject({ valid: true, status: 'active' });
      const rev = await t.call('POST', `/api/v1/declarations/${newId}/revoke`, {
        token: ADMIN_TOKEN,
        json: { reason: 'Stikkprøve viste feil i svar på forespørsel' },
      });
      expect(rev.status).toBe(200);
      expect((await registry('?status=revoked')).items.map((i) => i.id)).toEqual([newId]);
      expect(await logTypes()).toEqual([`issued:${declId}`, `countersigned:${declId}`, `issued:${newId}`, `revoked:${newId}`]);
    });

    it('is revoked by an administrator only, and verify says so', async () => {
      const v = await run(t, vendor.token, await systemVersion(t, vendor.token, 'Hjemmetjeneste', '1.0'));
      const d = (await (await t.call('POST', `/api/v1/runs/${v}/declaration`, { token: vendor.token, json: ISSUANCE })).json()) as {
        id: string;
        jws: string;
      };
      expect(
        (await t.call('POST', `/api/v1/declarations/${d.id}/revoke`, { token: vendor.token, json: { reason: 'egen vilje' } })).status,
      ).toBe(403);
      await t.call('POST', `/api/v1/declarations/${d.id}/revoke`, { token: ADMIN_TOKEN, json: { reason: 'Feil i AppRec ved stikkprøve' } });
      expect(await verify(d.jws)).toMatchObject({
        valid: true,
        status: 'revoked',
        reason: expect.stringMatching(/Feil i AppRec ved stikkprøve/),
      });
      expect((await t.call('POST', `/api/v1/declarations/${d.id}/revoke`, { token: ADMIN_TOKEN, json: { reason: 'igjen' } })).status).toBe(
        409,
      );
      // The revoked declaration's run does not declare the system again: that would undo the revocation.
      const again = await t.call('POST', `/api/v1/runs/${v}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { detail: string }).detail).toMatch(/was revoked; open a new run/);
      expect((await registry('?system=Hjemmetjeneste')).items.map((i) => `${i.id}:${i.status}`)).toEqual([`${d.id}:revoked`]);
    });

    it('lists waived findings as deviations and expires at the waiver deadline', async () => {
      const failing = await run(t, vendor.token, await systemVersion(t, vendor.token, 'Legevakt EPJ', '2.0'), { wrongAppRec: true });
      expect((await t.call('POST', `/api/v1/runs/${failing}/declaration`, { token: vendor.token, json: ISSUANCE })).status).toBe(422);
      const runBody = (await (await get(`/api/v1/runs/${failing}`, vendor.token)).json()) as {
        profiles: { testcases: { verdict: string; latestSubmission: { id: string } }[] }[];
      };
      const failed = runBody.profiles[0]!.testcases.find((tc) => tc.verdict === 'failed')!;
      const sub = (await (await get(`/api/v1/runs/${failing}/submissions/${failed.latestSubmission.id}`, vendor.token)).json()) as {
        findings: { severity: string; ruleId: string }[];
      };
      const rules = [...new Set(sub.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))];
      const deadline = new Date(Date.now() + offset + 30 * DAY).toISOString();
      expect(
        (
          await t.call('POST', `/api/v1/runs/${failing}/waivers`, {
            token: vendor.token,
            json: { ruleId: rules[0], justification: 'x'.repeat(5), deadline },
          })
        ).status,
      ).toBe(403);
      for (const ruleId of rules) {
        const w = await t.call('POST', `/api/v1/runs/${failing}/waivers`, {
          token: ADMIN_TOKEN,
          json: { ruleId, profile: PROFILE, justification: 'Rettes i neste versjon', deadline },
        });
        expect(w.status).toBe(201);
      }
      expect((await get(`/api/v1/runs/${failing}/waivers`, other.token)).status).toBe(404);
      // What binds the evidence to the system under test is no deviation an administrator can accept.
      const evidence = await t.call('POST', `/api/v1/runs/${failing}/waivers`, {
        token: ADMIN_TOKEN,
        json: { ruleId: 'EVIDENCE-SHIPPED', profile: PROFILE, justification: 'Eksempelfil', deadline },
      });
      expect(evidence.status).toBe(422);
      expect(((await evidence.json()) as { detail: string }).detail).toMatch(/cannot be waived/);

      // The run status makes the same decision the declaration builder does.
      const waivedRun = (await (await get(`/api/v1/runs/${failing}`, vendor.token)).json()) as {
        status: string;
        profiles: {
          status: string;
          testcases: { id: string; verdict: string; outcome: string; waived?: { ruleId: string; deadline: string }[] }[];
        }[];
      };
      expect(waivedRun.status).toBe('passed_with_deviation');
      expect(waivedRun.profiles[0]!.status).toBe('passed_with_deviation');
      const waivedCase = waivedRun.profiles[0]!.testcases.find((tc) => tc.verdict === 'failed')!;
      expect(waivedCase.outcome).toBe('passed_with_deviation');
      expect(waivedCase.waived!.map((w) => w.ruleId).sort()).toEqual([...rules].sort());
      expect(waivedCase.waived!.every((w) => w.deadline === deadline)).toBe(true);
      expect(waivedRun.profiles[0]!.testcases.filter((tc) => tc.id !== waivedCase.id).every((tc) => tc.outcome === 'passed')).toBe(true);

      const res = await t.call('POST', `/api/v1/runs/${failing}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        id: string;
        jws: string;
        declaration: { deviations: { ruleId: string; deadline: string }[]; expiresAt: string };
      };
      expect(body.declaration.deviations.map((d) => d.ruleId).sort()).toEqual(rules.sort());
      expect(body.declaration.expiresAt).toBe(deadline);
    });

    it('spot checks: a passing answer keeps the declaration; a missed deadline revokes it', async () => {
      const ver = await systemVersion(t, vendor.token, 'Sykehjem EPJ', '3.0');
      const d = (await (
        await t.call('POST', `/api/v1/runs/${await run(t, vendor.token, ver)}/declaration`, { token: vendor.token, json: ISSUANCE })
      ).json()) as { id: string; jws: string; declaration: { testCases: { id: string }[] } };
      const chosen = [d.declaration.testCases[0]!.id];
      const order = async () =>
        (await (
          await t.call('POST', `/api/v1/declarations/${d.id}/spot-checks`, {
            token: ADMIN_TOKEN,
            json: { testCases: chosen, deadline: new Date(Date.now() + offset + 7 * DAY).toISOString() },
          })
        ).json()) as { id: string };
      const first = await order();
      expect((await get(`/api/v1/declarations/${d.id}/spot-checks`, other.token)).status).toBe(404);
      // The laboratory's re-test, opened after the order, is not the vendor showing its system again.
      const labRun = await labRetest(t, labToken, d.id);
      const byLab = await t.call('POST', `/api/v1/spot-checks/${first.id}/answer`, { token: vendor.token, json: { runId: labRun } });
      expect(byLab.status).toBe(422);
      expect(((await byLab.json()) as { detail: string }).detail).toMatch(/laboratory's re-test/);
      const rerun = await run(t, vendor.token, ver);
      expect((await t.call('POST', `/api/v1/spot-checks/${first.id}/answer`, { token: other.token, json: { runId: rerun } })).status).toBe(
        404,
      );
      const answered = await t.call('POST', `/api/v1/spot-checks/${first.id}/answer`, { token: vendor.token, json: { runId: rerun } });
      expect(((await answered.json()) as { outcome: string }).outcome).toBe('passed');

      await order();
      offset += 8 * DAY;
      // The registry's list, also filtered by status, says so as soon as the declaration's own page would, before any sweep.
      expect((await registry('?status=revoked&system=Sykehjem EPJ')).items.map((i) => i.id)).toEqual([d.id]);
      expect((await registry('?system=Sykehjem EPJ')).items.map((i) => `${i.id}:${i.status}`)).toEqual([`${d.id}:revoked`]);
      expect(await verify(d.jws)).toMatchObject({
        valid: true,
        status: 'revoked',
        reason: expect.stringMatching(/not answered by its deadline/),
      });
      // The page words the spot check's reason in bokmål.
      expect(await (await get(`/api/v1/declarations/${d.id}.html`)).text()).toMatch(
        /Begrunnelse: stikkprøve sp-\w+ ble ikke besvart innen fristen/,
      );
    });

    it('requirement sets: administrators define them; the registry shows coverage; annexes export as HTML and CSV', async () => {
      const set = {
        title: 'Sykehjem',
        serviceType: 'sykehjem',
        requirements: [
          { profile: PROFILE, level: 'mandatory' },
          { profile: 'apprec-1.0', level: 'recommended' },
        ],
      };
      expect((await t.call('PUT', '/api/v1/requirement-sets/sykehjem', { token: vendor.token, json: set })).status).toBe(403);
      expect(
        (
          await t.call('PUT', '/api/v1/requirement-sets/sykehjem', {
            token: ADMIN_TOKEN,
            json: { ...set, requirements: [{ profile: 'ukjent', level: 'mandatory' }] },
          })
        ).status,
      ).toBe(422);
      expect((await t.call('PUT', '/api/v1/requirement-sets/sykehjem', { token: ADMIN_TOKEN, json: set })).status).toBe(200);
      const cov = (await (await get('/api/v1/requirement-sets/sykehjem')).json()) as {
        total: number;
        coverage: { system: string; meetsMandatory: boolean }[];
      };
      expect(cov.coverage.map((c) => `${c.system}:${c.meetsMandatory}`)).toEqual(expect.arrayContaining(['Legevakt EPJ:true']));
      expect(cov.total).toBe(cov.coverage.length);
      // Paged by system: one at a time, and a page size past the documented maximum is refused.
      const first = (await (await get('/api/v1/requirement-sets/sykehjem?limit=1')).json()) as typeof cov;
      expect(first).toMatchObject({ total: cov.total, coverage: [expect.anything()] });
      expect((await get('/api/v1/requirement-sets/sykehjem?limit=501')).status).toBe(400);
      expect((await get('/api/v1/requirement-sets/sykehjem?offset=-1')).status).toBe(400);
      const csv = await get('/api/v1/requirement-sets/sykehjem.csv');
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      expect(await csv.text()).toContain(`sykehjem;sykehjem;${PROFILE}`);
      expect(await (await get('/api/v1/requirement-sets/sykehjem.html')).text()).toContain('Bilag: krav til meldingsstandarder');
    });

    it('expires when a profile version it lists is retired', async () => {
      expect((await registry('?system=Legevakt')).items[0]!.status).toBe('active');
      const retire = await t.call('POST', `/api/v1/profiles/${PROFILE}/status`, {
        token: ADMIN_TOKEN,
        json: { status: 'retired', reason: 'Ny versjon' },
      });
      expect(retire.status).toBe(200);
      const [legevakt] = (await registry('?system=Legevakt')).items;
      expect(legevakt).toMatchObject({ status: 'expired', statusReason: expect.stringMatching(/was retired/) });
      expect(await logTypes()).toContain(`expired:${legevakt!.id}`);
    });

    it('expires past its expiry date, in the registry, in verify and in the log', async () => {
      offset += 800 * DAY;
      expect(await verify(jws)).toMatchObject({ valid: true, status: 'expired', reason: expect.stringMatching(/^expired on/) });
      const items = (await registry()).items;
      expect(items.filter((i) => i.status === 'active')).toEqual([]);
      expect(await logTypes()).toContain(`expired:${declId}`);
      offset = 0;
    });

    it("gives no declaration from a run opened longer ago than a declaration's validity: re-issuing cannot extend it untested", async () => {
      const active = await t.call('POST', `/api/v1/profiles/${PROFILE}/status`, { token: ADMIN_TOKEN, json: { status: 'active' } });
      expect(active.status).toBe(200);
      offset += 800 * DAY;
      const again = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE });
      offset = 0;
      expect(again.status).toBe(422);
      expect(((await again.json()) as { detail: string }).detail).toMatch(/open a new run/);
    });

    it('keeps a log that `samsvar log verify` finds intact, and that reports an edited or deleted entry', async () => {
      const intact = await runCli(['log', 'verify', t.url, '--declarations']);
      expect(intact.code).toBe(0);
      expect(intact.stdout).toMatch(/^log intact: \d+ entries/);

      // A declaration deleted or swapped behind the log's back shows too.
      const db = t.service.ctx.database.db;
      const [h, p, s] = jws.split('.');
      await sql`update declarations set jws = ${`${h}.${p}.${s!.slice(0, -4)}AAAA`} where id = ${declId}`.execute(db);
      const swapped = await runCli(['log', 'verify', t.url, '--declarations']);
      expect(swapped).toMatchObject({
        code: 1,
        stdout: expect.stringMatching(new RegExp(`declaration ${declId} \\(log entry 1\\) was altered`)),
      });
      await sql`update declarations set jws = ${jws} where id = ${declId}`.execute(db);

      // The database refuses to rewrite the log; someone with the owner's rights can lift that first.
      if (dialect.name === 'postgres') await sql`alter table transparency_log disable trigger user`.execute(db);
      else for (const op of ['update', 'delete']) await sql.raw(`drop trigger transparency_log_no_${op}`).execute(db);
      await sql`update transparency_log set detail = 'stille endret' where seq = 2`.execute(db);
      const edited = await runCli(['log', 'verify', t.url]);
      expect(edited).toMatchObject({
        code: 1,
        stdout: 'log broken at entry 2: entry 2 was altered: its content does not match its hash\n',
      });
      await sql`delete from transparency_log where seq = 2`.execute(db);
      const deleted = await runCli(['log', 'verify', `${t.url}/api/v1/log`]);
      expect(deleted).toMatchObject({ code: 1, stdout: expect.stringMatching(/^log broken at entry 2: entry 2 is missing/) });
    });

    it('keeps old declarations verifiable after the signing key is rotated', async () => {
      const before = (await (await get('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
      const rotated = await t.call('POST', '/api/v1/admin/signing-key/rotate', { token: ADMIN_TOKEN });
      expect(rotated.status).toBe(200);
      const after = (await (await get('/.well-known/jwks.json')).json()) as { keys: { kid: string; x: string }[] };
      expect(after.keys.map((k) => k.kid)).toEqual([expect.any(String), before.keys[0]!.kid]);
      expect(independentlyVerifies(jws, after)).toBe(true);
      expect((await verify(jws)).valid).toBe(true);

      // Offline, with the JWKS fetched from the service: the signature holds; only the registry knows the status.
      const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-verify-'));
      writeFileSync(path.join(dir, 'd.jws'), jws);
      const cli = await runCli(['verify', 'd.jws', '--jwks', `${t.url}/.well-known/jwks.json`, '--offline'], {}, dir);
      expect(cli.code).toBe(4);
      expect(JSON.parse(cli.stdout)).toMatchObject({ valid: true, kid: before.keys[0]!.kid, status: 'unknown', statusSource: 'offline' });
    });

    it('documents its routes in the OpenAPI document', async () => {
      const doc = (await (await get('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
      for (const p of [
        '/api/v1/runs/{id}/declaration',
        '/api/v1/declarations/verify',
        '/api/v1/declarations/{id}',
        '/api/v1/registry',
        '/api/v1/registry/feed',
        '/api/v1/log',
        '/.well-known/jwks.json',
        '/api/v1/requirement-sets/{id}',
      ]) {
        expect(Object.keys(doc.paths)).toContain(p);
      }
    });
  });
}
