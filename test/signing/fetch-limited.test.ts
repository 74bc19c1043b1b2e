import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson, fetchLimited } from '../../src/signing/fetch-limited.js';

/** Two servers on loopback: two origins, as a JWKS host and a host it must not send the CLI to. */
let home: Server;
let elsewhere: Server;
let homeUrl: string;
let elsewhereUrl: string;
const hits: string[] = [];

function listen(s: Server): Promise<string> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    hits.push(`elsewhere ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end('{"keys":[]}');
  });
  elsewhereUrl = await listen(elsewhere);
  home = createServer((req, res) => {
    hits.push(`home ${req.url}`);
    if (req.url === '/away') return res.writeHead(302, { location: `${elsewhereUrl}/internal` }).end();
    if (req.url === '/moved') return res.writeHead(301, { location: '/jwks.json' }).end();
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    res.setHeader('content-type', 'application/json');
    res.end('{"keys":["home"]}');
  });
  homeUrl = await listen(home);
});

afterAll(async () => {
  await new Promise((r) => home.close(r));
  await new Promise((r) => elsewhere.close(r));
});

describe('fetching a JWKS or a log page from a server the CLI has no reason to trust', () => {
  it('follows a redirect within the same origin', async () => {
    expect(await fetchJson(`${homeUrl}/moved`, { maxBytes: 1000 })).toEqual({ keys: ['home'] });
  });

  it('does not let the server send it to another origin (another host, port or scheme)', async () => {
    hits.length = 0;
    await expect(fetchLimited(`${homeUrl}/away`, { maxBytes: 1000 })).rejects.toMatchObject({
      code: 'bad_request',
      detail: expect.stringMatching(/redirects to .*\/internal.*another origin/),
    });
    expect(hits).toEqual(['home /away']);
  });

  it('stops after a few redirects', async () => {
    await expect(fetchLimited(`${homeUrl}/loop`, { maxBytes: 1000 })).rejects.toMatchObject({
      detail: expect.stringMatching(/more than 5 redirects/),
    });
  });
});
