import { createServer } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostAllowlist } from '../../src/live/host-allowlist.js';
import { LiveHttp, redirectRefusal, type LiveHttpOptions } from '../../src/live/live-http.js';
import { SLOW_MS, startFhirFixture, type FhirFixture } from './fhir-fixture-server.js';

let fx: FhirFixture;
beforeAll(async () => {
  fx = await startFhirFixture({ token: 'riktig-token' });
});
afterAll(async () => {
  await fx.close();
});

/** Runs one request against a fresh client and closes it. */
async function fetchOnce(
  opts: Partial<LiveHttpOptions> & { baseUrl: URL },
  request: Parameters<LiveHttp['get']>[0] = { kind: 'capabilities' },
) {
  const http = new LiveHttp({ allowlist: HostAllowlist.forUrl(opts.baseUrl), timeoutMs: 1000, maxResponseBytes: 1024 * 1024, ...opts });
  try {
    return await http.get(request);
  } finally {
    await http.close();
  }
}

const base = (variant: string) => new URL(fx.base(variant));
/** A resolver that answers from a table and records every name it was asked for. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolver = async (host: string): Promise<LookupAddress[]> => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolver, asked };
}

describe('which URLs a live test may reach', () => {
  it('refuses a base URL outside the allowlist before any request', () => {
    expect(
      () =>
        new LiveHttp({ baseUrl: base('good'), allowlist: HostAllowlist.parse('fhir.example.no'), timeoutMs: 1000, maxResponseBytes: 1000 }),
    ).toThrow(/refusing to test .* host 127\.0\.0\.1:\d+ is not in the allowlist \(fhir\.example\.no\)/);
    expect(
      () => new LiveHttp({ baseUrl: base('good'), allowlist: HostAllowlist.parse(''), timeoutMs: 1000, maxResponseBytes: 1000 }),
    ).toThrow(/allowlist \(\(none\)\)/);
  });

  it('refuses other schemes and URLs with credentials', () => {
    const allowlist = HostAllowlist.parse('*');
    expect(() => new LiveHttp({ baseUrl: new URL('file:///etc/passwd'), allowlist, timeoutMs: 1, maxResponseBytes: 1 })).toThrow(
      /file: URLs are not fetched/,
    );
    expect(() => new LiveHttp({ baseUrl: new URL('https://u:p@fhir.example.no/'), allowlist, timeoutMs: 1, maxResponseBytes: 1 })).toThrow(
      /user name or password/,
    );
  });

  it('refuses a loopback IP literal matched only by a wildcard, and accepts it when named exactly', async () => {
    expect(
      () => new LiveHttp({ baseUrl: base('good'), allowlist: HostAllowlist.parse('*'), timeoutMs: 1000, maxResponseBytes: 1000 }),
    ).toThrow(/127\.0\.0\.1 is a loopback address/);
    const ok = await fetchOnce({ baseUrl: base('good'), allowlist: HostAllowlist.parse(`127.0.0.1:${fx.port}`) });
    expect(ok.ok).toBe(true);
  });

  it('refuses a name that resolves to an internal address unless that exact host is allowlisted', async () => {
    const { resolver } = fakeDns({ 'fhir.vendor.test': ['127.0.0.1'] });
    const url = new URL(`http://fhir.vendor.test:${fx.port}/good/fhir`);
    const wildcard = new LiveHttp({
      baseUrl: url,
      allowlist: HostAllowlist.parse('*.vendor.test'),
      timeoutMs: 1000,
      maxResponseBytes: 100_000,
      resolver,
    });
    await expect(wildcard.preflight()).rejects.toThrow(/fhir\.vendor\.test resolves to 127\.0\.0\.1 \(loopback\)/);
    // Even without the preflight, the connection itself is refused.
    const out = await wildcard.get({ kind: 'capabilities' });
    await wildcard.close();
    expect(out.ok).toBe(false);
    expect(!out.ok && out.finding).toMatchObject({ ruleId: 'LIVE-HOST-REFUSED', layer: 'testcase', severity: 'error' });

    const exact = await fetchOnce({ baseUrl: url, allowlist: HostAllowlist.parse(`fhir.vendor.test`), resolver });
    expect(exact.ok && exact.body.resourceType).toBe('CapabilityStatement');
  });

  it('checks the address it connects to, so a name that re-resolves to loopback is refused (DNS rebinding)', async () => {
    let calls = 0;
    const resolver = async (): Promise<LookupAddress[]> =>
      calls++ === 0 ? [{ address: '203.0.113.7', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const http = new LiveHttp({
      baseUrl: new URL(`http://rebind.vendor.test:${fx.port}/good/fhir`),
      allowlist: HostAllowlist.parse('*.vendor.test'),
      timeoutMs: 1000,
      maxResponseBytes: 100_000,
      resolver,
    });
    await http.preflight();
    const out = await http.get({ kind: 'capabilities' });
    await http.close();
    expect(!out.ok && out.finding.ruleId).toBe('LIVE-HOST-REFUSED');
    expect(!out.ok && out.finding.message).toMatch(/resolves to 127\.0\.0\.1 \(loopback\)/);
  });

  it('does not wait for a DNS answer longer than the time limit', async () => {
    const never = () => new Promise<LookupAddress[]>(() => undefined);
    const http = new LiveHttp({
      baseUrl: new URL('http://hang.vendor.test/fhir'),
      allowlist: HostAllowlist.parse('*.vendor.test'),
      timeoutMs: 200,
      maxResponseBytes: 1000,
      resolver: never,
    });
    // The resolver never answers: only the time limit can end the call.
    await http.preflight();
    const out = await http.get({ kind: 'capabilities' });
    await http.close();
    expect(!out.ok && out.finding.ruleId).toBe('LIVE-TIMEOUT');
  });

  it('follows a redirect inside the allowlist and records the hop', async () => {
    const out = await fetchOnce({ baseUrl: base('redirect-in') });
    expect(out.ok).toBe(true);
    expect(out.exchange.url).toBe(`${fx.base('good')}/metadata`);
    expect(out.exchange.redirects).toEqual([`${fx.base('redirect-in')}/metadata`]);
  });

  it('does not follow a redirect out of the allowlist, and never looks the target up', async () => {
    const { resolver, asked } = fakeDns({});
    const out = await fetchOnce({ baseUrl: base('redirect-out'), resolver });
    expect(out.ok).toBe(false);
    expect(!out.ok && out.finding.ruleId).toBe('LIVE-REDIRECT');
    expect(!out.ok && out.finding.message).toMatch(
      /redirects \(HTTP 302\) to http:\/\/not-allowed\.invalid\/fhir\/metadata, which is not followed: host not-allowed\.invalid is not in the allowlist/,
    );
    expect(asked).not.toContain('not-allowed.invalid');
  });

  it('never follows a redirect from https to http, nor past five hops', () => {
    const list = HostAllowlist.parse('fhir.example.no');
    const from = new URL('https://fhir.example.no/r4/metadata');
    expect(redirectRefusal(from, new URL('http://fhir.example.no/r4/metadata'), 0, list)).toBe('the redirect downgrades https to http');
    expect(redirectRefusal(from, new URL('https://fhir.example.no/r4/v2/metadata'), 0, list)).toBeNull();
    expect(redirectRefusal(from, new URL('https://fhir.example.no/r4/v2/metadata'), 5, list)).toBe('more than 5 redirects');
    expect(redirectRefusal(from, new URL('https://other.example.no/'), 0, list)).toMatch(/not in the allowlist/);
  });

  it('stops a redirect loop', async () => {
    const out = await fetchOnce({ baseUrl: base('redirect-loop') });
    expect(!out.ok && out.finding.message).toMatch(/more than 5 redirects/);
  });

  it('sends the bearer token to the base URL origin only, never to where it redirects', async () => {
    const before = fx.requests.length;
    const out = await fetchOnce({
      baseUrl: base('redirect-localhost'),
      token: 'riktig-token',
      allowlist: HostAllowlist.parse(`127.0.0.1:${fx.port},localhost:${fx.port}`),
    });
    expect(out.ok).toBe(true);
    const [first, second] = fx.requests.slice(before);
    expect(first!.authorization).toBe('Bearer riktig-token');
    expect(second!.url).toBe('/good/fhir/metadata');
    expect(second!.authorization).toBeUndefined();
  });

  it("authenticates with the token, and reports the server's own 401 explanation without it", async () => {
    const ok = await fetchOnce({ baseUrl: base('auth'), token: 'riktig-token' });
    expect(ok.ok).toBe(true);
    const denied = await fetchOnce({ baseUrl: base('auth') });
    expect(!denied.ok && denied.finding).toMatchObject({ ruleId: 'LIVE-HTTP-STATUS' });
    expect(!denied.ok && denied.finding.message).toMatch(/answered HTTP 401: a valid bearer token is required/);
    expect(denied.exchange.status).toBe(401);
  });

  it('refuses tokens that could smuggle header lines', () => {
    expect(
      () =>
        new LiveHttp({
          baseUrl: base('auth'),
          token: 'a\r\nX-Evil: 1',
          allowlist: HostAllowlist.forUrl(base('auth')),
          timeoutMs: 1,
          maxResponseBytes: 1,
        }),
    ).toThrow(/bearer token/);
  });

  it('gives up on a slow server after the time limit', async () => {
    // The server answers after SLOW_MS, well after the 300 ms limit: a timeout finding proves the
    // client gave up first; an answer would mean it waited.
    expect(SLOW_MS).toBeGreaterThan(300);
    const out = await fetchOnce({ baseUrl: base('slow'), timeoutMs: 300 });
    expect(!out.ok && out.finding).toMatchObject({ ruleId: 'LIVE-TIMEOUT' });
    expect(!out.ok && out.finding.message).toMatch(/slow\/fhir\/metadata within 300 ms/);
  });

  it('counts the body in the time limit: a trickling body times out too', async () => {
    const out = await fetchOnce({ baseUrl: base('trickle'), timeoutMs: 400 });
    expect(!out.ok && out.finding.ruleId).toBe('LIVE-TIMEOUT');
  });

  it('stops reading a body larger than the limit', async () => {
    const out = await fetchOnce({ baseUrl: base('huge'), maxResponseBytes: 1024 * 1024 });
    expect(!out.ok && out.finding).toMatchObject({ ruleId: 'LIVE-TOO-LARGE' });
  });

  it('asks for identity encoding and refuses a compressed body instead of inflating it', async () => {
    const before = fx.requests.length;
    const out = await fetchOnce({ baseUrl: base('gzip') });
    expect(fx.requests[before]!.acceptEncoding).toBe('identity');
    expect(!out.ok && out.finding).toMatchObject({ ruleId: 'LIVE-CONTENT-ENCODING' });
    expect(!out.ok && out.finding.message).toMatch(/gzip-encoded/);
  });

  it('reports a body that is not JSON, or JSON that is not an object', async () => {
    const html = await fetchOnce({ baseUrl: base('html') });
    expect(!html.ok && html.finding.ruleId).toBe('LIVE-NOT-JSON');
    const nul = await fetchOnce({ baseUrl: base('json-null') });
    expect(!nul.ok && nul.finding.ruleId).toBe('LIVE-NOT-RESOURCE');
  });

  it('reports a server that is not there', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const out = await fetchOnce({ baseUrl: new URL(`http://127.0.0.1:${port}/fhir`) });
    expect(!out.ok && out.finding).toMatchObject({ ruleId: 'LIVE-NETWORK' });
    expect(!out.ok && out.finding.message).toMatch(/ECONNREFUSED/);
  });

  it('refuses a next-page URL outside the allowlist without contacting it', async () => {
    const out = await fetchOnce({ baseUrl: base('good') }, { kind: 'url', url: new URL('http://169.254.169.254/latest/meta-data') });
    expect(!out.ok && out.finding.ruleId).toBe('LIVE-HOST-REFUSED');
  });
});
