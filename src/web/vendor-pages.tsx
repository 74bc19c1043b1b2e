import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { checkOrgNumber } from '../identifiers/norwegian-ids.js';
import { registerVendor } from '../vendors/registration.js';
import { findTestcase } from '../runs/testcase-suite.js';
import type { AppContext } from '../server/app-context.js';
import type { DeclarationFeature } from '../server/routes/declaration-context.js';
import { pageResponse } from './html-response.js';
import { messageText } from './message-text.js';
import { errorPage, notFoundPage } from './not-found.js';
import type { PageModule } from '../server/page-module.js';
import { type FhirApiProblem, RegisteredPage, RunPage, SubmissionPage, VendorHomePage, VendorSignInPage } from './pages/vendor.js';
import { problemNb } from './problem-nb.js';
import { SessionStore } from './session-store.js';
import { csrfMatches, WebSessions, type SignedIn } from './web-session.js';
import { field, formAction, readForm, seeOther } from './form-action.js';
import type { Testcase } from '../testcases/testcase.js';

/** A safe place to go after signing in: a path on this site under /leverandor, nothing else. */
function nextPath(raw: string): string {
  return /^\/leverandor(\/[A-Za-z0-9/_.-]*)?$/.test(raw) ? raw : '/leverandor';
}

/**
 * The vendor's pages: sign in with the API token (exchanged for a session cookie), systems and
 * versions, runs with each profile's progress, submissions with findings marked on the message, the
 * generated messages of receive test cases, and issuing a declaration. Every form carries the
 * session's CSRF token; every read and action goes through the same domain services as the API.
 */
export function vendorPages(feature: DeclarationFeature): PageModule {
  return (app: Hono, ctx: AppContext) => {
    const sessions = new WebSessions(new SessionStore(ctx.database.db), ctx.authenticator);
    const profileTitle = (id: string) => ctx.catalog.get(id)?.manifest.title ?? id;
    const profileFormat = (id: string) => ctx.catalog.get(id)?.manifest.kind ?? 'xml';
    const vendorName = async (p: Principal) =>
      p.role === 'vendor' ? ((await ctx.repo.vendors.getVendor(p.vendorId))?.name ?? 'leverandør') : p.name;

    /** The signed-in vendor, or a redirect to sign in (an administrator's session is not a vendor's). */
    async function vendorOf(c: Context): Promise<SignedIn | Response> {
      const s = await sessions.current(c);
      if (!s || s.principal.role !== 'vendor') return seeOther(`/leverandor/logg-inn?neste=${encodeURIComponent(c.req.path)}`);
      return s;
    }

    async function home(s: SignedIn, problem?: string, status = 200, fhirProblem?: FhirApiProblem): Promise<Response> {
      const [systems, runs] = await Promise.all([ctx.runs.listSystems(s.principal), ctx.runs.listRuns(s.principal)]);
      const views = await Promise.all(runs.map((r) => ctx.runs.getRun(s.principal, r.id)));
      const withApi = systems.flatMap((sys) => sys.versions.filter((v) => v.fhirBaseUrl).map((v) => ({ sys, v })));
      const fhirServers = Object.fromEntries(
        await Promise.all(withApi.map(async ({ sys, v }) => [v.id, await ctx.runs.fhirServerStatus(s.principal, sys.id, v.id)] as const)),
      );
      const active = ctx.catalog.list().filter((p) => (p.manifest.status ?? 'active') === 'active');
      return pageResponse(
        <VendorHomePage
          name={await vendorName(s.principal)}
          csrf={s.csrf}
          systems={systems}
          fhirServers={fhirServers}
          runs={views.sort((a, b) => b.createdAt.localeCompare(a.createdAt))}
          profiles={active.map((p) => ({ id: p.manifest.id, title: p.manifest.title }))}
          problem={problem}
          fhirProblem={fhirProblem}
        />,
        { status },
      );
    }

    async function runPage(s: SignedIn, runId: string, problem?: string, status = 200): Promise<Response> {
      const run = await ctx.runs.getRun(s.principal, runId);
      const testcases = new Map<string, Testcase>();
      for (const p of run.profiles)
        for (const t of p.testcases) {
          const tc = findTestcase(ctx.testcases, t.id);
          if (tc) testcases.set(tc.id, tc);
        }
      return pageResponse(
        <RunPage
          name={await vendorName(s.principal)}
          csrf={s.csrf}
          run={run}
          testcases={testcases}
          profileTitle={profileTitle}
          profileFormat={profileFormat}
          problem={problem}
        />,
        { status },
      );
    }

    const action = (handle: Parameters<typeof formAction>[1], onProblem: Parameters<typeof formAction>[2]) =>
      formAction(vendorOf, handle, onProblem);
    const backHome = (_c: Context, s: SignedIn, problem: string, status: number) => home(s, problem, status);
    const backToRun = (c: Context, s: SignedIn, problem: string, status: number) => runPage(s, c.req.param('id')!, problem, status);

    app.get('/leverandor/logg-inn', (c) => pageResponse(<VendorSignInPage next={nextPath(c.req.query('neste') ?? '')} />));

    app.get('/leverandor', async (c) => {
      const s = await sessions.current(c);
      if (!s || s.principal.role !== 'vendor') return pageResponse(<VendorSignInPage />);
      return home(s);
    });

    // A form bigger than a sign-in or registration can be is refused with the page, not left to the framework's plain text.
    const small = bodyLimit({
      maxSize: 16 * 1024,
      onError: () => pageResponse(<VendorSignInPage problem="Skjemaet er for stort." />, { status: 413 }),
    });

    app.post('/leverandor/logg-inn', small, async (c) => {
      const form = await readForm(c);
      if (!form) return pageResponse(<VendorSignInPage problem="Skjemaet kunne ikke leses. Prøv igjen." />, { status: 400 });
      const token = field(form, 'token', 200);
      const next = nextPath(field(form, 'neste', 300));
      let signedIn: Awaited<ReturnType<WebSessions['signIn']>>;
      try {
        // Only a vendor's token starts a vendor session; administrators and laboratories sign in under Forvaltning.
        const principal = await ctx.authenticator.fromToken(token);
        if (principal.role !== 'vendor') {
          return pageResponse(
            <VendorSignInPage problem="Dette er ikke en leverandørnøkkel. Forvaltningen og testlaboratorier logger inn under Forvaltning." />,
            { status: 403 },
          );
        }
        signedIn = await sessions.signIn(c, token);
      } catch (e) {
        if (!(e instanceof SamsvarError)) throw e;
        return pageResponse(<VendorSignInPage problem="API-nøkkelen er ukjent eller trukket tilbake." next={next} />, { status: 401 });
      }
      return new Response(null, { status: 303, headers: { location: next, 'set-cookie': signedIn.setCookie } });
    });

    app.post('/leverandor/logg-ut', async (c) => {
      const s = await sessions.current(c);
      const form = await readForm(c);
      const headers: Record<string, string> = { location: '/leverandor' };
      if (s && form && csrfMatches(s, form._csrf)) headers['set-cookie'] = await sessions.signOut(c);
      return new Response(null, { status: 303, headers });
    });

    app.post('/leverandor/registrer', small, async (c) => {
      const form = await readForm(c);
      if (!form) return pageResponse(<VendorSignInPage problem="Skjemaet kunne ikke leses. Prøv igjen." />, { status: 400 });
      const orgNumber = field(form, 'orgnr', 30).replace(/\s+/g, '');
      const name = field(form, 'navn', 200);
      const email = field(form, 'epost', 200);
      const check = checkOrgNumber(orgNumber);
      if (!check.ok)
        return pageResponse(
          <VendorSignInPage problem="Organisasjonsnummeret er ikke gyldig: det skal være ni sifre med riktig kontrollsiffer." />,
          { status: 422 },
        );
      if (name.length < 2 || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
        return pageResponse(<VendorSignInPage problem="Fyll inn virksomhetens navn og en gyldig e-postadresse." />, { status: 422 });
      try {
        const { vendor, token } = await registerVendor(ctx.repo, { orgNumber, name, email });
        const { setCookie } = await sessions.signIn(c, token);
        return pageResponse(<RegisteredPage name={vendor.name} token={token} />, { status: 201, headers: { 'set-cookie': setCookie } });
      } catch (e) {
        return pageResponse(<VendorSignInPage problem={problemNb(e)} />, {
          status: e instanceof SamsvarError && e.code === 'conflict' ? 409 : 422,
        });
      }
    });

    app.post(
      '/leverandor/systemer',
      action(async (_c, s, form) => {
        await ctx.runs.createSystem(s.principal, { name: field(form, 'navn', 200) });
        return seeOther('/leverandor');
      }, backHome),
    );

    app.post(
      '/leverandor/systemer/:id/versjoner',
      action(async (c, s, form) => {
        await ctx.runs.createVersion(s.principal, c.req.param('id')!, {
          version: field(form, 'versjon', 100),
          herId: field(form, 'herid', 20) || undefined,
          fhirBaseUrl: field(form, 'fhir', 2000) || undefined,
        });
        return seeOther('/leverandor');
      }, backHome),
    );

    app.post(
      '/leverandor/systemer/:id/versjoner/:vid/fhir-api',
      action(async (c, s, form) => {
        const versionId = c.req.param('vid')!;
        const value = field(form, 'fhir', 2000);
        try {
          await ctx.runs.setFhirBaseUrl(s.principal, c.req.param('id')!, versionId, value);
        } catch (e) {
          // A refused address is shown next to the version's field, with what was given, so it can be corrected there.
          if (!(e instanceof SamsvarError) || e.extra?.field !== 'fhirBaseUrl') throw e;
          const text = problemNb(e);
          return home(s, text, e.code === 'conflict' ? 409 : 422, { versionId, value, text });
        }
        return seeOther('/leverandor');
      }, backHome),
    );

    app.post(
      '/leverandor/systemer/:id/versjoner/:vid/fhir-api/bekreft',
      action(async (c, s) => {
        const systemId = c.req.param('id')!;
        const versionId = c.req.param('vid')!;
        try {
          await ctx.runs.verifyFhirServer(s.principal, systemId, versionId);
        } catch (e) {
          // What the server answered is shown next to the version's FHIR API, where the challenge is.
          if (!(e instanceof SamsvarError) || e.extra?.field !== 'fhirBaseUrl') throw e;
          const text = problemNb(e);
          const value = (await ctx.runs.fhirServerStatus(s.principal, systemId, versionId)).fhirBaseUrl;
          return home(s, text, 422, { versionId, value, text });
        }
        return seeOther('/leverandor');
      }, backHome),
    );

    app.post(
      '/leverandor/kjoringer',
      action(async (_c, s, form) => {
        const chosen = form.profil;
        const profiles = (Array.isArray(chosen) ? chosen : chosen ? [chosen] : []).filter((p): p is string => typeof p === 'string');
        if (profiles.length === 0) return home(s, 'Velg minst én meldingsprofil som skal testes.', 422);
        const run = await ctx.runs.openRun(s.principal, { systemVersionId: field(form, 'systemversjon', 100), profiles });
        return seeOther(`/leverandor/kjoringer/${encodeURIComponent(run.id)}`);
      }, backHome),
    );

    app.get('/leverandor/kjoringer/:id', async (c) => {
      const s = await vendorOf(c);
      if (s instanceof Response) return s;
      try {
        return await runPage(s, c.req.param('id'));
      } catch (e) {
        if (e instanceof SamsvarError && e.code === 'not_found') return notFoundPage('Fant ikke testkjøringen.');
        throw e;
      }
    });

    app.get('/leverandor/kjoringer/:id/testtilfeller/:tc/melding', async (c) => {
      const s = await vendorOf(c);
      if (s instanceof Response) return s;
      try {
        const msg = await ctx.runs.generatedMessage(s.principal, c.req.param('id'), c.req.param('tc'));
        return new Response(msg.xml, {
          headers: {
            'content-type': 'application/xml; charset=utf-8',
            'content-disposition': `attachment; filename="${c.req.param('tc')}.xml"`,
          },
        });
      } catch (e) {
        if (e instanceof SamsvarError) return notFoundPage('Fant ikke meldingen for dette testtilfellet.');
        throw e;
      }
    });

    app.post(
      '/leverandor/kjoringer/:id/innsendinger',
      bodyLimit({
        maxSize: ctx.config.maxBodyBytes + 64 * 1024,
        // Refused before anyone is signed in, so not on the run's page (it may be someone else's run).
        onError: () => errorPage(new SamsvarError('payload_too_large', 'the upload is larger than the service accepts'), 413),
      }),
      action(async (c, s, form) => {
        const runId = c.req.param('id')!;
        const file = form.fil instanceof File ? form.fil : undefined;
        if (!file || file.size === 0) return runPage(s, runId, 'Velg filen som skal lastes opp.', 422);
        const tc = findTestcase(ctx.testcases, field(form, 'testtilfelle', 200));
        if (!tc) return runPage(s, runId, 'Ukjent testtilfelle.', 422);
        const bytes = new Uint8Array(await file.arrayBuffer());
        const fhir = tc.kind !== 'receive' && ctx.catalog.get(tc.profile)?.manifest.kind === 'fhir';
        try {
          const sub = await ctx.runs.submit(
            s.principal,
            runId,
            tc.id,
            bytes,
            fhir ? 'application/fhir+json' : 'application/xml',
            fhir ? 'fhir' : 'xml',
          );
          return seeOther(`/leverandor/kjoringer/${encodeURIComponent(runId)}/innsendinger/${encodeURIComponent(sub.id)}`);
        } catch (e) {
          // Unreadable input is refused and not stored; say why, in bokmål, from its syntax findings.
          const findings = e instanceof SamsvarError ? (e.extra?.findings as Array<{ ruleId: string }> | undefined) : undefined;
          if (findings?.length)
            return runPage(
              s,
              runId,
              `Filen kunne ikke leses (${findings.map((f) => f.ruleId).join(', ')}), så den er ikke lagret. Valider den på siden «Valider en melding» for detaljer.`,
              422,
            );
          throw e;
        }
      }, backToRun),
    );

    app.get('/leverandor/kjoringer/:id/innsendinger/:sid', async (c) => {
      const s = await vendorOf(c);
      if (s instanceof Response) return s;
      try {
        const run = await ctx.runs.getRun(s.principal, c.req.param('id'));
        const sub = await ctx.runs.getSubmission(s.principal, run.id, c.req.param('sid'));
        return pageResponse(
          <SubmissionPage
            name={await vendorName(s.principal)}
            run={run}
            submission={sub}
            testcase={findTestcase(ctx.testcases, sub.testcaseId)}
            text={messageText(sub.artifact)}
          />,
        );
      } catch (e) {
        if (e instanceof SamsvarError && e.code === 'not_found') return notFoundPage('Fant ikke innsendingen.');
        throw e;
      }
    });

    app.post(
      '/leverandor/kjoringer/:id/erklaering',
      action(async (c, s, form) => {
        const stored = await feature.service(ctx).issue(s.principal, c.req.param('id')!, feature.baseUrl(c), {
          placeOfIssue: field(form, 'sted', 200),
          signatory: { name: field(form, 'signatar', 300), function: field(form, 'funksjon', 300) },
        });
        return seeOther(`/erklaering/${encodeURIComponent(stored.id)}`);
      }, backToRun),
    );
  };
}
