import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { dialectsUnderTest, type TestDatabase } from '../test/support/databases.js';
import { runCli } from '../test/helpers/cli-run.js';

const ADMIN = 'durability-admin-token-0123456789';
const PROFILE = 'dialogmelding-1.1-foresporsel';
/** Kill and restart cycles per database, and acknowledged writes to wait for before each kill. */
const CYCLES = Number(process.env.SAMSVAR_DURABILITY_CYCLES ?? 5);
const ACKS_BEFORE_KILL = 25;
const WRITERS = 6;
const pdf = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The built service (`npm start`), as an operator runs it. */
async function startService(db: TestDatabase, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist/serve/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SAMSVAR_DATA: db.config.dataDir,
      DATABASE_URL: db.config.databaseUrl ?? '',
      SAMSVAR_ADMIN_TOKEN: ADMIN,
      SAMSVAR_RATE_LIMIT: '100000',
      SAMSVAR_LEVEL_A_PER_DAY: '100000',
      SAMSVAR_SWEEP_SECONDS: '0',
      SAMSVAR_VALIDATION_TIMEOUT_MS: '600000',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

for (const dialect of dialectsUnderTest()) {
  describe(`SIGKILL under write load on ${dialect.name}`, () => {
    let db: TestDatabase;
    let child: ChildProcess | undefined;
    afterAll(async () => {
      if (child && child.exitCode === null) await kill9(child);
      await db?.drop();
    });

    it(`loses no acknowledged submission or declaration in ${CYCLES} kill -9 restarts, and the log chain and stored hashes hold`, async () => {
      db = await dialect.create();
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const call = (method: string, p: string, opts: { token?: string; json?: unknown; body?: string; type?: string } = {}) =>
        fetch(`${base}${p}`, {
          method,
          headers: {
            ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
            ...(opts.json !== undefined ? { 'content-type': 'application/json' } : opts.type ? { 'content-type': opts.type } : {}),
          },
          body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body,
        });
      child = await startService(db, port);

      const vendor = (await (
        await call('POST', '/api/v1/vendors', { json: { orgNumber: '974760673', name: 'Varig AS', email: 'post@example.no' } })
      ).json()) as { token: string };
      const system = (await (await call('POST', '/api/v1/systems', { token: vendor.token, json: { name: 'Varig EPJ' } })).json()) as {
        id: string;
      };
      const testcases = (await (await call('GET', `/api/v1/testcases?profile=${PROFILE}`)).json()) as { id: string; kind: string }[];
      const receive = testcases.find((tc) => tc.kind === 'receive')!;
      const submit = testcases.find((tc) => tc.kind !== 'receive')!;

      const acked = new Map<string, { runId: string; sha256: string }>();
      const declarations = new Set<string>();
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const version = (await (
          await call('POST', `/api/v1/systems/${system.id}/versions`, {
            token: vendor.token,
            json: { version: `1.${cycle}`, herId: '8999911' },
          })
        ).json()) as { id: string };
        const opened = await call('POST', '/api/v1/runs', {
          token: vendor.token,
          json: { systemVersionId: version.id, profiles: [PROFILE] },
        });
        expect(opened.status).toBe(201);
        const run = (await opened.json()) as { id: string };
        const message = await (await call('GET', `/api/v1/runs/${run.id}/testcases/${receive.id}/message`, { token: vendor.token })).text();
        let ackedThisCycle = 0;
        let refused = 0;
        let lastRefusal = '';
        let stop = false;
        const writer = async (w: number) => {
          for (let i = 0; !stop; i++) {
            try {
              if (w === 0 && i % 3 === 0) {
                // Declarations too: each appends to the transparency log's hash chain.
                const res = await call('POST', `/api/v1/systems/${system.id}/versions/${version.id}/declaration`, {
                  token: vendor.token,
                  json: {
                    profiles: [{ profile: PROFILE, direction: 'send' }],
                    documents: [{ name: 'r.pdf', mediaType: 'application/pdf', content: pdf }],
                    placeOfIssue: 'Bergen',
                    signatory: { name: 'Ola', function: 'CTO' },
                  },
                });
                if (res.status === 201) declarations.add(((await res.json()) as { id: string }).id);
                continue;
              }
              const body = message.replace('</MsgHead>', `<!-- ${w}-${i}-${cycle} --></MsgHead>`);
              const res = await call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${submit.id}`, {
                token: vendor.token,
                body,
                type: 'application/xml',
              });
              if (res.status === 201) {
                const sub = (await res.json()) as { id: string };
                acked.set(sub.id, { runId: run.id, sha256: sha256(body) });
                ackedThisCycle++;
              } else {
                refused++;
                lastRefusal = `${res.status} ${await res.text()}`;
              }
            } catch {
              return; // the connection died with the service: what was not acknowledged may be lost
            }
          }
        };
        const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
        // Writes that are refused instead of acknowledged would keep this loop waiting for ever: fail instead.
        while (ackedThisCycle < ACKS_BEFORE_KILL) {
          if (refused > 200 && ackedThisCycle === 0) throw new Error(`submissions refused: ${lastRefusal.slice(0, 300)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await kill9(child);
        stop = true;
        await Promise.all(writers);
        child = await startService(db, port);

        for (const [id, { runId, sha256: expected }] of acked) {
          const res = await call('GET', `/api/v1/runs/${runId}/submissions/${id}/artifact`, { token: vendor.token });
          expect([id, res.status]).toEqual([id, 200]);
          expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(expected);
        }
        for (const id of declarations) expect([id, (await call('GET', `/api/v1/declarations/${id}`)).status]).toEqual([id, 200]);
        const log = await runCli(['log', 'verify', base, '--declarations']);
        expect(log).toMatchObject({ code: 0, stdout: expect.stringMatching(/^log intact: \d+ entries/) });
      }

      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
      // The database's own check, and every stored artifact against the digest stored with it.
      if (dialect.name === 'sqlite') {
        const sqlite = new BetterSqlite3(path.join(db.config.dataDir, 'samsvar.sqlite'), { readonly: true });
        expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = sqlite.prepare('select artifact, artifact_sha256 from submissions').all() as {
          artifact: Buffer;
          artifact_sha256: string;
        }[];
        for (const r of rows) expect(sha256(r.artifact)).toBe(r.artifact_sha256);
        expect(rows.length).toBeGreaterThanOrEqual(acked.size);
        sqlite.close();
      } else {
        const client = new pg.Client({ connectionString: db.config.databaseUrl });
        await client.connect();
        const { rows } = await client.query<{ artifact: Buffer; artifact_sha256: string }>(
          'select artifact, artifact_sha256 from submissions',
        );
        for (const r of rows) expect(sha256(r.artifact)).toBe(r.artifact_sha256);
        expect(rows.length).toBeGreaterThanOrEqual(acked.size);
        await client.end();
      }
      expect(acked.size).toBeGreaterThanOrEqual(CYCLES * ACKS_BEFORE_KILL);
    });
  });
}
