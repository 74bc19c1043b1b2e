import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileCatalog, loadCatalog } from '../../src/profiles/catalog.js';
import { dialectsUnderTest } from '../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../support/service.js';
import { FIXTURE_PROFILES, fixtureCatalog } from '../helpers/fixture-catalog.js';
import { envelope, until } from '../pool/pool-fixtures.js';

const catalog = () =>
  new ProfileCatalog([...loadCatalog({ importedDir: `${FIXTURE_PROFILES}/__none__` }).list(), ...fixtureCatalog().list()]);
const small = envelope(1);
/** Seconds of real schema validation each. */
const expensive = envelope(40_000);

describe('one client cannot take the validation pool from the others', () => {
  let t: TestService;
  let a: { token: string };
  let b: { token: string };
  beforeAll(async () => {
    // One worker, queue of 8 (2 per client): order and outcome are judged, never speed.
    t = await startTestService(
      dialectsUnderTest()[0]!,
      { validationWorkers: 1, validationQueue: 8, validationTimeoutMs: 600_000 },
      { catalog: catalog() },
    );
    a = await registerVendor(t, 'Flood AS');
    b = await registerVendor(t, 'Patient AS');
  });
  afterAll(async () => {
    await t?.stop();
  });

  const validate = (token: string | undefined, body: Uint8Array<ArrayBuffer>) =>
    t.call('POST', '/api/v1/validate?profile=fx-base', { token, body, contentType: 'application/xml' });

  it('answers another vendor and the public while one vendor floods expensive validations; the flood gets 429 beyond its share', async () => {
    const answered: string[] = [];
    const track = (label: string, res: Promise<Response>) =>
      res.then((r) => {
        answered.push(`${label}:${r.status}`);
        return r;
      });
    const first = track('A1', validate(a.token, expensive));
    await until(() => t.service.ctx.engine.stats().busy === 1);
    // One at a time, so A2 is waiting before A3: the order of A's answers is then known.
    const queued = [track('A2', validate(a.token, expensive))];
    await until(() => t.service.ctx.engine.stats().queued === 1);
    queued.push(track('A3', validate(a.token, expensive)));
    await until(() => t.service.ctx.engine.stats().queued === 2);
    // Vendor A's share of the queue is full: its next one is refused, for A alone.
    const over = await validate(a.token, small);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await over.json()).toMatchObject({ code: 'rate_limited', detail: expect.stringContaining('your share') });
    const other = track('B', validate(b.token, small));
    const anonymous = track('public', validate(undefined, small));
    await until(() => t.service.ctx.engine.stats().queued === 4 || answered.length > 0);
    expect(answered, 'A1 must still run while the others wait (make it more expensive if this fails)').toEqual([]);

    expect((await other).status).toBe(200);
    expect((await anonymous).status).toBe(200);
    await Promise.all([first, ...queued]);
    // B and the public client were served before vendor A's last waiting validation.
    expect(answered.indexOf('B:200')).toBeLessThan(answered.indexOf('A3:200'));
    expect(answered.indexOf('public:200')).toBeLessThan(answered.indexOf('A3:200'));
    expect(answered.filter((x) => x.startsWith('A'))).toEqual(['A1:200', 'A2:200', 'A3:200']);
  });
});
