import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-codelists-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => runCli(['codelists', ...args], {}, dir);

describe('samsvar codelists import', () => {
  it('writes one code list file per OID', async () => {
    writeFileSync(
      path.join(dir, 'export.csv'),
      'oid,code,display,validFrom,validTo\n2.16.578.1.12.4.1.1.8116,FNR,Fødselsnummer,,\n2.16.578.1.12.4.1.1.9069,1,Ny,2020-01-01,\n',
    );
    const r = await cli('import', 'export.csv', '--out', 'lists', '--name', '2.16.578.1.12.4.1.1.8116=ID-type for personer');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'lists', '8116.json'), 'utf8'))).toEqual({
      oid: '2.16.578.1.12.4.1.1.8116',
      name: 'ID-type for personer',
      codes: [{ code: 'FNR', display: 'Fødselsnummer' }],
    });
    expect(JSON.parse(readFileSync(path.join(dir, 'lists', '9069.json'), 'utf8')).codes).toEqual([
      { code: '1', display: 'Ny', validFrom: '2020-01-01' },
    ]);
    expect(r.stdout).toMatch(/8116\.json\t2\.16\.578\.1\.12\.4\.1\.1\.8116\t1 codes/);
    // Written once; a second import does not overwrite without --force.
    expect((await cli('import', 'export.csv', '--out', 'lists')).stderr).toMatch(/exist already; give --force/);
    expect((await cli('import', 'export.csv', '--out', 'lists', '--force')).code).toBe(0);
  });

  it('lists each problem on its own line and writes nothing', async () => {
    writeFileSync(
      path.join(dir, 'bad.csv'),
      'oid,code,display,validTo\n2.16.578.1.12.4.1.1.7000,A,x,31.02.2024\n2.16.578.1.12.4.1.1.7000,A,y,\n',
    );
    const r = await cli('import', 'bad.csv', '--out', 'bad');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.csv cannot be imported:\n  line 2: validTo "31.02.2024" is not a date');
    expect(r.stderr).toContain('\n  line 3: code "A" of 2.16.578.1.12.4.1.1.7000 appears already on line 2');
    expect((await cli('import', 'missing.csv')).stderr).toMatch(/cannot read missing\.csv: ENOENT/);
  });
});
