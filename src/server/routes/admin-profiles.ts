import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../../auth/principal.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { profileVersionImpact } from '../../registry/profile-impact.js';
import type { DeclarationFeature } from './declaration-context.js';
import { onProfileChange, profileAdminOf, profileChanged } from './profile-admin-context.js';

const PACKAGE_TYPES = ['application/zip', 'application/gzip', 'application/x-gzip', 'application/octet-stream'];
const obj = (properties: Record<string, unknown> = {}) => ({ type: 'object', properties });
const versionSchema = obj({
  profileId: { type: 'string' },
  version: { type: 'string' },
  sha256: { type: 'string' },
  kind: { type: 'string' },
  status: { enum: ['draft', 'active', 'deprecated', 'retired'] },
  reason: { type: ['string', 'null'] },
  replacement: { type: ['string', 'null'] },
  retestDeadline: { type: ['string', 'null'] },
  activatedAt: { type: ['string', 'null'] },
  importedAt: { type: 'string' },
  importedBy: { type: 'string' },
  changedAt: { type: 'string' },
  changedBy: { type: 'string' },
  served: { type: 'boolean' },
});

/** Active declarations and runs that use a profile version, directly or through a profile using it: what a retirement or a fix would touch. */
export async function profileImpact(ctx: AppContext, feature: DeclarationFeature, id: string, version?: string) {
  const v = version ?? ctx.catalog.get(id)?.manifest.version;
  if (!v) throw new SamsvarError('not_found', `profile '${id}' not found`);
  const svc = feature.service(ctx);
  const admin = profileAdminOf(ctx);
  const impact = await profileVersionImpact(
    ctx.catalog,
    {
      registryPage: (...a) => svc.registryPage(...a),
      declaredRuns: (ids) => svc.declaredRuns(ids),
      runsUsing: (...a) => admin.runsUsing(...a),
    },
    id,
    v,
  );
  const declarations = impact.declarations.map((e) => ({
    id: e.declaration.id,
    vendor: e.declaration.manufacturer.name,
    system: e.declaration.product.name,
    systemVersion: e.declaration.product.version,
    assuranceLevel: e.assuranceLevel,
    ...(e.through ? { through: e.through } : {}),
    ...(e.status.retestRequired ? { retestRequired: e.status.retestRequired } : {}),
  }));
  return { profile: id, version: v, declarations, runs: impact.runs };
}

export function adminProfileRoutes(feature: DeclarationFeature): RouteModule {
  return (api, ctx) => {
    onProfileChange(ctx, () => feature.service(ctx).sweep());
    api.add({
      method: 'post',
      path: '/admin/profiles',
      operationId: 'importProfilePackage',
      summary: 'Import a profile package: a zip or .tgz of a profile directory with its test cases, or a FHIR package (administrators)',
      description:
        'The whole package is checked first: schemas and Schematron compile, code lists parse, StructureDefinitions get a snapshot, test cases load, examples/valid pass and examples/invalid fail with the rules they name. A failed check refuses the package with every problem listed (422, `problems`), and nothing is kept. A new version is `draft` until activated; the same id and version with other content is 409.',
      tags: ['admin'],
      auth: 'admin',
      rawBody: { mediaTypes: PACKAGE_TYPES, description: 'The package (zip, or tar+gzip)' },
      responses: {
        201: {
          description: 'Imported as draft',
          schema: obj({ format: { type: 'string' }, kind: { type: 'string' }, profiles: { type: 'array', items: obj() } }),
        },
        200: { description: 'This exact content was imported before; nothing changed', schema: obj() },
      },
      handler: async ({ principal, raw }) => {
        const outcome = await profileAdminOf(ctx).importPackage(raw!.bytes, actorOf(principal));
        return json(outcome.profiles.some((p) => p.created) ? 201 : 200, outcome);
      },
    });

    api.add({
      method: 'get',
      path: '/admin/profiles/{id}/versions',
      operationId: 'listProfileVersions',
      summary: 'The imported versions of a profile with their lifecycle status (administrators)',
      tags: ['admin'],
      auth: 'admin',
      responses: { 200: { description: 'Versions, oldest first', schema: obj({ items: { type: 'array', items: versionSchema } }) } },
      handler: async ({ params }) => json(200, { items: await profileAdminOf(ctx).versions(params.id) }),
    });

    api.add({
      method: 'post',
      path: '/admin/profiles/{id}/versions/{version}/status',
      operationId: 'setProfileVersionStatus',
      summary: 'Move a profile version through its lifecycle: draft, active, deprecated (with replacement), retired (administrators)',
      description:
        'Activating a version puts it in the catalog and deprecates the version it replaces; with `retestDeadline`, declarations tested against another version are marked re-test required and expire when the deadline passes. Retiring a version lets the declarations that list it expire; reactivating it later does not revive them. Every change is audited.',
      tags: ['admin'],
      auth: 'admin',
      jsonBody: {
        type: 'object',
        required: ['status'],
        additionalProperties: false,
        properties: {
          status: { enum: ['draft', 'active', 'deprecated', 'retired'] },
          reason: { type: 'string', maxLength: 2000 },
          replacement: { type: 'string', minLength: 1, maxLength: 200 },
          retestDeadline: { type: 'string', format: 'date-time' },
        },
      },
      responses: { 200: { description: 'The version with its new status', schema: versionSchema } },
      handler: async ({ principal, params, body }) => {
        const changed = await profileAdminOf(ctx).setStatus(params.id, params.version, body, actorOf(principal));
        await profileChanged(ctx);
        return json(200, changed);
      },
    });

    api.add({
      method: 'get',
      path: '/admin/profiles/{id}/diff',
      operationId: 'diffProfileVersions',
      summary: 'What changed between two versions: schema files, rules, code list entries, test cases (administrators)',
      tags: ['admin'],
      auth: 'admin',
      query: {
        from: { schema: { type: 'string', minLength: 1, maxLength: 64 }, required: true },
        to: { schema: { type: 'string', minLength: 1, maxLength: 64 }, required: true },
      },
      responses: { 200: { description: 'The differences', schema: obj() } },
      handler: async ({ params, query }) => json(200, await profileAdminOf(ctx).diff(params.id, query.from, query.to)),
    });

    api.add({
      method: 'get',
      path: '/admin/profiles/{id}/impact',
      operationId: 'profileImpact',
      summary:
        'Active declarations and runs that use a profile version, directly or through a profile that uses it (`through`), before retiring or fixing it (administrators)',
      tags: ['admin'],
      auth: 'admin',
      query: {
        version: { schema: { type: 'string', minLength: 1, maxLength: 64 }, description: 'Default: the version the catalog serves' },
      },
      responses: {
        200: {
          description: 'Who is affected',
          schema: obj({
            profile: { type: 'string' },
            version: { type: 'string' },
            declarations: { type: 'array', items: obj() },
            runs: { type: 'array', items: obj() },
          }),
        },
      },
      handler: async ({ params, query }) => json(200, await profileImpact(ctx, feature, params.id, query.version)),
    });
  };
}
