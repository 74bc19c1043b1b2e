import { connect } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectsUnderTest } from '../support/databases.js';
import { registerVendor, startTestService, type TestService } from '../support/service.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
const sqlite = dialectsUnderTest()[0]!;

/** Writes raw bytes to the service and returns everything it answers until it closes the connection. */
function rawExchange(url: string, request: string | Buffer, opts: { destroyAfterWrite?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(request, () => {
        if (opts.destroyAfterWrite) {
          socket.destroy();
          resolve('');
        }
      });
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

function parseRaw(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('faults of transport and disk answer as problems, never as a crash or a stack trace', () => {
  let t: TestService;
  const logged: string[] = [];
  let vendor: { id: string; token: string };
  let runId: string;

  beforeAll(async () => {
    t = await startTestService(sqlite, {}, { log: (m) => logged.push(m) });
    vendor = await registerVendor(t, 'Vendor F');
    const sys = (await (await t.call('POST', '/api/v1/systems', { token: vendor.token, json: { name: 'F-EPJ' } })).json()) as {
      id: string;
    };
    const ver = (await (
      await t.call('POST', `/api/v1/systems/${sys.id}/versions`, { token: vendor.token, json: { version: '1', herId: '8999911' } })
    ).json()) as { id: string };
    runId = (
      (await (
        await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: ver.id, profiles: [PROFILE] } })
      ).json()) as { id: string }
    ).id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("answers headers too large (Node's own 431) as problem JSON with the security headers", async () => {
    const raw = await rawExchange(t.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const res = parseRaw(raw);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(JSON.parse(res.body)).toMatchObject({
      status: 431,
      code: 'headers_too_large',
      type: 'https://samsvar.no/problems/headers_too_large',
    });
  });

  it('answers a request line that is not HTTP as a 400 problem', async () => {
    const res = parseRaw(await rawExchange(t.url, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('logs an upload the client aborts half way in one line, without a stack trace', async () => {
    const before = logged.length;
    const head =
      `POST /api/v1/runs/${runId}/submissions?testcase=${PROFILE}-send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${vendor.token}\r\n` +
      `Content-Type: application/xml\r\nContent-Length: 100000\r\n\r\n<a>`;
    await rawExchange(t.url, head + 'x'.repeat(5000), { destroyAfterWrite: true });
    // The service is still answering, and whatever it logged about the abort names no source file.
    for (let i = 0; i < 50 && logged.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await t.call('GET', '/healthz')).status).toBe(200);
    for (const line of logged.slice(before)) expect(line).not.toMatch(/\n\s+at |\.(ts|js):\d+/);
  });

  it('answers 507 with a problem body when the disk is full, and keeps serving reads', async () => {
    const db = t.service.ctx.database.db;
    // SQLite's own way to make the disk full: no page beyond those the file has now.
    const { page_count } = (await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]!;
    await sql.raw(`pragma max_page_count = ${page_count}`).execute(db);
    try {
      const body = `<a>${'x'.repeat(200_000)}</a>`;
      const res = await t.call('POST', `/api/v1/runs/${runId}/submissions?testcase=${PROFILE}-send`, {
        token: vendor.token,
        body,
        contentType: 'application/xml',
      });
      expect(res.status).toBe(507);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({
        status: 507,
        code: 'insufficient_storage',
        detail: expect.stringMatching(/storage is full/),
      });
      expect((await t.call('GET', `/api/v1/runs/${runId}`, { token: vendor.token })).status).toBe(200);
    } finally {
      await sql.raw('pragma max_page_count = 1073741823').execute(db);
    }
  });
});
