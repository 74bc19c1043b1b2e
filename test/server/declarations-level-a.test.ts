import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { PROFILE, systemVersion } from './declaration-helpers.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const NOTES = Buffer.from('# Meldingsflyt\n\nForespørsel sendes via NHN-adresseregisteret.\n', 'utf8');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface DeclBody {
  id: string;
  status: string;
  assuranceLevel: string;
  jws: string;
  declaration: {
    runId?: string;
    validator?: unknown;
    testCases: unknown[];
    conformsTo: { profile: string; direction: string }[];
    documentation: { name: string; mediaType: string; size: number; sha256: string }[];
    placeOfIssue: string;
    signatory: { name: string; function: string };
  };
}

for (const dialect of dialectsUnderTest()) {
  describe(`level A declarations (self-declared with documentation) over HTTP on ${dialect.name}`, () => {
    let t: TestService;
    let vendor: { id: string; token: string };
    let other: { id: string; token: string };
    let systemId: string;
    let versionId: string;
    let decl: DeclBody;

    const body = (overrides: Record<string, unknown> = {}) => ({
      profiles: [{ profile: PROFILE, direction: 'send' }],
      documents: [
        { name: 'samsvarsrapport.pdf', mediaType: 'application/pdf', content: PDF.toString('base64') },
        { name: 'meldingsflyt.md', mediaType: 'text/markdown', content: NOTES.toString('base64') },
      ],
      ...ISSUANCE,
      ...overrides,
    });
    const issue = (token: string | undefined, json: unknown, sys = systemId, ver = versionId) =>
      t.call('POST', `/api/v1/systems/${sys}/versions/${ver}/declaration`, { token, json });
    const detail = async (res: Response) => ((await res.json()) as { detail: string }).detail;

    beforeAll(async () => {
      const keysDir = mkdtempSync(path.join(tmpdir(), 'samsvar-keys-'));
      t = await startTestService(dialect, {}, { routeModules: await declarationModules({ dataDir: keysDir }, { env: {} }) });
      vendor = await registerVendor(t, 'Selvstendig Journal AS');
      other = await registerVendor(t, 'Annen Leverandør AS');
      versionId = await systemVersion(t, vendor.token, 'SelvJournal', '1.0');
      systemId = ((await (await t.call('GET', '/api/v1/systems', { token: vendor.token })).json()) as { id: string; name: string }[]).find(
        (s) => s.name === 'SelvJournal',
      )!.id;
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('is issued only by the vendor for its own system version: others get 404, administrators 403, nobody 401', async () => {
      expect((await issue(other.token, body())).status).toBe(404);
      const otherVersion = await systemVersion(t, other.token, 'AnnenJournal', '1.0');
      expect((await issue(vendor.token, body(), systemId, otherVersion)).status).toBe(404);
      expect((await issue(ADMIN_TOKEN, body())).status).toBe(403);
      expect((await issue(undefined, body())).status).toBe(401);
    });

    it('refuses a request without documentation, place of issue or signatory, and documents that are not what they claim', async () => {
      const noDocs = await issue(vendor.token, body({ documents: [] }));
      expect(noDocs.status).toBe(400);
      expect(await detail(noDocs)).toBe('body.documents must NOT have fewer than 1 items');
      expect(await detail(await issue(vendor.token, { profiles: body().profiles, documents: body().documents }))).toBe(
        "body lacks the required property 'placeOfIssue'",
      );
      const fakePdf = await issue(
        vendor.token,
        body({ documents: [{ name: 'x.pdf', mediaType: 'application/pdf', content: NOTES.toString('base64') }] }),
      );
      expect(fakePdf.status).toBe(422);
      expect(await detail(fakePdf)).toMatch(/does not start with %PDF-/);
      const exe = await issue(
        vendor.token,
        body({ documents: [{ name: 'x.exe', mediaType: 'application/x-msdownload', content: 'TVqQAA==' }] }),
      );
      expect(exe.status).toBe(400);
      const unknown = await issue(vendor.token, body({ profiles: [{ profile: 'finnes-ikke-1.0', direction: 'send' }] }));
      expect(unknown.status).toBe(422);
      expect(await detail(unknown)).toMatch(/unknown profile 'finnes-ikke-1\.0'/);
    });

    it("is issued as level A with the documents' digests signed, no run and no test cases", async () => {
      const res = await issue(vendor.token, body());
      expect(res.status).toBe(201);
      decl = (await res.json()) as DeclBody;
      expect(res.headers.get('location')).toBe(`/api/v1/declarations/${decl.id}`);
      expect(decl).toMatchObject({ status: 'active', assuranceLevel: 'A' });
      expect(decl.declaration.documentation).toEqual([
        { name: 'meldingsflyt.md', mediaType: 'text/markdown', size: NOTES.length, sha256: sha(NOTES) },
        { name: 'samsvarsrapport.pdf', mediaType: 'application/pdf', size: PDF.length, sha256: sha(PDF) },
      ]);
      expect(decl.declaration.conformsTo.map((p) => `${p.profile}/${p.direction}`)).toEqual([`${PROFILE}/send`]);
      expect(decl.declaration.testCases).toEqual([]);
      expect(decl.declaration.runId).toBeUndefined();
      expect(decl.declaration.validator).toBeUndefined();
      expect(decl.declaration).toMatchObject({ placeOfIssue: 'Tromsø', signatory: { name: 'Kari Nordmann', function: 'daglig leder' } });
      const verified = await t.call('POST', '/api/v1/declarations/verify', { body: decl.jws, contentType: 'application/jose' });
      expect(await verified.json()).toMatchObject({ valid: true, status: 'active' });
    });

    it('keeps the documents byte for byte, readable by its vendor and administrators only', async () => {
      const own = await t.call('GET', `/api/v1/declarations/${decl.id}/documents/${sha(PDF)}`, { token: vendor.token });
      expect(own.status).toBe(200);
      expect(own.headers.get('content-type')).toBe('application/pdf');
      expect(own.headers.get('x-samsvar-sha256')).toBe(sha(PDF));
      expect(Buffer.from(await own.arrayBuffer()).equals(PDF)).toBe(true);
      expect((await t.call('GET', `/api/v1/declarations/${decl.id}/documents/${sha(NOTES)}`, { token: ADMIN_TOKEN })).status).toBe(200);
      expect((await t.call('GET', `/api/v1/declarations/${decl.id}/documents/${sha(PDF)}`, { token: other.token })).status).toBe(404);
      expect((await t.call('GET', `/api/v1/declarations/${decl.id}/documents/${sha(PDF)}`)).status).toBe(401);
      expect((await t.call('GET', `/api/v1/declarations/${decl.id}/documents/${'0'.repeat(64)}`, { token: vendor.token })).status).toBe(
        404,
      );
    });

    it('is marked level A in the registry, the HTML, the FHIR Bundle, the feed and the log', async () => {
      const reg = (await (await t.call('GET', '/api/v1/registry?system=SelvJournal')).json()) as {
        items: { id: string; assuranceLevel: string; levelNotice?: string }[];
      };
      expect(reg.items).toEqual([
        expect.objectContaining({
          id: decl.id,
          assuranceLevel: 'A',
          levelNotice: expect.stringMatching(/samsvar has not tested the system/),
        }),
      ]);
      const html = await (await t.call('GET', `/api/v1/declarations/${decl.id}.html`)).text();
      expect(html).toContain('<p class="level-a">Tillitsnivå A:');
      expect(html).toContain(sha(PDF));
      const fhir = (await (await t.call('GET', `/api/v1/declarations/${decl.id}.fhir.json`)).json()) as {
        entry: { resource: { result: string } }[];
      };
      expect(fhir.entry.map((e) => e.resource.result)).toEqual(['pending']);
      // samsvar's own R4 validator accepts the rendering (a report with no tests has no empty `test` array).
      const checked = (await (
        await t.call('POST', '/api/v1/validate', { body: JSON.stringify(fhir), contentType: 'application/fhir+json' })
      ).json()) as { findings: { severity: string }[] };
      expect(checked.findings.filter((f) => f.severity === 'error')).toEqual([]);
      const pdf = await t.call('GET', `/api/v1/declarations/${decl.id}.pdf`);
      expect(pdf.status).toBe(200);
      const atom = await (await t.call('GET', '/api/v1/registry/feed')).text();
      expect(atom).toContain('Egenerklæring utstedt: SelvJournal 1.0 (Selvstendig Journal AS, nivå A – egenerklært, ikke testet)');
      const log = (await (await t.call('GET', '/api/v1/log')).json()) as { entries: { type: string; declarationId: string }[] };
      expect(log.entries.map((e) => `${e.type}:${e.declarationId}`)).toContain(`issued:${decl.id}`);
    });

    it('cannot be countersigned to C: a laboratory confirms tests, and none were run', async () => {
      const labToken = (
        (await (await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Testlab AS' } })).json()) as {
          token: string;
        }
      ).token;
      const res = await t.call('POST', `/api/v1/declarations/${decl.id}/countersign`, {
        token: labToken,
        json: { runId: 'ingen-kjoring' },
      });
      expect(res.status).toBe(409);
      expect(await detail(res)).toMatch(/only a B declaration can be countersigned/);
    });

    it("can be spot-checked: the vendor must pass the declared profile's test cases in a new run, or the declaration is revoked", async () => {
      const testcases = (await (await t.call('GET', `/api/v1/testcases?profile=${PROFILE}`)).json()) as { id: string; kind: string }[];
      const sendCase = testcases.find((tc) => tc.kind === 'submit')!.id;
      const receiveCase = testcases.find((tc) => tc.kind === 'receive')!.id;
      const deadline = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
      // Only the declared direction (send) is checkable.
      const wrongDirection = await t.call('POST', `/api/v1/declarations/${decl.id}/spot-checks`, {
        token: ADMIN_TOKEN,
        json: { testCases: [receiveCase], deadline },
      });
      expect(wrongDirection.status).toBe(422);
      const ordered = await t.call('POST', `/api/v1/declarations/${decl.id}/spot-checks`, {
        token: ADMIN_TOKEN,
        json: { testCases: [sendCase], deadline },
      });
      expect(ordered.status).toBe(201);
      const sc = (await ordered.json()) as { id: string };
      // The vendor answers with a new run of the same version in which nothing passed: the declaration is revoked.
      const answerRun = (await (
        await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: versionId, profiles: [PROFILE] } })
      ).json()) as { id: string };
      const answered = await t.call('POST', `/api/v1/spot-checks/${sc.id}/answer`, { token: vendor.token, json: { runId: answerRun.id } });
      expect(((await answered.json()) as { outcome: string }).outcome).toBe('failed');
      const after = (await (await t.call('GET', `/api/v1/declarations/${decl.id}`)).json()) as { status: string; statusReason: string };
      expect(after).toMatchObject({ status: 'revoked', statusReason: expect.stringMatching(/did not pass/) });
    });

    it('documents its routes in the OpenAPI document', async () => {
      const doc = (await (await t.call('GET', '/api/v1/openapi.json')).json()) as {
        paths: Record<string, { post?: { requestBody?: unknown } }>;
      };
      expect(doc.paths['/api/v1/systems/{id}/versions/{version}/declaration']?.post?.requestBody).toBeDefined();
      expect(Object.keys(doc.paths)).toContain('/api/v1/declarations/{id}/documents/{sha256}');
      expect(doc.paths['/api/v1/runs/{id}/declaration']?.post?.requestBody).toBeDefined();
    });
  });
}
