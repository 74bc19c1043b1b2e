import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { ProfileCatalog, loadProfileDir } from '../../src/profiles/catalog.js';
import { check, errors, profileOn } from './helpers.js';

const URL = 'http://samsvar.test/StructureDefinition/felles-pasient';
const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

/** A profile directory for one StructureDefinition, loaded as shipped or imported. */
function profileDir(root: string, id: string, version: string, source: 'shipped' | 'imported', elements: Record<string, unknown>[]) {
  const dir = path.join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'sd.json'), JSON.stringify({ ...profileOn('Patient', id, elements), url: URL, version }));
  writeFileSync(path.join(dir, 'profile.json'), JSON.stringify({ id, version, title: id, kind: 'fhir', url: URL, resources: ['sd.json'] }));
  return loadProfileDir(dir, source);
}

describe('a canonical URL shared by a shipped profile and an imported package', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'samsvar-shared-'));
  // samsvar's shipped version requires a birth date; the published one (imported) requires a name.
  const shipped = profileDir(root, 'felles-pasient', '1.0.0', 'shipped', [{ id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 }]);
  const imported = profileDir(root, 'ig.felles-pasient', '2.2.3', 'imported', [{ id: 'Patient.name', path: 'Patient.name', min: 1 }]);
  const v = new FhirValidator(new ProfileCatalog([shipped, imported]));
  const named = { resourceType: 'Patient', text, name: [{ family: 'Testesen' }] };

  it("validates a resource that claims the URL against the imported package's version, and says why", async () => {
    const r = await check(v, { ...named, meta: { profile: [URL] } });
    expect(r.profile).toBe('ig.felles-pasient');
    expect(errors(r)).toEqual([]);
    expect(r.detection).toContain(
      'imported profile ig.felles-pasient (version 2.2.3) chosen over shipped profile felles-pasient (version 1.0.0)',
    );
  });

  it('takes the version a claim names', async () => {
    const r = await check(v, { ...named, meta: { profile: [`${URL}|1.0.0`] } });
    expect(r.profile).toBe('felles-pasient');
    expect(errors(r)).toEqual(['FHIR-CARDINALITY-MIN']);
    expect(r.detection).toContain('the claim names version 1.0.0');
  });

  it('validates with each catalog profile its own definition when it is named', async () => {
    expect(errors(await check(v, named, 'felles-pasient'))).toEqual(['FHIR-CARDINALITY-MIN']);
    expect(errors(await check(v, named, 'ig.felles-pasient'))).toEqual([]);
  });
});
