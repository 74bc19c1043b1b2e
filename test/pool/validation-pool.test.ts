import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { Engine } from '../../src/engine/engine.js';
import { ValidationPool } from '../../src/pool/validation-pool.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { FIXTURE_PROFILES, fixtureCatalog } from '../helpers/fixture-catalog.js';
import { envelope, until } from './pool-fixtures.js';

const catalog = fixtureCatalog();
const pools: ValidationPool[] = [];
function pool(opts: ConstructorParameters<typeof ValidationPool>[1] = {}): ValidationPool {
  // A time limit no loaded machine reaches, unless a test is about the limit: these tests judge order and outcome, not speed.
  const p = new ValidationPool(catalog, { timeoutMs: 600_000, ...opts });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const small = envelope(1);
const smallInvalid = envelope(1, { invalid: true });
/** About 18 MB of valid content: seconds of schema validation. */
const big = envelope(400_000);
/** 100 000 schema errors: far beyond any time limit a test sets. */
const pathological = envelope(100_000, { invalid: true });

describe('a validation pool', () => {
  it('gives the same result as an in-process engine over the same catalog', async () => {
    const engine = new Engine(catalog);
    const p = pool({ workers: 1 });
    for (const doc of [small, smallInvalid]) {
      const expected = await engine.validate(doc, { profile: 'fx-base' });
      expect(await p.validate(doc, { profile: 'fx-base' })).toEqual(expected);
    }
    // Detected profile, digest and version come from the worker's catalog: the same profiles.
    const detected = await p.validate(small);
    expect(detected).toEqual(await engine.validate(small));
    expect(detected.profileSha256).toBe(catalog.require('fx-base').sha256);
  });

  it('validates FHIR resources too, with the FHIR validator loaded inside the worker', async () => {
    const shipped = loadCatalog({ importedDir: path.join(FIXTURE_PROFILES, '__none__') });
    const dir = path.join(shipped.require('no-basis-patient').dir, 'examples', 'invalid');
    const resource = readFileSync(path.join(dir, 'FHIR-INVARIANT-no-basis-fnr--wrong-control-digit.json'));
    // Loading the R4 definitions and snapshotting the profiles (seconds) is preparation, outside the time limit.
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const p = new ValidationPool(shipped, { workers: 1, holdPreparation: gate });
    pools.push(p);
    const answer = p.validate(resource);
    await until(() => Atomics.load(gate, 1) === 1);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const result = await answer;
    expect(result).toEqual(await new Engine(shipped).validate(resource));
    expect(result).toMatchObject({ format: 'fhir', profile: 'no-basis-patient', valid: false });
  });

  it('evaluates a submission for a test case on a worker with the same result as in process', async () => {
    const shipped = loadCatalog({ importedDir: path.join(FIXTURE_PROFILES, '__none__') });
    const tc = loadTestcases(undefined, shipped).find((t) => t.id === 'dialogmelding-1.1-foresporsel-avsender')!;
    const valid = readFileSync(
      path.join(shipped.require('dialogmelding-1.1-foresporsel').dir, 'examples', 'valid', 'foresporsel-helseopplysninger.xml'),
    );
    const bad = Buffer.from(valid.toString('utf8').replace('V="HPR" DN="HPR-nummer"', 'V="XXX" DN="Annet"'));
    const p = new ValidationPool(shipped, { workers: 1 });
    pools.push(p);
    for (const doc of [valid, bad]) expect(await p.evaluate(tc, doc)).toEqual(await evaluateSubmission(tc, doc, new Engine(shipped)));
    expect((await p.evaluate(tc, bad)).findings).toContainEqual(
      expect.objectContaining({ layer: 'testcase', line: expect.any(Number), column: expect.any(Number) }),
    );
  });

  it('leaves the caller its bytes (a submission is stored after validation)', async () => {
    const p = pool({ workers: 1 });
    const doc = envelope(10);
    const before = Buffer.from(doc).toString('base64');
    await p.validate(doc, { profile: 'fx-base' });
    expect(doc.byteLength).toBeGreaterThan(0);
    expect(Buffer.from(doc).toString('base64')).toBe(before);
  });

  it('answers a small validation while a big one is still running', async () => {
    const p = pool({ workers: 2 });
    // Start and warm both workers, so the comparison is between validations, not thread start-ups.
    await Promise.all([p.validate(small, { profile: 'fx-base' }), p.validate(small, { profile: 'fx-base' })]);
    expect(p.stats().threads).toBe(2);

    const done: string[] = [];
    const bigOne = p.validate(big, { profile: 'fx-base' }).then((r) => (done.push('big'), r));
    await until(() => p.stats().busy === 1);
    const smallOne = p.validate(smallInvalid, { profile: 'fx-base' }).then((r) => (done.push('small'), r));
    const [bigResult, smallResult] = await Promise.all([bigOne, smallOne]);
    expect(done).toEqual(['small', 'big']);
    expect(bigResult.valid).toBe(true);
    expect(smallResult.valid).toBe(false);
  });

  it('stops a validation over the time limit, replaces its worker and keeps working', async () => {
    const p = pool({ workers: 1, timeoutMs: 1000, timeoutMsPerMiB: 0 });
    const refused = await p.validate(pathological, { profile: 'fx-base' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SamsvarError);
    expect(refused).toMatchObject({ code: 'unprocessable', extra: { timeoutMs: 1000 } });
    expect((refused as SamsvarError).detail).toMatch(/took longer than the 1 s the service allows/);
    // The stuck worker is gone, not left running in the background.
    await until(() => p.stats().threads === 0);

    const after = await p.validate(small, { profile: 'fx-base' });
    expect(after.valid).toBe(true);
    expect(p.stats().threads).toBe(1);
  });

  it('does not count compiling the profile against the time limit, only validating the message', async () => {
    // The worker waits at the start of each preparation until the test opens this gate.
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const p = pool({ workers: 1, timeoutMs: 5000, timeoutMsPerMiB: 0, holdPreparation: gate });
    const answer = p.validate(small, { profile: 'fx-base' });
    await until(() => Atomics.load(gate, 1) === 1);
    // More than the limit passes while the fresh worker prepares fx-base: a limit counted from the moment
    // the worker took the message would have stopped it by now (its timer is due before this one).
    await new Promise((r) => setTimeout(r, 6000));
    expect(p.stats()).toMatchObject({ threads: 1, busy: 1 });
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    // The limit is wide so that the small message's own validation fits it on a loaded machine.
    expect((await answer).valid).toBe(true);
    // What follows the preparation is still held to the limit.
    await expect(p.validate(pathological, { profile: 'fx-base' })).rejects.toMatchObject({
      code: 'unprocessable',
      extra: { timeoutMs: 5000 },
    });
  });

  it('stops a preparation that never ends at its own, generous limit, and keeps working', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const p = pool({ workers: 1, preparationTimeoutMs: 300, holdPreparation: gate });
    const refused = await p.validate(small, { profile: 'fx-base' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SamsvarError);
    expect(refused).toMatchObject({ code: 'unavailable', extra: { retryAfter: expect.any(Number) } });
    expect((refused as SamsvarError).detail).toMatch(/^preparing to validate this message \(compiling its profile\) took longer than/);
    await until(() => p.stats().threads === 0);
    Atomics.store(gate, 0, 1);
    expect((await p.validate(small, { profile: 'fx-base' })).valid).toBe(true);
    expect(p.stats().threads).toBe(1);
  });

  it('scales the time limit with the size of the message, so a valid message is never refused for its size alone', async () => {
    const p = pool({ workers: 1, timeoutMs: 1, timeoutMsPerMiB: 600_000 });
    expect(p.timeoutFor(0)).toBe(1);
    expect(p.timeoutFor(1024 * 1024)).toBe(600_001);
    expect(p.timeoutFor(4096 * 1024 * 1024)).toBe(2 ** 31 - 1);
    // A 1 ms limit alone stops any validation; the message's share (over 2 MiB) lets this one finish.
    const sized = envelope(50_000);
    expect(sized.byteLength).toBeGreaterThan(2 * 1024 * 1024);
    expect((await p.validate(sized, { profile: 'fx-base' })).valid).toBe(true);
    const defaults = new ValidationPool(catalog);
    expect(defaults.timeoutFor(25 * 1024 * 1024)).toBe(20_000 + 25 * 2_000);
    await defaults.close();
  });

  it('hands a SamsvarError from a worker to the caller with the same code and detail', async () => {
    const engine = new Engine(catalog);
    const p = pool({ workers: 1 });
    const inProcess = (await engine.validate(small, { profile: 'no-such-profile' }).catch((e: unknown) => e)) as SamsvarError;
    const viaPool = await p.validate(small, { profile: 'no-such-profile' }).catch((e: unknown) => e);
    expect(viaPool).toBeInstanceOf(SamsvarError);
    expect(viaPool).toMatchObject({ code: 'not_found', detail: inProcess.detail });

    const mismatch = await p.validate(small, { profile: 'fx-base', format: 'fhir' }).catch((e: unknown) => e);
    expect(mismatch).toMatchObject({
      code: 'unprocessable',
      detail: expect.stringContaining('validates XML, but the artifact was sent as FHIR'),
    });
    // A refusal costs the worker nothing.
    expect((await p.validate(small, { profile: 'fx-base' })).valid).toBe(true);
  });

  it('refuses validations beyond its queue bound as unavailable, with a time to retry', async () => {
    const p = pool({ workers: 1, maxQueued: 1 });
    await p.validate(small, { profile: 'fx-base' });
    const running = p.validate(big, { profile: 'fx-base' });
    await until(() => p.stats().busy === 1);
    const waiting = p.validate(small, { profile: 'fx-base' });
    const refused = await p.validate(small, { profile: 'fx-base' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'unavailable', extra: { retryAfter: expect.any(Number) } });
    expect((refused as SamsvarError).detail).toMatch(/busy: 1 validations are waiting/);
    // Those accepted are still answered.
    expect((await running).valid).toBe(true);
    expect((await waiting).valid).toBe(true);
  });

  it('on close refuses what is running or waiting and leaves no worker thread behind', async () => {
    const p = pool({ workers: 2 });
    await Promise.all([p.validate(small, { profile: 'fx-base' }), p.validate(small, { profile: 'fx-base' })]);
    expect(p.stats().threads).toBe(2);
    const running = p.validate(big, { profile: 'fx-base' }).catch((e: unknown) => e);
    await until(() => p.stats().busy === 1);

    await p.close();
    expect(p.stats()).toEqual({ threads: 0, busy: 0, queued: 0 });
    expect(await running).toMatchObject({ code: 'unavailable' });
    await expect(p.validate(small)).rejects.toMatchObject({ code: 'unavailable', detail: expect.stringContaining('shutting down') });
  });

  it('starts workers only when validations need them', async () => {
    const p = pool({ workers: 4 });
    expect(p.stats().threads).toBe(0);
    await p.validate(small, { profile: 'fx-base' });
    await p.validate(small, { profile: 'fx-base' });
    // Validations one after another share one worker (and its compiled schemas).
    expect(p.stats().threads).toBe(1);
  });

  it('replaces a worker that has validated a large message, so its grown memory is given back', async () => {
    const p = pool({ workers: 1, recycleAfterBytes: 100_000 });
    const large = envelope(5_000);
    expect(large.byteLength).toBeGreaterThan(100_000);
    await p.validate(small, { profile: 'fx-base' });
    expect(p.stats().threads).toBe(1);
    expect((await p.validate(large, { profile: 'fx-base' })).valid).toBe(true);
    await until(() => p.stats().threads === 0);
    expect((await p.validate(small, { profile: 'fx-base' })).valid).toBe(true);
    expect(p.stats().threads).toBe(1);
  });

  it('refuses a configuration it cannot honour', () => {
    expect(() => new ValidationPool(catalog, { workers: 0 })).toThrow(SamsvarError);
    expect(() => new ValidationPool(catalog, { timeoutMs: 2 ** 31 })).toThrow(/timeoutMs/);
    expect(() => new ValidationPool(catalog, { preparationTimeoutMs: 0 })).toThrow(/preparationTimeoutMs/);
    expect(new ValidationPool(catalog).preparationTimeoutMs).toBe(10 * 60_000);
    // The CLI's pool has no time limit, and so no preparation limit either.
    expect(new ValidationPool(catalog, { timeoutMs: Infinity }).preparationTimeoutMs).toBe(Infinity);
  });
});
