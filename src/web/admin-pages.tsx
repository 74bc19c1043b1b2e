import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { actorOf } from '../auth/principal.js';
import { osloEndOfDay } from '../core/oslo-day.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { effectiveStatus } from '../runs/profile-lifecycle.js';
import type { AppContext } from '../server/app-context.js';
import type { DeclarationFeature } from '../server/routes/declaration-context.js';
import { changeProfileStatus, profileAdminOf, profileChanged } from '../server/routes/profile-admin-context.js';
import { field, fields, formAction, readForm, seeOther } from './form-action.js';
import { pageResponse } from './html-response.js';
import { notFoundPage } from './not-found.js';
import { problemNb } from './problem-nb.js';
import type { PageModule } from '../server/page-module.js';
import { profileVersionImpact } from '../registry/profile-impact.js';
import {
  AdminAuditPage,
  AdminDeclarationsPage,
  AdminHomePage,
  AdminProfilePage,
  AdminProfilesPage,
  AdminRequirementSetsPage,
  AdminSignInPage,
  AdminVendorsPage,
  type AdminRole,
  type FieldProblem,
  type ProfileImpact,
} from './pages/admin.js';
import { SessionStore } from './session-store.js';
import { VendorVerificationStore } from '../storage/vendor-verifications.js';
import { vendorsWithIdentity, verifyVendor } from '../vendors/verification.js';
import { csrfMatches, WebSessions, type SignedIn } from './web-session.js';

const AUDIT_PAGE = 100;
/** Declarations per page of /forvaltning/erklaeringer. */
const DECLARATION_PAGE = 50;
/** Active declarations listed on a profile's page (all are counted). */
const IMPACT_SHOWN = 200;

/**
 * Pages for NHN's administrators and for test laboratories, under /forvaltning: declarations
 * (spot checks and revocation for administrators, countersignature for laboratories), profiles with
 * the impact of a status change shown before it is made, kravsett, vendors and the audit trail.
 */
export function adminPages(feature: DeclarationFeature): PageModule {
  return (app: Hono, ctx: AppContext) => {
    const svc = () => feature.service(ctx);
    const sessions = new WebSessions(new SessionStore(ctx.database.db), ctx.authenticator);
    const done = (c: Context) => (c.req.query('utfort') ? 'Endringen er lagret.' : undefined);

    async function staffOf(c: Context, only?: AdminRole): Promise<SignedIn | Response> {
      const s = await sessions.current(c);
      if (!s || s.principal.role === 'vendor') return seeOther('/forvaltning');
      if (only && s.principal.role !== only) return notFoundPage('Siden er bare for forvaltningen.');
      return s;
    }
    const adminOnly = (c: Context) => staffOf(c, 'admin');
    const staff = (c: Context) => staffOf(c);
    const props = (s: SignedIn, problem?: string, doneText?: string) => {
      const p = s.principal as { role: AdminRole; name: string };
      return { who: p.name, role: p.role, csrf: s.csrf, problem, done: doneText };
    };

    /** The profiles list: each profile's active declarations that list it (the newest one, and how many). */
    async function listedIn(profileId: string): Promise<ProfileImpact | undefined> {
      const profile = ctx.catalog.get(profileId);
      if (!profile) return undefined;
      const overrides = await ctx.repo.profiles.profileStatuses();
      const { total, entries } = await svc().registryPage(1, 0, { profile: profileId, status: 'active' });
      return {
        profile,
        status: effectiveStatus(profile, overrides),
        declarations: entries,
        declarationTotal: total,
        runs: [],
        versions: [],
      };
    }

    /**
     * What retiring a profile would expire: its active declarations, also those resting on it through a
     * profile that uses it (the newest `shown` of them, and how many), and its undeclared runs.
     */
    async function impactOf(profileId: string, shown = IMPACT_SHOWN): Promise<ProfileImpact | undefined> {
      const profile = ctx.catalog.get(profileId);
      if (!profile) return undefined;
      const overrides = await ctx.repo.profiles.profileStatuses();
      const admin = profileAdminOf(ctx);
      const {
        declarations: entries,
        declarationTotal: total,
        runs,
      } = await profileVersionImpact(
        ctx.catalog,
        {
          registryPage: (...a) => svc().registryPage(...a),
          declaredRuns: (ids) => svc().declaredRuns(ids),
          runsUsing: (...a) => admin.runsUsing(...a),
        },
        profileId,
        profile.manifest.version,
        shown,
      );
      const versions = (await ctx.repo.profiles.profileVersions(profileId)).map((v) => ({
        version: v.version,
        status: v.status,
        importedAt: v.importedAt,
        replacement: v.replacement,
        retestDeadline: v.retestDeadline,
        served: v.version === profile.manifest.version && v.sha256 === profile.sha256,
      }));
      return { profile, status: effectiveStatus(profile, overrides), declarations: entries, declarationTotal: total, runs, versions };
    }

    const declarationsPage = async (
      s: SignedIn,
      problem?: string,
      doneText?: string,
      status = 200,
      offset = 0,
      fieldProblem?: FieldProblem,
    ) => {
      // One page of the registry, newest first, paged in the database.
      const page = await svc().registryPage(DECLARATION_PAGE, offset);
      return pageResponse(
        <AdminDeclarationsPage
          {...props(s, problem, doneText)}
          entries={page.entries}
          paging={{ total: page.total, offset, pageSize: DECLARATION_PAGE }}
          testcaseTitle={(id) => ctx.testcases.list().find((t) => t.id === id)?.title ?? id}
          fieldProblem={fieldProblem}
        />,
        { status },
      );
    };
    const requirementSetsPage = async (s: SignedIn, editing?: string, problem?: string, doneText?: string, status = 200) => {
      const sets = await feature.requirementSets(ctx).list();
      const profiles = ctx.catalog.list().filter((p) => (p.manifest.status ?? 'active') !== 'draft');
      return pageResponse(
        <AdminRequirementSetsPage
          {...props(s, problem, doneText)}
          sets={sets}
          profiles={profiles}
          editing={sets.find((x) => x.id === editing)}
        />,
        { status },
      );
    };

    app.get('/forvaltning', async (c) => {
      const s = await sessions.current(c);
      if (!s || s.principal.role === 'vendor') return pageResponse(<AdminSignInPage />);
      const counts = await svc().counts();
      return pageResponse(
        <AdminHomePage
          {...props(s)}
          counts={{
            declarations: counts.declarations,
            active: counts.active,
            profiles: ctx.catalog.list().length,
            vendors: (await ctx.repo.vendors.listVendors()).length,
          }}
        />,
      );
    });

    const tooLarge = () => pageResponse(<AdminSignInPage problem="Skjemaet er for stort." />, { status: 413 });
    app.post('/forvaltning/logg-inn', bodyLimit({ maxSize: 16 * 1024, onError: tooLarge }), async (c) => {
      const form = await readForm(c);
      if (!form) return pageResponse(<AdminSignInPage problem="Skjemaet kunne ikke leses. Prøv igjen." />, { status: 400 });
      const token = field(form, 'token', 200);
      try {
        const principal = await ctx.authenticator.fromToken(token);
        if (principal.role === 'vendor')
          return pageResponse(
            <AdminSignInPage problem="Dette er en leverandørnøkkel. Leverandører logger inn under «For leverandører»." />,
            { status: 403 },
          );
        const { setCookie } = await sessions.signIn(c, token);
        return new Response(null, { status: 303, headers: { location: '/forvaltning', 'set-cookie': setCookie } });
      } catch (e) {
        if (!(e instanceof SamsvarError)) throw e;
        return pageResponse(<AdminSignInPage problem="Nøkkelen er ukjent eller trukket tilbake." />, { status: 401 });
      }
    });

    app.post('/forvaltning/logg-ut', async (c) => {
      const s = await sessions.current(c);
      const form = await readForm(c);
      const headers: Record<string, string> = { location: '/forvaltning' };
      if (s && form && csrfMatches(s, form._csrf)) headers['set-cookie'] = await sessions.signOut(c);
      return new Response(null, { status: 303, headers });
    });

    app.get('/forvaltning/erklaeringer', async (c) => {
      const s = await staff(c);
      if (s instanceof Response) return s;
      const retest = c.req.query('testkjoring');
      const offset = Math.max(0, Math.min(Number.parseInt(c.req.query('fra') ?? '0', 10) || 0, 1_000_000));
      return declarationsPage(
        s,
        undefined,
        retest
          ? `Testkjøring ${retest} er startet. Send inn laboratoriets egne meldinger til den (samsvar submit --run ${retest} med laboratoriets nøkkel), og bekreft deretter med kjøringens id.`
          : done(c),
        200,
        offset,
      );
    });
    const backToDeclarations = (_c: Context, s: SignedIn, problem: string, status: number) =>
      declarationsPage(s, problem, undefined, status);
    /** A refusal of one field of a declaration's form (`domainField` in the domain's words): the form again, the reason next to that field. */
    const refusedField =
      (s: SignedIn, declarationId: string, domainField: string, field: FieldProblem['field'], value: string) => (e: unknown) => {
        if (!(e instanceof SamsvarError) || e.extra?.field !== domainField) throw e;
        const text = problemNb(e);
        return declarationsPage(s, text, undefined, 422, 0, { declarationId, field, value, text });
      };

    app.post(
      '/forvaltning/erklaeringer/:id/tilbakekall',
      formAction(
        adminOnly,
        async (c, s, form) => {
          const reason = field(form, 'begrunnelse', 2000);
          if (reason.length < 3) return declarationsPage(s, 'Skriv en begrunnelse for tilbakekallingen.', undefined, 422);
          await svc().revoke(s.principal, c.req.param('id')!, reason);
          return seeOther('/forvaltning/erklaeringer?utfort=1');
        },
        backToDeclarations,
      ),
    );

    app.post(
      '/forvaltning/erklaeringer/:id/stikkprove',
      formAction(
        adminOnly,
        async (c, s, form) => {
          const testCases = fields(form, 'testtilfelle').filter(Boolean);
          const date = field(form, 'frist', 20);
          if (testCases.length === 0 || !/^\d{4}-\d{2}-\d{2}$/.test(date))
            return declarationsPage(s, 'Velg minst ett testtilfelle og en frist.', undefined, 422);
          // The deadline is the end of the chosen day in Norway.
          const id = c.req.param('id')!;
          return svc()
            .requestSpotCheck(s.principal, id, { testCases, deadline: osloEndOfDay(date) })
            .then(() => seeOther('/forvaltning/erklaeringer?utfort=1'), refusedField(s, id, 'deadline', 'frist', date));
        },
        backToDeclarations,
      ),
    );

    app.post(
      '/forvaltning/erklaeringer/:id/testkjoring',
      formAction(
        (c) => staffOf(c, 'lab'),
        async (c, s) => {
          const run = await svc().openLabRetest(s.principal, c.req.param('id')!);
          return seeOther(`/forvaltning/erklaeringer?testkjoring=${encodeURIComponent(run.id)}`);
        },
        backToDeclarations,
      ),
    );

    app.post(
      '/forvaltning/erklaeringer/:id/bekreft',
      formAction(
        (c) => staffOf(c, 'lab'),
        async (c, s, form) => {
          const runId = field(form, 'kjoring', 100);
          const testCases = fields(form, 'testtilfelle').filter(Boolean);
          if (!runId) return declarationsPage(s, 'Oppgi laboratoriets testkjøring.', undefined, 422);
          const id = c.req.param('id')!;
          return svc()
            .countersign(s.principal, id, { runId, ...(testCases.length > 0 ? { testCases } : {}) })
            .then(() => seeOther('/forvaltning/erklaeringer?utfort=1'), refusedField(s, id, 'runId', 'kjoring', runId));
        },
        backToDeclarations,
      ),
    );

    app.get('/forvaltning/profiler', async (c) => {
      const s = await adminOnly(c);
      if (s instanceof Response) return s;
      const impacts = (await Promise.all(ctx.catalog.list().map((p) => listedIn(p.manifest.id)))).filter((x): x is ProfileImpact => !!x);
      return pageResponse(<AdminProfilesPage {...props(s, undefined, done(c))} profiles={impacts} />);
    });

    app.get('/forvaltning/profiler/:id', async (c) => {
      const s = await adminOnly(c);
      if (s instanceof Response) return s;
      const impact = await impactOf(c.req.param('id'));
      return impact
        ? pageResponse(<AdminProfilePage {...props(s, undefined, done(c))} impact={impact} />)
        : notFoundPage('Fant ikke profilen.');
    });

    /** A refused change is shown on the profile's page; a profile that does not exist has none. */
    const profileProblem = async (c: Context, s: SignedIn, problem: string, status: number) => {
      const impact = await impactOf(c.req.param('id')!);
      return impact
        ? pageResponse(<AdminProfilePage {...props(s, problem)} impact={impact} />, { status })
        : notFoundPage('Fant ikke profilen.');
    };

    app.post(
      '/forvaltning/profiler/:id/status',
      formAction(
        adminOnly,
        async (c, s, form) => {
          const id = c.req.param('id')!;
          const status = field(form, 'status', 20);
          const reason = field(form, 'begrunnelse', 2000);
          if (!ctx.catalog.get(id)) throw new SamsvarError('not_found', `profile '${id}' not found`);
          if (status !== 'draft' && status !== 'active' && status !== 'deprecated' && status !== 'retired')
            throw new SamsvarError('unprocessable', 'status must be draft, active, deprecated or retired', { field: 'status' });
          if (reason.length < 3) {
            const impact = (await impactOf(id))!;
            return pageResponse(<AdminProfilePage {...props(s, 'Skriv en begrunnelse for endringen.')} impact={impact} />, { status: 422 });
          }
          await changeProfileStatus(ctx, id, status, reason, actorOf(s.principal));
          return seeOther(`/forvaltning/profiler/${encodeURIComponent(id)}?utfort=1`);
        },
        profileProblem,
      ),
    );

    app.post(
      '/forvaltning/profiler/:id/publiser',
      formAction(
        adminOnly,
        async (c, s, form) => {
          const id = c.req.param('id')!;
          const version = field(form, 'versjon', 64);
          const deadline = field(form, 'frist', 10);
          const reason = field(form, 'begrunnelse', 2000);
          if (deadline && !/^\d{4}-\d{2}-\d{2}$/.test(deadline))
            throw new SamsvarError('unprocessable', 'Fristen må være en dato.', { field: 'frist' });
          await profileAdminOf(ctx).setStatus(
            id,
            version,
            { status: 'active', ...(reason ? { reason } : {}), ...(deadline ? { retestDeadline: osloEndOfDay(deadline) } : {}) },
            actorOf(s.principal),
          );
          await profileChanged(ctx);
          return seeOther(`/forvaltning/profiler/${encodeURIComponent(id)}?utfort=1`);
        },
        profileProblem,
      ),
    );

    app.get('/forvaltning/kravsett', async (c) => {
      const s = await adminOnly(c);
      return s instanceof Response ? s : requirementSetsPage(s, c.req.query('rediger'), undefined, done(c));
    });

    app.post(
      '/forvaltning/kravsett',
      formAction(
        adminOnly,
        async (_c, s, form) => {
          const profiles = fields(form, 'profil');
          const levels = fields(form, 'niva');
          const directions = fields(form, 'retning');
          const requirements = profiles
            .map((profile, i) => ({ profile, level: levels[i], direction: directions[i] }))
            .filter((r) => r.level === 'mandatory' || r.level === 'recommended')
            .map((r) => ({
              profile: r.profile,
              level: r.level,
              ...(r.direction === 'send' || r.direction === 'receive' ? { direction: r.direction } : {}),
            }));
          const id = field(form, 'id', 61);
          const basis = field(form, 'grunnlag', 1000);
          if (!/^[a-z0-9][a-z0-9-]{1,60}$/.test(id))
            return requirementSetsPage(s, undefined, 'ID-en kan bare ha små bokstaver, tall og bindestrek (2–61 tegn).', undefined, 422);
          if (requirements.length === 0)
            return requirementSetsPage(s, undefined, 'Velg minst én profil som påkrevd eller anbefalt.', undefined, 422);
          await feature.requirementSets(ctx).put(s.principal, id, {
            title: field(form, 'tittel', 200),
            serviceType: field(form, 'tjeneste', 60),
            ...(basis ? { basis } : {}),
            requirements,
          });
          return seeOther(`/forvaltning/kravsett?rediger=${encodeURIComponent(id)}&utfort=1`);
        },
        (_c, s, problem, status) => requirementSetsPage(s, undefined, problem, undefined, status),
      ),
    );

    const verifications = () => new VendorVerificationStore(ctx.database.db);
    const vendorsPage = async (s: SignedIn, problem?: string, doneText?: string, status = 200) =>
      pageResponse(<AdminVendorsPage {...props(s, problem, doneText)} vendors={await vendorsWithIdentity(ctx.repo, verifications())} />, {
        status,
      });

    app.get('/forvaltning/leverandorer', async (c) => {
      const s = await adminOnly(c);
      return s instanceof Response ? s : vendorsPage(s, undefined, done(c));
    });

    app.post(
      '/forvaltning/leverandorer/:id/verifiser',
      formAction(
        adminOnly,
        async (c, s, form) => {
          const registeredName = field(form, 'navn', 200);
          const checked = field(form, 'kontrollert', 2000);
          if (!registeredName || checked.length < 10)
            return vendorsPage(s, 'Skriv navnet i Enhetsregisteret og hva du kontrollerte.', undefined, 422);
          await verifyVendor(ctx.repo, verifications(), s.principal, c.req.param('id')!, { registeredName, checked });
          return seeOther('/forvaltning/leverandorer?utfort=1');
        },
        (_c, s, problem, status) => vendorsPage(s, problem, undefined, status),
      ),
    );

    app.get('/forvaltning/revisjon', async (c) => {
      const s = await adminOnly(c);
      if (s instanceof Response) return s;
      const after = Math.max(0, Number.parseInt(c.req.query('etter') ?? '0', 10) || 0);
      const entries = await ctx.repo.audit.readAudit({ after, limit: AUDIT_PAGE });
      const more = entries.length === AUDIT_PAGE ? `/forvaltning/revisjon?etter=${entries.at(-1)!.seq}` : undefined;
      return pageResponse(<AdminAuditPage {...props(s)} entries={entries} older={more} />);
    });
  };
}
