import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { dialectsUnderTest } from '../../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../../support/service.js';
import { startFhirFixture, type FhirFixture } from '../../live/fhir-fixture-server.js';

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), env: {}, cwd: process.cwd() };
}

describe('samsvar systems: registering a version with its own test communication party', () => {
  let t: TestService;
  let token: string;
  let vendorId: string;
  let fx: FhirFixture;
  beforeAll(async () => {
    fx = await startFhirFixture();
    t = await startTestService(dialectsUnderTest()[0]!, { fhirAllowedHosts: `127.0.0.1:${fx.port}` });
    ({ token, id: vendorId } = await registerVendor(t));
  });
  afterAll(async () => {
    await t?.stop();
    await fx?.close();
  });

  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['systems', ...args, '--server', t.url, '--token', token], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  };

  it("adds a system and a version with its HER-id, which the service then uses as the run's system party", async () => {
    const added = await cli('add', 'CLI-EPJ');
    expect(added.code).toBe(0);
    const systemId = added.out.split(/\s+/)[0]!;
    const version = await cli('add-version', systemId, '5.0', '--her-id', '8999911');
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/5\.0 {2}HER-id 8999911$/);
    expect((await cli('list')).out).toContain('5.0  HER-id 8999911');
    const versionId = version.out.split(/\s+/)[0]!;
    const run = (await (
      await t.call('POST', '/api/v1/runs', { token, json: { systemVersionId: versionId, profiles: ['dialogmelding-1.1-foresporsel'] } })
    ).json()) as { testData: { systemParty: { herId: string } } };
    expect(run.testData.systemParty.herId).toBe('8999911');
  });

  it("registers the version's FHIR API, lists it and moves it; another vendor's API is refused with the service's reason", async () => {
    const systemId = (await cli('add', 'CLI-FHIR')).out.split(/\s+/)[0]!;
    const version = await cli('add-version', systemId, '1.0', '--her-id', '8999911', '--fhir-base-url', 'https://fhir.cli.example/r4/');
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/1\.0 {2}HER-id 8999911 {2}FHIR API https:\/\/fhir\.cli\.example\/r4$/);
    const versionId = version.out.split(/\s+/)[0]!;
    const moved = await cli('set-fhir-base-url', systemId, versionId, 'https://fhir2.cli.example/r4');
    expect(moved.code).toBe(0);
    expect((await cli('list')).out).toContain(`${versionId}  1.0  HER-id 8999911  FHIR API https://fhir2.cli.example/r4`);

    // The vendor has proved control of that server (a challenge this test cannot serve from that host).
    await t.service.ctx.repo.systems.markFhirEndpointVerified('https://fhir2.cli.example/r4', vendorId, 'test');
    const other = await registerVendor(t, 'Annen CLI-leverandør AS');
    const io = captureIo();
    const otherSystem = (await (await t.call('POST', '/api/v1/systems', { token: other.token, json: { name: 'Kopi' } })).json()) as {
      id: string;
    };
    const args = ['systems', 'add-version', otherSystem.id, '1', '--her-id', '8999911', '--fhir-base-url', 'https://fhir2.cli.example/r4'];
    expect(await main([...args, '--server', t.url, '--token', other.token], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/HTTP 409: .*verified as another vendor's/);
  });

  it("needs --her-id, and prints the service's reason for a HER-id it refuses (exit 2)", async () => {
    const systemId = (await cli('add', 'CLI-EPJ-2')).out.split(/\s+/)[0]!;
    expect((await cli('add-version', systemId, '1')).code).toBe(2);
    const refused = await cli('add-version', systemId, '1', '--her-id', '8999901');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/HTTP 422: .*samsvar's own test party/);
  });

  it("prints the challenge of the version's FHIR server and has the service verify it once the server serves the token", async () => {
    const systemId = (await cli('add', 'CLI-BEVIS')).out.split(/\s+/)[0]!;
    const versionId = (await cli('add-version', systemId, '1.0', '--her-id', '8999911', '--fhir-base-url', fx.base('good'))).out.split(
      /\s+/,
    )[0]!;
    const challenge = await cli('fhir-challenge', systemId, versionId);
    expect(challenge.code).toBe(0);
    const [head, urlLine, answerLine] = challenge.out.split('\n');
    expect(head).toBe(`${fx.base('good')}  server 127.0.0.1:${fx.port}  not verified`);
    const answer = answerLine!.replace(/^serve {2}/, '');
    const serverToken = answer.split('.')[0]!;
    expect(urlLine).toBe(`url    ${fx.origin}/.well-known/samsvar-challenge/${serverToken}`);

    const refused = await cli('verify-fhir-server', systemId, versionId);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/HTTP 422: .*answered HTTP 404, not 200 with the answer/);

    fx.serveChallenge(serverToken, { body: answer });
    const verified = await cli('verify-fhir-server', systemId, versionId);
    expect(verified.code).toBe(0);
    expect(verified.out.split('\n')[0]).toMatch(new RegExp(`server 127\\.0\\.0\\.1:${fx.port} {2}verified \\d{4}-`));
  });
});
