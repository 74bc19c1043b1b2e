import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHIPPED_PROFILES_DIR } from '../../src/core/paths.js';
import type { RunTestData } from '../../src/core/run-test-data.js';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';
import { webPages } from '../../src/web/web-pages.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { withAttachment } from '../helpers/kith-messages.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import { PROFILE, run, systemVersion } from '../server/declaration-helpers.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { startWebService } from './web-service.js';
import { visible } from './visible-text.js';

/**
 * What the pages say is bokmål, also where the text is built from the engine's or the domain's
 * data: no English status reason, and instants as Norwegian clock time (a message's GenDate is
 * Norwegian local time, so a UTC instant beside it reads as the wrong hour).
 */
describe('pages say times and reasons in bokmål', () => {
  let t: TestService;
  let vendorToken: string;

  const ISO_INSTANT = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
  const NB_CLOCK_TIME = /\d{1,2}\. \p{L}+ \d{4} kl\. \d{2}:\d{2}:\d{2}/u;

  const session = async (where: '/forvaltning' | '/leverandor', token: string): Promise<string> => {
    const res = await fetch(`${t.url}${where}/logg-inn`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    const cookie = res.headers.get('set-cookie');
    if (!cookie) throw new Error(`no session from ${where}/logg-inn: HTTP ${res.status}`);
    return cookie.split(';')[0]!;
  };
  const page = async (p: string, cookie?: string) => {
    const res = await fetch(`${t.url}${p}`, { headers: cookie ? { cookie } : {} });
    expect(res.status, p).toBe(200);
    return visible(await res.text());
  };

  beforeAll(async () => {
    t = await startWebService({ revalidations: true });
    vendorToken = (await registerVendor(t, 'Bokmål Journal AS')).token;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("a revoked declaration's HTML rendering gives the reason in bokmål, not the API's English", async () => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, 'Tilbakekalt Journal', '1.0'));
    const { id } = (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendorToken, json: ISSUANCE })).json()) as {
      id: string;
    };
    const revoked = await t.call('POST', `/api/v1/declarations/${id}/revoke`, {
      token: ADMIN_TOKEN,
      json: { reason: 'Feil ved stikkprøve' },
    });
    expect(revoked.status).toBe(200);

    const text = await page(`/api/v1/declarations/${id}.html`);
    expect(text).toContain('Begrunnelse: Feil ved stikkprøve');
    expect(text).not.toMatch(/revoked on|revoked by/);
    // Who revoked is a reader's name for the scheme's administration, not the variable its token is set in.
    expect(text).toMatch(/Tilbakekalt \d{1,2}\. \p{L}+ \d{4} av Forvaltningen\./u);
    expect(text).not.toContain('SAMSVAR_ADMIN_TOKEN');
    expect(await page(`/erklaering/${id}`)).not.toContain('SAMSVAR_ADMIN_TOKEN');
    // The signed declaration names its evidence "submission <id>"; the rendering says it in bokmål.
    expect(text).toContain('Innsending ');
    expect(text).not.toContain('submission ');
  });

  it("a revoked declaration's page says «Tilbakekalt» once, with when, by whom and why after it", async () => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, 'Journal Én Gang', '1.0'));
    const { id } = (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendorToken, json: ISSUANCE })).json()) as {
      id: string;
    };
    await t.call('POST', `/api/v1/declarations/${id}/revoke`, { token: ADMIN_TOKEN, json: { reason: 'Feil ved stikkprøve' } });
    const text = await page(`/erklaering/${id}`);
    expect(text).toMatch(/Status: Tilbakekalt \d{1,2}\. \p{L}+ \d{4} av Forvaltningen\. Begrunnelse: Feil ved stikkprøve/u);
    expect(text.split('Tilbakekalt').length - 1).toBe(1);
  });

  it("a run's page gives when it started and the test patient's birth date as Norwegian dates", async () => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, 'Startet Journal', '1.0'), { submit: false });
    const text = await page(`/leverandor/kjoringer/${runId}`, await session('/leverandor', vendorToken));
    expect(text).toContain('etter at kjøringen ble startet (');
    expect(text).toMatch(NB_CLOCK_TIME);
    expect(text).not.toMatch(ISO_INSTANT);
    expect(text).not.toMatch(/født \d{4}-/);
  });

  it("a live test case on a run's page says how to run it against the FHIR API instead of offering an upload that is always refused", async () => {
    const version = await systemVersion(t, vendorToken, 'FHIR Journal', '1.0');
    const opened = await t.call('POST', '/api/v1/runs', {
      token: vendorToken,
      json: { systemVersionId: version, profiles: ['no-basis-patient'] },
    });
    expect(opened.status).toBe(201);
    const { id } = (await opened.json()) as { id: string };
    const res = await fetch(`${t.url}/leverandor/kjoringer/${id}`, { headers: { cookie: await session('/leverandor', vendorToken) } });
    const live = /<section[^>]*aria-labelledby="tc-fhir-live-patient-read-search"[\s\S]*?<\/section>/.exec(await res.text())?.[0] ?? '';
    expect(live).toContain('Pasient: les og søk');
    expect(live).not.toContain('type="file"');
    expect(visible(live)).toContain(`POST /api/v1/runs/${id}/testcases/fhir-live-patient-read-search/live`);
    // Without a registered FHIR API there is nothing to test yet: the page says so, and where to register it.
    expect(visible(live)).toContain('systemversjonen har ingen registrert adresse til et FHIR-API');
    expect(visible(live)).toContain(`/versions/${version}/fhir-base-url`);
  });

  it("a live test case and the vendor's list name the FHIR API registered for the system version, the only one tested", async () => {
    const version = await systemVersion(t, vendorToken, 'FHIR Journal', '3.0');
    const systems = (await (await t.call('GET', '/api/v1/systems', { token: vendorToken })).json()) as { id: string; name: string }[];
    const systemId = systems.find((s) => s.name === 'FHIR Journal')!.id;
    const put = await t.call('PUT', `/api/v1/systems/${systemId}/versions/${version}/fhir-base-url`, {
      token: vendorToken,
      json: { fhirBaseUrl: 'https://fhir.journal.example/r4/' },
    });
    expect(put.status).toBe(200);
    const opened = await t.call('POST', '/api/v1/runs', {
      token: vendorToken,
      json: { systemVersionId: version, profiles: ['no-basis-patient'] },
    });
    const { id } = (await opened.json()) as { id: string };
    const cookie = await session('/leverandor', vendorToken);
    const res = await fetch(`${t.url}/leverandor/kjoringer/${id}`, { headers: { cookie } });
    const live = /<section[^>]*aria-labelledby="tc-fhir-live-patient-read-search"[\s\S]*?<\/section>/.exec(await res.text())?.[0] ?? '';
    expect(visible(live)).toContain('bare mot adressen som er registrert på systemversjonen: https://fhir.journal.example/r4');
    expect(await page('/leverandor', cookie)).toContain('3.0 (HER-id');
    expect(await page('/leverandor', cookie)).toContain('FHIR-API https://fhir.journal.example/r4)');
  });

  it("the version form refuses another vendor's FHIR API in bokmål, and a malformed address by its field", async () => {
    const owner = await registerVendor(t, 'Eier av API AS');
    await systemVersion(t, owner.token, 'Eiers Journal', '1.0');
    const ownerSystem = ((await (await t.call('GET', '/api/v1/systems', { token: owner.token })).json()) as { id: string }[])[0]!;
    const ownerVersion = await t.call('POST', `/api/v1/systems/${ownerSystem.id}/versions`, {
      token: owner.token,
      json: { version: '2.0', fhirBaseUrl: 'https://fhir.eier.example/r4' },
    });
    expect(ownerVersion.status).toBe(201);
    // The owner has proved control of its server (a challenge this test cannot serve from that host).
    await t.service.ctx.repo.systems.markFhirEndpointVerified('https://fhir.eier.example/r4', owner.id, 'test');
    await systemVersion(t, vendorToken, 'Skjema Journal', '1.0');
    const systems = (await (await t.call('GET', '/api/v1/systems', { token: vendorToken })).json()) as { id: string; name: string }[];
    const systemId = systems.find((s) => s.name === 'Skjema Journal')!.id;
    const cookie = await session('/leverandor', vendorToken);
    const post = async (versjon: string, fhir: string) => {
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${t.url}/leverandor`, { headers: { cookie } })).text())![1]!;
      const res = await fetch(`${t.url}/leverandor/systemer/${systemId}/versjoner`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf, versjon, herid: '', fhir }),
        headers: { cookie },
        redirect: 'manual',
      });
      return { status: res.status, text: visible(await res.text()) };
    };
    const taken = await post('2.0', 'https://fhir.eier.example/r4/');
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Serveren til FHIR-API-et er bekreftet som en annen leverandørs.');
    expect(taken.text).not.toContain('verified as another vendor');
    const malformed = await post('3.0', 'ftp://fhir.skjema.example');
    expect(malformed.status).toBe(422);
    expect(malformed.text).toContain('Adressen til FHIR-API-et er ikke gyldig.');
  });

  it("a version's FHIR API is registered, and moved, from the vendor's page, and the run's live test then names the new one", async () => {
    const version = await systemVersion(t, vendorToken, 'Flytte Journal', '1.0');
    const systems = (await (await t.call('GET', '/api/v1/systems', { token: vendorToken })).json()) as { id: string; name: string }[];
    const systemId = systems.find((s) => s.name === 'Flytte Journal')!.id;
    const cookie = await session('/leverandor', vendorToken);
    const move = async (fhir: string) => {
      const html = await (await fetch(`${t.url}/leverandor`, { headers: { cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
      const action = `/leverandor/systemer/${systemId}/versjoner/${version}/fhir-api`;
      expect(html).toContain(`action="${action}"`);
      const res = await fetch(`${t.url}${action}`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf, fhir }),
        headers: { cookie },
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/leverandor');
    };
    await move('https://fhir.flytte.example/r4/');
    expect(await page('/leverandor', cookie)).toContain('1.0 (HER-id');
    expect(await page('/leverandor', cookie)).toContain('FHIR-API https://fhir.flytte.example/r4)');
    await move('https://fhir2.flytte.example/fhir');
    const listed = await page('/leverandor', cookie);
    expect(listed).toContain('FHIR-API https://fhir2.flytte.example/fhir)');
    expect(listed).not.toContain('https://fhir.flytte.example/r4');
    const got = (await (await t.call('GET', `/api/v1/systems/${systemId}`, { token: vendorToken })).json()) as {
      versions: { id: string; fhirBaseUrl: string | null }[];
    };
    expect(got.versions.find((x) => x.id === version)?.fhirBaseUrl).toBe('https://fhir2.flytte.example/fhir');
    const opened = await t.call('POST', '/api/v1/runs', {
      token: vendorToken,
      json: { systemVersionId: version, profiles: ['no-basis-patient'] },
    });
    const { id } = (await opened.json()) as { id: string };
    const res = await fetch(`${t.url}/leverandor/kjoringer/${id}`, { headers: { cookie } });
    const live = /<section[^>]*aria-labelledby="tc-fhir-live-patient-read-search"[\s\S]*?<\/section>/.exec(await res.text())?.[0] ?? '';
    expect(visible(live)).toContain('registrert på systemversjonen: https://fhir2.flytte.example/fhir');
  });

  it("the FHIR API form refuses another vendor's server and a malformed address in bokmål next to the version's field, and another vendor's version is not found", async () => {
    const owner = await registerVendor(t, 'Eier av tjener AS');
    const ownerVersion = await systemVersion(t, owner.token, 'Tjenereiers Journal', '1.0');
    const ownerSystem = ((await (await t.call('GET', '/api/v1/systems', { token: owner.token })).json()) as { id: string }[])[0]!;
    const claimed = await t.call('PUT', `/api/v1/systems/${ownerSystem.id}/versions/${ownerVersion}/fhir-base-url`, {
      token: owner.token,
      json: { fhirBaseUrl: 'https://fhir.tjenereier.example/r4' },
    });
    expect(claimed.status).toBe(200);
    await t.service.ctx.repo.systems.markFhirEndpointVerified('https://fhir.tjenereier.example/r4', owner.id, 'test');
    const version = await systemVersion(t, vendorToken, 'Feltfeil Journal', '1.0');
    const systems = (await (await t.call('GET', '/api/v1/systems', { token: vendorToken })).json()) as { id: string; name: string }[];
    const systemId = systems.find((s) => s.name === 'Feltfeil Journal')!.id;
    const cookie = await session('/leverandor', vendorToken);
    const post = async (sys: string, ver: string, fhir: string) => {
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${t.url}/leverandor`, { headers: { cookie } })).text())![1]!;
      const res = await fetch(`${t.url}/leverandor/systemer/${sys}/versjoner/${ver}/fhir-api`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf, fhir }),
        headers: { cookie },
        redirect: 'manual',
      });
      return { status: res.status, html: await res.text() };
    };
    /** The reason shown under the version's own field, which is marked invalid and keeps what was given. */
    const reasonAtField = (html: string, given: string) => {
      const id = `fhir-api-${version}`;
      const input = new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? '';
      expect(input).toContain('aria-invalid="true"');
      expect(input).toContain(`${id}-feil`);
      expect(input).toContain(`value="${given}"`);
      return visible(new RegExp(`<p id="${id}-feil"[^>]*>[\\s\\S]*?</p>`).exec(html)?.[0] ?? '');
    };
    const taken = await post(systemId, version, 'https://fhir.tjenereier.example/annen/sti');
    expect(taken.status).toBe(409);
    expect(reasonAtField(taken.html, 'https://fhir.tjenereier.example/annen/sti')).toContain(
      'Serveren til FHIR-API-et er bekreftet som en annen leverandørs.',
    );
    expect(visible(taken.html)).not.toContain('verified as another vendor');
    const malformed = await post(systemId, version, 'ftp://fhir.feltfeil.example');
    expect(malformed.status).toBe(422);
    expect(reasonAtField(malformed.html, 'ftp://fhir.feltfeil.example')).toContain('Adressen til FHIR-API-et er ikke gyldig.');
    const theirs = await post(ownerSystem.id, ownerVersion, 'https://fhir.feltfeil.example/r4');
    expect(theirs.status).toBe(404);
    const kept = (await (await t.call('GET', `/api/v1/systems/${ownerSystem.id}`, { token: owner.token })).json()) as {
      versions: { fhirBaseUrl: string | null }[];
    };
    expect(kept.versions[0]!.fhirBaseUrl).toBe('https://fhir.tjenereier.example/r4');
  });

  it('a FHIR test case asks for what a FHIR resource can carry (the test patient), not a MsgId, GenDate or communication parties', async () => {
    const version = await systemVersion(t, vendorToken, 'FHIR Journal', '2.0');
    const opened = await t.call('POST', '/api/v1/runs', {
      token: vendorToken,
      json: { systemVersionId: version, profiles: ['no-basis-patient'] },
    });
    const { id } = (await opened.json()) as { id: string };
    const runPage = await (
      await fetch(`${t.url}/leverandor/kjoringer/${id}`, { headers: { cookie: await session('/leverandor', vendorToken) } })
    ).text();
    const catalogue = await (await fetch(`${t.url}/profiler/no-basis-patient`)).text();
    for (const html of [runPage, catalogue]) {
      const card = visible(/<section[^>]*aria-labelledby="tc-no-basis-patient-adresse"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '');
      expect(card).toContain('Ressursen må komme fra systemet i denne kjøringen');
      expect(card).not.toMatch(/MsgId|GenDate|testkommunikasjonspart/);
    }
  });

  it('an upload larger than the service accepts is refused as too large (413), not as a page that does not exist', async () => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, 'Stor Journal', '1.0'), { submit: false });
    const form = new FormData();
    form.append('testtilfelle', `${PROFILE}-send`);
    form.append('fil', new Blob([new Uint8Array(26 * 1024 * 1024)]), 'stor.xml');
    const res = await fetch(`${t.url}/leverandor/kjoringer/${runId}/innsendinger`, {
      method: 'POST',
      body: form,
      headers: { cookie: await session('/leverandor', vendorToken), accept: 'text/html' },
    });
    expect(res.status).toBe(413);
    const text = visible(await res.text());
    expect(text).toContain('Filen er større enn tjenesten tar imot');
    expect(text).not.toContain('Fant ikke siden');
  });

  it('a message made before the run started is told so in Norwegian clock time', async () => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, 'Gammel Journal', '1.0'), { submit: false });
    const { testData } = (await (await t.call('GET', `/api/v1/runs/${runId}`, { token: vendorToken })).json()) as { testData: RunTestData };
    const testcases = (await (await t.call('GET', `/api/v1/testcases?profile=${PROFILE}`)).json()) as { id: string; kind: string }[];
    const yesterday = osloDateTime(new Date(Date.parse(testData.openedAt) - 86_400_000));
    const body = withAttachment(runMessage(FORESPORSEL_TEMPLATE, testData, { genDate: yesterday }));
    const tc = testcases.find((c) => c.kind === 'submit')!;
    const res = await t.call('POST', `/api/v1/runs/${runId}/submissions?testcase=${tc.id}`, {
      token: vendorToken,
      body,
      contentType: 'application/xml',
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };

    const text = await page(`/leverandor/kjoringer/${runId}/innsendinger/${id}`, await session('/leverandor', vendorToken));
    const said = /før kjøringen ble startet \(([^)]*)\)/.exec(text);
    expect(said?.[1]).toMatch(NB_CLOCK_TIME);
  });

  it('a spot check deadline picked in the form is the end of that day in Norway, also in summer time', async () => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, 'Stikkprøve Journal', '1.0'));
    const { id } = (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendorToken, json: ISSUANCE })).json()) as {
      id: string;
    };
    const admin = await session('/forvaltning', ADMIN_TOKEN);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(
      await (await fetch(`${t.url}/forvaltning`, { headers: { cookie: admin } })).text(),
    )![1]!;
    const summer = `${new Date().getUTCFullYear() + 1}-07-01`;
    const posted = await fetch(`${t.url}/forvaltning/erklaeringer/${id}/stikkprove`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, testtilfelle: `${PROFILE}-send`, frist: summer }),
      headers: { cookie: admin },
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    const checks = (await (await t.call('GET', `/api/v1/declarations/${id}/spot-checks`, { token: ADMIN_TOKEN })).json()) as {
      deadline: string;
    }[];
    // 23:59:59 Norwegian summer time (+02:00), not 00:59:59 the next day.
    expect(checks.map((c) => c.deadline)).toEqual([`${summer}T21:59:59.000Z`]);
  });

  /** Posts a form on the administrators' declarations list as `token`'s session, with its CSRF token. */
  const postDeclarationForm = async (token: string, action: string, fields: Record<string, string>) => {
    const cookie = await session('/forvaltning', token);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${t.url}/forvaltning`, { headers: { cookie } })).text())![1]!;
    const res = await fetch(`${t.url}/forvaltning/erklaeringer/${action}`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, ...fields }),
      headers: { cookie },
      redirect: 'manual',
    });
    return { status: res.status, html: await res.text() };
  };
  /** The reason a form field was refused: the text of the element its aria-describedby names, when it is marked invalid. */
  const fieldReason = (html: string, inputId: string) => {
    const input = new RegExp(`<input[^>]*id="${inputId}"[^>]*>`).exec(html)?.[0] ?? '';
    const describedBy = /aria-invalid="true"/.test(input) ? /aria-describedby="([^"]+)"/.exec(input)?.[1] : undefined;
    const reason = describedBy ? new RegExp(`id="${describedBy}"[^>]*>([^<]*)<`).exec(html)?.[1] : undefined;
    return { reason: reason?.trim(), value: /value="([^"]*)"/.exec(input)?.[1] };
  };
  const declaration = async (system: string) => {
    const runId = await run(t, vendorToken, await systemVersion(t, vendorToken, system, '1.0'));
    return (
      (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendorToken, json: ISSUANCE })).json()) as { id: string }
    ).id;
  };

  it('revoking a declaration someone has already revoked says so (409), not «Dette finnes allerede»', async () => {
    const id = await declaration('Dobbelt Journal');
    await t.call('POST', `/api/v1/declarations/${id}/revoke`, { token: ADMIN_TOKEN, json: { reason: 'Første tilbakekalling' } });
    const { status, html } = await postDeclarationForm(ADMIN_TOKEN, `${id}/tilbakekall`, { begrunnelse: 'Andre tilbakekalling' });
    expect(status).toBe(409);
    expect(visible(html)).toContain('Erklæringen er allerede trukket tilbake.');
    expect(visible(html)).not.toContain('finnes allerede');
  });

  it('a spot check deadline in the past is refused next to the deadline field (422), saying the day has passed', async () => {
    const id = await declaration('Fristløs Journal');
    const { status, html } = await postDeclarationForm(ADMIN_TOKEN, `${id}/stikkprove`, {
      testtilfelle: `${PROFILE}-send`,
      frist: '2020-01-01',
    });
    expect(status).toBe(422);
    expect(fieldReason(html, `frist-${id}`)).toEqual({
      reason: 'Fristen har allerede vært. Velg i dag eller en senere dag.',
      value: '2020-01-01',
    });
  });

  it('a laboratory naming a run it does not have gets the form again with the reason next to the run field (422), not a missing page', async () => {
    const id = await declaration('Laboratoriets Journal');
    const lab = (
      (await (await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Testlab Bokmål AS' } })).json()) as {
        token: string;
      }
    ).token;
    const { status, html } = await postDeclarationForm(lab, `${id}/bekreft`, { kjoring: 'ingen-slik-kjoring' });
    expect(status).toBe(422);
    expect(fieldReason(html, `kj-${id}`)).toEqual({
      reason: 'Laboratoriet har ingen testkjøring med denne id-en. Start laboratoriets testkjøring, og oppgi id-en den får.',
      value: 'ingen-slik-kjoring',
    });
  });

  it('the re-validations list says when each started in Norwegian clock time', async () => {
    expect((await t.call('POST', '/api/v1/admin/revalidations', { token: ADMIN_TOKEN, json: { profile: PROFILE } })).status).toBe(202);
    const text = await page('/forvaltning/revalidering', await session('/forvaltning', ADMIN_TOKEN));
    expect(text).toMatch(NB_CLOCK_TIME);
    expect(text).not.toMatch(ISO_INSTANT);
  });

  it("the validator gives a shipped profile's business rule finding in the rule's own bokmål text, not only its id", async () => {
    const message = readFileSync(path.join(SHIPPED_PROFILES_DIR, PROFILE, 'examples', 'invalid', 'DLG-0005--missing-sporsmal.xml'), 'utf8');
    const res = await fetch(`${t.url}/validering`, { method: 'POST', body: new URLSearchParams({ melding: message }) });
    const text = visible(await res.text());
    expect(text).toContain('DLG-0005');
    expect(text).toContain('Foresporsel har ingen spørsmålstekst: Sporsmal mangler eller er tomt.');
    expect(text).not.toContain('bryter forretningsregelen');
    expect(text).not.toContain('The Foresporsel has no question text');
  });
});

describe('a refusal from the engine reaches a person as a page in bokmål', () => {
  /**
   * 100,000 elements: reading them takes tens of milliseconds on any machine, far beyond the 1 ms
   * (+ 1 ms per MiB) limit below, so the validation is always stopped, never finished in time.
   */
  const SLOW_MESSAGE = `<a>${'<b/>'.repeat(100_000)}</a>`;
  let t: TestService;
  beforeAll(async () => {
    // A time limit no validation keeps within: every message is stopped, as a costly one would be.
    t = await startWebService({ config: { validationWorkers: 1, validationTimeoutMs: 1, validationTimeoutMsPerMiB: 1 } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('the validator says in bokmål that the validation was stopped, not the API’s English problem document', async () => {
    const res = await fetch(`${t.url}/validering`, {
      method: 'POST',
      body: new URLSearchParams({ melding: SLOW_MESSAGE }),
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('Valideringen tok lengre tid enn tjenesten tillater');
    expect(html).not.toMatch(/took longer|problem/);
  });

  it('a program still gets the problem document', async () => {
    const res = await t.call('POST', '/api/v1/validate', { body: SLOW_MESSAGE, contentType: 'application/xml' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('a count agrees in number with the word after it', () => {
  let t: TestService;
  let declarationId: string;
  let feature: Awaited<ReturnType<typeof declarationFeature>>;
  /** A plural word after the count 1, as the pages once said it ("1 gyldige erklæringer"). */
  const ONE_WITH_PLURAL =
    /\b1 (erklæringer|gyldige|testtilfeller|sekunder|profiler|meldingsprofiler|systemversjoner|registrerte|testkjøringer|innsendinger)\b/;
  const visible = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const session = async (token: string): Promise<string> => {
    const res = await fetch(`${t.url}/forvaltning/logg-inn`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    return res.headers.get('set-cookie')!.split(';')[0]!;
  };
  const page = async (p: string, cookie?: string) => {
    const res = await fetch(`${t.url}${p}`, { headers: cookie ? { cookie } : {} });
    expect(res.status, p).toBe(200);
    return visible(await res.text());
  };

  beforeAll(async () => {
    feature = await declarationFeature(
      { dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-web-count-')) },
      { env: { SAMSVAR_PUBLIC_URL: 'https://samsvar.test', SAMSVAR_SWEEP_SECONDS: '0' } },
    );
    t = await startTestService(dialectsUnderTest()[0]!, {}, { routeModules: feature.modules, pages: webPages(feature.feature) });
    const token = (await registerVendor(t, 'Eneste Journal AS')).token;
    const runId = await run(t, token, await systemVersion(t, token, 'Eneste Journal', '1.0'));
    declarationId = (
      (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token, json: ISSUANCE })).json()) as { id: string }
    ).id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("the administrators' overview says «1 erklæring», «1 gyldig» and «1 registrert leverandør»", async () => {
    const text = await page('/forvaltning', await session(ADMIN_TOKEN));
    expect(text).toContain('1 erklæring i registeret, 1 gyldig.');
    expect(text).toContain('1 registrert leverandør.');
    expect(text).not.toMatch(ONE_WITH_PLURAL);
  });

  it("a profile's impact page says «1 gyldig erklæring»", async () => {
    const text = await page(`/forvaltning/profiler/${PROFILE}`, await session(ADMIN_TOKEN));
    expect(text).toContain('1 gyldig erklæring bygger på profilen');
    expect(text).not.toMatch(ONE_WITH_PLURAL);
  });

  it('the impact page of the Hodemelding profile names the Dialogmelding declaration resting on it, and through which profile', async () => {
    const text = await page('/forvaltning/profiler/msghead-1.2', await session(ADMIN_TOKEN));
    expect(text).toContain('1 gyldig erklæring bygger på profilen og utløper når den fases ut');
    expect(text).toMatch(new RegExp(`gjennom ${PROFILE.replace(/[.]/g, '\\.')} ?, som bruker reglene i denne profilen`));
    expect(text).not.toContain('Ingen gyldige erklæringer');
    // A profile nothing rests on says so.
    expect(await page('/forvaltning/profiler/apprec-1.0', await session(ADMIN_TOKEN))).toContain(
      'Ingen gyldige erklæringer bygger på denne profilen, verken direkte eller gjennom en profil som bruker den.',
    );
  });

  it('the front page, the registry, the profile catalogue and the declaration never put a plural after 1', async () => {
    for (const p of ['/', '/register', '/profiler', `/erklaering/${declarationId}`]) expect(await page(p), p).not.toMatch(ONE_WITH_PLURAL);
    expect(await page('/')).toContain('1 erklæring for 1 systemversjon');
  });

  it('the validator asks to wait «1 sekund», not «1 sekunder»', async () => {
    // Only Date is faked, and before the service starts, so the validator's rate limiter reads this clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-11-30T12:00:00Z');
    vi.setSystemTime(start);
    const limited = await startTestService(dialectsUnderTest()[0]!, { rateLimitPerMinute: 1 }, { pages: webPages(feature.feature) });
    try {
      const validate = () => fetch(`${limited.url}/validering`, { method: 'POST', body: new URLSearchParams({ melding: '<a/>' }) });
      await validate();
      vi.setSystemTime(start + 59_500);
      const res = await validate();
      expect(res.status).toBe(429);
      expect(visible(await res.text())).toContain('Vent 1 sekund og prøv igjen.');
    } finally {
      vi.useRealTimers();
      await limited.stop();
    }
  });
});
