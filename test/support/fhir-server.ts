import { expect } from 'vitest';
import type { FhirServerStatus } from '../../src/runs/run-service.js';
import type { FhirFixture } from '../live/fhir-fixture-server.js';
import type { TestService } from './service.js';

export type { FhirServerStatus };

/** The version's registered FHIR API as the vendor sees it: its server, whether verified, and the challenge. */
export async function fhirServerStatus(t: TestService, token: string, systemId: string, versionId: string): Promise<FhirServerStatus> {
  const res = await t.call('GET', `/api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as FhirServerStatus;
}

/**
 * Registers a system version's FHIR API at a local stand-in server and proves control of it the
 * way a vendor does: the stand-in serves the vendor's challenge answer, then samsvar is asked to verify.
 */
export async function registerVerifiedFhirApi(
  t: TestService,
  token: string,
  ids: { systemId: string; versionId: string },
  fhirBaseUrl: string,
  server: FhirFixture,
): Promise<FhirServerStatus> {
  const put = await t.call('PUT', `/api/v1/systems/${ids.systemId}/versions/${ids.versionId}/fhir-base-url`, {
    token,
    json: { fhirBaseUrl },
  });
  expect(put.status).toBe(200);
  const { challenge } = await fhirServerStatus(t, token, ids.systemId, ids.versionId);
  server.serveChallenge(challenge.token, { body: challenge.answer });
  const verified = await t.call('POST', `/api/v1/systems/${ids.systemId}/versions/${ids.versionId}/fhir-base-url/verify`, { token });
  expect(verified.status).toBe(200);
  return (await verified.json()) as FhirServerStatus;
}
