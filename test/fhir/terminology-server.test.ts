import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { TerminologyServer } from '../../src/fhir/terminology-server.js';
import { ProfileCatalog } from '../../src/profiles/catalog.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { catalogWith, check, errors, findingOf, profileOn } from './helpers.js';

const LOINC = 'http://loinc.org';
const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

/** A small terminology server on loopback: LOINC 2339-0 "Glucose" exists, nothing else does. */
function terminology(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://x');
    if (!u.pathname.endsWith('/$validate-code')) {
      res.writeHead(404).end();
      return;
    }
    const code = u.searchParams.get('code');
    const display = u.searchParams.get('display');
    const known = u.searchParams.get('url') === LOINC && code === '2339-0';
    const displayOk = !display || display === 'Glucose [Mass/volume] in Blood';
    const parameter = [{ name: 'result', valueBoolean: known && displayOk }];
    if (!known) parameter.push({ name: 'message', valueString: `Unknown code '${code}'` } as never);
    else if (!displayOk)
      parameter.push({ name: 'message', valueString: `Wrong display '${display}', valid is 'Glucose [Mass/volume] in Blood'` } as never);
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'Parameters', parameter }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, requests }),
    ),
  );
}

const observation = (code: string, display?: string) => ({
  resourceType: 'Observation',
  text,
  status: 'final',
  code: { coding: [{ system: LOINC, code, ...(display ? { display } : {}) }] },
  subject: { reference: 'Patient/p1' },
  valueString: 'x',
});

describe('codes the loaded definitions cannot judge go to a configured FHIR terminology server', () => {
  let t: Awaited<ReturnType<typeof terminology>>;
  beforeAll(async () => {
    t = await terminology();
  });
  afterAll(() => new Promise<void>((resolve) => t.server.close(() => resolve())));

  it('reports what the server refuses (an unknown code, a wrong display) and accepts what it accepts', async () => {
    const v = new FhirValidator(new ProfileCatalog(), { terminology: new TerminologyServer({ url: t.url, timeoutMs: 5000 }) });
    expect(errors(await check(v, observation('2339-0', 'Glucose [Mass/volume] in Blood')))).toEqual([]);
    const unknown = await check(v, observation('99999-9'));
    expect(findingOf(unknown, 'FHIR-CODE-INVALID')).toMatchObject({ severity: 'error', path: 'Observation.code.coding[0]' });
    expect(findingOf(unknown, 'FHIR-CODE-INVALID').message).toContain("Unknown code '99999-9'");
    const display = await check(v, observation('2339-0', 'Kroppsvekt'));
    expect(findingOf(display, 'FHIR-CODE-INVALID').message).toContain('Wrong display');
  });

  it('asks once for the same code (the answers are cached)', async () => {
    const server = new TerminologyServer({ url: t.url, timeoutMs: 5000 });
    const v = new FhirValidator(new ProfileCatalog(), { terminology: server });
    await check(v, observation('2339-0', 'Glucose [Mass/volume] in Blood'));
    await check(v, observation('2339-0', 'Glucose [Mass/volume] in Blood'));
    expect(server.calls).toBe(1);
  });

  it('says "not checked", never valid, when no server is configured', async () => {
    const r = await check(new FhirValidator(new ProfileCatalog()), observation('99999-9'));
    expect(errors(r)).toEqual([]);
    expect(findingOf(r, 'TERMINOLOGY-NOT-CHECKED')).toMatchObject({ severity: 'information' });
    expect(findingOf(r, 'TERMINOLOGY-NOT-CHECKED').message).toContain('SAMSVAR_TERMINOLOGY_URL');
  });

  it('asks about each coding of an element bound to a ValueSet whose code systems it does not hold', async () => {
    const vs = {
      resourceType: 'ValueSet',
      url: 'http://samsvar.test/ValueSet/analyser',
      status: 'active',
      compose: { include: [{ system: LOINC }, { system: 'http://snomed.info/sct' }] },
    };
    const profile = profileOn('Observation', 'analyse', [
      { id: 'Observation.code', path: 'Observation.code', binding: { strength: 'required', valueSet: vs.url } },
    ]);
    const v = new FhirValidator(catalogWith([{ id: 'analyse', sd: profile, extra: [vs] }]));
    // One code in two systems: a question about the ValueSet for each (they were taken for one),
    // and the LOINC code's own.
    const code = { coding: [LOINC, 'http://snomed.info/sct'].map((system) => ({ system, code: '1234-5' })) };
    const r = await check(v, { ...observation('1234-5'), code }, 'analyse');
    expect(errors(r)).toEqual([]);
    expect(findingOf(r, 'TERMINOLOGY-NOT-CHECKED').message).toMatch(/^3 codes/);
  });

  it('gathers the codes it cannot judge in time linear in their number', async () => {
    const v = new FhirValidator(new ProfileCatalog());
    const run = async (n: number) => {
      const coding = Array.from({ length: n }, (_, i) => ({ system: 'http://loinc.org', code: `${i}-0` }));
      const r = await check(v, { ...observation('2339-0'), code: { coding } });
      expect(findingOf(r, 'TERMINOLOGY-NOT-CHECKED').message).toContain(`${n}`);
    };
    // 2,000 against 16,000 codes: gathered in quadratic time, the ratio was 44-54 (the larger took
    // 3-14 s of CPU); gathered by key, 5-18.
    expect(await growthRatio(run, 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });

  it('says "not checked" when the server cannot be reached or does not answer in time', async () => {
    const closed = await terminology();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const unreachable = new FhirValidator(new ProfileCatalog(), {
      terminology: new TerminologyServer({ url: closed.url, timeoutMs: 5000 }),
    });
    const r = await check(unreachable, observation('2339-0'));
    expect(findingOf(r, 'TERMINOLOGY-NOT-CHECKED').message).toContain('could not be reached');

    // A server that never answers: the call is abandoned at the time limit.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const slow = new FhirValidator(new ProfileCatalog(), {
      terminology: new TerminologyServer({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`, timeoutMs: 200 }),
    });
    const s = await check(slow, observation('2339-0'));
    expect(findingOf(s, 'TERMINOLOGY-NOT-CHECKED').message).toContain('did not answer within 200 ms');
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});

describe('a bound ValueSet that is not loaded is expanded by the terminology server ($expand)', () => {
  const SCT = 'http://snomed.info/sct';
  const SMALL = 'http://samsvar.test/ValueSet/blodtype';
  const LARGE = 'http://samsvar.test/ValueSet/alle-funn';
  const REFUSED = 'http://samsvar.test/ValueSet/for-dyr';
  /** $expand: SMALL has three SNOMED CT codes (one nested under an abstract grouper); LARGE is larger than samsvar asks for; REFUSED is too costly. */
  function expander(): Promise<{ server: Server; url: string; requests: string[] }> {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
      const vs = u.searchParams.get('url');
      if (u.pathname.endsWith('/ValueSet/$expand')) {
        if (vs === SMALL) {
          const contains = [
            { system: SCT, code: '112144000', display: 'A' },
            { system: SCT, code: 'gruppe', abstract: true, contains: [{ system: SCT, code: '165743006', display: 'B' }] },
            { system: SCT, code: '58460004', display: 'O' },
          ];
          return json(200, {
            resourceType: 'ValueSet',
            status: 'active',
            expansion: { timestamp: '2026-01-01T00:00:00Z', total: 4, contains },
          });
        }
        if (vs === LARGE)
          return json(200, {
            resourceType: 'ValueSet',
            status: 'active',
            expansion: { timestamp: '2026-01-01T00:00:00Z', total: 350_000, contains: [{ system: SCT, code: '1', display: 'x' }] },
          });
        return json(422, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'too-costly', diagnostics: 'too costly' }],
        });
      }
      if (u.pathname.endsWith('/ValueSet/$validate-code')) {
        const ok = (vs === LARGE || vs === REFUSED) && u.searchParams.get('code') === '404684003';
        return json(200, {
          resourceType: 'Parameters',
          parameter: [{ name: 'result', valueBoolean: ok }, ...(ok ? [] : [{ name: 'message', valueString: 'Not in value set' }])],
        });
      }
      res.writeHead(404).end();
    });
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, requests }),
      ),
    );
  }

  const bound = (id: string, valueSet: string) => ({
    id,
    sd: profileOn('Observation', id, [{ id: 'Observation.code', path: 'Observation.code', binding: { strength: 'required', valueSet } }]),
  });
  const obs = (...codes: string[]) => ({
    resourceType: 'Observation',
    text,
    status: 'final',
    code: { coding: codes.map((code) => ({ system: SCT, code })) },
    subject: { reference: 'Patient/p1' },
    valueString: 'x',
  });
  const catalog = () => catalogWith([bound('blodtype', SMALL), bound('alle-funn', LARGE), bound('for-dyr', REFUSED)]);

  let t: Awaited<ReturnType<typeof expander>>;
  beforeAll(async () => {
    t = await expander();
  });
  afterAll(() => new Promise<void>((resolve) => t.server.close(() => resolve())));

  it('judges the codes by the expansion, nested codes included, and expands the ValueSet once', async () => {
    const server = new TerminologyServer({ url: t.url, timeoutMs: 5000 });
    const v = new FhirValidator(catalog(), { terminology: server });
    expect(errors(await check(v, obs('165743006'), 'blodtype'))).toEqual([]);
    expect(errors(await check(v, obs('999999', '58460004'), 'blodtype'))).toEqual([]); // one coding in the ValueSet is enough
    const out = await check(v, obs('999999'), 'blodtype');
    expect(findingOf(out, 'FHIR-BINDING-REQUIRED')).toMatchObject({ severity: 'error', path: 'Observation.code' });
    expect(findingOf(out, 'FHIR-BINDING-REQUIRED').message).toContain('not among the 3 codes of its expansion');
    expect(errors(await check(v, obs('gruppe'), 'blodtype'))).toEqual(['FHIR-BINDING-REQUIRED']); // an abstract grouper is not a code to use
    expect(t.requests.filter((r) => r.includes('$expand') && r.includes(encodeURIComponent(SMALL)))).toHaveLength(1);
  });

  it('asks code by code ($validate-code) when the ValueSet is larger than samsvar expands, or the server will not expand it', async () => {
    const v = new FhirValidator(catalog(), { terminology: new TerminologyServer({ url: t.url, timeoutMs: 5000 }) });
    expect(errors(await check(v, obs('404684003'), 'alle-funn'))).toEqual([]);
    expect(errors(await check(v, obs('123'), 'alle-funn'))).toEqual(['FHIR-BINDING-REQUIRED']);
    expect(errors(await check(v, obs('404684003'), 'for-dyr'))).toEqual([]);
    expect(errors(await check(v, obs('123'), 'for-dyr'))).toEqual(['FHIR-BINDING-REQUIRED']);
  });

  it('says "not checked" without a server or when it cannot be reached, never valid', async () => {
    const none = await check(new FhirValidator(catalog()), obs('999999'), 'blodtype');
    expect(errors(none)).toEqual([]);
    expect(findingOf(none, 'TERMINOLOGY-NOT-CHECKED').message).toContain('SAMSVAR_TERMINOLOGY_URL');
    const closed = await expander();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const gone = await check(
      new FhirValidator(catalog(), { terminology: new TerminologyServer({ url: closed.url, timeoutMs: 5000 }) }),
      obs('999999'),
      'blodtype',
    );
    expect(errors(gone)).toEqual([]);
    expect(findingOf(gone, 'TERMINOLOGY-NOT-CHECKED').message).toContain('could not be reached');
  });
});
