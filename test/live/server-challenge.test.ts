import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeUrl } from '../../src/live/fhir-base-url.js';
import { HostAllowlist } from '../../src/live/host-allowlist.js';
import { CHALLENGE_MAX_BYTES, checkServerChallenge } from '../../src/live/server-challenge.js';
import { startFhirFixture, type FhirFixture } from './fhir-fixture-server.js';

let fx: FhirFixture;
beforeAll(async () => {
  fx = await startFhirFixture();
});
afterAll(async () => {
  await fx.close();
});

const TOKEN = 'Zm9yZWxkcmUtb2ctYmFybi1zb20tdGVzdGVyLWRldC0x';
const check = (token: string, allowlist = HostAllowlist.parse(`127.0.0.1:${fx.port}`)) =>
  checkServerChallenge(challengeUrl(fx.base('good'), token), token, { allowlist, timeoutMs: 2000 });

describe("a FHIR server's challenge: proof that whoever registered it controls it", () => {
  it("is served at the base URL's origin, whatever the path of the FHIR API", () => {
    expect(challengeUrl('https://fhir.vendor.no:8443/r4/api', 'abc')).toBe('https://fhir.vendor.no:8443/.well-known/samsvar-challenge/abc');
    expect(challengeUrl('https://fhir.vendor.no/r4', 'abc')).toBe('https://fhir.vendor.no/.well-known/samsvar-challenge/abc');
  });

  it('passes when the server answers 200 with the token, whitespace around it aside', async () => {
    fx.serveChallenge(`${TOKEN}-a`);
    expect(await check(`${TOKEN}-a`)).toEqual({ ok: true });
    fx.serveChallenge(`${TOKEN}-b`, { body: `\n  ${TOKEN}-b \r\n` });
    expect(await check(`${TOKEN}-b`)).toEqual({ ok: true });
  });

  it('fails on another status or another body, saying what came back', async () => {
    expect(await check(`${TOKEN}-none`)).toEqual({
      ok: false,
      kind: 'status',
      status: 404,
      reason: `${challengeUrl(fx.base('good'), `${TOKEN}-none`)} answered HTTP 404, not 200 with the answer`,
    });
    fx.serveChallenge(`${TOKEN}-c`, { body: `${TOKEN}-c and more` });
    expect(await check(`${TOKEN}-c`)).toMatchObject({ ok: false, kind: 'body', reason: expect.stringMatching(/body is not the answer/) });
    fx.serveChallenge(`${TOKEN}-d`, { status: 201 });
    expect(await check(`${TOKEN}-d`)).toMatchObject({ ok: false, kind: 'status', status: 201 });
  });

  it('reads no more than a small body', async () => {
    fx.serveChallenge(`${TOKEN}-e`, { body: `${TOKEN}-e${' '.repeat(CHALLENGE_MAX_BYTES * 4)}` });
    expect(await check(`${TOKEN}-e`)).toMatchObject({
      ok: false,
      kind: 'unreachable',
      reason: expect.stringContaining(`larger than ${CHALLENGE_MAX_BYTES} bytes`),
    });
  });

  it('follows a redirect within the origin, and none to another origin', async () => {
    // A server may keep its challenge files elsewhere on the same origin.
    fx.serveChallenge(`${TOKEN}-f`, { body: `${TOKEN}-g` });
    fx.serveChallenge(`${TOKEN}-g`, { redirect: `/.well-known/samsvar-challenge/${TOKEN}-f` });
    expect(await check(`${TOKEN}-g`)).toEqual({ ok: true });
    fx.serveChallenge(`${TOKEN}-i`, { redirect: `http://localhost:${fx.port}/.well-known/samsvar-challenge/${TOKEN}-i` });
    const before = fx.requests.length;
    expect(await check(`${TOKEN}-i`, HostAllowlist.parse(`127.0.0.1:${fx.port},localhost:${fx.port}`))).toMatchObject({
      ok: false,
      kind: 'redirect',
      status: 302,
      reason: expect.stringMatching(/which is not followed: it is another origin than http:\/\/127\.0\.0\.1:\d+/),
    });
    expect(fx.requests.length).toBe(before + 1);
  });

  it('contacts nothing the operator has not allowed, nor an internal address a wildcard would reach', async () => {
    const before = fx.requests.length;
    expect(await check(TOKEN, HostAllowlist.parse('fhir.vendor.no'))).toMatchObject({
      ok: false,
      kind: 'refused',
      reason: expect.stringMatching(/is not in the allowlist/),
    });
    expect(await check(TOKEN, HostAllowlist.parse('*'))).toMatchObject({
      ok: false,
      kind: 'refused',
      reason: expect.stringMatching(/127\.0\.0\.1 is a loopback address/),
    });
    expect(fx.requests.length).toBe(before);
  });
});
