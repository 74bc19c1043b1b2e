import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revalidationFeature } from '../../src/server/routes/revalidation-feature.js';
import { dialectsUnderTest } from '../support/databases.js';
import { startTestService, type TestService } from '../support/service.js';

describe('the OpenAPI document and the reference page', () => {
  let t: TestService;
  let doc: {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { operationId: string; responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: unknown }> } }
      >
    >;
  };

  beforeAll(async () => {
    // With the re-validation routes (as npm start serves them), so their schemas are checked too.
    t = await startTestService(dialectsUnderTest()[0]!, {}, { routeModules: revalidationFeature().modules });
    doc = (await (await t.call('GET', '/api/v1/openapi.json')).json()) as typeof doc;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route the service serves, and nothing else', () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    // What Hono actually routes, whoever registered it: a route added around the router would show here.
    // The one middleware (security headers on every response) is registered as ALL /*; it serves nothing.
    const served = [
      ...new Set(
        t.service.app.routes
          .filter((r) => !(r.method === 'ALL' && r.path === '/*'))
          .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
      ),
    ].sort();
    expect(documented).toEqual(served);
    for (const route of [
      'GET /healthz',
      'POST /api/v1/vendors',
      'GET /api/v1/vendors',
      'POST /api/v1/systems',
      'GET /api/v1/systems',
      'POST /api/v1/systems/{id}/versions',
      'GET /api/v1/profiles',
      'GET /api/v1/profiles/{id}',
      'GET /api/v1/profiles/{id}/package',
      'GET /api/v1/testcase.schema.json',
      'POST /api/v1/admin/codelists',
      'POST /api/v1/admin/revalidations',
      'GET /api/v1/admin/revalidations/{id}',
      'POST /api/v1/profiles/{id}/status',
      'GET /api/v1/testcases',
      'POST /api/v1/runs',
      'GET /api/v1/runs/{id}',
      'POST /api/v1/runs/{id}/submissions',
      'GET /api/v1/runs/{id}/submissions/{sid}',
      'GET /api/v1/runs/{id}/testcases/{testcase}/message',
      'POST /api/v1/runs/{id}/testcases/{testcase}/live',
      'POST /api/v1/validate',
      'GET /api/v1/audit',
      'POST /api/v1/tokens',
      'GET /api/v1/openapi.json',
      'GET /api/v1/docs',
    ]) {
      expect(documented).toContain(route);
    }
  });

  it('documents each error status a route can answer, as a problem document', () => {
    const submit = doc.paths['/api/v1/runs/{id}/submissions']!.post!;
    expect(Object.keys(submit.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '413', '415', '422', '500', '503']);
    expect(Object.keys(doc.paths['/api/v1/validate']!.post!.responses)).toContain('429');
    expect(Object.keys(doc.paths['/api/v1/validate']!.post!.responses)).toContain('503');
    expect(submit.requestBody!.content).toHaveProperty('application/xml');
    expect(submit.requestBody!.content).toHaveProperty('application/fhir+json');
  });

  it('shows the very schema that validates the request', async () => {
    const schema = doc.paths['/api/v1/vendors']!.post!.requestBody!.content['application/json']!.schema as {
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(['orgNumber', 'name', 'email']);
    expect(schema.additionalProperties).toBe(false);
    const res = await t.call('POST', '/api/v1/vendors', { json: { orgNumber: '974760673', name: 'X' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain("'email'");
  });

  it('renders a self-contained HTML reference with every operation', async () => {
    const res = await t.call('GET', '/api/v1/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).not.toMatch(/<script|https?:\/\/[^"]*\.(js|css)/);
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(html).toContain(`id="${op.operationId}"`);
  });

  it('documents the profile list grouped by standard, and the service answers in that shape', async () => {
    const op = doc.paths['/api/v1/profiles']!.get! as unknown as {
      responses: { 200: { content: { 'application/json': { schema: object } } } };
    };
    const schema = op.responses[200].content['application/json'].schema as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['standards']);
    const ajv = new Ajv({ strict: false });
    const body = await (await t.call('GET', '/api/v1/profiles')).json();
    expect(ajv.validate(schema, body), JSON.stringify(ajv.errors)).toBe(true);
  });
});
