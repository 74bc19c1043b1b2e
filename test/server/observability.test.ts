import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAllowlist } from '../../src/live/host-allowlist.js';
import { ValidationPool } from '../../src/pool/validation-pool.js';
import { ProfileCatalog } from '../../src/profiles/catalog.js';
import { testcaseSuite } from '../../src/runs/testcase-suite-adapter.js';
import { configFromEnv } from '../../src/server/config.js';
import { jsonLogger } from '../../src/server/json-log.js';
import { dialectsUnderTest } from '../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../support/service.js';

const sqlite = dialectsUnderTest()[0]!;
const FNR = '13097248022';

describe('health, readiness, request ids and structured logs', () => {
  let t: TestService;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestService(sqlite, {}, { log: jsonLogger((l) => lines.push(l)) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('/healthz says the process is alive; /readyz that the database answers and profiles are loaded', async () => {
    expect(await (await t.call('GET', '/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = await t.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'sqlite', profiles: expect.any(Number) });
  });

  it('gives every response an X-Request-Id: the caller’s when it is a plain token, a fresh one otherwise', async () => {
    const fresh = (await t.call('GET', '/healthz')).headers.get('x-request-id');
    expect(fresh).toMatch(/^[A-Za-z0-9]{21}$/);
    expect((await t.call('GET', '/healthz', { headers: { 'x-request-id': 'lb-4711.a_b' } })).headers.get('x-request-id')).toBe(
      'lb-4711.a_b',
    );
    for (const bad of ['a b', 'x'.repeat(200), '<script>', '']) {
      const id = (await t.call('GET', '/healthz', { headers: { 'x-request-id': bad } })).headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[A-Za-z0-9]{21}$/);
    }
    const notFound = await t.call('GET', '/api/v1/nothing-here', { headers: { 'x-request-id': 'nf-1' } });
    expect(notFound.headers.get('x-request-id')).toBe('nf-1');
  });

  it('logs each request as one JSON line with its request id, route pattern, status and time, and nothing of its content', async () => {
    const vendor = await registerVendor(t, 'Logg AS');
    const msg = `<Patient><Navn>Kari Nordmann</Navn><Fnr>${FNR}</Fnr></Patient>`;
    const res = await t.call('POST', `/api/v1/validate?profile=dialogmelding-1.1-foresporsel&fnr=${FNR}`, {
      token: vendor.token,
      body: msg,
      contentType: 'application/xml',
      headers: { 'x-request-id': 'req-logged-1' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-logged-1');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = entries.find((e) => e.requestId === 'req-logged-1');
    expect(entry).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'POST',
      route: '/api/v1/validate',
      status: res.status,
      durationMs: expect.any(Number),
      time: expect.any(String),
    });
    const all = lines.join('\n');
    for (const secret of [FNR, 'Kari', 'Nordmann', vendor.token]) expect(all).not.toContain(secret);
    // Ids in paths are not logged either: the route pattern stands for them.
    await t.call('GET', `/api/v1/runs/${'r'.repeat(21)}`, { token: vendor.token, headers: { 'x-request-id': 'req-logged-2' } });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.requestId === 'req-logged-2')).toMatchObject({
      route: '/api/v1/runs/:id',
    });
    expect(lines.join('\n')).not.toContain('r'.repeat(21));
  });
});

describe('readiness when something is missing', () => {
  it('answers 503 when no profiles are loaded, and when the database does not answer', async () => {
    const empty = new ProfileCatalog([]);
    const t = await startTestService(
      sqlite,
      {},
      { catalog: empty, testcases: testcaseSuite([], { engine: new ValidationPool(empty), liveHosts: HostAllowlist.parse('') }) },
    );
    try {
      const none = await t.call('GET', '/readyz');
      expect(none.status).toBe(503);
      expect(await none.json()).toMatchObject({ code: 'unavailable', detail: expect.stringMatching(/no profiles/) });
    } finally {
      await t.stop();
    }
    const u = await startTestService(sqlite);
    try {
      await u.service.ctx.database.close();
      const down = await u.call('GET', '/readyz');
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ code: 'unavailable', detail: expect.stringMatching(/database/) });
      expect((await u.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await u.stop().catch(() => {});
    }
  });
});

describe('HOST chooses the listen address', () => {
  it('is read from the environment, all interfaces when unset', () => {
    expect(configFromEnv({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(configFromEnv({}).host).toBeUndefined();
  });

  it('is where the service listens', async () => {
    const t = await startTestService(sqlite, { host: '127.0.0.1' }, { hostname: undefined });
    try {
      expect(t.service.server.address()).toMatchObject({ address: '127.0.0.1' });
    } finally {
      await t.stop();
    }
  });

  it('refuses an address this machine does not have, naming HOST', async () => {
    await expect(startTestService(sqlite, { host: '203.0.113.1' }, { hostname: undefined })).rejects.toMatchObject({
      detail: expect.stringMatching(/^HOST 203\.0\.113\.1/),
    });
  });
});
