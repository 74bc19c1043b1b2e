import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirFixture, type FhirFixture } from '../live/fhir-fixture-server.js';
import { systemVersion } from '../server/declaration-helpers.js';
import { fhirServerStatus } from '../support/fhir-server.js';
import { registerVendor, type TestService } from '../support/service.js';
import { visible } from './visible-text.js';
import { startWebService } from './web-service.js';

/**
 * The vendor's page shows, under each version's FHIR API, whether its server is verified as the
 * vendor's, and if not, the address to serve and the token, with a button that has samsvar check
 * it; what the server answered instead is said in bokmål.
 */
describe("proving control of a version's FHIR server from the vendor's page", () => {
  let fx: FhirFixture;
  let t: TestService;
  let token: string;
  let cookie: string;
  let ids: { systemId: string; versionId: string };

  const home = async () => (await fetch(`${t.url}/leverandor`, { headers: { cookie } })).text();
  const confirm = async () => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await home())![1]!;
    const res = await fetch(`${t.url}/leverandor/systemer/${ids.systemId}/versjoner/${ids.versionId}/fhir-api/bekreft`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf }),
      headers: { cookie },
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location'), text: visible(await res.text()) };
  };

  beforeAll(async () => {
    fx = await startFhirFixture();
    t = await startWebService({ config: { fhirAllowedHosts: `127.0.0.1:${fx.port}` } });
    token = (await registerVendor(t, 'Bevis Journal AS')).token;
    const versionId = await systemVersion(t, token, 'Bevis Journal', '1.0');
    const systemId = ((await (await t.call('GET', '/api/v1/systems', { token })).json()) as { id: string }[])[0]!.id;
    ids = { systemId, versionId };
    const put = await t.call('PUT', `/api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url`, {
      token,
      json: { fhirBaseUrl: fx.base('good') },
    });
    expect(put.status).toBe(200);
    const signIn = await fetch(`${t.url}/leverandor/logg-inn`, {
      method: 'POST',
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    });
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => {
    await t?.stop();
    await fx?.close();
  });

  it('shows an unverified server with the address to serve and the token, and a button to confirm', async () => {
    const { challenge } = await fhirServerStatus(t, token, ids.systemId, ids.versionId);
    const page = visible(await home());
    expect(page).toContain(`Serveren 127.0.0.1:${fx.port} er ikke bekreftet som deres, så live-tester mot den kjøres ikke og teller ikke.`);
    expect(page).toContain(`la adressen ${challenge.url} svare HTTP 200 med koden ${challenge.answer} som hele innholdet`);
    expect(await home()).toContain('Bekreft kontroll over serveren');
  });

  it('says in bokmål what the server answered when it does not serve the token', async () => {
    const { challenge } = await fhirServerStatus(t, token, ids.systemId, ids.versionId);
    const refused = await confirm();
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(`Serveren svarte HTTP 404 på ${challenge.url}, ikke 200 med koden.`);
    expect(refused.text).toContain('Legg ut koden som hele innholdet på denne adressen på serveren, og bekreft på nytt.');
    expect(refused.text).not.toContain('answered HTTP');

    fx.serveChallenge(challenge.token, { body: 'feil kode' });
    expect((await confirm()).text).toContain(`Serveren svarte på ${challenge.url}, men innholdet var ikke koden.`);
  });

  it('confirms the server once it serves the token, and then says it is verified', async () => {
    const { challenge } = await fhirServerStatus(t, token, ids.systemId, ids.versionId);
    fx.serveChallenge(challenge.token, { body: challenge.answer });
    const done = await confirm();
    expect(done).toMatchObject({ status: 303, location: '/leverandor' });
    const page = visible(await home());
    expect(page).toMatch(new RegExp(`Serveren 127\\.0\\.0\\.1:${fx.port} er bekreftet som deres \\(\\d`));
    expect(await home()).not.toContain('Bekreft kontroll over serveren');
  });
});
