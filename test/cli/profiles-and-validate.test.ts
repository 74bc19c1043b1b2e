import { existsSync, lstatSync, mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PROFILES } from '../helpers/fixture-catalog.js';
import { runCli } from '../helpers/cli-run.js';

const data = mkdtempSync(path.join(tmpdir(), 'samsvar-cli-'));
const env = { SAMSVAR_DATA: data };
const work = mkdtempSync(path.join(tmpdir(), 'samsvar-docs-'));

const good = `<?xml version="1.0"?>
<Envelope xmlns="urn:fx:envelope"><MsgId>m1</MsgId><Status V="1" S="2.16.578.1.12.4.1.1.8258" DN="OK"/>
<Content><Order xmlns="urn:fx:order"><Kind V="A" S="2.16.578.1.12.4.1.1.9999" DN="Akutt"/><Qty>1</Qty><Note>n</Note></Order></Content></Envelope>`;
const bad = good.replace('<Qty>1</Qty>', '<Qty>0</Qty>');

beforeAll(() => {
  writeFileSync(path.join(work, 'good.xml'), good);
  writeFileSync(path.join(work, 'bad.xml'), bad);
});

describe('samsvar profiles import and list', () => {
  it('imports profile directories into the data directory and lists them with their source', async () => {
    expect((await runCli(['profiles', 'import', path.join(FIXTURE_PROFILES, 'fx-base')], env)).code).toBe(0);
    const r = await runCli(['profiles', 'import', path.join(FIXTURE_PROFILES, 'fx-order')], env);
    expect(r.stdout).toContain('imported fx-order 2.0.0');
    const list = await runCli(['profiles', 'list', '--format', 'json'], env);
    const { standards } = JSON.parse(list.stdout) as {
      standards: { id: string; declared: boolean; versions: { profiles: { id: string; source: string }[] }[] }[];
    };
    const profiles = standards.flatMap((s) => s.versions.flatMap((v) => v.profiles));
    expect(profiles.filter((p) => p.id.startsWith('fx-')).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      expect.objectContaining({ id: 'fx-base', source: 'imported' }),
      expect.objectContaining({ id: 'fx-order', source: 'imported' }),
    ]);
    // Profiles that name no standard stand for themselves.
    expect(standards.find((s) => s.id === 'fx-order')).toMatchObject({ declared: false });
    expect((await runCli(['profiles', 'list'], env)).stdout).toMatch(/fx-order\s+2\.0\.0\s+xml\s+imported/);
  });

  it('groups the list by standard and version, with message types, test cases by direction and code-list state', async () => {
    const text = (await runCli(['profiles', 'list'], env)).stdout;
    const dialog = text.slice(text.indexOf('Dialogmelding (dialogmelding)'));
    expect(dialog).toMatch(
      /^Dialogmelding \(dialogmelding\)\n {2}versions [^\n]*1\.1[^\n]*; test cases \d+ send, \d+ receive; code lists incomplete/,
    );
    expect(dialog).toMatch(/\n {2}1\.1: DIALOG_FORESPORSEL, DIALOG_HELSEFAGLIG, DIALOG_NOTAT, DIALOG_STATUS_HENVISNING, DIALOG_SVAR/);
    expect(dialog).toMatch(/\n {6}2\.16\.578\.1\.12\.4\.1\.1\.9152\s+Type opplysning ved pasientsamhandling/);
    expect(dialog).toMatch(/\n {4}dialogmelding-1\.1-foresporsel\s+1\.1\.1\s+xml\s+shipped\s+active/);

    const json = JSON.parse((await runCli(['profiles', 'list', '--format', 'json'], env)).stdout) as {
      standards: {
        id: string;
        testcasesByDirection: { send: number; receive: number };
        versions: { version: string; messageTypes: string[]; codelistsComplete: boolean }[];
      }[];
    };
    const basis = json.standards.find((s) => s.id === 'no-basis')!;
    expect(basis.versions).toEqual([
      expect.objectContaining({ version: '2.2', codelistsComplete: true, messageTypes: ['Organization', 'Patient', 'Practitioner'] }),
    ]);
    expect(basis.testcasesByDirection.send).toBeGreaterThanOrEqual(9);
    expect((await runCli(['profiles', 'list', '--format', 'yaml'], env)).code).toBe(2);
  });

  it('refuses a second import of the same id unless --replace is given', async () => {
    const again = await runCli(['profiles', 'import', path.join(FIXTURE_PROFILES, 'fx-base')], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--replace');
    expect((await runCli(['profiles', 'import', '--replace', path.join(FIXTURE_PROFILES, 'fx-base')], env)).code).toBe(0);
  });

  it('imports a bare XSD set described by options, and refuses one whose imports do not resolve', async () => {
    const dir = path.join(work, 'xsdset');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'a.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><xs:include schemaLocation="b.xsd"/></xs:schema>',
    );
    writeFileSync(
      path.join(dir, 'b.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><xs:element name="a" type="xs:string"/></xs:schema>',
    );
    const ok = await runCli(['profiles', 'import', dir, '--id', 'bare-set', '--schema', 'a.xsd', '--version', '0.9'], env);
    expect(ok.code).toBe(0);
    const v = await runCli(['validate', '--profile', 'bare-set', '--format', 'json', path.join(work, 'good.xml')], env);
    expect(JSON.parse(v.stdout).results[0]).toMatchObject({ profile: 'bare-set', valid: false });

    const leaky = path.join(work, 'leaky');
    mkdirSync(leaky);
    writeFileSync(
      path.join(leaky, 'a.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:k="http://www.kith.no/xmlstds" targetNamespace="urn:a"><xs:import namespace="http://www.kith.no/xmlstds" schemaLocation="http://www.kith.no/xmlstds/kith.xsd"/><xs:element name="a" type="k:CS"/></xs:schema>',
    );
    const refused = await runCli(['profiles', 'import', leaky, '--id', 'leaky-set', '--schema', 'a.xsd'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('http://www.kith.no/xmlstds/kith.xsd');
    expect((await runCli(['profiles', 'list'], env)).stdout).not.toContain('leaky-set');
  });
});

describe('samsvar profiles import and symbolic links', () => {
  it('copies no symbolic link into the data directory, whether it points outside the profile or nowhere', async () => {
    const dir = path.join(work, 'linked');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'a.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><xs:element name="a" type="xs:string"/></xs:schema>',
    );
    symlinkSync('/etc/hostname', path.join(dir, 'outside.xsd'));
    symlinkSync(path.join(dir, 'no-such-file'), path.join(dir, 'dangling.xsd'));
    const r = await runCli(['profiles', 'import', dir, '--id', 'linked-set', '--schema', 'a.xsd'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const imported = path.join(data, 'profiles', 'linked-set');
    expect(existsSync(path.join(imported, 'a.xsd'))).toBe(true);
    for (const link of ['outside.xsd', 'dangling.xsd']) expect(() => lstatSync(path.join(imported, link))).toThrow(/ENOENT/);
    // The directory named on the command line may itself be a link.
    symlinkSync(dir, path.join(work, 'linked-alias'));
    expect(
      (await runCli(['profiles', 'import', path.join(work, 'linked-alias'), '--id', 'linked-alias', '--schema', 'a.xsd'], env)).code,
    ).toBe(0);
  });
});

describe('samsvar validate', () => {
  it('exits 0 for valid files, 1 when any file has an error finding, and prints findings with positions', async () => {
    const ok = await runCli(['validate', path.join(work, 'good.xml')], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('VALID against fx-order 2.0.0 (detected fx-order');
    const r = await runCli(['validate', path.join(work, 'good.xml'), path.join(work, 'bad.xml')], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad\.xml: INVALID/);
    expect(r.stdout).toMatch(/3:\d+\s+error\s+XSD/);
    expect(r.stdout).toContain('at /Envelope/Content/Order/Qty');
  });

  it('prints results as JSON', async () => {
    const r = await runCli(['validate', '--format', 'json', '--profile', 'fx-order', path.join(work, 'bad.xml')], env);
    const out = JSON.parse(r.stdout);
    expect(out.results).toEqual([
      expect.objectContaining({
        file: path.join(work, 'bad.xml'),
        profile: 'fx-order',
        valid: false,
        findings: [expect.objectContaining({ ruleId: 'XSD', line: 3 })],
      }),
    ]);
  });

  it('prints JUnit XML for CI', async () => {
    const r = await runCli(['validate', '--format', 'junit', path.join(work, 'good.xml'), path.join(work, 'bad.xml')], env);
    expect(r.stdout).toContain('<testsuite name="samsvar validate" tests="2" failures="1"');
    expect(r.stdout).toMatch(/<failure message="1 error finding\(s\)"/);
  });

  it('exits 2 for usage errors, unknown profiles and unreadable files', async () => {
    expect((await runCli(['validate'], env)).code).toBe(2);
    expect((await runCli(['validate', '--profile', 'nope', path.join(work, 'good.xml')], env)).code).toBe(2);
    const missing = await runCli(['validate', path.join(work, 'missing.xml')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect((await runCli(['validate', '--bogus'], env)).code).toBe(2);
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
  });
});

describe('argument errors', () => {
  it('end in a message and exit 2, never a stack trace', async () => {
    const r = await runCli(['validate', '--profile'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('samsvar validate with many files', () => {
  it('validates large batches on several threads with the same results, in the order given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-batch-'));
    const files = Array.from({ length: 450 }, (_, i) => {
      const file = path.join(dir, `m${String(i).padStart(3, '0')}.xml`);
      writeFileSync(file, i % 7 === 3 ? bad : good);
      return file;
    });
    const r = await runCli(['validate', '--format', 'json', ...files], env);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout).results as { file: string; valid: boolean }[];
    expect(results.map((x) => x.file)).toEqual(files);
    expect(results.map((x) => x.valid)).toEqual(files.map((_, i) => i % 7 !== 3));
  });

  it('names a file of a large batch that cannot be read (exit 2) and still reports the others, in order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-batch-'));
    const files = Array.from({ length: 450 }, (_, i) => {
      const file = path.join(dir, `m${String(i).padStart(3, '0')}.xml`);
      if (i !== 200) writeFileSync(file, good);
      return file;
    });
    const r = await runCli(['validate', '--format', 'json', ...files], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read ${files[200]}: ENOENT`);
    const results = JSON.parse(r.stdout).results as { file: string; valid: boolean }[];
    expect(results.map((x) => x.file)).toEqual(files.filter((_, i) => i !== 200));
    expect(results.every((x) => x.valid)).toBe(true);
  });

  it('reports a profile that does not compile as a usage error, also from a worker thread', async () => {
    const broken = path.join(work, 'broken-profile');
    mkdirSync(broken);
    writeFileSync(
      path.join(broken, 'a.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><xs:element name="a" type="xs:string"/></xs:schema>',
    );
    expect((await runCli(['profiles', 'import', broken, '--id', 'will-break', '--schema', 'a.xsd'], env)).code).toBe(0);
    writeFileSync(
      path.join(data, 'profiles', 'will-break', 'a.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="nope:missing"/></xs:schema>',
    );
    const files = Array.from({ length: 450 }, () => path.join(work, 'good.xml'));
    const r = await runCli(['validate', '--profile', 'will-break', ...files], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not compile');
  });
});
