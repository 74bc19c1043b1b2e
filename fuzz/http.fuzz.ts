import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectsUnderTest } from '../test/support/databases.js';
import { registerVendor, startTestService, type TestService } from '../test/support/service.js';
import { mutated, runs, SEED, shippedExamples } from './inputs.js';

// On each database: PostgreSQL refuses what SQLite stores (NUL in text), so a 500 may hide on one only.
for (const dialect of dialectsUnderTest()) {
  describe(`the request parsers never answer 5xx to hostile requests, on ${dialect.name}`, () => {
    let t: TestService;
    let token: string;
    beforeAll(async () => {
      t = await startTestService(dialect, { maxBodyBytes: 64 * 1024, rateLimitPerMinute: 1_000_000 });
      token = (await registerVendor(t, 'Fuzz AS')).token;
    });
    afterAll(async () => {
      await t?.stop();
    });

    /** In process, through the whole app (router, parsers, problem mapping), without sockets. */
    const call = (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) =>
      t.service.app.request(path, { method, headers, ...(body && method !== 'GET' ? { body: body as Uint8Array<ArrayBuffer> } : {}) });

    it('JSON bodies of the API: malformed, wrong types, unknown and hostile keys', async () => {
      const json = fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc
          .record(
            {
              // A valid organisasjonsnummer too, so that the other fields reach the database.
              orgNumber: fc.oneof(fc.string(), fc.integer(), fc.constant('974760673')),
              // Any code point, NUL and lone surrogates included: text a database may refuse.
              name: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant('Omsorg\u0000 AS'), fc.constant(null)),
              email: fc.oneof(fc.string(), fc.constant('post@example.no')),
              __proto__: fc.jsonValue(),
            },
            { requiredKeys: [] },
          )
          .map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 200 }),
      );
      const route = fc.constantFrom(
        '/api/v1/vendors',
        '/api/v1/systems',
        '/api/v1/runs',
        '/api/v1/tokens',
        '/api/v1/requirement-sets',
        '/api/v1/systems/x/versions',
      );
      await fc.assert(
        fc.asyncProperty(
          route,
          json,
          fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', ''),
          fc.boolean(),
          async (path, body, type, auth) => {
            const res = await call(
              'POST',
              path,
              { ...(type ? { 'content-type': type } : {}), ...(auth ? { authorization: `Bearer ${token}` } : {}) },
              Buffer.from(body),
            );
            expect([path, res.status]).toEqual([path, expect.any(Number)]);
            expect(res.status).toBeLessThan(500);
          },
        ),
        { numRuns: runs(1200), seed: SEED },
      );
    });

    it('messages to /validate: mutated XML and FHIR under hostile content types and queries', async () => {
      const seeds = [
        ...shippedExamples(['apprec-1.0', 'dialogmelding-1.1-foresporsel'], '.xml'),
        ...shippedExamples(['no-basis-patient'], '.json'),
      ];
      await fc.assert(
        fc.asyncProperty(
          mutated(seeds),
          fc.constantFrom('application/xml', 'application/fhir+json', 'text/xml', 'application/json', 'application/xml; charset=utf-16'),
          fc.oneof(
            fc.constant(''),
            fc.string({ maxLength: 30 }).map((s) => `?profile=${encodeURIComponent(s)}`),
            fc.constant('?profile=apprec-1.0&profile=x'),
          ),
          async (body, type, query) => {
            const res = await call('POST', `/api/v1/validate${query}`, { 'content-type': type }, body);
            expect(res.status).toBeLessThan(500);
          },
        ),
        { numRuns: runs(800), seed: SEED },
      );
    });

    it('paths, queries and headers of every kind of route', async () => {
      const segment = fc.oneof(
        fc.constantFrom('..', '%2e%2e', '%00', 'x'.repeat(300), '__proto__', 'constructor', '%ZZ', '🙂'),
        fc.string({ maxLength: 20 }).map(encodeURIComponent),
      );
      const base = fc.constantFrom(
        '/api/v1/runs/',
        '/api/v1/declarations/',
        '/api/v1/registry?q=',
        '/api/v1/log?after=',
        '/api/v1/audit?limit=',
        '/api/v1/testcases?profile=',
        '/api/v1/profiles/',
        '/registry?side=',
        '/api/v1/verify?jws=',
      );
      await fc.assert(
        fc.asyncProperty(
          base,
          segment,
          fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
          fc.oneof(
            fc.constant(`Bearer ${token}`),
            fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
            fc.constant(''),
          ),
          async (b, s, method, authorization) => {
            const res = await call(method, `${b}${s}`, { ...(authorization ? { authorization } : {}), accept: 'text/html' });
            expect(res.status).toBeLessThan(500);
          },
        ),
        { numRuns: runs(1000), seed: SEED },
      );
    });
  });
}
