import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileCatalog, loadCatalog } from '../../src/profiles/catalog.js';
import { dialectsUnderTest } from '../support/databases.js';
import { startTestService, type TestService } from '../support/service.js';
import { FIXTURE_PROFILES, fixtureCatalog } from '../helpers/fixture-catalog.js';
import { envelope, until } from '../pool/pool-fixtures.js';
import { entriesFor, patientBundle } from '../helpers/large-bundle.js';

// The shipped profiles (the shipped test cases refer to them) plus the small fixture profile whose
// messages can be made as costly to validate as a test needs.
const catalog = () =>
  new ProfileCatalog([...loadCatalog({ importedDir: `${FIXTURE_PROFILES}/__none__` }).list(), ...fixtureCatalog().list()]);

const small = envelope(1);
/** About 23 MB, under the 25 MB body limit: a maximal message, seconds of validation. */
const maximal = envelope(500_000);
/** 100 000 schema errors: longer than any time limit set here. */
const pathological = envelope(100_000, { invalid: true });

function validate(t: TestService, body: Uint8Array<ArrayBuffer>, profile = 'fx-base') {
  return t.call('POST', `/api/v1/validate?profile=${profile}`, { body, contentType: 'application/xml' });
}

for (const dialect of dialectsUnderTest()) {
  describe(`validation on worker threads (${dialect.name})`, () => {
    let t: TestService;
    beforeAll(async () => {
      // A time limit no loaded machine reaches: this suite is about who is answered first, not speed.
      t = await startTestService(dialect, { validationWorkers: 2, validationTimeoutMs: 600_000 }, { catalog: catalog() });
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('answers /healthz and a small validation while a maximal message is being validated', async () => {
      // Both workers started and their schemas compiled, so the race is between validations.
      await Promise.all([validate(t, small), validate(t, small)]);
      const answered: string[] = [];
      const big = validate(t, maximal).then((r) => (answered.push('maximal'), r));
      await until(() => t.service.ctx.engine.stats().busy === 1);
      const health = fetch(`${t.url}/healthz`).then((r) => (answered.push('healthz'), r));
      const quick = validate(t, small).then((r) => (answered.push('small'), r));

      const [bigRes, healthRes, quickRes] = await Promise.all([big, health, quick]);
      expect(answered.indexOf('maximal')).toBe(2);
      expect(healthRes.status).toBe(200);
      expect(quickRes.status).toBe(200);
      expect(bigRes.status).toBe(200);
      expect(await bigRes.json()).toMatchObject({ profile: 'fx-base', valid: true });
    });

    it('turns a SamsvarError raised in a worker into the same problem document', async () => {
      const res = await validate(t, small, 'no-such-profile');
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found', detail: expect.stringContaining("unknown profile 'no-such-profile'") });
    });

    it('stops its worker threads when the service closes', async () => {
      expect(t.service.ctx.engine.stats().threads).toBeGreaterThan(0);
      await t.service.close();
      expect(t.service.ctx.engine.stats()).toEqual({ threads: 0, busy: 0, queued: 0 });
    });
  });
}

describe('a 50 MB FHIR Bundle on worker threads', () => {
  let t: TestService;
  beforeAll(async () => {
    // The body limit raised above 50 MB is also the engine's FHIR JSON limit (one size limit).
    t = await startTestService(
      dialectsUnderTest()[0]!,
      { validationWorkers: 2, validationTimeoutMs: 600_000, maxBodyBytes: 64 * 1024 * 1024 },
      { catalog: catalog() },
    );
  });
  afterAll(async () => {
    await t?.stop();
  });

  const fhir = (body: Uint8Array<ArrayBuffer>) => t.call('POST', '/api/v1/validate', { body, contentType: 'application/fhir+json' });

  // Over 11,000 Patients with a 3.5 KB narrative each; seconds of CPU time, minutes on a loaded
  // machine, so the hang guard is longer than the suite's.
  it('validates it to a verdict while /healthz and a small validation are answered', { timeout: 900_000 }, async () => {
    const bundle = patientBundle(entriesFor(50 * 1000 * 1000, 60), 60);
    expect(bundle.length).toBeGreaterThan(50 * 1000 * 1000);
    const small = patientBundle(2);
    // Both workers have loaded the R4 definitions, so the race is between validations.
    await Promise.all([fhir(small), fhir(small)]);
    const answered: string[] = [];
    let settled = false;
    const big = fhir(bundle).then((r) => (answered.push('bundle'), (settled = true), r));
    // Settled too: a Bundle refused before it reaches a worker must fail the test, not hang it.
    await until(() => settled || t.service.ctx.engine.stats().busy === 1);
    const health = fetch(`${t.url}/healthz`).then((r) => (answered.push('healthz'), r));
    const quick = fhir(small).then((r) => (answered.push('small'), r));

    const [bigRes, healthRes, quickRes] = await Promise.all([big, health, quick]);
    expect(answered.indexOf('bundle')).toBe(2);
    expect(healthRes.status).toBe(200);
    expect(quickRes.status).toBe(200);
    expect(await quickRes.json()).toMatchObject({ format: 'fhir', valid: true });
    expect(bigRes.status).toBe(200);
    expect(await bigRes.json()).toMatchObject({ format: 'fhir', valid: true, findings: [] });
  });
});

describe('validation limits of the service', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(
      dialectsUnderTest()[0]!,
      { validationWorkers: 1, validationTimeoutMs: 1500, validationTimeoutMsPerMiB: 0, validationQueue: 1 },
      { catalog: catalog() },
    );
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses more waiting validations than the queue holds (503, Retry-After), stops one over the time limit (422) and carries on', async () => {
    await validate(t, small);
    const slow = validate(t, pathological);
    await until(() => t.service.ctx.engine.stats().busy === 1);
    const waiting = validate(t, small);
    await until(() => t.service.ctx.engine.stats().queued === 1);

    const busy = await validate(t, small);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await busy.json()).toMatchObject({ code: 'unavailable', detail: expect.stringContaining('busy') });

    const stopped = await slow;
    expect(stopped.status).toBe(422);
    expect(await stopped.json()).toMatchObject({
      code: 'unprocessable',
      timeoutMs: 1500,
      detail: expect.stringContaining('took longer than the 1.5 s'),
    });

    // The one that waited is validated by a fresh worker; so is the next.
    expect((await waiting).status).toBe(200);
    const next = await validate(t, small);
    expect(next.status).toBe(200);
    expect(await next.json()).toMatchObject({ valid: true });
  });
});
