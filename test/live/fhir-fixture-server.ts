/**
 * A small but real FHIR R4 server on loopback for the live-test tests. The first path segment picks
 * a behaviour, so one server serves every variant: http://127.0.0.1:PORT/<variant>/fhir/...
 *
 *   good        conformant: CapabilityStatement, read, search by identifier, paging on _count=1
 *   bad         FHIR 3.0.2, XML only, resources that break the profile, search returns a collection
 *   auth        like good, but only with "Authorization: Bearer <token>"; 401 OperationOutcome otherwise
 *   slow        like good, after a delay longer than the tests' timeouts
 *   trickle     like good, but the body arrives slowly, byte by byte
 *   redirect-in /metadata redirects to good/fhir/metadata on this server
 *   redirect-out /metadata redirects to a host that is not allowlisted
 *   redirect-localhost  redirects to good/fhir on localhost:PORT, another origin on this server
 *   redirect-loop   redirects to itself forever
 *   next-out    search Bundle whose next link leaves the allowlist
 *   huge        /metadata answers a body of several megabytes
 *   gzip        /metadata answers gzip-encoded although identity was asked for
 *   html        every URL answers 200 text/html
 *   plain-json  like good, with Content-Type application/json instead of application/fhir+json
 *   json-null   every URL answers 200 with the JSON literal null
 *   wrong-id    read answers another resource than the one asked for
 *   deep        read answers a Patient nested 100,000 arrays deep
 *
 * Outside the variants, /.well-known/samsvar-challenge/<token> answers what serveChallenge() set
 * for that token (by default the token itself, as a server proving its operator's control would),
 * and 404 for any other token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
export const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4';
export const NO_BASIS = 'http://hl7.no/fhir/ig/StructureDefinition';
/** A synthetic fødselsnummer (Skatteetaten's +80 on the month) with valid control digits. */
export const TEST_FNR = '01819010001';
export const TEST_HPR = '9144889';
export const SLOW_MS = 1500;

export const goodPatient = {
  resourceType: 'Patient',
  id: 'pasient-1',
  meta: { profile: [`${NO_BASIS}/no-basis-Patient`] },
  identifier: [{ use: 'official', system: FNR_SYSTEM, value: TEST_FNR }],
  active: true,
  name: [{ use: 'official', family: 'Testesen', given: ['Kari'] }],
  telecom: [{ system: 'phone', value: '+4799999999', use: 'mobile' }],
  gender: 'female',
  birthDate: '1990-01-01',
  address: [{ use: 'home', type: 'physical', line: ['Testveien 1'], postalCode: '0150', city: 'Oslo', country: 'NO' }],
};

/** Breaks base R4 rules any validator enforces: a gender outside the required value set, a date in Norwegian notation, an unknown element. */
export const badPatient = {
  resourceType: 'Patient',
  id: 'pasient-1',
  identifier: [{ system: FNR_SYSTEM, value: '01819010002' }],
  name: [{ family: 'Testesen', given: ['Kari'] }],
  gender: 'kvinne',
  birthDate: '01.01.1990',
  fodselsdato: '1990-01-01',
};

export const goodPractitioner = {
  resourceType: 'Practitioner',
  id: 'lege-1',
  meta: { profile: [`${NO_BASIS}/no-basis-Practitioner`] },
  identifier: [{ system: HPR_SYSTEM, value: TEST_HPR }],
  active: true,
  name: [{ family: 'Legesen', given: ['Ola'] }],
  gender: 'male',
};

function capabilityStatement(good: boolean) {
  const resource = (type: string, profile: string) => ({
    type,
    profile: `${NO_BASIS}/${profile}`,
    ...(good ? { supportedProfile: [`${NO_BASIS}/${profile}|2.2.3`] } : {}),
    interaction: good ? [{ code: 'read' }, { code: 'search-type' }] : [{ code: 'read' }],
    searchParam: good
      ? [
          { name: 'identifier', type: 'token' },
          { name: '_id', type: 'token' },
        ]
      : [],
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: good ? '4.0.1' : '3.0.2',
    format: good ? ['application/fhir+json', 'json'] : ['xml'],
    rest: [
      {
        mode: 'server',
        resource: good
          ? [resource('Patient', 'no-basis-Patient'), resource('Practitioner', 'no-basis-Practitioner')]
          : [{ type: 'Patient', interaction: [{ code: 'read' }] }],
      },
    ],
  };
}

function outcome(code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function searchset(base: string, matches: object[], next?: string) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    link: [{ relation: 'self', url: base }, ...(next ? [{ relation: 'next', url: next }] : [])],
    entry: matches.map((r) => ({ fullUrl: `${base}/${(r as { id: string }).id}`, resource: r, search: { mode: 'match' } })),
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  authorization?: string;
  acceptEncoding?: string;
}

export interface FhirFixture {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** The FHIR base URL of a variant. */
  base(variant: string): string;
  requests: RecordedRequest[];
  /** Serves a samsvar challenge token at this server's origin: its own text, or another body, status or a redirect. */
  serveChallenge(token: string, answer?: ChallengeAnswer): void;
  close(): Promise<void>;
}

/** What the fixture answers for a challenge token: by default 200 with the token and a newline. */
export interface ChallengeAnswer {
  status?: number;
  body?: string;
  /** Answer 302 to this location instead. */
  redirect?: string;
}

const CHALLENGE_PATH = '/.well-known/samsvar-challenge/';

export async function startFhirFixture(opts: { token?: string } = {}): Promise<FhirFixture> {
  const token = opts.token ?? 'hemmelig-test-token';
  const requests: RecordedRequest[] = [];
  const challenges = new Map<string, ChallengeAnswer>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      acceptEncoding: req.headers['accept-encoding'] as string | undefined,
    });
    const url = new URL(req.url ?? '/', 'http://fixture');
    if (url.pathname.startsWith(CHALLENGE_PATH)) {
      const token = url.pathname.slice(CHALLENGE_PATH.length);
      const answer = challenges.get(token);
      if (!answer) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('no such challenge');
      }
      if (answer.redirect) {
        res.writeHead(302, { location: answer.redirect });
        return res.end();
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' });
      return res.end(answer.body ?? `${token}\n`);
    }
    const [, variant = '', fhir, ...rest] = url.pathname.split('/');
    const origin = `http://${req.headers.host}`;
    const base = `${origin}/${variant}/fhir`;
    const send = (
      status: number,
      body: unknown,
      type = variant === 'plain-json' ? 'application/json' : 'application/fhir+json; charset=utf-8',
    ) => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (fhir !== 'fhir') return send(404, outcome('not-found', 'no such path'));

    const good = variant !== 'bad';
    const answerFhir = () => {
      const [type, id] = rest;
      if (type === 'metadata') return send(200, capabilityStatement(good));
      if (type === 'Patient' && id) {
        if (id !== goodPatient.id) return send(404, outcome('not-found', `Patient/${id} is not known`));
        if (variant === 'wrong-id') return send(200, { ...goodPatient, id: 'en-annen' });
        if (variant === 'deep')
          return send(200, `{"resourceType":"Patient","id":"pasient-1","extension":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
        return send(200, good ? goodPatient : badPatient);
      }
      if (type === 'Practitioner' && id) {
        if (id !== goodPractitioner.id) return send(404, outcome('not-found', `Practitioner/${id} is not known`));
        return send(200, goodPractitioner);
      }
      if ((type === 'Patient' || type === 'Practitioner') && !id) {
        const all = type === 'Patient' ? [good ? goodPatient : badPatient] : [goodPractitioner];
        const identifier = url.searchParams.get('identifier');
        const matches = identifier
          ? all.filter((r) => r.identifier.some((i) => `${i.system}|${i.value}` === identifier || i.value === identifier))
          : all;
        if (variant === 'bad') return send(200, { ...searchset(`${base}/${type}`, matches), type: 'collection' });
        if (variant === 'next-out')
          return send(200, searchset(`${base}/${type}`, matches, 'http://not-allowed.invalid/fhir/Patient?page=2'));
        const page = url.searchParams.get('page');
        if (url.searchParams.get('_count') === '1' && !page) {
          // Two pages: the match, then a second copy of it on the next page.
          return send(
            200,
            searchset(`${base}/${type}`, matches, `${base}/${type}?identifier=${encodeURIComponent(identifier ?? '')}&_count=1&page=2`),
          );
        }
        return send(200, searchset(`${base}/${type}`, matches));
      }
      return send(404, outcome('not-supported', `${url.pathname} is not supported`));
    };

    switch (variant) {
      case 'good':
      case 'plain-json':
      case 'bad':
      case 'wrong-id':
      case 'deep':
      case 'next-out':
        return answerFhir();
      case 'auth':
        if (req.headers.authorization !== `Bearer ${token}`) {
          res.setHeader('www-authenticate', 'Bearer');
          return send(401, outcome('login', 'a valid bearer token is required'));
        }
        return answerFhir();
      case 'slow':
        return later(SLOW_MS, answerFhir);
      case 'trickle': {
        const body = JSON.stringify(capabilityStatement(true));
        res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': String(body.length) });
        let i = 0;
        const drip = () => {
          if (res.destroyed) return;
          if (i >= body.length) return void res.end();
          res.write(body[i++]);
          later(50, drip);
        };
        return drip();
      }
      case 'redirect-in':
        res.writeHead(302, { location: `/good/fhir/${rest.join('/')}${url.search}` });
        return res.end();
      case 'redirect-localhost':
        res.writeHead(307, {
          location: `http://localhost:${(server.address() as AddressInfo).port}/good/fhir/${rest.join('/')}${url.search}`,
        });
        return res.end();
      case 'redirect-loop':
        res.writeHead(302, { location: url.pathname });
        return res.end();
      case 'redirect-out':
        res.writeHead(302, { location: `http://not-allowed.invalid/fhir/${rest.join('/')}` });
        return res.end();
      case 'huge':
        return send(200, { ...capabilityStatement(true), description: 'x'.repeat(6 * 1024 * 1024) });
      case 'gzip': {
        const body = gzipSync(JSON.stringify({ ...capabilityStatement(true), description: ' '.repeat(2 * 1024 * 1024) }));
        res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-encoding': 'gzip' });
        return res.end(body);
      }
      case 'json-null':
        return send(200, 'null');
      case 'html':
        return send(200, '<html><body>Velkommen</body></html>', 'text/html');
      default:
        return send(404, outcome('not-found', `unknown fixture variant ${variant}`));
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    base: (variant) => `${origin}/${variant}/fhir`,
    requests,
    serveChallenge: (token, answer = {}) => void challenges.set(token, answer),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
