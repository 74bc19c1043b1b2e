import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../../src/declarations/build-declaration.js';
import { signDeclaration } from '../../../src/declarations/declaration-signing.js';
import { loadKeyRing } from '../../../src/signing/key-store.js';
import { ISSUER, ISSUANCE, passedRun, tempDataEnv } from '../../declarations/fixtures.js';
import { runCli } from '../../helpers/cli-run.js';

async function setup(now = new Date()) {
  const env = tempDataEnv();
  const ring = await loadKeyRing({ env });
  const jws = await signDeclaration(
    buildDeclaration(passedRun(), { issuer: ISSUER, issuance: ISSUANCE, kid: ring.current.kid, now }),
    ring.current,
  );
  const dir = env.SAMSVAR_DATA!;
  writeFileSync(path.join(dir, 'd.jws'), jws);
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(ring.jwks));
  return { env, dir, jws, ring };
}

describe('samsvar verify', () => {
  it('offline, says the signature is valid and the status unknown, and exits 4: never "active" it cannot know', async () => {
    const { dir, ring } = await setup();
    const r = await runCli(['verify', 'd.jws', '--jwks', 'jwks.json', '--offline'], { SAMSVAR_DATA: path.join(dir, 'elsewhere') }, dir);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: true,
      kid: ring.current.kid,
      status: 'unknown',
      statusSource: 'offline',
      reason: expect.stringMatching(/known only to the issuer's registry/),
    });
  });

  it("uses the local installation's keys without --jwks; an issuer that cannot be reached leaves the status unknown, with why", async () => {
    const { env, dir } = await setup();
    const r = await runCli(['verify', path.join(dir, 'd.jws')], env);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: true,
      status: 'unknown',
      registry: 'https://samsvar.test/api/v1/declarations/verify',
      reason: expect.stringMatching(/could not be asked/),
    });
  });

  it('exits 1 with a reason when one byte was changed', async () => {
    const { dir, jws } = await setup();
    const [h, p, s] = jws.split('.');
    const payload = Buffer.from(p, 'base64url');
    payload[40] ^= 0x20;
    writeFileSync(path.join(dir, 'bad.jws'), `${h}.${payload.toString('base64url')}.${s}`);
    const r = await runCli(['verify', 'bad.jws', '--jwks', 'jwks.json'], {}, dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, reason: expect.stringMatching(/signature does not match/) });
  });

  it('exits 3 for an expired declaration, which it knows offline', async () => {
    const { dir } = await setup(new Date('2020-01-01T00:00:00Z'));
    const r = await runCli(['verify', 'd.jws', '--jwks', 'jwks.json', '--offline'], {}, dir);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, status: 'expired' });
  });

  it('exits 2 with a message for a missing file, a bad JWKS or no keys at all', async () => {
    const { dir } = await setup();
    expect((await runCli(['verify', 'missing.jws', '--jwks', 'jwks.json'], {}, dir)).stderr).toMatch(/cannot read missing\.jws/);
    writeFileSync(path.join(dir, 'not-jwks.json'), '{"hello":1}');
    const bad = await runCli(['verify', 'd.jws', '--jwks', 'not-jwks.json'], {}, dir);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a JWKS/) });
    const none = await runCli(['verify', 'd.jws'], { SAMSVAR_DATA: path.join(dir, 'empty') }, dir);
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/give --jwks/) });
  });
});
