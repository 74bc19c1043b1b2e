import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extract } from 'tar';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { importFhirPackage } from '../../src/fhir/package-import.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { buildProfilePackage, catalogOfProfileDir } from '../../src/testcases/profile-package.js';
import { check, errors } from '../fhir/helpers.js';

const VS = 'http://samsvar.test/base/ValueSet/sivilstand';
const CS = 'http://samsvar.test/base/CodeSystem/sivilstand';

function writePackage(dir: string, name: string, version: string, dependencies: Record<string, string>, resources: Record<string, unknown>[]): string {
  mkdirSync(path.join(dir, 'package'), { recursive: true });
  writeFileSync(path.join(dir, 'package', 'package.json'), JSON.stringify({ name, version, fhirVersions: ['4.0.1'], dependencies }));
  for (const r of resources) writeFileSync(path.join(dir, 'package', `${r.resourceType}-${r.id}.json`), JSON.stringify(r));
  return dir;
}

describe('profile packages of imported FHIR profiles', () => {
  it('carry the FHIR packages the profile depends on, so the unpacked package validates as the installation does', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'samsvar-fhir-pkg-'));
    const root = path.join(work, 'data-profiles');
    // The code system and value set live in a base package the imported profile's package depends on.
    await importFhirPackage(
      writePackage(path.join(work, 'base'), 'samsvar.test.base', '1.0.0', { 'hl7.fhir.r4.core': '4.0.1' }, [
        { resourceType: 'CodeSystem', id: 'sivilstand', url: CS, name: 'Sivilstand', status: 'active', content: 'complete', concept: [{ code: 'gift' }, { code: 'ugift' }] },
        { resourceType: 'ValueSet', id: 'sivilstand', url: VS, name: 'Sivilstand', status: 'active', compose: { include: [{ system: CS }] } },
      ]),
      root,
    );
    await importFhirPackage(
      writePackage(path.join(work, 'app'), 'samsvar.test.app', '0.1.0', { 'hl7.fhir.r4.core': '4.0.1', 'samsvar.test.base': '1.0.0' }, [
        {
          resourceType: 'StructureDefinition', id: 'test-app-Patient', url: 'http://samsvar.test/app/StructureDefinition/test-app-Patient', name: 'AppPatient', status: 'active',
          kind: 'resource', abstract: false, type: 'Patient', baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient', derivation: 'constraint',
          differential: { element: [{ id: 'Patient', path: 'Patient' }, { id: 'Patient.maritalStatus', path: 'Patient.maritalStatus', min: 1, binding: { strength: 'required', valueSet: VS } }] },
        },
      ]),
      root,
    );
    const installed = loadCatalog({ shippedDir: path.join(work, 'no-shipped'), importedDir: root });
    const { bytes, manifest } = await buildProfilePackage(installed.require('test-app-patient'), [], installed);
    expect(manifest.fhirPackages.sort()).toEqual(['samsvar.test.app#0.1.0', 'samsvar.test.base#1.0.0']);

    const unpacked = path.join(work, 'unpacked');
    mkdirSync(unpacked);
    writeFileSync(path.join(work, 'p.tgz'), bytes);
    await extract({ file: path.join(work, 'p.tgz'), cwd: unpacked });
    expect(JSON.parse(readFileSync(path.join(unpacked, 'samsvar-package.json'), 'utf8'))).toMatchObject({ profile: 'test-app-patient', sha256: installed.require('test-app-patient').sha256 });
    const offline = catalogOfProfileDir(unpacked);

    const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
    const ok = { resourceType: 'Patient', text, maritalStatus: { coding: [{ system: CS, code: 'gift' }] } };
    const bad = { resourceType: 'Patient', text, maritalStatus: { coding: [{ system: CS, code: 'skilt' }] } };
    const ruleIds = async (catalog: typeof installed, resource: unknown) => errors(await check(new FhirValidator(catalog), resource, 'test-app-patient'));
    expect(await ruleIds(offline, ok)).toEqual([]);
    expect(await ruleIds(installed, ok)).toEqual([]);
    expect((await ruleIds(offline, bad)).length).toBeGreaterThan(0);
    expect(await ruleIds(offline, bad)).toEqual(await ruleIds(installed, bad));
  });
});
