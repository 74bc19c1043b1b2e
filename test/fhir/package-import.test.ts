import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { beforeEach, describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { importFhirPackage, isFhirPackage } from '../../src/fhir/package-import.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { check, errors, findingOf } from './helpers.js';

const KOMMUNE = 'http://samsvar.test/base/StructureDefinition/kommune';
const VS = 'http://samsvar.test/base/ValueSet/sivilstand';
const CS = 'http://samsvar.test/base/CodeSystem/sivilstand';

/** Writes a FHIR package in the npm layout: package/package.json plus one JSON file per resource. */
function writePackage(
  dir: string,
  name: string,
  version: string,
  dependencies: Record<string, string>,
  resources: Record<string, unknown>[],
): string {
  const pkg = path.join(dir, 'package');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name, version, fhirVersions: ['4.0.1'], dependencies }));
  for (const r of resources) writeFileSync(path.join(pkg, `${r.resourceType}-${r.id}.json`), JSON.stringify(r));
  return dir;
}

async function tgz(
  dir: string,
  file: string,
  entries = ['package'],
  opts: Partial<tar.TarOptionsWithAliasesAsyncFile> = {},
): Promise<string> {
  await tar.c({ gzip: true, file, cwd: dir, portable: true, ...opts } as tar.TarOptionsWithAliasesAsyncFile, entries);
  return file;
}

const basePackage = (dir: string) =>
  writePackage(dir, 'samsvar.test.base', '1.0.0', { 'hl7.fhir.r4.core': '4.0.1' }, [
    {
      resourceType: 'StructureDefinition',
      id: 'kommune',
      url: KOMMUNE,
      name: 'Kommune',
      status: 'active',
      kind: 'complex-type',
      abstract: false,
      type: 'Extension',
      context: [{ type: 'element', expression: 'Patient' }],
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
      derivation: 'constraint',
      differential: {
        element: [
          { id: 'Extension', path: 'Extension' },
          { id: 'Extension.url', path: 'Extension.url', fixedUri: KOMMUNE },
          { id: 'Extension.value[x]', path: 'Extension.value[x]', min: 1, type: [{ code: 'code' }] },
        ],
      },
    },
    {
      resourceType: 'CodeSystem',
      id: 'sivilstand',
      url: CS,
      name: 'Sivilstand',
      status: 'active',
      content: 'complete',
      concept: [{ code: 'gift' }, { code: 'ugift' }],
    },
    { resourceType: 'ValueSet', id: 'sivilstand', url: VS, name: 'Sivilstand', status: 'active', compose: { include: [{ system: CS }] } },
  ]);

const appPackage = (dir: string) =>
  writePackage(dir, 'samsvar.test.app', '0.1.0', { 'hl7.fhir.r4.core': '4.0.1', 'samsvar.test.base': '1.0.0' }, [
    {
      resourceType: 'StructureDefinition',
      id: 'test-app-Patient',
      url: 'http://samsvar.test/app/StructureDefinition/test-app-Patient',
      name: 'AppPatient',
      title: 'App Patient',
      status: 'active',
      kind: 'resource',
      abstract: false,
      type: 'Patient',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      derivation: 'constraint',
      differential: {
        element: [
          { id: 'Patient', path: 'Patient' },
          {
            id: 'Patient.extension',
            path: 'Patient.extension',
            slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' },
          },
          {
            id: 'Patient.extension:kommune',
            path: 'Patient.extension',
            sliceName: 'kommune',
            min: 1,
            max: '1',
            type: [{ code: 'Extension', profile: [KOMMUNE] }],
          },
          { id: 'Patient.maritalStatus', path: 'Patient.maritalStatus', binding: { strength: 'required', valueSet: VS } },
        ],
      },
    },
  ]);

let root: string;
let work: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'samsvar-pkg-data-'));
  work = mkdtempSync(path.join(os.tmpdir(), 'samsvar-pkg-src-'));
});

async function refusal(p: Promise<unknown>): Promise<SamsvarError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SamsvarError) return e;
    throw e;
  }
  throw new Error('expected the import to be refused');
}

describe('FHIR package import', () => {
  it('recognises packages: a .tgz, or a directory with package/package.json', async () => {
    const dir = basePackage(path.join(work, 'base'));
    expect(isFhirPackage(dir)).toBe(true);
    expect(isFhirPackage(await tgz(dir, path.join(work, 'base.tgz')))).toBe(true);
    expect(isFhirPackage(work)).toBe(false);
    expect(isFhirPackage(path.join(work, 'missing.tgz'))).toBe(false);
  });

  it('refuses a package whose dependency is not imported, naming it', async () => {
    const app = await tgz(appPackage(path.join(work, 'app')), path.join(work, 'app.tgz'));
    const e = await refusal(importFhirPackage(app, root));
    expect(e.detail).toContain('samsvar.test.base#1.0.0');
    expect(e.detail).toContain('import that package first');
  });

  it('imports a package and its dependency, and the resulting profile validates with both', async () => {
    const base = await importFhirPackage(await tgz(basePackage(path.join(work, 'base')), path.join(work, 'base.tgz')), root);
    expect(base).toMatchObject({ package: 'samsvar.test.base#1.0.0', profiles: [], dependencies: [] });
    const app = await importFhirPackage(appPackage(path.join(work, 'app')), root);
    expect(app.dependencies).toEqual(['samsvar.test.base#1.0.0']);
    expect(app.profiles.map((p) => [p.id, p.type])).toEqual([['test-app-patient', 'Patient']]);

    const catalog = loadCatalog({ shippedDir: path.join(work, 'no-shipped'), importedDir: root });
    const profile = catalog.require('test-app-patient');
    expect(profile).toMatchObject({
      source: 'imported',
      manifest: { kind: 'fhir', version: '0.1.0', dependencies: ['samsvar.test.app#0.1.0', 'samsvar.test.base#1.0.0'] },
    });
    // The package is the standard the catalogue lists its profiles under.
    expect(profile.manifest).toMatchObject({
      standard: { id: 'samsvar.test.app', name: 'samsvar.test.app', version: '0.1.0' },
      messageTypes: ['Patient'],
    });

    const v = new FhirValidator(catalog);
    const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
    const ok = {
      resourceType: 'Patient',
      text,
      extension: [{ url: KOMMUNE, valueCode: '4601' }],
      maritalStatus: { coding: [{ system: CS, code: 'gift' }] },
    };
    expect(errors(await check(v, ok, 'test-app-patient'))).toEqual([]);
    const bad = { ...ok, extension: [{ url: KOMMUNE, valueString: '4601' }], maritalStatus: { coding: [{ system: CS, code: 'skilt' }] } };
    const r = await check(v, bad, 'test-app-patient');
    expect(findingOf(r, 'FHIR-STRUCTURE-UNKNOWN').path).toBe('Patient.extension[0].valueString');
    expect(findingOf(r, 'FHIR-BINDING-REQUIRED').message).toContain(VS);
    // and a resource claiming the profile is recognised without naming it
    const claimed = await check(v, { ...ok, meta: { profile: ['http://samsvar.test/app/StructureDefinition/test-app-Patient'] } });
    expect(claimed.profile).toBe('test-app-patient');
  });

  it('refuses archive entries that climb out of the package', async () => {
    const dir = basePackage(path.join(work, 'inner', 'base'));
    writeFileSync(path.join(work, 'inner', 'evil.json'), '{}');
    const file = await tgz(path.join(work, 'inner', 'base'), path.join(work, 'evil.tgz'), ['package', '../evil.json'], {
      preservePaths: true,
    });
    const e = await refusal(importFhirPackage(file, root));
    expect(e.detail).toContain("'../evil.json'");
    expect(existsSync(path.join(root, '..', 'evil.json'))).toBe(false);
    expect(dir).toBeTruthy();
  });

  it('refuses symbolic links, in an archive and in a directory', async () => {
    const dir = basePackage(path.join(work, 'base'));
    symlinkSync('/etc/passwd', path.join(dir, 'package', 'ValueSet-link.json'));
    expect((await refusal(importFhirPackage(await tgz(dir, path.join(work, 'link.tgz')), root))).detail).toContain('SymbolicLink');
    expect((await refusal(importFhirPackage(dir, root))).detail).toContain('symbolic link');
  });

  it('refuses oversized archives and archives that unpack too large', async () => {
    const file = await tgz(basePackage(path.join(work, 'base')), path.join(work, 'base.tgz'));
    expect((await refusal(importFhirPackage(file, root, { limits: { maxArchiveBytes: 100 } }))).code).toBe('payload_too_large');
    expect((await refusal(importFhirPackage(file, root, { limits: { maxUnpackedBytes: 500 } }))).detail).toContain(
      'unpacks to more than 500 bytes',
    );
  });

  it('refuses a package for another FHIR version and a folder that is not a package', async () => {
    const dir = writePackage(path.join(work, 'r5'), 'samsvar.test.r5', '1.0.0', {}, []);
    writeFileSync(
      path.join(dir, 'package', 'package.json'),
      JSON.stringify({ name: 'samsvar.test.r5', version: '1.0.0', fhirVersions: ['5.0.0'] }),
    );
    expect((await refusal(importFhirPackage(dir, root))).detail).toContain('FHIR 5.0.0');
    expect((await refusal(importFhirPackage(work, root))).code).toBe('bad_request');
  });
});
