import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKeyRing } from '../../../src/signing/key-store.js';
import { nextEntry, signHead, type LogEntry } from '../../../src/transparency/log-chain.js';
import { tempDataEnv } from '../../declarations/fixtures.js';
import { runCli } from '../../helpers/cli-run.js';

async function makeLog(n: number) {
  const env = tempDataEnv();
  const ring = await loadKeyRing({ env });
  const entries: LogEntry[] = [];
  for (let i = 0; i < n; i++)
    entries.push(
      nextEntry(
        entries.at(-1),
        { type: 'issued', declarationId: `d${i}`, subjectSha256: 'a'.repeat(64) },
        new Date(Date.UTC(2026, 0, 1, i)),
      ),
    );
  const headJws = await signHead({ size: n, lastHash: entries.at(-1)!.hash }, ring.current, new Date());
  return { env, ring, entries, headJws };
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves a log the way GET /api/v1/log does: pages of 3 with a next link, and the JWKS. */
function serve(entries: LogEntry[], head: { jws: string; size: number; hash: string }, jwks: unknown): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/.well-known/jwks.json') return res.end(JSON.stringify(jwks));
    if (url.pathname !== '/api/v1/log') return res.writeHead(404).end('{}');
    const after = Number(url.searchParams.get('after') ?? 0);
    const page = entries.filter((e) => e.seq > after).slice(0, 3);
    const last = page.at(-1)?.seq;
    res.end(JSON.stringify({ entries: page, head, next: last && last < head.size ? `/api/v1/log?after=${last}` : null }));
  });
  return new Promise((resolve) =>
    server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`)),
  );
}

describe('samsvar log verify', () => {
  it('pages through a served log and reports it intact', async () => {
    const { entries, headJws, ring } = await makeLog(7);
    const base = await serve(entries, { jws: headJws, size: 7, hash: entries[6].hash }, ring.jwks);
    const r = await runCli(['log', 'verify', base]);
    expect(r).toMatchObject({ code: 0, stdout: `log intact: 7 entries, head ${entries[6].hash}\n` });
  });

  it('reports the first broken link of an edited log and exits 1', async () => {
    const { entries, headJws, ring } = await makeLog(7);
    entries[4] = { ...entries[4], declarationId: 'tampered' };
    const base = await serve(entries, { jws: headJws, size: 7, hash: entries[6].hash }, ring.jwks);
    const r = await runCli(['log', 'verify', `${base}/api/v1/log`]);
    expect(r).toMatchObject({ code: 1, stdout: 'log broken at entry 5: entry 5 was altered: its content does not match its hash\n' });
  });

  it('detects a deleted entry in a saved log file', async () => {
    const { entries, headJws, env } = await makeLog(5);
    const file = path.join(env.SAMSVAR_DATA!, 'log.json');
    writeFileSync(file, JSON.stringify({ entries: entries.filter((e) => e.seq !== 3), head: { jws: headJws } }));
    const r = await runCli(['log', 'verify', file], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken at entry 3: entry 3 is missing/);
  });

  it('with --since, detects a log cut back behind a head it signed earlier, though the server signs the shorter log afresh', async () => {
    const { entries, ring, env } = await makeLog(7);
    const earlier = path.join(env.SAMSVAR_DATA!, 'head-5.jws');
    writeFileSync(earlier, `${await signHead({ size: 5, lastHash: entries[4].hash }, ring.current, new Date())}\n`);
    // Someone with write access to the database removed entries 5-7 (say, a revocation); the service signs what is left.
    const cut = entries.slice(0, 4);
    const freshHead = await signHead({ size: 4, lastHash: cut[3].hash }, ring.current, new Date());
    const base = await serve(cut, { jws: freshHead, size: 4, hash: cut[3].hash }, ring.jwks);
    expect((await runCli(['log', 'verify', base])).code).toBe(0);
    const r = await runCli(['log', 'verify', base, '--since', earlier]);
    expect(r).toMatchObject({
      code: 1,
      stdout: 'log broken at entry 5: the earlier head covers 5 entries but only 4 are present: entries were removed from the end\n',
    });
  });

  it('with --since, accepts a log that grew since the earlier head and refuses one rewritten under it', async () => {
    const { entries, ring, env, headJws } = await makeLog(7);
    const earlier = path.join(env.SAMSVAR_DATA!, 'head-5.jws');
    writeFileSync(earlier, await signHead({ size: 5, lastHash: entries[4].hash }, ring.current, new Date()));
    const base = await serve(entries, { jws: headJws, size: 7, hash: entries[6].hash }, ring.jwks);
    expect(await runCli(['log', 'verify', base, '--since', earlier])).toMatchObject({
      code: 0,
      stdout: `log intact: 7 entries, head ${entries[6].hash}; it extends the earlier head of 5 entries\n`,
    });
    writeFileSync(earlier, await signHead({ size: 5, lastHash: 'f'.repeat(64) }, ring.current, new Date()));
    expect(await runCli(['log', 'verify', base, '--since', earlier])).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^log broken at entry 5: entry 5's hash is not the one the earlier head signed/),
    });
  });

  it('exits 2 with a message, not a stack trace, on a URL that does not parse', async () => {
    const r = await runCli(['log', 'verify', 'http://']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/http:\/\/ is not a URL/) });
  });

  it("exits 2 with a message when a page's next link does not parse", async () => {
    const { entries, headJws, ring } = await makeLog(4);
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/jwks.json') return res.end(JSON.stringify(ring.jwks));
      res.end(JSON.stringify({ entries: entries.slice(0, 3), head: { jws: headJws, size: 4, hash: entries[3].hash }, next: 'http://[' }));
    });
    const base = await new Promise<string>((resolve) =>
      server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`)),
    );
    const r = await runCli(['log', 'verify', base]);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/next link 'http:\/\/\[' is not a URL/) });
  });

  it('exits 2 on a server that is not a samsvar log', async () => {
    const { ring } = await makeLog(1);
    const base = await serve([], { jws: '', size: 0, hash: '' }, ring.jwks);
    const r = await runCli(['log', 'verify', `${base}/nothing/here`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP 404/);
  });
});
