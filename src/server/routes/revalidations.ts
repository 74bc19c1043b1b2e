import { actorOf } from '../../auth/principal.js';
import { json, type RouteModule } from '../api-router.js';
import type { RevalidationFeature } from './revalidation-context.js';
import { usedProfilesSchema } from './schemas.js';

const str = { type: 'string' };
const verdict = { enum: ['passed', 'failed', null] };

export const revalidationSchema = {
  type: 'object',
  required: ['id', 'profileId', 'profileVersion', 'profileSha256', 'status', 'total', 'done', 'changed', 'skipped', 'createdAt'],
  properties: {
    id: str,
    profileId: str,
    profileVersion: { ...str, description: 'The version the submissions are re-run against' },
    profileSha256: str,
    uses: usedProfilesSchema,
    status: { enum: ['queued', 'running', 'done'] },
    total: { type: 'integer', description: 'Stored submissions of the profile when the job was created' },
    done: { type: 'integer', description: 'Submissions re-run so far' },
    changed: { type: 'integer', description: 'Submissions whose verdict changed' },
    skipped: {
      type: 'integer',
      description:
        "Submissions that could not be re-run: live test runs (they need the system's API) and those whose test case is no longer loaded",
    },
    createdAt: str,
    createdBy: str,
    finishedAt: { type: ['string', 'null'] },
  },
};

/** /admin/revalidations: re-run stored submissions after a rule fix (administrators). */
export const revalidationRoutes =
  (feature: RevalidationFeature): RouteModule =>
  (api, ctx) => {
    api.add({
      method: 'post',
      path: '/admin/revalidations',
      operationId: 'createRevalidation',
      summary: 'Re-run every stored submission of a profile against the version now loaded, as a background job (administrators)',
      description:
        'Answers 202 at once with the job; `GET /admin/revalidations/{id}` shows its progress and the submissions whose verdict changed. The stored submissions keep their verdicts. `version`, when given, must be the loaded version (409 otherwise). On PostgreSQL the work is shared by every instance through a job queue in the database; on SQLite it runs in this process. A job stopped by a restart resumes where it was.',
      tags: ['admin'],
      auth: 'admin',
      jsonBody: {
        type: 'object',
        required: ['profile'],
        additionalProperties: false,
        properties: { profile: { type: 'string', maxLength: 100 }, version: { type: 'string', maxLength: 50 } },
      },
      responses: { 202: { description: 'The job, queued', schema: revalidationSchema } },
      handler: async ({ principal, body }) => {
        const { profile, version } = body;
        const runner = feature.runner(ctx);
        const job = await feature.service(ctx).create(profile, version, actorOf(principal));
        await runner.enqueue(job.id);
        return json(202, job, { location: `/api/v1/admin/revalidations/${job.id}` });
      },
    });

    api.add({
      method: 'get',
      path: '/admin/revalidations',
      operationId: 'listRevalidations',
      summary: 'Re-validation jobs, newest first (administrators)',
      tags: ['admin'],
      auth: 'admin',
      responses: { 200: { description: 'Jobs', schema: { type: 'array', items: revalidationSchema } } },
      handler: async () => json(200, await feature.service(ctx).list()),
    });

    api.add({
      method: 'get',
      path: '/admin/revalidations/{id}',
      operationId: 'getRevalidation',
      summary: 'A re-validation job: progress and the submissions whose verdict changed (administrators)',
      tags: ['admin'],
      auth: 'admin',
      responses: {
        200: {
          description: 'The job',
          schema: {
            ...revalidationSchema,
            properties: {
              ...revalidationSchema.properties,
              runnableHere: {
                type: 'boolean',
                description: 'False when this instance has other content loaded for the profile or a profile it uses',
              },
              changedItems: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    submissionId: str,
                    runId: str,
                    testcaseId: str,
                    oldVerdict: verdict,
                    newVerdict: verdict,
                    newErrors: { type: 'array', items: str },
                    doneAt: str,
                  },
                },
              },
            },
          },
        },
      },
      handler: async ({ params }) => {
        const { changedItems, ...job } = await feature.service(ctx).view(params.id);
        return json(200, { ...job, changedItems: changedItems.map(({ position: _p, skipped: _s, ...i }) => i) });
      },
    });
  };
