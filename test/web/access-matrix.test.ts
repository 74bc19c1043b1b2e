import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTestData } from '../../src/core/run-test-data.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import { labRetest, PROFILE, run, systemVersion } from '../server/declaration-helpers.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, validOrgNumber, type TestService } from '../support/service.js';
import { startWebService } from './web-service.js';

/**
 * The web pages under the same proof as the API (test/server/access-matrix.test.ts): every page and
 * form of src/web, enumerated from the app's routes, × anonymous, vendor A, vendor B, laboratory and
 * administrator (each signed in through the pages' own sign-in form), gets exactly the outcome
 * written here: the page, a redirect to sign in, or 404 for someone else's object or another role's
 * page. Every signed-in form is refused (403) without its session's CSRF token or with another
 * session's, and every form (signed in or not) is refused (403) when the browser says it came from
 * another site.
 */
type Caller = 'anonymous' | 'vendorA' | 'vendorB' | 'lab' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'vendorA', 'vendorB', 'lab', 'admin'];

interface Outcome {
  status: number;
  /** Where a 303 leads. */
  location?: RegExp;
}
const PAGE: Outcome = { status: 200 };
const MISSING: Outcome = { status: 404 };
const VENDOR_SIGN_IN: Outcome = { status: 303, location: /^\/leverandor\/logg-inn\?neste=%2Fleverandor%2F/ };
const STAFF_SIGN_IN: Outcome = { status: 303, location: /^\/forvaltning$/ };
const to = (location: RegExp): Outcome => ({ status: 303, location });

const everyone = (o: Outcome): Record<Caller, Outcome> => ({ anonymous: o, vendorA: o, vendorB: o, lab: o, admin: o });
/** A vendor page of vendor A's own object: vendor B finds nothing, others must sign in as a vendor. */
const vendorAOwns = (o: Outcome): Record<Caller, Outcome> => ({
  anonymous: VENDOR_SIGN_IN,
  vendorA: o,
  vendorB: MISSING,
  lab: VENDOR_SIGN_IN,
  admin: VENDOR_SIGN_IN,
});
const anyVendor = (o: Outcome): Record<Caller, Outcome> => ({ ...vendorAOwns(o), vendorB: o });
const staffOnly = (lab: Outcome, admin: Outcome): Record<Caller, Outcome> => ({
  anonymous: STAFF_SIGN_IN,
  vendorA: STAFF_SIGN_IN,
  vendorB: STAFF_SIGN_IN,
  lab,
  admin,
});
const adminOnly = (o: Outcome) => staffOnly(MISSING, o);
const labOnly = (o: Outcome) => staffOnly(o, MISSING);

type FormBody = Record<string, string | string[] | Blob>;
interface Case {
  /** The route as registered (`GET /leverandor/kjoringer/:id`). */
  route: string;
  path: () => string;
  /** A form body that lets the allowed caller through (the caller's own CSRF token is added for signed-in forms). */
  form?: (caller: Caller) => FormBody;
  /** A signed-in form: refused without the session's CSRF token. */
  csrf?: boolean;
  /** What a signed-in caller gets without the CSRF token, where it is not 403 (see the probe below). */
  withoutCsrf?: Partial<Record<Caller, number>>;
  expect: Record<Caller, Outcome>;
}

for (const dialect of dialectsUnderTest()) {
  describe(`every web page and form × caller on ${dialect.name}`, () => {
    let t: TestService;
    const tokens: Record<Caller, string> = {
      anonymous: 'ukjent-nokkel-0123456789',
      vendorA: '',
      vendorB: '',
      lab: '',
      admin: ADMIN_TOKEN,
    };
    const cookies: Partial<Record<Caller, string>> = {};
    const csrf: Partial<Record<Caller, string>> = {};
    const v: Record<string, string> = {};
    let testData: RunTestData;
    let counter = 0;

    async function api<T>(method: string, p: string, token: string, json?: unknown): Promise<T> {
      const res = await t.call(method, p, { token, json });
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    }

    /** Signs in through the page's own form, as a browser would; returns the session cookie and the CSRF token its forms carry. */
    async function signIn(caller: Caller, where: '/leverandor' | '/forvaltning') {
      const res = await fetch(`${t.url}${where}/logg-inn`, {
        method: 'POST',
        body: new URLSearchParams({ token: tokens[caller] }),
        redirect: 'manual',
      });
      const cookie = res.headers.get('set-cookie')?.split(';')[0];
      if (res.status !== 303 || !cookie) throw new Error(`${caller} could not sign in at ${where}: ${res.status}`);
      cookies[caller] = cookie;
      const html = await (await fetch(`${t.url}${where}`, { headers: { cookie } })).text();
      csrf[caller] = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      if (!csrf[caller]) throw new Error(`no CSRF token on ${where} for ${caller}`);
    }

    beforeAll(async () => {
      t = await startWebService({ dialect, revalidations: true });
      const a = await registerVendor(t, 'Leverandør A');
      const b = await registerVendor(t, 'Leverandør B');
      tokens.vendorA = a.token;
      tokens.vendorB = b.token;
      tokens.lab = (await api<{ token: string }>('POST', '/api/v1/tokens', ADMIN_TOKEN, { role: 'lab', name: 'Testlab' })).token;

      // Vendor A's objects: a declared run with its submissions, a passed run not yet declared, an open run with nothing in it.
      const version = await systemVersion(t, a.token, 'Hemmelig-A-Journal', '1.0');
      const system = (await api<{ id: string; name: string }[]>('GET', '/api/v1/systems', a.token))[0]!;
      const declaredRun = await run(t, a.token, version);
      const declaration = await api<{ id: string; declaration: { testCases: { id: string }[] } }>(
        'POST',
        `/api/v1/runs/${declaredRun}/declaration`,
        a.token,
        ISSUANCE,
      );
      const passedRun = await run(t, a.token, await systemVersion(t, a.token, 'Hemmelig-A-Journal', '2.0'));
      const openRun = await run(t, a.token, version, { submit: false });
      testData = (await api<{ testData: RunTestData }>('GET', `/api/v1/runs/${openRun}`, a.token)).testData;
      const runView = JSON.stringify(await api<unknown>('GET', `/api/v1/runs/${declaredRun}`, a.token));
      const sid = /"submissionId":"([A-Za-z0-9_-]+)"|"latestSubmission":\{"id":"([A-Za-z0-9_-]+)"/.exec(runView);
      const testcases = await api<{ id: string; kind: string }[]>('GET', `/api/v1/testcases?profile=${PROFILE}`, a.token);
      await api('PUT', '/api/v1/requirement-sets/sykehjem', ADMIN_TOKEN, {
        title: 'Sykehjem',
        serviceType: 'sykehjem',
        requirements: [{ profile: PROFILE, level: 'mandatory' }],
      });
      const job = await api<{ id: string }>('POST', '/api/v1/admin/revalidations', ADMIN_TOKEN, { profile: PROFILE });
      const labRun = await labRetest(t, tokens.lab, declaration.id);
      Object.assign(v, {
        vendorA: a.id,
        system: system.id,
        version,
        declaredRun,
        passedRun,
        openRun,
        declaration: declaration.id,
        declaredTestcase: declaration.declaration.testCases[0]!.id,
        sid: sid?.[1] ?? sid?.[2] ?? '',
        receive: testcases.find((tc) => tc.kind === 'receive')!.id,
        submit: testcases.find((tc) => tc.kind !== 'receive')!.id,
        job: job.id,
        labRun,
        example: readdirSync(path.join(PACKAGE_ROOT, 'profiles', PROFILE, 'examples', 'valid')).sort()[0]!,
      });
      expect(v.sid).not.toBe('');
      await signIn('vendorA', '/leverandor');
      await signIn('vendorB', '/leverandor');
      await signIn('lab', '/forvaltning');
      await signIn('admin', '/forvaltning');
    });
    afterAll(async () => {
      await t?.stop();
    });

    const nextWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const message = () => new Blob([runMessage(FORESPORSEL_TEMPLATE, testData)], { type: 'application/xml' });
    const run_ = (id: () => string) => () => `/leverandor/kjoringer/${id()}`;

    /** Every page and form, in the order they are tried; what changes what others read (revocation) comes last. */
    const cases: Case[] = [
      { route: 'GET /', path: () => '/', expect: everyone(PAGE) },
      { route: 'GET /register', path: () => '/register?q=journal&status=active', expect: everyone(PAGE) },
      { route: 'GET /erklaering/:id', path: () => `/erklaering/${v.declaration}`, expect: everyone(PAGE) },
      { route: 'GET /kravsett', path: () => '/kravsett', expect: everyone(PAGE) },
      { route: 'GET /kravsett/:id', path: () => '/kravsett/sykehjem', expect: everyone(PAGE) },
      { route: 'GET /profiler', path: () => '/profiler', expect: everyone(PAGE) },
      { route: 'GET /profiler/:id', path: () => `/profiler/${PROFILE}`, expect: everyone(PAGE) },
      {
        route: 'GET /profiler/:id/eksempler/:kind/:file',
        path: () => `/profiler/${PROFILE}/eksempler/valid/${v.example}`,
        expect: everyone(PAGE),
      },
      { route: 'GET /static/:name', path: () => '/static/samsvar.css', expect: everyone(PAGE) },
      { route: 'GET /validering', path: () => '/validering', expect: everyone(PAGE) },
      { route: 'POST /validering', path: () => '/validering', form: () => ({ melding: '<a/>' }), expect: everyone(PAGE) },
      { route: 'GET /leverandor/logg-inn', path: () => '/leverandor/logg-inn', expect: everyone(PAGE) },
      // Signed out, or signed in as staff, /leverandor is the sign-in page; a vendor gets its own home page.
      { route: 'GET /leverandor', path: () => '/leverandor', expect: everyone(PAGE) },
      {
        route: 'POST /leverandor/logg-inn',
        path: () => '/leverandor/logg-inn',
        form: (caller) => ({ token: tokens[caller] }),
        expect: {
          anonymous: { status: 401 },
          vendorA: to(/^\/leverandor$/),
          vendorB: to(/^\/leverandor$/),
          lab: { status: 403 },
          admin: { status: 403 },
        },
      },
      {
        route: 'POST /leverandor/registrer',
        path: () => '/leverandor/registrer',
        form: () => ({ orgnr: validOrgNumber(), navn: `Ny leverandør ${++counter}`, epost: 'post@example.no' }),
        expect: everyone({ status: 201 }),
      },
      {
        route: 'POST /leverandor/systemer',
        path: () => '/leverandor/systemer',
        form: () => ({ navn: `System ${++counter}` }),
        csrf: true,
        expect: anyVendor(to(/^\/leverandor$/)),
      },
      {
        route: 'POST /leverandor/systemer/:id/versjoner',
        path: () => `/leverandor/systemer/${v.system}/versjoner`,
        form: () => ({ versjon: `9.${++counter}`, herid: '8999911' }),
        csrf: true,
        expect: vendorAOwns(to(/^\/leverandor$/)),
      },
      {
        route: 'POST /leverandor/systemer/:id/versjoner/:vid/fhir-api',
        path: () => `/leverandor/systemer/${v.system}/versjoner/${v.version}/fhir-api`,
        form: () => ({ fhir: `https://fhir-${++counter}.leverandor-a.example/r4` }),
        csrf: true,
        expect: vendorAOwns(to(/^\/leverandor$/)),
      },
      {
        // The service here may reach no server (SAMSVAR_FHIR_ALLOWED_HOSTS is empty): vendor A's page says it cannot fetch the challenge.
        route: 'POST /leverandor/systemer/:id/versjoner/:vid/fhir-api/bekreft',
        path: () => `/leverandor/systemer/${v.system}/versjoner/${v.version}/fhir-api/bekreft`,
        form: () => ({}),
        csrf: true,
        expect: vendorAOwns({ status: 422 }),
      },
      {
        route: 'POST /leverandor/kjoringer',
        path: () => '/leverandor/kjoringer',
        form: () => ({ systemversjon: v.version!, profil: PROFILE }),
        csrf: true,
        expect: vendorAOwns(to(/^\/leverandor\/kjoringer\/[^/]+$/)),
      },
      { route: 'GET /leverandor/kjoringer/:id', path: run_(() => v.declaredRun!), expect: vendorAOwns(PAGE) },
      { route: 'GET /leverandor/kjoringer/:id', path: run_(() => v.openRun!), expect: vendorAOwns(PAGE) },
      {
        route: 'GET /leverandor/kjoringer/:id/testtilfeller/:tc/melding',
        path: () => `/leverandor/kjoringer/${v.openRun}/testtilfeller/${v.receive}/melding`,
        expect: vendorAOwns(PAGE),
      },
      {
        route: 'GET /leverandor/kjoringer/:id/innsendinger/:sid',
        path: () => `/leverandor/kjoringer/${v.declaredRun}/innsendinger/${v.sid}`,
        expect: vendorAOwns(PAGE),
      },
      {
        route: 'POST /leverandor/kjoringer/:id/innsendinger',
        path: () => `/leverandor/kjoringer/${v.openRun}/innsendinger`,
        form: () => ({ testtilfelle: v.submit!, fil: message() }),
        csrf: true,
        // The refusal is shown on the run's page, which vendor B cannot see.
        withoutCsrf: { vendorB: 404 },
        expect: vendorAOwns(to(/^\/leverandor\/kjoringer\/[^/]+\/innsendinger\/[^/]+$/)),
      },
      {
        route: 'POST /leverandor/kjoringer/:id/erklaering',
        path: () => `/leverandor/kjoringer/${v.passedRun}/erklaering`,
        form: () => ({ sted: ISSUANCE.placeOfIssue, signatar: ISSUANCE.signatory.name, funksjon: ISSUANCE.signatory.function }),
        csrf: true,
        // The refusal is shown on the run's page, which vendor B cannot see.
        withoutCsrf: { vendorB: 404 },
        expect: vendorAOwns(to(/^\/erklaering\/[^/]+$/)),
      },
      { route: 'GET /forvaltning', path: () => '/forvaltning', expect: everyone(PAGE) },
      {
        route: 'POST /forvaltning/logg-inn',
        path: () => '/forvaltning/logg-inn',
        form: (caller) => ({ token: tokens[caller] }),
        expect: {
          anonymous: { status: 401 },
          vendorA: { status: 403 },
          vendorB: { status: 403 },
          lab: to(/^\/forvaltning$/),
          admin: to(/^\/forvaltning$/),
        },
      },
      { route: 'GET /forvaltning/erklaeringer', path: () => '/forvaltning/erklaeringer', expect: staffOnly(PAGE, PAGE) },
      {
        route: 'POST /forvaltning/erklaeringer/:id/stikkprove',
        path: () => `/forvaltning/erklaeringer/${v.declaration}/stikkprove`,
        form: () => ({ testtilfelle: v.declaredTestcase!, frist: nextWeek() }),
        csrf: true,
        expect: adminOnly(to(/^\/forvaltning\/erklaeringer\?utfort=1$/)),
      },
      {
        route: 'POST /forvaltning/erklaeringer/:id/testkjoring',
        path: () => `/forvaltning/erklaeringer/${v.declaration}/testkjoring`,
        form: () => ({}),
        csrf: true,
        expect: labOnly(to(/^\/forvaltning\/erklaeringer\?testkjoring=/)),
      },
      {
        route: 'POST /forvaltning/erklaeringer/:id/bekreft',
        path: () => `/forvaltning/erklaeringer/${v.declaration}/bekreft`,
        form: () => ({ kjoring: v.labRun! }),
        csrf: true,
        expect: labOnly(to(/^\/forvaltning\/erklaeringer\?utfort=1$/)),
      },
      { route: 'GET /forvaltning/profiler', path: () => '/forvaltning/profiler', expect: adminOnly(PAGE) },
      { route: 'GET /forvaltning/profiler/:id', path: () => `/forvaltning/profiler/${PROFILE}`, expect: adminOnly(PAGE) },
      {
        route: 'POST /forvaltning/profiler/:id/publiser',
        path: () => `/forvaltning/profiler/${PROFILE}/publiser`,
        form: () => ({ versjon: '0.0.0-finnes-ikke', begrunnelse: 'prøver en versjon som ikke finnes' }),
        csrf: true,
        withoutCsrf: { admin: 403 },
        // The administrator is let through; the domain finds no such stored version.
        expect: adminOnly(MISSING),
      },
      { route: 'GET /forvaltning/kravsett', path: () => '/forvaltning/kravsett', expect: adminOnly(PAGE) },
      {
        route: 'POST /forvaltning/kravsett',
        path: () => '/forvaltning/kravsett',
        form: () => ({
          id: `kommune-${++counter}`,
          tittel: 'Kommune',
          tjeneste: 'hjemmetjeneste',
          profil: PROFILE,
          niva: 'mandatory',
          retning: 'send',
        }),
        csrf: true,
        expect: adminOnly(to(/^\/forvaltning\/kravsett\?rediger=kommune-\d+&utfort=1$/)),
      },
      { route: 'GET /forvaltning/leverandorer', path: () => '/forvaltning/leverandorer', expect: adminOnly(PAGE) },
      {
        route: 'POST /forvaltning/leverandorer/:id/verifiser',
        path: () => `/forvaltning/leverandorer/${v.vendorA}/verifiser`,
        form: () => ({ navn: 'Leverandør A', kontrollert: 'Enhetsregisteret, oppslag på organisasjonsnummeret i dag' }),
        csrf: true,
        expect: adminOnly(to(/^\/forvaltning\/leverandorer\?utfort=1$/)),
      },
      { route: 'GET /forvaltning/revisjon', path: () => '/forvaltning/revisjon', expect: adminOnly(PAGE) },
      { route: 'GET /forvaltning/revalidering', path: () => '/forvaltning/revalidering', expect: adminOnly(PAGE) },
      { route: 'GET /forvaltning/revalidering/:id', path: () => `/forvaltning/revalidering/${v.job}`, expect: adminOnly(PAGE) },
      {
        route: 'POST /forvaltning/revalidering',
        path: () => '/forvaltning/revalidering',
        form: () => ({ profil: PROFILE }),
        csrf: true,
        expect: adminOnly(to(/^\/forvaltning\/revalidering\/[^/]+$/)),
      },
      {
        route: 'POST /forvaltning/profiler/:id/status',
        path: () => `/forvaltning/profiler/${PROFILE}/status`,
        form: () => ({ status: 'active', begrunnelse: 'bekrefter at profilen er i bruk' }),
        csrf: true,
        expect: adminOnly(to(/^\/forvaltning\/profiler\/[^/]+\?utfort=1$/)),
      },
      {
        route: 'POST /forvaltning/erklaeringer/:id/tilbakekall',
        path: () => `/forvaltning/erklaeringer/${v.declaration}/tilbakekall`,
        form: () => ({ begrunnelse: 'feil i erklæringen' }),
        csrf: true,
        expect: adminOnly(to(/^\/forvaltning\/erklaeringer\?utfort=1$/)),
      },
      // Signing out ends the session, so last: without the CSRF token it does not (tried first, below).
      {
        route: 'POST /leverandor/logg-ut',
        path: () => '/leverandor/logg-ut',
        form: () => ({}),
        csrf: true,
        expect: everyone(to(/^\/leverandor$/)),
      },
      {
        route: 'POST /forvaltning/logg-ut',
        path: () => '/forvaltning/logg-ut',
        form: () => ({}),
        csrf: true,
        expect: everyone(to(/^\/forvaltning$/)),
      },
    ];

    async function send(c: Case, caller: Caller, opts: { csrf?: string | null; headers?: Record<string, string> } = {}) {
      const [method] = c.route.split(' ') as [string];
      const headers: Record<string, string> = { accept: 'text/html', ...opts.headers };
      if (cookies[caller]) headers.cookie = cookies[caller]!;
      let body: FormData | URLSearchParams | undefined;
      if (c.form) {
        const fields: FormBody = { ...c.form(caller) };
        const token = opts.csrf === undefined ? csrf[caller] : opts.csrf;
        if (c.csrf && token) fields._csrf = token;
        const multipart = Object.values(fields).some((x) => x instanceof Blob);
        const form = multipart ? new FormData() : new URLSearchParams();
        for (const [k, x] of Object.entries(fields))
          for (const one of Array.isArray(x) ? x : [x])
            if (one instanceof Blob) (form as FormData).append(k, one, 'melding.xml');
            else form.append(k, one);
        body = form;
      }
      return fetch(`${t.url}${c.path()}`, { method, headers, body, redirect: 'manual' });
    }

    it('covers every page and form the service serves', () => {
      const api = new Set(['/healthz', '/readyz', '/.well-known/jwks.json']); // the API router's, in test/server/access-matrix.test.ts
      const served = new Set(
        t.service.app.routes
          .filter((r) => (r.method === 'GET' || r.method === 'POST') && !r.path.startsWith('/api/') && !api.has(r.path))
          .map((r) => `${r.method} ${r.path}`),
      );
      expect([...served].filter((r) => !cases.some((c) => c.route === r))).toEqual([]);
      expect(cases.filter((c) => !served.has(c.route)).map((c) => c.route)).toEqual([]);
    });

    it('answers each caller on each page and form exactly as written, and vendor B never sees vendor A’s systems or runs', async () => {
      const wrong: string[] = [];
      const secrets = () => [v.system!, v.declaredRun!, v.passedRun!, v.openRun!, v.sid!, 'Hemmelig-A-Journal'];
      let checks = 0;
      for (const c of cases) {
        for (const caller of CALLERS) {
          const at = `${c.route} (${c.path()}) as ${caller}`;
          const want = c.expect[caller];
          const signedInForm = c.csrf && want !== VENDOR_SIGN_IN && want !== STAFF_SIGN_IN && !!cookies[caller];
          if (c.form) {
            // Another site's form never gets through, whoever is signed in.
            const foreign: Record<string, string>[] = [
              { 'sec-fetch-site': 'cross-site' },
              { 'sec-fetch-site': 'same-site' },
              { origin: 'https://angriper.example' },
              { origin: 'null' },
            ];
            for (const headers of foreign) {
              const res = await send(c, caller, { headers });
              await res.arrayBuffer();
              checks++;
              if (res.status !== 403) wrong.push(`${at} from another site (${JSON.stringify(headers)}): ${res.status}, expected 403`);
            }
          }
          if (signedInForm) {
            // Without the session's CSRF token, or with another session's, the form is refused before anything happens:
            // 403, or the 404 of a page for another role (that refusal comes first); signing out just does not happen.
            const other = csrf[caller === 'vendorA' ? 'vendorB' : 'vendorA']!;
            const signOut = c.route.endsWith('/logg-ut');
            const refused =
              c.withoutCsrf?.[caller] ?? (signOut ? want.status : want === MISSING && (caller === 'lab' || caller === 'admin') ? 404 : 403);
            for (const token of [null, other, '']) {
              const res = await send(c, caller, { csrf: token });
              await res.arrayBuffer();
              checks++;
              if (res.status !== refused) wrong.push(`${at} with CSRF token ${JSON.stringify(token)}: ${res.status}, expected ${refused}`);
              if (signOut && res.headers.get('set-cookie')) wrong.push(`${at} with CSRF token ${JSON.stringify(token)}: signed out`);
            }
          }
          const res = await send(c, caller, { headers: c.form ? { 'sec-fetch-site': 'same-origin' } : {} });
          const text = await res.text();
          checks++;
          const location = res.headers.get('location') ?? '';
          if (res.status >= 400 && !res.headers.get('content-type')?.startsWith('text/html'))
            wrong.push(`${at}: ${res.status} as ${res.headers.get('content-type')}, expected a page`);
          if (res.status !== want.status) wrong.push(`${at}: ${res.status}, expected ${want.status} ${text.slice(0, 200)}`);
          else if (want.location && !want.location.test(location)) wrong.push(`${at}: to ${location}, expected ${want.location}`);
          if (caller === 'vendorB' && c.path().startsWith('/leverandor')) {
            const seen = secrets().filter((s) => text.includes(s) || location.includes(s));
            if (seen.length) wrong.push(`${at}: vendor B was shown vendor A's ${seen.join(', ')}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(checks).toBeGreaterThan(cases.length * CALLERS.length);
    });

    it('can fail: vendor A’s own home page names its systems and runs, so their absence for vendor B means something', async () => {
      const cookie = (
        await fetch(`${t.url}/leverandor/logg-inn`, {
          method: 'POST',
          body: new URLSearchParams({ token: tokens.vendorA }),
          redirect: 'manual',
        })
      ).headers
        .get('set-cookie')!
        .split(';')[0]!;
      const html = await (await fetch(`${t.url}/leverandor`, { headers: { cookie } })).text();
      for (const s of ['Hemmelig-A-Journal', v.declaredRun!, v.openRun!]) expect(html).toContain(s);
    });
  });
}
