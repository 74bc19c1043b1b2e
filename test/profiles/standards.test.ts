import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { LoadedProfile, ProfileManifest } from '../../src/profiles/manifest.js';
import { parseManifest } from '../../src/profiles/manifest-schema.js';
import { catalogueByStandard } from '../../src/profiles/standards.js';
import { loadTestcases } from '../../src/testcases/index.js';

/** The profile catalogue grouped by standard: what `GET /profiles` and `samsvar profiles list` show. */

function profile(manifest: Partial<ProfileManifest> & { id: string }): LoadedProfile {
  const m = { version: '1.0.0', title: manifest.id, kind: 'xml', schema: 'x.xsd', ...manifest } as ProfileManifest;
  return { manifest: m, dir: `/p/${m.id}`, source: 'shipped', files: new Map(), sha256: '0'.repeat(64) };
}

const dm = (version: string) => ({ id: 'dialogmelding', name: 'Dialogmelding', version });
const missing = { oid: '2.16.578.1.12.4.1.1.9152', name: 'Type opplysning', reason: 'not public' };

const profiles = [
  profile({ id: 'dm-1.1-svar', standard: dm('1.1'), messageTypes: ['DIALOG_SVAR'] }),
  profile({ id: 'dm-1.0-foresporsel', standard: dm('1.0'), messageTypes: ['DIALOG_FORESPORSEL'], codelistsNotShipped: [missing] }),
  profile({ id: 'dm-1.0-notat', standard: dm('1.0'), messageTypes: ['DIALOG_NOTAT'], codelistsNotShipped: [missing] }),
  profile({ id: 'dm-1.1-notat', standard: dm('1.1'), messageTypes: ['DIALOG_NOTAT'] }),
  profile({ id: 'ar-1.0', standard: { id: 'apprec', name: 'Applikasjonskvittering', version: '1.0' }, messageTypes: ['AppRec'] }),
  profile({ id: 'some-xsd-set', title: 'An imported XSD set', version: '0.9' }),
];
const testcases = [
  { profile: 'dm-1.0-foresporsel', kind: 'submit' },
  { profile: 'dm-1.0-foresporsel', kind: 'submit' },
  { profile: 'dm-1.0-foresporsel', kind: 'receive' },
  { profile: 'dm-1.1-svar', kind: 'receive' },
  { profile: 'dm-1.1-notat', kind: 'live' },
  { profile: 'elsewhere', kind: 'submit' },
];
const standards = catalogueByStandard(profiles, testcases, () => 'active');

describe('the profile catalogue grouped by standard', () => {
  it('groups by standard, sorted by name, and by version in ascending order', () => {
    expect(standards.map((s) => s.id)).toEqual(['some-xsd-set', 'apprec', 'dialogmelding']);
    const dialog = standards.find((s) => s.id === 'dialogmelding')!;
    expect(dialog.name).toBe('Dialogmelding');
    expect(dialog.versions.map((v) => v.version)).toEqual(['1.0', '1.1']);
    expect(dialog.versions[0]!.profiles.map((p) => p.id)).toEqual(['dm-1.0-foresporsel', 'dm-1.0-notat']);
  });

  it('sorts versions numerically, not as text', () => {
    const many = catalogueByStandard(['1.10', '1.9', '2.0'].map((v) => profile({ id: `p-${v}`, standard: dm(v) })), [], () => 'active');
    expect(many[0]!.versions.map((v) => v.version)).toEqual(['1.9', '1.10', '2.0']);
  });

  it('unites the message types of each version and of the standard', () => {
    const dialog = standards.find((s) => s.id === 'dialogmelding')!;
    expect(dialog.versions[0]!.messageTypes).toEqual(['DIALOG_FORESPORSEL', 'DIALOG_NOTAT']);
    expect(dialog.messageTypes).toEqual(['DIALOG_FORESPORSEL', 'DIALOG_NOTAT', 'DIALOG_SVAR']);
  });

  it('counts test cases by direction: submit is send, receive is receive; other kinds and other profiles do not count', () => {
    const dialog = standards.find((s) => s.id === 'dialogmelding')!;
    expect(dialog.versions[0]!.testcasesByDirection).toEqual({ send: 2, receive: 1 });
    expect(dialog.versions[1]!.testcasesByDirection).toEqual({ send: 0, receive: 1 });
    expect(dialog.testcasesByDirection).toEqual({ send: 2, receive: 2 });
    expect(dialog.versions[0]!.profiles[0]!).toMatchObject({ testcases: 3, testcasesByDirection: { send: 2, receive: 1 } });
  });

  it('calls code lists complete only where no profile declares one not shipped, and names each missing list once', () => {
    const dialog = standards.find((s) => s.id === 'dialogmelding')!;
    expect(dialog.versions[0]!.codelistsComplete).toBe(false);
    expect(dialog.versions[0]!.codelistsNotShipped).toEqual([{ ...missing, profiles: ['dm-1.0-foresporsel', 'dm-1.0-notat'] }]);
    expect(dialog.versions[1]!.codelistsComplete).toBe(true);
    expect(dialog.codelistsComplete).toBe(false);
    expect(standards.find((s) => s.id === 'apprec')!.codelistsComplete).toBe(true);
  });

  it('lets a profile that names no standard stand for itself', () => {
    const own = standards.find((s) => s.id === 'some-xsd-set')!;
    expect(own).toMatchObject({ name: 'An imported XSD set', declared: false, versions: [{ version: '0.9' }] });
    expect(own.versions[0]!.profiles[0]!.standard).toEqual({ id: 'some-xsd-set', name: 'An imported XSD set', version: '0.9' });
    expect(standards.find((s) => s.id === 'dialogmelding')!.declared).toBe(true);
  });
});

describe('the manifest fields behind the catalogue', () => {
  const base = { id: 'x-profile', version: '1.0.0', title: 'X', kind: 'xml', schema: 'x.xsd' };

  it('accepts standard, messageTypes and codelistsNotShipped', () => {
    const m = parseManifest({ ...base, standard: dm('1.0'), messageTypes: ['DIALOG_NOTAT'], codelistsNotShipped: [missing] }, 'profile.json');
    expect(m.standard).toEqual(dm('1.0'));
  });

  it.each([
    ['a standard without a version', { standard: { id: 'dialogmelding', name: 'Dialogmelding' } }],
    ['a standard id with capitals', { standard: { ...dm('1.0'), id: 'Dialogmelding' } }],
    ['a standard with an unknown property', { standard: { ...dm('1.0'), year: 2006 } }],
    ['a repeated message type', { messageTypes: ['DIALOG_NOTAT', 'DIALOG_NOTAT'] }],
    ['a code list without a reason', { codelistsNotShipped: [{ oid: missing.oid, name: missing.name }] }],
    ['a code list whose OID is not dotted digits', { codelistsNotShipped: [{ ...missing, oid: 'urn:oid:2.16' }] }],
  ])('refuses %s', (_what, extra) => {
    expect(() => parseManifest({ ...base, ...extra }, 'profile.json')).toThrow(/not a valid profile manifest/);
  });
});

describe('the shipped profiles', () => {
  const catalog = loadCatalog({ shippedDir: path.resolve(import.meta.dirname, '../../profiles'), importedDir: '/nonexistent-samsvar-data' });

  it.each(catalog.list().map((p) => [p.manifest.id, p] as const))('%s names its standard and the message types it validates', (_id, p) => {
    expect(p.manifest.standard).toMatchObject({ id: expect.stringMatching(/^[a-z0-9]/), name: expect.any(String), version: expect.any(String) });
    expect(p.manifest.messageTypes?.length).toBeGreaterThan(0);
  });

  it('every shipped test case is counted under its profile\'s standard', () => {
    const tcs = loadTestcases(undefined, catalog);
    const all = catalogueByStandard(catalog.list(), tcs, () => 'active');
    const counted = all.reduce((n, s) => n + s.testcasesByDirection.send + s.testcasesByDirection.receive, 0);
    expect(counted).toBe(tcs.filter((t) => t.kind === 'submit' || t.kind === 'receive').length);
  });
});
