import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getConnInfo } from '@hono/node-server/conninfo';
import { SamsvarError } from '../core/samsvar-error.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import type { AppContext } from '../server/app-context.js';
import { RateLimiter } from '../server/rate-limit.js';
import type { DeclarationFeature } from '../server/routes/declaration-context.js';
import { testcasesOf } from '../runs/testcase-suite.js';
import { registerAssets } from './assets.js';
import { pageResponse } from './html-response.js';
import { messageText } from './message-text.js';
import { notFoundPage } from './not-found.js';
import type { PageModule } from '../server/page-module.js';
import { DeclarationPage } from './pages/declaration.js';
import { FrontPage } from './pages/front.js';
import { ProfileListPage, ProfilePage } from './pages/profiles.js';
import { catalogueByStandard } from '../profiles/standards.js';
import { effectiveStatus } from '../runs/profile-lifecycle.js';
import { RegistryPage, type RegistryFilter } from './pages/registry.js';
import { MATRIX_PAGE_SIZE, RequirementSetListPage, RequirementSetPage } from './pages/requirement-sets.js';
import { ExamplePage } from './pages/example.js';
import { ValidatorPage } from './pages/validator.js';
import { standardName } from './standards.js';
import { countNb } from './text-nb.js';

const PAGE_SIZE = 50;

function one(c: Context, name: string): string | undefined {
  const v = c.req.query(name)?.trim();
  return v ? v.slice(0, 200) : undefined;
}

function filterOf(c: Context): RegistryFilter {
  const status = one(c, 'status');
  const niva = one(c, 'niva');
  return {
    q: one(c, 'q'),
    leverandor: one(c, 'leverandor'),
    system: one(c, 'system'),
    profil: one(c, 'profil'),
    standard: one(c, 'standard'),
    status: status && ['active', 'revoked', 'superseded', 'expired'].includes(status) ? (status as RegistryFilter['status']) : undefined,
    niva: niva === 'A' || niva === 'B' || niva === 'C' ? niva : undefined,
  };
}

function examplesOf(p: LoadedProfile, kind: 'valid' | 'invalid'): string[] {
  try {
    return readdirSync(path.join(p.dir, 'examples', kind), { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** The pages anyone may read: front page, registry, declarations, kravsett, profile catalogue, validator. */
export function publicPages(feature: DeclarationFeature): PageModule {
  return (app: Hono, ctx: AppContext) => {
    const svc = () => feature.service(ctx);
    const limiter = new RateLimiter(ctx.config.rateLimitPerMinute);
    const profiles = () => ctx.catalog.list().filter((p) => (p.manifest.status ?? 'active') !== 'draft');
    const profileTitle = (id: string) => ctx.catalog.get(id)?.manifest.title ?? id;

    registerAssets(app);

    app.get('/', async () => {
      const [counts, overrides] = await Promise.all([svc().counts(), ctx.repo.profiles.profileStatuses()]);
      // The profiles the catalogue (/profiler) shows: the administrators' status decides.
      const shown = ctx.catalog.list().filter((p) => effectiveStatus(p, overrides) !== 'draft');
      return pageResponse(<FrontPage facts={{ declarations: counts.declarations, systems: counts.systems, profiles: shown.length }} />);
    });

    app.get('/register', async (c) => {
      const filter = filterOf(c);
      const offset = Math.max(0, Math.min(Number.parseInt(c.req.query('fra') ?? '0', 10) || 0, 1_000_000));
      const standardProfiles = filter.standard
        ? ctx.catalog
            .list()
            .filter((p) => standardName(p) === filter.standard)
            .map((p) => p.manifest.id)
        : undefined;
      // Filtered and paged in the database, whatever the filter: a page costs the same however large the registry is.
      const page = await svc().registryPage(PAGE_SIZE, offset, {
        q: filter.q,
        vendor: filter.leverandor,
        system: filter.system,
        profile: filter.profil,
        status: filter.status,
        level: filter.niva,
        ...(standardProfiles ? { profilesAnyOf: standardProfiles } : {}),
      });
      const all = profiles();
      const query = (changes: Record<string, string | undefined>) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...filter, ...changes })) if (v) params.set(k, v);
        return `/register?${params.toString()}`;
      };
      return pageResponse(
        <RegistryPage
          filter={filter}
          entries={page.entries}
          total={page.total}
          offset={offset}
          pageSize={PAGE_SIZE}
          profiles={all.map((p) => ({ value: p.manifest.id, label: p.manifest.title }))}
          standards={[...new Set(all.map(standardName))].sort((a, b) => a.localeCompare(b, 'nb')).map((s) => ({ value: s, label: s }))}
          query={query}
        />,
      );
    });

    app.get('/erklaering/:id', async (c) => {
      const id = c.req.param('id');
      try {
        return pageResponse(<DeclarationPage view={await svc().view(id, feature.baseUrl(c))} />);
      } catch (e) {
        if (e instanceof SamsvarError && e.code === 'not_found') return notFoundPage(`Registeret har ingen erklæring med ID ${id}.`);
        throw e;
      }
    });

    app.get('/kravsett', async () => pageResponse(<RequirementSetListPage sets={await feature.requirementSets(ctx).list()} />));

    app.get('/kravsett/:id', async (c) => {
      const offset = Math.max(0, Math.min(Number.parseInt(c.req.query('fra') ?? '0', 10) || 0, 1_000_000));
      try {
        const { set, total, rows } = await feature.requirementSets(ctx).matrix(c.req.param('id'), MATRIX_PAGE_SIZE, offset);
        return pageResponse(<RequirementSetPage set={set} rows={rows} total={total} offset={offset} profileTitle={profileTitle} />);
      } catch (e) {
        if (e instanceof SamsvarError && e.code === 'not_found')
          return notFoundPage(`Det finnes ikke noe kravsett med ID ${c.req.param('id')}.`);
        throw e;
      }
    });

    app.get('/profiler', async () => {
      const overrides = await ctx.repo.profiles.profileStatuses();
      const shown = profiles().filter((p) => effectiveStatus(p, overrides) !== 'draft');
      return pageResponse(
        <ProfileListPage standards={catalogueByStandard(shown, ctx.testcases.list(), (p) => effectiveStatus(p, overrides))} />,
      );
    });

    app.get('/profiler/:id', async (c) => {
      const p = ctx.catalog.get(c.req.param('id'));
      const status = p && effectiveStatus(p, await ctx.repo.profiles.profileStatuses());
      if (!p || !status || status === 'draft') return notFoundPage(`Det finnes ingen profil med ID ${c.req.param('id')}.`);
      return pageResponse(
        <ProfilePage
          profile={p}
          status={status}
          standardName={standardName(p)}
          testcases={testcasesOf(ctx.testcases, p.manifest.id)}
          examples={{ valid: examplesOf(p, 'valid'), invalid: examplesOf(p, 'invalid') }}
        />,
      );
    });

    app.get('/profiler/:id/eksempler/:kind/:file', async (c) => {
      const p = ctx.catalog.get(c.req.param('id'));
      const kind = c.req.param('kind');
      const file = c.req.param('file');
      if (!p || (kind !== 'valid' && kind !== 'invalid') || !examplesOf(p, kind).includes(file))
        return notFoundPage('Fant ikke eksempelmeldingen.');
      const bytes = readFileSync(path.join(p.dir, 'examples', kind, file));
      const result = await ctx.engine.validate(bytes, { profile: p.manifest.id });
      return pageResponse(<ExamplePage profile={p} kind={kind} file={file} text={messageText(bytes)} result={result} />);
    });

    const validatorPage = (props: Parameters<typeof ValidatorPage>[0], status = 200) =>
      pageResponse(<ValidatorPage {...props} />, { status });
    const choices = () => profiles().map((p) => ({ id: p.manifest.id, title: p.manifest.title }));

    app.get('/validering', () => validatorPage({ profiles: choices() }));

    app.post(
      '/validering',
      bodyLimit({
        maxSize: ctx.config.maxBodyBytes + 64 * 1024,
        onError: () =>
          validatorPage(
            { profiles: choices(), problem: `Meldingen er for stor. Grensen er ${Math.round(ctx.config.maxBodyBytes / 1024 / 1024)} MB.` },
            413,
          ),
      }),
      async (c) => {
        const wait = limiter.hit(getConnInfo(c).remote.address ?? 'unknown');
        if (wait > 0)
          return validatorPage(
            {
              profiles: choices(),
              problem: `Du har validert mange meldinger på kort tid. Vent ${countNb(wait, 'sekund', 'sekunder')} og prøv igjen.`,
            },
            429,
          );
        let form: Record<string, string | File>;
        try {
          form = (await c.req.parseBody()) as Record<string, string | File>;
        } catch {
          return validatorPage(
            { profiles: choices(), problem: 'Skjemaet kunne ikke leses. Lim inn meldingen eller velg en fil, og prøv igjen.' },
            400,
          );
        }
        const chosen = typeof form.profil === 'string' && form.profil ? form.profil : undefined;
        if (chosen && !profiles().some((p) => p.manifest.id === chosen))
          return validatorPage({ profiles: choices(), problem: `Profilen ${chosen} finnes ikke.` }, 400);
        const file = form.fil instanceof File && form.fil.size > 0 ? form.fil : undefined;
        const pasted = typeof form.melding === 'string' ? form.melding : '';
        const bytes = file ? new Uint8Array(await file.arrayBuffer()) : new TextEncoder().encode(pasted);
        if (bytes.byteLength === 0 || (!file && pasted.trim() === ''))
          return validatorPage({ profiles: choices(), chosen, problem: 'Lim inn en melding eller velg en fil.' }, 400);
        const result = await ctx.engine.validate(bytes, { profile: chosen, format: file?.name.endsWith('.json') ? 'fhir' : undefined });
        const text = file ? messageText(bytes) : pasted;
        // An unreadable message (a DOCTYPE, invalid UTF-8) still gets its findings shown: that is what the page is for.
        return validatorPage({
          profiles: choices(),
          chosen,
          text: file ? undefined : pasted,
          outcome: { result, text, profileTitle: result.profile ? profileTitle(result.profile) : undefined },
        });
      },
    );
  };
}
