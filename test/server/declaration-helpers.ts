import type { TestService } from '../support/service.js';
import { buildAppRec, TEST_SYSTEM_HER_ID, withAttachment } from '../helpers/kith-messages.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import type { RunTestData } from '../../src/core/run-test-data.js';

export const PROFILE = 'dialogmelding-1.1-foresporsel';

interface TestcaseInfo {
  id: string;
  kind: 'submit' | 'receive';
}

async function ok(res: Response, status: number, what: string): Promise<any> {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** Registers a system version for the vendor and returns its id. */
export async function systemVersion(t: TestService, token: string, name: string, version: string): Promise<string> {
  const systems = (await ok(await t.call('GET', '/api/v1/systems', { token }), 200, 'list systems')) as { id: string; name: string }[];
  const sys =
    systems.find((s) => s.name === name) ??
    (await ok(await t.call('POST', '/api/v1/systems', { token, json: { name } }), 201, 'create system'));
  const ver = await ok(
    await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token, json: { version, herId: TEST_SYSTEM_HER_ID } }),
    201,
    'create version',
  );
  return ver.id as string;
}

/**
 * Opens a run of the forespørsel profile and submits for every test case; `wrongAppRec` answers
 * the receive test case with an AppRec that names the wrong type for the message it answers (a
 * deviation an administrator may waive, unlike an AppRec to another message), so that one test case fails.
 */
export async function run(
  t: TestService,
  token: string,
  systemVersionId: string,
  opts: { wrongAppRec?: boolean; submit?: boolean } = {},
): Promise<string> {
  const r = await ok(await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId, profiles: [PROFILE] } }), 201, 'open run');
  if (opts.submit === false) return r.id;
  await submitAll(t, token, r.id, opts);
  return r.id;
}

/**
 * A laboratory's re-test of a declaration: opens the laboratory's own run on the declared system
 * version, submits its own artifacts for every test case and returns the run's id.
 */
export async function labRetest(t: TestService, labToken: string, declarationId: string): Promise<string> {
  const r = await ok(await t.call('POST', `/api/v1/declarations/${declarationId}/retests`, { token: labToken }), 201, 'open re-test');
  await submitAll(t, labToken, r.id);
  return r.id;
}

/** Level C over HTTP: the laboratory re-tests, then countersigns naming its run. */
export async function confirmByLab(t: TestService, labToken: string, declarationId: string): Promise<Response> {
  const runId = await labRetest(t, labToken, declarationId);
  return t.call('POST', `/api/v1/declarations/${declarationId}/countersign`, { token: labToken, json: { runId } });
}

/** Submits for every test case of the forespørsel profile in the run, as whoever operates it (the vendor, or the laboratory in its re-test). */
export async function submitAll(t: TestService, token: string, runId: string, opts: { wrongAppRec?: boolean } = {}): Promise<void> {
  const r = (await ok(await t.call('GET', `/api/v1/runs/${runId}`, { token }), 200, 'run')) as { id: string; testData: RunTestData };
  const testcases = (await ok(await t.call('GET', `/api/v1/testcases?profile=${PROFILE}`), 200, 'testcases')) as TestcaseInfo[];
  const receive = testcases.find((tc) => tc.kind === 'receive')!;
  const msgRes = await t.call('GET', `/api/v1/runs/${r.id}/testcases/${receive.id}/message`, { token });
  const msgId = msgRes.headers.get('x-samsvar-msgid')!;
  for (const tc of testcases) {
    // Each submit test case gets a message of its own, as the system would send it in this run.
    const body =
      tc.kind === 'receive'
        ? buildAppRec({ originalMsgId: msgId, ...(opts.wrongAppRec ? { originalMsgType: 'DIALOG_SVAR' } : {}), status: '1' })
        : withAttachment(runMessage(FORESPORSEL_TEMPLATE, r.testData));
    await ok(
      await t.call('POST', `/api/v1/runs/${r.id}/submissions?testcase=${tc.id}`, { token, body, contentType: 'application/xml' }),
      201,
      `submit ${tc.id}`,
    );
  }
}
