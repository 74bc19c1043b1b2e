import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import type { AppContext } from '../app-context.js';
import { actorOf, isAdmin } from '../../auth/principal.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import type { LoadedProfile } from '../../profiles/manifest.js';
import { catalogueByStandard, summarizeProfile } from '../../profiles/standards.js';
import type { ProfileStatusOverride } from '../../storage/profile-repository.js';
import { effectiveStatus } from '../../runs/profile-lifecycle.js';
import { testcasesOf } from '../../runs/testcase-suite.js';
import { buildProfilePackage } from '../../testcases/profile-package.js';
import { changeProfileStatus, profileAdminOf } from './profile-admin-context.js';
import { arrayOf, profileCatalogueSchema, profileSummarySchema, testcaseSummarySchema } from './schemas.js';
import { testcaseSummary } from './testcases.js';

function profileSummary(ctx: AppContext, p: LoadedProfile, overrides: Map<string, ProfileStatusOverride>) {
  return summarizeProfile(p, testcasesOf(ctx.testcases, p.manifest.id), effectiveStatus(p, overrides));
}

export const profileRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'get',
    path: '/profiles',
    operationId: 'listProfiles',
    summary: 'The profile catalogue: message profiles a system can be tested against, grouped by standard and version',
    description:
      'Each standard shows its versions, the message types covered, the number of test cases by direction (send: the system produces the message; receive: it consumes it and answers with an AppRec) and whether every code list the standard uses is shipped complete.',
    tags: ['profiles'],
    auth: 'public',
    responses: { 200: { description: 'Profiles by standard', schema: profileCatalogueSchema } },
    handler: async () => {
      const overrides = await ctx.repo.profiles.profileStatuses();
      return json(200, { standards: catalogueByStandard(ctx.catalog.list(), ctx.testcases.list(), (p) => effectiveStatus(p, overrides)) });
    },
  });

  api.add({
    method: 'get',
    path: '/profiles/{id}',
    operationId: 'getProfile',
    summary: 'One profile with its test cases',
    tags: ['profiles'],
    auth: 'public',
    responses: {
      200: {
        description: 'The profile',
        schema: {
          ...profileSummarySchema,
          properties: { ...(profileSummarySchema.properties as object), testcaseList: arrayOf(testcaseSummarySchema) },
        },
      },
    },
    handler: async ({ params }) => {
      const p = ctx.catalog.require(params.id);
      return json(200, {
        ...profileSummary(ctx, p, await ctx.repo.profiles.profileStatuses()),
        testcaseList: testcasesOf(ctx.testcases, p.manifest.id).map(testcaseSummary),
      });
    },
  });

  api.add({
    method: 'get',
    path: '/profiles/{id}/package',
    operationId: 'downloadProfilePackage',
    summary: 'The profile as a package (tgz): schemas, rules, code lists, examples and test cases, for validating offline',
    description:
      'Holds samsvar-package.json (the profiles inside with their SHA-256, the test cases), profiles/<id>/ for the profile and every profile it builds on or its test cases validate against, profiles/.fhir-packages/ for FHIR packages they depend on, and testcases/ with the message templates. Unpacked, `samsvar validate --profile-dir DIR/profiles` validates with exactly these files. Public for active, deprecated and retired profiles; a draft profile only for administrators.',
    tags: ['profiles'],
    auth: 'public',
    query: {
      version: {
        schema: { type: 'string', minLength: 1, maxLength: 64 },
        description:
          'Another version than the one served: an imported version, or the shipped version an imported one replaced (default: the served one)',
      },
    },
    responses: { 200: { description: 'application/gzip: a tar archive', schema: { type: 'string', format: 'binary' } } },
    handler: async ({ principal, params, query }) => {
      let p = ctx.catalog.require(params.id);
      let testcases = ctx.testcases.list();
      let status = effectiveStatus(p, await ctx.repo.profiles.profileStatuses());
      const version = query.version;
      if (version !== undefined && version !== p.manifest.version) {
        ({ profile: p, testcases, status } = await profileAdminOf(ctx).versionContent(p.manifest.id, version));
      }
      if (status === 'draft' && !isAdmin(principal)) {
        if (!principal)
          throw new SamsvarError(
            'unauthorized',
            `profile ${p.manifest.id} is a draft: its package is for administrators only; send an administrator token`,
          );
        throw new SamsvarError('forbidden', `profile ${p.manifest.id} is a draft: its package is for administrators only`);
      }
      const { bytes, manifest } = await buildProfilePackage(p, testcases, ctx.catalog);
      return new Response(new Uint8Array(bytes), {
        status: 200,
        headers: {
          'content-type': 'application/gzip',
          'content-disposition': `attachment; filename="${p.manifest.id}-${p.manifest.version}.tgz"`,
          'x-samsvar-profile-sha256': manifest.sha256,
        },
      });
    },
  });

  api.add({
    method: 'post',
    path: '/profiles/{id}/status',
    operationId: 'setProfileStatus',
    summary: "Change a profile's lifecycle status (administrators)",
    description:
      'Changes the version the catalog serves (see /admin/profiles/{id}/versions for others). A draft is open to trial runs only (no declaration), a deprecated profile is still usable, a retired one takes no new runs and the declarations that list it expire; reactivating it does not revive them.',
    tags: ['admin'],
    auth: 'admin',
    jsonBody: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { enum: ['draft', 'active', 'deprecated', 'retired'] }, reason: { type: 'string', maxLength: 2000 } },
    },
    responses: { 200: { description: 'The profile with its new status', schema: profileSummarySchema } },
    handler: async ({ principal, params, body }) => {
      const p = ctx.catalog.get(params.id);
      if (!p) throw new SamsvarError('not_found', `profile '${params.id}' not found`);
      const { status, reason } = body;
      await changeProfileStatus(ctx, p.manifest.id, status, reason ?? null, actorOf(principal));
      return json(200, profileSummary(ctx, p, await ctx.repo.profiles.profileStatuses()));
    },
  });
};
