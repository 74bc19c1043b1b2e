import type { Context, Hono } from 'hono';
import { actorOf } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { AppContext } from '../server/app-context.js';
import type { PageModule } from '../server/page-module.js';
import type { RevalidationFeature } from '../server/routes/revalidation-context.js';
import { field, formAction, seeOther } from './form-action.js';
import { pageResponse } from './html-response.js';
import { notFoundPage } from './not-found.js';
import type { AdminRole } from './pages/admin.js';
import { AdminRevalidationPage, AdminRevalidationsPage } from './pages/revalidations.js';
import { SessionStore } from './session-store.js';
import { WebSessions, type SignedIn } from './web-session.js';

/** /forvaltning/revalidering: start a re-validation and follow its progress (administrators). */
export function revalidationPages(feature: RevalidationFeature): PageModule {
  return (app: Hono, ctx: AppContext) => {
    const sessions = new WebSessions(new SessionStore(ctx.database.db), ctx.authenticator);
    async function adminOnly(c: Context): Promise<SignedIn | Response> {
      const s = await sessions.current(c);
      if (!s || s.principal.role === 'vendor') return seeOther('/forvaltning');
      if (s.principal.role !== 'admin') return notFoundPage('Siden er bare for forvaltningen.');
      return s;
    }
    const props = (s: SignedIn, problem?: string) => {
      const p = s.principal as { role: AdminRole; name: string };
      return { who: p.name, role: p.role, csrf: s.csrf, problem };
    };
    const listPage = async (s: SignedIn, problem?: string, status = 200) =>
      pageResponse(
        <AdminRevalidationsPage {...props(s, problem)} jobs={await feature.service(ctx).list()} profiles={ctx.catalog.list()} />,
        { status },
      );

    app.get('/forvaltning/revalidering', async (c) => {
      const s = await adminOnly(c);
      return s instanceof Response ? s : listPage(s);
    });

    app.get('/forvaltning/revalidering/:id', async (c) => {
      const s = await adminOnly(c);
      if (s instanceof Response) return s;
      try {
        return pageResponse(<AdminRevalidationPage {...props(s)} job={await feature.service(ctx).view(c.req.param('id'))} />);
      } catch (e) {
        if (e instanceof SamsvarError && e.code === 'not_found') return notFoundPage('Fant ikke revalideringen.');
        throw e;
      }
    });

    app.post(
      '/forvaltning/revalidering',
      formAction(
        adminOnly,
        async (_c, s, form) => {
          const runner = feature.runner(ctx);
          const job = await feature.service(ctx).create(field(form, 'profil', 100), undefined, actorOf(s.principal));
          await runner.enqueue(job.id);
          return seeOther(`/forvaltning/revalidering/${encodeURIComponent(job.id)}`);
        },
        async (_c, s, problem, status) => listPage(s, problem, status),
      ),
    );
  };
}
