import { afterEach, describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { asValidationClient } from '../../src/pool/validation-client.js';
import { ValidationPool } from '../../src/pool/validation-pool.js';
import { fixtureCatalog } from '../helpers/fixture-catalog.js';
import { envelope, until } from './pool-fixtures.js';

const catalog = fixtureCatalog();
const pools: ValidationPool[] = [];
function pool(opts: ConstructorParameters<typeof ValidationPool>[1] = {}): ValidationPool {
  // These tests judge order and outcome, never speed: a time limit no loaded machine reaches.
  const p = new ValidationPool(catalog, { timeoutMs: 600_000, ...opts });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** Costly to validate for real (≈ 2 MB of schema content), not a simulated delay. */
const expensive = envelope(40_000);
const small = envelope(1);

describe('a validation pool shared by several clients', () => {
  it('serves another client next, however many expensive validations one client has waiting', async () => {
    const p = pool({ workers: 1, maxQueued: 16 });
    const done: string[] = [];
    const submit = (client: string, doc: Uint8Array, label: string) =>
      asValidationClient(client, () => p.validate(doc, { profile: 'fx-base' })).then((r) => {
        done.push(label);
        return r;
      });
    const flood = [1, 2, 3, 4].map((i) => submit('vendor:A', expensive, `A${i}`));
    await until(() => p.stats().queued + p.stats().busy === 4);
    const other = submit('vendor:B', small, 'B');
    expect((await other).valid).toBe(true);
    await Promise.all(flood);
    // First come, first served would answer B fifth; sharing answers it as soon as a worker is free.
    expect(done.indexOf('B')).toBeLessThanOrEqual(1);
    expect(done.filter((l) => l.startsWith('A'))).toEqual(['A1', 'A2', 'A3', 'A4']);
  });

  it('refuses one client beyond its share of the queue (429), while others are still accepted', async () => {
    const p = pool({ workers: 1, maxQueued: 8, maxQueuedPerClient: 2 });
    const submitA = () => asValidationClient('vendor:A', () => p.validate(expensive, { profile: 'fx-base' }));
    const accepted = [submitA()];
    await until(() => p.stats().busy === 1);
    accepted.push(submitA(), submitA());
    const refused = await asValidationClient('vendor:A', () => p.validate(small, { profile: 'fx-base' })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SamsvarError);
    expect(refused).toMatchObject({ code: 'rate_limited', extra: { retryAfter: expect.any(Number) } });
    expect((refused as SamsvarError).detail).toMatch(/2 of your validations are waiting/);
    // Another client is not refused: the queue has room that client A may not take.
    const others = ['vendor:B', 'vendor:C', '203.0.113.9'].map((c) =>
      asValidationClient(c, () => p.validate(small, { profile: 'fx-base' })),
    );
    for (const r of await Promise.all(others)) expect(r.valid).toBe(true);
    for (const r of await Promise.all(accepted)) expect(r.valid).toBe(true);
  });

  it('answers 503 with a time to retry only when the whole queue is full', async () => {
    const p = pool({ workers: 1, maxQueued: 2, maxQueuedPerClient: 2 });
    const running = asValidationClient('vendor:A', () => p.validate(expensive, { profile: 'fx-base' }));
    await until(() => p.stats().busy === 1);
    const waiting = ['vendor:B', 'vendor:C'].map((c) => asValidationClient(c, () => p.validate(small, { profile: 'fx-base' })));
    await until(() => p.stats().queued === 2);
    const refused = await asValidationClient('vendor:D', () => p.validate(small, { profile: 'fx-base' })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'unavailable', extra: { retryAfter: expect.any(Number) } });
    expect((await running).valid).toBe(true);
    for (const r of await Promise.all(waiting)) expect(r.valid).toBe(true);
  });

  it('lets a client alone use every worker', async () => {
    const p = pool({ workers: 2, maxQueued: 8, maxQueuedPerClient: 8 });
    const jobs = [1, 2, 3, 4].map(() => asValidationClient('vendor:A', () => p.validate(expensive, { profile: 'fx-base' })));
    await until(() => p.stats().busy === 2);
    for (const r of await Promise.all(jobs)) expect(r.valid).toBe(true);
  });

  it('by default lets 50 clients with one ordinary message each wait, instead of refusing most of them (issue 15)', async () => {
    const p = pool({ workers: 2 });
    const running = ['vendor:A', 'vendor:B'].map((c) => asValidationClient(c, () => p.validate(expensive, { profile: 'fx-base' })));
    await until(() => p.stats().busy === 2);
    const clients = Array.from({ length: 50 }, (_, i) =>
      asValidationClient(`vendor:${i}`, () => p.validate(small, { profile: 'fx-base' })),
    );
    for (const r of await Promise.all([...running, ...clients])) expect(r.valid).toBe(true);
  });

  it('bounds the bytes of waiting messages: past the budget 503, and one client past its quarter of it 429', async () => {
    const p = pool({ workers: 1, maxQueued: 64, maxQueuedBytes: 4 * expensive.byteLength });
    const running = asValidationClient('vendor:A', () => p.validate(expensive, { profile: 'fx-base' }));
    await until(() => p.stats().busy === 1);
    // One large message of a client always waits; a second one is beyond its quarter of the bytes.
    const waiting = [asValidationClient('vendor:A', () => p.validate(expensive, { profile: 'fx-base' }))];
    const second = await asValidationClient('vendor:A', () => p.validate(expensive, { profile: 'fx-base' })).catch((e: unknown) => e);
    expect(second).toMatchObject({ code: 'rate_limited' });
    for (const c of ['vendor:B', 'vendor:C', 'vendor:D'])
      waiting.push(asValidationClient(c, () => p.validate(expensive, { profile: 'fx-base' })));
    await until(() => p.stats().queued === 4);
    // The budget is full: even a small message of a new client waits no more; many small ones did fit before.
    const full = await asValidationClient('vendor:E', () => p.validate(small, { profile: 'fx-base' })).catch((e: unknown) => e);
    expect(full).toMatchObject({ code: 'unavailable', extra: { retryAfter: expect.any(Number) } });
    expect((await running).valid).toBe(true);
    for (const r of await Promise.all(waiting)) expect(r.valid).toBe(true);
  });
});
