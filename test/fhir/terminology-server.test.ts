import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { TerminologyServer } from '../../src/fhir/terminology-server.js';
import { ProfileCatalog } from '../../src/profiles/catalog.js';
import { check, errors, findingOf } from './helpers.js';

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
    else if (!displayOk) parameter.push({ name: 'message', valueString: `Wrong display '${display}', valid is 'Glucose [Mass/volume] in Blood'` } as never);
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'Parameters', parameter }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, requests })));
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

  it('says "not checked" when the server cannot be reached or does not answer in time', async () => {
    const closed = await terminology();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const unreachable = new FhirValidator(new ProfileCatalog(), { terminology: new TerminologyServer({ url: closed.url, timeoutMs: 5000 }) });
    const r = await check(unreachable, observation('2339-0'));
    expect(findingOf(r, 'TERMINOLOGY-NOT-CHECKED').message).toContain('could not be reached');

    // A server that never answers: the call is abandoned at the time limit.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const slow = new FhirValidator(new ProfileCatalog(), { terminology: new TerminologyServer({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`, timeoutMs: 200 }) });
    const s = await check(slow, observation('2339-0'));
    expect(findingOf(s, 'TERMINOLOGY-NOT-CHECKED').message).toContain('did not answer within 200 ms');
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
