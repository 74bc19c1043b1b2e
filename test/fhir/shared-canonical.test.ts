import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, ConformanceStore, versionAdmits } from '../../src/fhir/conformance-store.js';
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

  it('takes, for a claim of major.minor only, the latest loaded version of it', async () => {
    const patch = profileDir(root, 'felles-pasient-1-0-7', '1.0.7', 'shipped', [{ id: 'Patient.gender', path: 'Patient.gender', min: 1 }]);
    const withPatch = new FhirValidator(new ProfileCatalog([shipped, imported, patch]));
    const r = await check(withPatch, { ...named, meta: { profile: [`${URL}|1.0`] } });
    expect(r.profile).toBe('felles-pasient-1-0-7');
    expect(errors(r)).toEqual(['FHIR-CARDINALITY-MIN']);
    expect(r.detection).toContain('the claim names version 1.0 (1.0.7 is the latest loaded version it admits)');
  });

  it('does not answer a claim of a version with a profile whose definition names no version', async () => {
    const dir = path.join(root, 'uten-versjon');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'sd.json'), JSON.stringify({ ...profileOn('Patient', 'uten-versjon', []), url: URL }));
    writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({ id: 'uten-versjon', version: '1.0.0', title: 'x', kind: 'fhir', url: URL, resources: ['sd.json'] }),
    );
    const r = await check(new FhirValidator(new ProfileCatalog([loadProfileDir(dir, 'imported')])), {
      ...named,
      meta: { profile: [`${URL}|3.1`] },
    });
    expect(r.profile).toBeNull();
    expect(r.findings.map((f) => f.ruleId)).toContain('FHIR-PROFILE-UNKNOWN');
  });

  it('refuses a catalog profile whose resources hold two versions of its own definition, naming them', () => {
    const dir = path.join(root, 'to-versjoner');
    mkdirSync(dir, { recursive: true });
    for (const version of ['1.0.0', '2.0.0'])
      writeFileSync(
        path.join(dir, `sd-${version}.json`),
        JSON.stringify({ ...profileOn('Patient', 'to-versjoner', []), url: URL, version }),
      );
    writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({
        id: 'to-versjoner',
        version: '1.0.0',
        title: 'x',
        kind: 'fhir',
        url: URL,
        resources: ['sd-1.0.0.json', 'sd-2.0.0.json'],
      }),
    );
    const problem = new FhirValidator(new ProfileCatalog([loadProfileDir(dir, 'imported')])).problemWith('to-versjoner');
    expect(problem?.code).toBe('profile_invalid');
    expect(problem?.message).toBe(
      `profile to-versjoner: its resources hold 2 versions of the StructureDefinition ${URL} (1.0.0, 2.0.0); a catalog profile is one version of it, so each version needs a profile of its own`,
    );
  });

  it('does not answer a claim of a version that is not loaded with another version', async () => {
    const r = await check(v, { ...named, meta: { profile: [`${URL}|3.1`] } });
    expect(r.profile).toBeNull();
    expect(errors(r)).toEqual([]);
    expect(r.findings.map((f) => f.ruleId)).toContain('FHIR-PROFILE-UNKNOWN');
  });
});

describe('versions a canonical reference admits', () => {
  it('admits the same version, and for a semantic version any of the same major.minor', () => {
    expect(versionAdmits('0.2.1', '0.2.1')).toBe(true);
    expect(versionAdmits('0.2', '0.2.1')).toBe(true);
    expect(versionAdmits('0.2.5', '0.2.1')).toBe(true);
    expect(versionAdmits('0.2', '0.2.10-ballot')).toBe(true);
    expect(versionAdmits('0.2', '0.20.1')).toBe(false);
    expect(versionAdmits('0.2', '0.3.0')).toBe(false);
    expect(versionAdmits('0.2.1-ballot', '0.2.1')).toBe(false);
    expect(versionAdmits('2024', '2024.1')).toBe(false);
  });

  it('orders versions as semantic versions: by their numbers, a release after its pre-releases, build metadata ignored', () => {
    expect(['0.2.9', '0.2.10', '0.2.1'].sort(compareVersions)).toEqual(['0.2.1', '0.2.9', '0.2.10']);
    expect(['0.2.10', '0.2.10-ballot', '0.2.9'].sort(compareVersions)).toEqual(['0.2.9', '0.2.10-ballot', '0.2.10']);
    expect(['0.2.10+build.1', '0.2.9'].sort(compareVersions)).toEqual(['0.2.9', '0.2.10+build.1']);
  });

  it('finds the version a reference names in the store, else the latest it admits', () => {
    const store = new ConformanceStore();
    // Loaded out of order, so that the latest version is not the one loaded last.
    for (const version of ['0.2.4', '0.1.3', '0.2.1'])
      store.add({ resourceType: 'StructureDefinition', url: 'http://x.test/sd', version, id: version });
    expect(store.getExact('http://x.test/sd|0.2')?.id).toBe('0.2.4');
    expect(store.getExact('http://x.test/sd|0.1.3')?.id).toBe('0.1.3');
    expect(store.getExact('http://x.test/sd|0.2.1')?.id).toBe('0.2.1');
    expect(store.getExact('http://x.test/sd|0.3')).toBeUndefined();
    expect(store.get('http://x.test/sd|0.3')?.id).toBe('0.2.1');
    expect(store.get('http://x.test/sd')?.id).toBe('0.2.1');
  });

  it('finds the version a reference names in a parent layer before a later version of its major.minor in a child', () => {
    const parent = new ConformanceStore();
    parent.add({ resourceType: 'StructureDefinition', url: 'http://x.test/sd', version: '0.2.1', id: 'parent' });
    const child = new ConformanceStore(parent);
    child.add({ resourceType: 'StructureDefinition', url: 'http://x.test/sd', version: '0.2.4', id: 'child' });
    expect(child.getExact('http://x.test/sd|0.2.1')?.id).toBe('parent');
    expect(child.getExact('http://x.test/sd|0.2')?.id).toBe('child');
  });
});
