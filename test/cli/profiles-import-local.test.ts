import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { runCli } from '../helpers/cli-run.js';
import { dialectsUnderTest } from '../support/databases.js';
import { oppgaveFiles, writePackageDir, zipPackage } from '../support/profile-package.js';
import { ADMIN_TOKEN, startTestService, type TestService } from '../support/service.js';

const manifest = (version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...JSON.parse(oppgaveFiles()['profile.json']!), version, ...extra });

describe("samsvar profiles import DIR (local): the service's checks and version rule", () => {
  const env = { SAMSVAR_DATA: mkdtempSync(path.join(tmpdir(), 'samsvar-local-import-')) };

  it('refuses a profile whose package checks fail, listing every problem, and keeps nothing', async () => {
    const broken = writePackageDir(
      oppgaveFiles({
        files: {
          'examples/invalid/OPG-0001--tom-id.xml': oppgaveFiles()['examples/valid/ny.xml']!,
          'codelists/oppgavestatus.json': '{ not json',
        },
      }),
    );
    const r = await runCli(['profiles', 'import', broken], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/refused; nothing was imported/);
    expect(r.stderr).toMatch(/codelists\/oppgavestatus\.json/);
    expect((await runCli(['profiles', 'list'], env)).stdout).not.toMatch(/eksempel-oppgave/);
  });

  it('imports a checked profile; other content under the same version is refused even with --replace, a new version is not', async () => {
    expect((await runCli(['profiles', 'import', writePackageDir(oppgaveFiles())], env)).code).toBe(0);
    const changed = writePackageDir(oppgaveFiles({ files: { 'profile.json': manifest('1.0.0', { title: 'Endret' }) } }));
    const refused = await runCli(['profiles', 'import', '--replace', changed], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/version 1\.0\.0 already exists with other content.*versions are immutable/);
    const next = await runCli(
      [
        'profiles',
        'import',
        '--replace',
        writePackageDir(oppgaveFiles({ files: { 'profile.json': manifest('1.1.0', { title: 'Endret' }) } })),
      ],
      env,
    );
    expect(next.stdout).toMatch(/imported eksempel-oppgave 1\.1\.0/);
  });
});

describe.each(dialectsUnderTest())('samsvar profiles import DIR into the data directory of a service ($name)', (dialect) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(
      dialect,
      {},
      { routeModules: await declarationModules({ dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-keys-')) }) },
    );
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('leaves a profile the service imported over HTTP to the service, whatever the content', async () => {
    const res = await t.call('POST', '/api/v1/admin/profiles', {
      token: ADMIN_TOKEN,
      body: zipPackage(oppgaveFiles({ version: '2.0.0' })) as BodyInit,
      contentType: 'application/zip',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const env = { SAMSVAR_DATA: t.service.ctx.config.dataDir };
    for (const version of ['2.0.0', '2.1.0']) {
      const r = await runCli(
        [
          'profiles',
          'import',
          '--replace',
          writePackageDir(oppgaveFiles({ files: { 'profile.json': manifest(version, { title: 'Endret lokalt' }) } })),
        ],
        env,
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/managed by the service .* --server/);
    }
    const versions = (await (await t.call('GET', '/api/v1/admin/profiles/eksempel-oppgave/versions', { token: ADMIN_TOKEN })).json()) as {
      items: { version: string; served: boolean }[];
    };
    expect(versions.items).toEqual([expect.objectContaining({ version: '2.0.0', served: true })]);
  });
});
