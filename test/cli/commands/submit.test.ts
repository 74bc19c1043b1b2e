import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { dialectsUnderTest } from '../../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../../support/service.js';
import { buildAppRec } from '../../helpers/kith-messages.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';

function captureIo(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), env: {}, cwd };
}

describe("samsvar submit, as a vendor's CI runs it", () => {
  let t: TestService;
  let token: string;
  let run: string;
  let dir: string;
  let msgId: string;

  beforeAll(async () => {
    t = await startTestService(dialectsUnderTest()[0]!);
    ({ token } = await registerVendor(t));
    const sys = (await (await t.call('POST', '/api/v1/systems', { token, json: { name: 'CI-EPJ' } })).json()) as { id: string };
    const ver = (await (
      await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token, json: { version: '1', herId: '8999911' } })
    ).json()) as { id: string };
    run = (
      (await (await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: ver.id, profiles: [PROFILE] } })).json()) as {
        id: string;
      }
    ).id;
    const msg = await t.call('GET', `/api/v1/runs/${run}/testcases/${PROFILE}-mottak/message`, { token });
    msgId = msg.headers.get('x-samsvar-msgid')!;
    dir = mkdtempSync(path.join(tmpdir(), 'samsvar-submit-'));
    writeFileSync(path.join(dir, 'ok.xml'), buildAppRec({ originalMsgId: msgId, status: '1' }));
    writeFileSync(path.join(dir, 'wrong.xml'), buildAppRec({ originalMsgId: 'not-the-message', status: '1' }));
    writeFileSync(path.join(dir, 'note.txt'), 'hello');
  });
  afterAll(async () => {
    await t?.stop();
  });

  const submit = async (file: string, extra: string[] = [], tok = token) => {
    const io = captureIo(dir);
    const code = await main(
      ['submit', '--server', t.url, '--token', tok, '--run', run, '--testcase', `${PROFILE}-mottak`, ...extra, file],
      io,
    );
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  };

  it('exits 0 and prints the verdict when the test case passes', async () => {
    const r = await submit('ok.xml');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${PROFILE}-mottak: PASSED`);
  });

  it('exits 1 and lists the error findings when it fails', async () => {
    const r = await submit('wrong.xml');
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAILED');
    expect(r.out).toMatch(/error \S+/);
  });

  it("--json prints the server's answer", async () => {
    const r = await submit('ok.xml', ['--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'passed', testcase: `${PROFILE}-mottak` });
  });

  it('exits 2 with the problem detail on an HTTP error', async () => {
    const r = await submit('ok.xml', [], 'smv_wrong');
    expect(r.code).toBe(2);
    expect(r.err).toContain('HTTP 401');
    expect(r.err).toContain('unknown or revoked');
  });

  it('sends an .xml file in FHIR’s namespace as a FHIR resource (application/fhir+xml)', async () => {
    writeFileSync(path.join(dir, 'patient.xml'), '<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>');
    const r = await submit('patient.xml');
    expect(r.code).toBe(2);
    // This test case answers a Dialogmelding with an AppRec: the service says what it expects instead.
    expect(r.err).toContain('expects an XML message; send it as application/xml, not application/fhir+xml');
  });

  it('exits 2 on usage and transport errors', async () => {
    expect((await submit('note.txt')).code).toBe(2);
    expect((await submit('missing.xml')).code).toBe(2);
    const io = captureIo(dir);
    expect(await main(['submit', '--server', t.url, 'ok.xml'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('missing --token');
    const down = captureIo(dir);
    expect(
      await main(['submit', '--server', 'http://127.0.0.1:9', '--token', token, '--run', run, '--testcase', 'x', 'ok.xml'], down),
    ).toBe(2);
    expect(down.stderr.join('\n')).toContain('cannot reach');
  });
});
