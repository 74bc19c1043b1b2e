import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/server/config.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';

describe('public catalogue, validation and administration routes', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(dialectsUnderTest()[0]!);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lists the shipped profiles grouped by standard, with versions, message types, test cases by direction and code-list state', async () => {
    const res = await t.call('GET', '/api/v1/profiles');
    expect(res.status).toBe(200);
    interface Summary {
      id: string;
      status: string;
      sha256: string;
      testcases: number;
      testcasesByDirection: { send: number; receive: number };
      standard: { id: string; version: string };
    }
    interface Version {
      version: string;
      messageTypes: string[];
      testcasesByDirection: { send: number; receive: number };
      codelistsComplete: boolean;
      codelistsNotShipped: { oid: string; profiles: string[] }[];
      profiles: Summary[];
    }
    const { standards } = (await res.json()) as {
      standards: {
        id: string;
        name: string;
        messageTypes: string[];
        testcasesByDirection: { send: number; receive: number };
        codelistsComplete: boolean;
        versions: Version[];
      }[];
    };

    const dialog = standards.find((s) => s.id === 'dialogmelding')!;
    expect(dialog.name).toBe('Dialogmelding');
    const v11 = dialog.versions.find((v) => v.version === '1.1')!;
    expect(v11.messageTypes).toEqual(expect.arrayContaining(['DIALOG_FORESPORSEL', 'DIALOG_SVAR', 'DIALOG_NOTAT']));
    expect(v11.testcasesByDirection.send).toBeGreaterThanOrEqual(3);
    expect(v11.testcasesByDirection.receive).toBeGreaterThanOrEqual(1);
    expect(v11.codelistsComplete).toBe(false);
    expect(v11.codelistsNotShipped.map((c) => c.oid)).toContain('2.16.578.1.12.4.1.1.9152');
    expect(dialog.codelistsComplete).toBe(false);

    const f = v11.profiles.find((p) => p.id === 'dialogmelding-1.1-foresporsel')!;
    expect(f).toMatchObject({ status: 'active', kind: 'xml', standard: { id: 'dialogmelding', version: '1.1' } });
    expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(f.testcases).toBe(f.testcasesByDirection.send + f.testcasesByDirection.receive);
    const one = (await (await t.call('GET', '/api/v1/profiles/dialogmelding-1.1-foresporsel')).json()) as Summary & {
      testcaseList: { kind: string }[];
    };
    expect(one.testcaseList.length).toBe(f.testcases);
    expect(one.testcaseList.filter((tc) => tc.kind === 'submit').length).toBe(f.testcasesByDirection.send);
    expect(one.standard).toEqual(f.standard);

    const basis = standards.find((s) => s.id === 'no-basis')!;
    expect(basis.messageTypes).toEqual(expect.arrayContaining(['Patient', 'Practitioner', 'Organization']));
    expect(basis.versions.map((v) => v.version)).toEqual(['2.2']);
    // Every shipped profile appears exactly once.
    const ids = standards.flatMap((s) => s.versions.flatMap((v) => v.profiles.map((p) => p.id)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['msghead-1.2', 'apprec-1.0', 'no-basis-patient']));
  });

  it('shows a retired profile as retired in the grouped list', async () => {
    const profile = 'no-basis-practitioner';
    expect(
      (await t.call('POST', `/api/v1/profiles/${profile}/status`, { token: ADMIN_TOKEN, json: { status: 'retired', reason: 'test' } }))
        .status,
    ).toBe(200);
    const { standards } = (await (await t.call('GET', '/api/v1/profiles')).json()) as {
      standards: { versions: { profiles: { id: string; status: string }[] }[] }[];
    };
    const listed = standards.flatMap((s) => s.versions.flatMap((v) => v.profiles)).find((p) => p.id === profile)!;
    expect(listed.status).toBe('retired');
    expect((await t.call('POST', `/api/v1/profiles/${profile}/status`, { token: ADMIN_TOKEN, json: { status: 'active' } })).status).toBe(
      200,
    );
  });

  it('describes test cases with their kind, publicly', async () => {
    const all = (await (await t.call('GET', '/api/v1/testcases')).json()) as { id: string; kind: string; description: string }[];
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((tc) => ['submit', 'receive', 'live'].includes(tc.kind) && tc.description.length > 0)).toBe(true);
    const one = await t.call('GET', `/api/v1/testcases/${all[0]!.id}`);
    expect(await one.json()).toMatchObject({ id: all[0]!.id });
    expect((await t.call('GET', '/api/v1/testcases?profile=no-such')).status).toBe(404);
    expect((await t.call('GET', '/api/v1/testcases?profil=typo')).status).toBe(400);
  });

  it('validates one message publicly, detecting the profile when none is given', async () => {
    const res = await t.call('POST', '/api/v1/validate', {
      body: '<?xml version="1.0"?><Nothing xmlns="urn:x"/>',
      contentType: 'text/xml',
    });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { valid: boolean; profile: string | null; findings: unknown[] };
    expect(r.valid).toBe(false);
    expect(r.profile).toBeNull();
    expect(r.findings.length).toBeGreaterThan(0);
    const given = await t.call('POST', '/api/v1/validate?profile=apprec-1.0', {
      body: '<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21"/>',
      contentType: 'application/xml',
    });
    expect(((await given.json()) as { profile: string }).profile).toBe('apprec-1.0');
    expect((await t.call('POST', '/api/v1/validate?profile=no-such', { body: '<a/>', contentType: 'application/xml' })).status).toBe(404);
  });

  it('lets an administrator create a laboratory token, and the holder use it; revoked, it stops working', async () => {
    const created = await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Testlab AS' } });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const vendor = await registerVendor(t);
    // A lab reads runs but may not act as a vendor or an administrator.
    expect((await t.call('GET', '/api/v1/vendors', { token })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/systems', { token, json: { name: 'x' } })).status).toBe(403);
    expect((await t.call('DELETE', `/api/v1/tokens/${id}`, { token: vendor.token })).status).toBe(403);
    expect((await t.call('DELETE', `/api/v1/tokens/${id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await t.call('GET', '/api/v1/runs/any', { token })).status).toBe(401);
    expect((await t.call('DELETE', `/api/v1/tokens/${id}`, { token: ADMIN_TOKEN })).status).toBe(404);
  });

  it('gives a vendor a second token through an administrator, tied to that vendor', async () => {
    const vendor = await registerVendor(t, 'Second Token AS');
    const created = await t.call('POST', '/api/v1/tokens', {
      token: ADMIN_TOKEN,
      json: { role: 'vendor', name: 'CI', vendorId: vendor.id },
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    expect(await (await t.call('GET', '/api/v1/vendors/me', { token })).json()).toMatchObject({ id: vendor.id, name: 'Second Token AS' });
    expect((await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'vendor', name: 'CI' } })).status).toBe(422);
  });

  it('shows administrators the audit log with actor, time and object, paged by seq', async () => {
    const vendor = await registerVendor(t, 'Audited AS');
    const res = await t.call('GET', `/api/v1/audit?objectType=vendor&objectId=${vendor.id}`, { token: ADMIN_TOKEN });
    const { items } = (await res.json()) as {
      items: { seq: number; at: string; actor: string; action: string; objectId: string; details: { name: string } }[];
    };
    expect(items).toEqual([
      expect.objectContaining({
        actor: 'public',
        action: 'vendor.register',
        objectId: vendor.id,
        details: expect.objectContaining({ name: 'Audited AS' }),
      }),
    ]);
    expect(Date.parse(items[0]!.at)).not.toBeNaN();
    const page = (await (await t.call('GET', '/api/v1/audit?limit=2', { token: ADMIN_TOKEN })).json()) as {
      items: { seq: number }[];
      next: number;
    };
    expect(page.items).toHaveLength(2);
    const next = (await (await t.call('GET', `/api/v1/audit?limit=2&after=${page.next}`, { token: ADMIN_TOKEN })).json()) as {
      items: { seq: number }[];
    };
    expect(next.items[0]!.seq).toBeGreaterThan(page.items[1]!.seq);
    // Tokens never appear in the log.
    const all = await (await t.call('GET', '/api/v1/audit?limit=1000', { token: ADMIN_TOKEN })).text();
    expect(all).not.toContain(vendor.token);
  });
});

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    expect(configFromEnv({})).toMatchObject({
      port: 8080,
      maxBodyBytes: 25 * 1024 * 1024,
      rateLimitPerMinute: 60,
      databaseUrl: undefined,
      adminToken: undefined,
    });
    expect(configFromEnv({}).dataDir).toMatch(/data$/);
  });
  it('refuses values that make no sense, naming the variable', () => {
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => configFromEnv({ SAMSVAR_MAX_BODY_BYTES: '-1' })).toThrow(/SAMSVAR_MAX_BODY_BYTES/);
    expect(() => configFromEnv({ SAMSVAR_ADMIN_TOKEN: 'short' })).toThrow(/at least 16/);
  });
});
