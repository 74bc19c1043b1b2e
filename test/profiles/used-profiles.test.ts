import { describe, expect, it } from 'vitest';
import { ProfileCatalog } from '../../src/profiles/catalog.js';
import type { LoadedProfile, ProfileManifest } from '../../src/profiles/manifest.js';
import { usedProfileRefs, usedProfiles, usersOf } from '../../src/profiles/used-profiles.js';

function profile(id: string, uses: string[] = [], kind: 'xml' | 'fhir' = 'xml'): LoadedProfile {
  const manifest = { id, version: '1.0.0', title: id, kind, schema: 'x.xsd', uses } as unknown as ProfileManifest;
  return { manifest, dir: `/p/${id}`, source: 'shipped', files: new Map(), sha256: id.padEnd(64, '0') };
}

describe('the profiles a validation also applies', () => {
  it('are those a profile uses and theirs in turn, each once, in id order, and never the profile itself', () => {
    const catalog = new ProfileCatalog([
      profile('svar', ['msghead', 'kodeverk']),
      profile('msghead', ['kodeverk', 'svar']),
      profile('kodeverk'),
      profile('annet'),
    ]);
    expect(usedProfiles(catalog, catalog.require('svar')).map((p) => p.manifest.id)).toEqual(['kodeverk', 'msghead']);
    expect(usedProfiles(catalog, catalog.require('kodeverk'))).toEqual([]);
    expect(usedProfileRefs(catalog, catalog.require('msghead'))).toEqual([
      { profile: 'kodeverk', version: '1.0.0', profileSha256: 'kodeverk'.padEnd(64, '0') },
      { profile: 'svar', version: '1.0.0', profileSha256: 'svar'.padEnd(64, '0') },
    ]);
  });

  it('leave out an id the catalog lacks (validation fails on it first) and follow only XML profiles', () => {
    const catalog = new ProfileCatalog([profile('a', ['mangler', 'b']), profile('b'), profile('f', ['b'], 'fhir')]);
    expect(usedProfiles(catalog, catalog.require('a')).map((p) => p.manifest.id)).toEqual(['b']);
    expect(usedProfiles(catalog, catalog.require('f'))).toEqual([]);
  });

  it('follow the catalog: a used profile put in place of another is the one named', () => {
    const catalog = new ProfileCatalog([profile('a', ['b']), profile('b')]);
    const newer = { ...profile('b'), source: 'imported' as const, sha256: 'f'.repeat(64) };
    catalog.put(newer);
    expect(usedProfiles(catalog, catalog.require('a'))).toEqual([newer]);
  });

  it('give, turned round, the profiles whose declarations rest on a used one', () => {
    const catalog = new ProfileCatalog([profile('svar', ['msghead']), profile('msghead', ['kodeverk']), profile('kodeverk'), profile('annet')]);
    expect(Object.fromEntries(usersOf(catalog))).toEqual({ msghead: ['svar'], kodeverk: ['msghead', 'svar'] });
  });
});
