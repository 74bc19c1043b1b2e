import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE } from '../test/declarations/fixtures.js';
import { run, systemVersion } from '../test/server/declaration-helpers.js';
import { ADMIN_TOKEN, registerVendor, type TestService } from '../test/support/service.js';
import { startWebService } from '../test/web/web-service.js';
import { runs, SEED } from './inputs.js';

/**
 * The pages' form parsers and handlers under generated bodies: urlencoded and multipart, hostile
 * field names, huge and repeated fields, invalid UTF-8 and broken percent-escapes, wrong or missing
 * content types, signed out or signed in with a valid, missing or repeated CSRF token. Never a 5xx
 * (an exception escaping a handler is a 500). In process, through the whole app (router, origin
 * check, body limits, parsers, handlers), as the Node server would call it for a client at CLIENT.
 */
const CLIENT = { incoming: { socket: { remoteAddress: '127.0.0.1', remotePort: 40000, remoteFamily: 'IPv4' } } };
describe('the web forms never answer 5xx to hostile bodies', () => {
  let t: TestService;
  const sessions: Record<'vendor' | 'admin', { cookie: string; csrf: string }> = {} as never;
  let paths: string[] = [];

  async function signIn(where: '/leverandor' | '/forvaltning', token: string) {
    const res = await fetch(`${t.url}${where}/logg-inn`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${t.url}${where}`, { headers: { cookie } })).text();
    return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]! };
  }

  beforeAll(async () => {
    t = await startWebService();
    const vendor = await registerVendor(t, 'Skjemafuzz AS');
    const version = await systemVersion(t, vendor.token, 'FuzzJournal', '1.0');
    const runId = await run(t, vendor.token, version);
    const declaration = (
      (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })).json()) as { id: string }
    ).id;
    const system = ((await (await t.call('GET', '/api/v1/systems', { token: vendor.token })).json()) as { id: string }[])[0]!.id;
    const vendorId = vendor.id;
    sessions.vendor = await signIn('/leverandor', vendor.token);
    sessions.admin = await signIn('/forvaltning', ADMIN_TOKEN);
    // Every form of the pages, on real objects (so a valid CSRF token reaches the handler) and on hostile ids.
    paths = [
      '/validering',
      '/leverandor/logg-inn',
      '/leverandor/registrer',
      '/leverandor/systemer',
      `/leverandor/systemer/${system}/versjoner`,
      '/leverandor/kjoringer',
      `/leverandor/kjoringer/${runId}/innsendinger`,
      `/leverandor/kjoringer/${runId}/erklaering`,
      `/leverandor/kjoringer/%00/innsendinger`,
      '/forvaltning/logg-inn',
      `/forvaltning/erklaeringer/${declaration}/stikkprove`,
      `/forvaltning/erklaeringer/${declaration}/testkjoring`,
      `/forvaltning/erklaeringer/${declaration}/bekreft`,
      `/forvaltning/erklaeringer/__proto__/tilbakekall`,
      '/forvaltning/profiler/dialogmelding-1.1-foresporsel/status',
      '/forvaltning/profiler/..%2F..%2Fetc/publiser',
      '/forvaltning/kravsett',
      `/forvaltning/leverandorer/${vendorId}/verifiser`,
      '/forvaltning/logg-ut',
      '/leverandor/logg-ut',
    ];
  });
  afterAll(async () => {
    await t?.stop();
  });

  const enc = (s: string) => Buffer.from(s, 'utf8');
  /** Field names a handler might trip on: prototype keys, array syntax, its own names, broken escapes, huge. */
  const name = fc.oneof(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      '_csrf',
      'fil',
      'token',
      'profil',
      'profil[]',
      'navn',
      'testtilfelle',
      'niva',
      'status',
      'a[b][c]',
      '',
      '%',
      '%ZZ',
      '%FF',
      '%C3%28',
      '\u0000',
      '🙂',
      'x'.repeat(5000),
    ),
    fc.string({ maxLength: 20 }),
  );
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 60 }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '%FF%FE',
        '%C3%28',
        '%ED%A0%80',
        '%',
        '%%',
        '%E2%82',
        'retired',
        'active',
        'mandatory',
        'dialogmelding-1.1-foresporsel',
        '2026-13-45',
        '<a/>',
        '\r\n\r\n',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 400_000 }).map((n) => 'å'.repeat(n)) },
  );
  /** Bytes that are not UTF-8 (lone continuation bytes, overlongs, surrogates), sometimes inside a value. */
  const rawBytes = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 24 }),
    fc.constantFrom(Uint8Array.of(0xff, 0xfe), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0x80)),
  );
  const fieldValue = fc.oneof(
    { weight: 4, arbitrary: text.map(enc) },
    { weight: 1, arbitrary: fc.tuple(text, rawBytes, text).map(([a, b, c]) => Buffer.concat([enc(a), b, enc(c)])) },
  );
  const who = fc.constantFrom('anonymous', 'vendor', 'admin');
  /** Where the CSRF token stands: absent, valid, twice, or a hostile one. */
  const csrfMode = fc.constantFrom('none', 'valid', 'valid', 'twice', 'hostile');

  function csrfFields(mode: string, caller: string): Array<[Buffer, Buffer]> {
    const token = caller === 'anonymous' ? 'x' : sessions[caller as 'vendor' | 'admin'].csrf;
    if (mode === 'valid') return [[enc('_csrf'), enc(token)]];
    if (mode === 'twice')
      return [
        [enc('_csrf'), enc(token)],
        [enc('_csrf'), enc(token)],
      ];
    if (mode === 'hostile') return [[enc('_csrf'), Buffer.from([0xff, 0x00, 0x25])]];
    return [];
  }

  async function post(path: string, as: string, body: Uint8Array, contentType: string | undefined) {
    // Signing out would end the sessions the other inputs use: it is posted signed out (its parser is the same).
    const caller = path.endsWith('/logg-ut') ? 'anonymous' : as;
    const headers: Record<string, string> = { accept: 'text/html' };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (caller !== 'anonymous') headers.cookie = sessions[caller as 'vendor' | 'admin'].cookie;
    const res = await t.service.app.request(path, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer> }, CLIENT);
    const answer = await res.text();
    if (res.status >= 500) throw new Error(`${path} as ${caller}: ${res.status} ${answer.slice(0, 300)}`);
    expect(res.status).toBeLessThan(500);
  }

  it('urlencoded bodies: hostile names, broken escapes, invalid UTF-8, huge and repeated fields', async () => {
    const pair = fc.tuple(
      fc.oneof(
        name.map(enc),
        rawBytes.map((b) => Buffer.from(b)),
      ),
      fieldValue,
      fc.boolean(), // percent-encode properly, or write the bytes raw
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        who,
        csrfMode,
        fc.array(pair, { maxLength: 12 }),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=iso-8859-1',
          'multipart/form-data',
          'text/plain',
          undefined,
        ),
        async (at, caller, mode, pairs, type) => {
          const all: Array<[Buffer, Buffer, boolean]> = pairs.map(([k, v, escape]) => [k, v, escape]);
          for (const [k, v] of csrfFields(mode, caller)) all.splice(at % (all.length + 1), 0, [k, v, true]);
          const pieces = all.map(([k, v, escape]) =>
            escape
              ? enc(`${encodeURIComponent(k.toString('latin1'))}=${encodeURIComponent(v.toString('latin1'))}`)
              : Buffer.concat([k, enc('='), v]),
          );
          const body = Buffer.concat(pieces.flatMap((p, i) => (i === 0 ? [p] : [enc('&'), p])));
          await post(paths[at % paths.length]!, caller, body, type);
        },
      ),
      { numRuns: runs(800), seed: SEED },
    );
  });

  it('multipart bodies: broken boundaries and headers, hostile file names, repeated file fields, truncated', async () => {
    const part = fc.record({
      name: fc.oneof(
        name.map(enc),
        rawBytes.map((b) => Buffer.from(b)),
        fc.constant(enc('na"me\r\nX-Injected: 1')),
      ),
      filename: fc.option(fc.constantFrom('melding.xml', '../../etc/passwd', 'a"b.xml', '', 'x'.repeat(2000), 'ø.json', '\u0000.xml'), {
        nil: undefined,
      }),
      type: fc.option(fc.constantFrom('application/xml', 'application/json', 'text/plain; charset=utf-16', 'x/y; a="'), {
        nil: undefined,
      }),
      content: fc.oneof(
        fieldValue,
        fc.constant(enc('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')),
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        who,
        csrfMode,
        fc.array(part, { maxLength: 8 }),
        fc.constantFrom('----samsvar', 'a', '"quoted"', 'x'.repeat(100)),
        fc.constantFrom('ok', 'ok', 'no-boundary', 'other-boundary', 'truncated', 'no-end', 'urlencoded-type'),
        async (at, caller, mode, parts, boundary, shape) => {
          const b = boundary.replace(/"/g, '');
          const all: Array<{ name: Buffer; content: Buffer; filename?: string; type?: string }> = parts.map((p) => ({
            name: Buffer.from(p.name),
            content: Buffer.from(p.content),
            filename: p.filename,
            type: p.type,
          }));
          for (const [k, v] of csrfFields(mode, caller))
            all.splice(at % (all.length + 1), 0, { name: k, content: v, filename: undefined, type: undefined });
          const chunks: Buffer[] = [];
          for (const p of all) {
            chunks.push(enc(`--${b}\r\nContent-Disposition: form-data; name="`), p.name, enc('"'));
            if (p.filename !== undefined) chunks.push(enc(`; filename="${p.filename}"`));
            chunks.push(enc('\r\n'));
            if (p.type) chunks.push(enc(`Content-Type: ${p.type}\r\n`));
            chunks.push(enc('\r\n'), p.content, enc('\r\n'));
          }
          if (shape !== 'no-end') chunks.push(enc(`--${b}--\r\n`));
          let body = Buffer.concat(chunks);
          if (shape === 'truncated') body = body.subarray(0, at % (body.length + 1));
          const type =
            shape === 'no-boundary'
              ? 'multipart/form-data'
              : shape === 'other-boundary'
                ? 'multipart/form-data; boundary=anderledes'
                : shape === 'urlencoded-type'
                  ? 'application/x-www-form-urlencoded'
                  : `multipart/form-data; boundary=${boundary}`;
          await post(paths[at % paths.length]!, caller, body, type);
        },
      ),
      { numRuns: runs(700), seed: SEED },
    );
  });
});
